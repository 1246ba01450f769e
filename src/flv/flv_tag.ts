/**
 * FLV tags (FLV specification v10.1, annex E.4.1): the 11-byte tag header, the body and the
 * PreviousTagSize back-pointer that follows every tag.
 *
 * @module
 */

import { FlvError } from "./flv_error.ts";
import { FLV_PREVIOUS_TAG_SIZE_SIZE } from "./flv_header.ts";

/** Tag types of the FLV container (the same numbers as the RTMP message typeIds). */
export const FlvTagType = { Audio: 8, Video: 9, Script: 18 } as const;

/** Size of an FLV tag header: type, DataSize u24, Timestamp u24 + TimestampExtended, StreamID u24. */
export const FLV_TAG_HEADER_SIZE = 11;

/** Largest body a tag can carry: DataSize is 24 bits. */
export const FLV_MAX_TAG_DATA_SIZE = 0xffffff;

/** One FLV tag. */
export interface FlvTag {
  /** Tag type byte (8 audio, 9 video, 18 script data; other values are passed through). */
  type: number;
  /** Timestamp in milliseconds, unsigned 32-bit (24 low bits + TimestampExtended). */
  timestamp: number;
  /** StreamID field, 0 in every valid file; defaults to 0 when encoding. */
  streamId?: number;
  /** The tag body. Codec headers (including Enhanced RTMP ones) are never interpreted here. */
  data: Uint8Array;
}

const MAX_U24 = 0xffffff;
const MAX_U32 = 0xffffffff;

/**
 * Writes an 11-byte tag header at `target[offset]`: type, u24 DataSize, u24 low timestamp bits,
 * u8 high timestamp bits, u24 StreamID (0 unless given).
 *
 * @throws {FlvError} when a field does not fit its width or the header does not fit in `target`.
 */
export function writeFlvTagHeader(
  target: Uint8Array,
  offset: number,
  type: number,
  dataSize: number,
  timestamp: number,
  streamId = 0,
): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + FLV_TAG_HEADER_SIZE > target.length) {
    throw new FlvError(
      `Cannot write FLV tag header: ${FLV_TAG_HEADER_SIZE} bytes do not fit at offset ${offset}`,
    );
  }
  checkRange(WRITE_HEADER, "type", type, 0xff);
  checkRange(WRITE_HEADER, "data size", dataSize, MAX_U24);
  checkRange(WRITE_HEADER, "timestamp", timestamp, MAX_U32);
  checkRange(WRITE_HEADER, "stream id", streamId, MAX_U24);
  target[offset] = type;
  target[offset + 1] = dataSize >>> 16;
  target[offset + 2] = dataSize >>> 8;
  target[offset + 3] = dataSize;
  target[offset + 4] = timestamp >>> 16;
  target[offset + 5] = timestamp >>> 8;
  target[offset + 6] = timestamp;
  target[offset + 7] = timestamp >>> 24;
  target[offset + 8] = streamId >>> 16;
  target[offset + 9] = streamId >>> 8;
  target[offset + 10] = streamId;
}

/**
 * Writes a u32 big-endian PreviousTagSize at `target[offset]`.
 *
 * @throws {FlvError} when the value is not a u32 or does not fit in `target`.
 */
export function writePreviousTagSize(target: Uint8Array, offset: number, size: number): void {
  if (
    !Number.isInteger(offset) || offset < 0 ||
    offset + FLV_PREVIOUS_TAG_SIZE_SIZE > target.length
  ) {
    throw new FlvError(
      `Cannot write FLV PreviousTagSize: 4 bytes do not fit at offset ${offset}`,
    );
  }
  checkRange("Cannot write FLV PreviousTagSize", "value", size, MAX_U32);
  target[offset] = size >>> 24;
  target[offset + 1] = size >>> 16;
  target[offset + 2] = size >>> 8;
  target[offset + 3] = size;
}

/** Reads the u24 DataSize of the tag header at `bytes[offset]` (caller checks the bounds). */
export function readFlvTagDataSize(bytes: Uint8Array, offset: number): number {
  return (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}

/** Reads the 32-bit timestamp of the tag header at `bytes[offset]` (caller checks the bounds). */
export function readFlvTagTimestamp(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 7] << 24) | (bytes[offset + 4] << 16) | (bytes[offset + 5] << 8) |
    bytes[offset + 6]) >>> 0;
}

/** Reads a u32 big-endian value at `bytes[offset]` (caller checks the bounds). */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
}

/**
 * Encodes one tag: header, body and PreviousTagSize (11 + body length).
 *
 * @example
 * ```ts
 * import { encodeFlvTag, FlvTagType } from "./flv_tag.ts";
 * const bytes = encodeFlvTag({ type: FlvTagType.Audio, timestamp: 40, data: new Uint8Array([0xaf, 1, 0x21]) });
 * if (bytes.length !== 11 + 3 + 4 || bytes[17] !== 14) throw new Error("unexpected tag");
 * ```
 *
 * @throws {FlvError} when the body is longer than 0xFFFFFF bytes or a header field is out of range.
 */
export function encodeFlvTag(tag: FlvTag): Uint8Array {
  const size = tag.data.length;
  if (size > FLV_MAX_TAG_DATA_SIZE) {
    throw new FlvError(
      `Cannot encode FLV tag: body of ${size} bytes exceeds ${FLV_MAX_TAG_DATA_SIZE}`,
    );
  }
  const bytes = new Uint8Array(FLV_TAG_HEADER_SIZE + size + FLV_PREVIOUS_TAG_SIZE_SIZE);
  writeFlvTagHeader(bytes, 0, tag.type, size, tag.timestamp, tag.streamId ?? 0);
  bytes.set(tag.data, FLV_TAG_HEADER_SIZE);
  writePreviousTagSize(bytes, FLV_TAG_HEADER_SIZE + size, FLV_TAG_HEADER_SIZE + size);
  return bytes;
}

const WRITE_HEADER = "Cannot write FLV tag header";

function checkRange(action: string, name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FlvError(`${action}: ${name} ${value} is outside 0..${max}`);
  }
}
