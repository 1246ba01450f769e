/**
 * The FLV file header (FLV specification v10.1, annex E.2) and PreviousTagSize0.
 *
 * @module
 */

import { FlvError } from "./flv_error.ts";

/** Size of the FLV header proper (signature, version, flags, DataOffset), without PreviousTagSize0. */
export const FLV_HEADER_SIZE = 9;

/** Size of a PreviousTagSize field (u32 big-endian back-pointer after every tag). */
export const FLV_PREVIOUS_TAG_SIZE_SIZE = 4;

/** The version byte every FLV file carries. */
export const FLV_VERSION = 1;

/** Bits of the header's flags byte (TypeFlagsVideo, TypeFlagsAudio). */
export const FlvFlags = { Video: 0x01, Audio: 0x04 } as const;

/** The decoded fields of an FLV header. */
export interface FlvHeader {
  /** Version byte (1 in every known file). */
  version: number;
  /** Flags byte as found (see {@linkcode FlvFlags}); reserved bits are kept. */
  flags: number;
  /** DataOffset: size of the header in bytes, 9 for version 1; tags start 4 bytes after it. */
  dataOffset: number;
}

// "FLV" in ASCII.
const SIGNATURE_F = 0x46;
const SIGNATURE_L = 0x4c;
const SIGNATURE_V = 0x56;

/**
 * Encodes the 13 bytes that open an FLV stream: `FLV`, version 1, the flags byte, DataOffset 9
 * and PreviousTagSize0 = 0.
 *
 * @example
 * ```ts
 * import { encodeFlvHeader, FlvFlags } from "./flv_header.ts";
 * const bytes = encodeFlvHeader(FlvFlags.Audio | FlvFlags.Video);
 * if (bytes[4] !== 0x05 || bytes.length !== 13) throw new Error("unexpected header");
 * ```
 */
export function encodeFlvHeader(flags: number): Uint8Array {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new FlvError(`Cannot encode FLV header: flags ${flags} is not a byte`);
  }
  const bytes = new Uint8Array(FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE);
  bytes[0] = SIGNATURE_F;
  bytes[1] = SIGNATURE_L;
  bytes[2] = SIGNATURE_V;
  bytes[3] = FLV_VERSION;
  bytes[4] = flags;
  bytes[8] = FLV_HEADER_SIZE; // DataOffset u32 BE = 9; bytes 9..12 stay 0 (PreviousTagSize0)
  return bytes;
}

/**
 * Decodes the first {@linkcode FLV_HEADER_SIZE} bytes of an FLV stream.
 *
 * @throws {FlvError} when fewer than 9 bytes are given, the signature is not `FLV`, or
 * DataOffset is smaller than 9.
 */
export function decodeFlvHeader(bytes: Uint8Array): FlvHeader {
  if (bytes.length < FLV_HEADER_SIZE) {
    throw new FlvError(
      `Cannot decode FLV header: need ${FLV_HEADER_SIZE} bytes, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== SIGNATURE_F || bytes[1] !== SIGNATURE_L || bytes[2] !== SIGNATURE_V) {
    throw new FlvError("Cannot decode FLV header: signature is not 'FLV'");
  }
  const dataOffset = ((bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8]) >>> 0;
  if (dataOffset < FLV_HEADER_SIZE) {
    throw new FlvError(
      `Cannot decode FLV header: DataOffset ${dataOffset} is smaller than ${FLV_HEADER_SIZE}`,
    );
  }
  return { version: bytes[3], flags: bytes[4], dataOffset };
}
