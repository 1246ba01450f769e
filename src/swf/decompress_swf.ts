/**
 * A SWF file's decompressed form, the bytes SWF verification hashes (librtmp-facts §4.5): `FWS`
 * files as they are; `CWS` (zlib) and `ZWS` (LZMA, which rtmpdump cannot read) with their body
 * inflated and the 8-byte header rewritten to `FWS` + version + declared length.
 *
 * `CWS` uses `node:zlib` (loaded on first use; Deno and Bun both provide it and give the same
 * results, where their `DecompressionStream`s differ on truncated data and trailing bytes). Like
 * zlib in rtmpdump, bytes after the end of the zlib stream are ignored; unlike rtmpdump, a
 * truncated or corrupt stream is an error instead of a hash of whatever came out. `ZWS` is
 * decoded by {@linkcode decodeLzma} to exactly the declared length. Output is bounded by
 * `maxSize`.
 *
 * ZWS layout: `ZWS`, version (1 byte), decompressed file length (u32 LE, header included),
 * compressed length (u32 LE, not needed to decode), the 5 LZMA property bytes, the LZMA data.
 *
 * @module
 */

import { decodeLzma, LZMA_PROPERTIES_LENGTH } from "./lzma_decoder.ts";
import { SwfError } from "./swf_error.ts";

/** Length of the header every SWF starts with: signature (3), version (1), file length (4). */
export const SWF_HEADER_LENGTH = 8;
/** Where the LZMA properties start in a ZWS file. */
export const ZWS_PROPERTIES_OFFSET = 12;
/** Default bound on a decompressed SWF: 64 MiB. */
export const DEFAULT_MAX_SWF_SIZE = 64 * 1024 * 1024;

/** The compression a SWF signature names. */
export type SwfCompression = "none" | "zlib" | "lzma";

const SIGNATURES: Record<string, SwfCompression> = { FWS: "none", CWS: "zlib", ZWS: "lzma" };
const UNCOMPRESSED_SIGNATURE = [0x46, 0x57, 0x53]; // "FWS"

/** Options of {@linkcode decompressSwf}. */
export interface DecompressSwfOptions {
  /** Largest decompressed size accepted, header included ({@linkcode DEFAULT_MAX_SWF_SIZE}). */
  maxSize?: number;
}

/** The compression of a SWF file from its signature, or `undefined` when it is not a SWF. */
export function swfCompression(file: Uint8Array): SwfCompression | undefined {
  if (file.length < 3) return undefined;
  return SIGNATURES[String.fromCharCode(file[0], file[1], file[2])];
}

function declaredLength(file: Uint8Array): number {
  return (file[4] | file[5] << 8 | file[6] << 16 | file[7] << 24) >>> 0;
}

function describeSignature(file: Uint8Array): string {
  return Array.from(file.subarray(0, 3), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/**
 * The decompressed SWF (`FWS` header) of `file`. Throws {@linkcode SwfError} when `file` is not
 * a SWF, is corrupt, or decompresses to more than `maxSize` bytes.
 *
 * @example
 * ```ts
 * import { decompressSwf } from "./decompress_swf.ts";
 *
 * const fws = Uint8Array.of(0x46, 0x57, 0x53, 10, 9, 0, 0, 0, 0);
 * console.assert((await decompressSwf(fws)) === fws);
 * ```
 */
export async function decompressSwf(
  file: Uint8Array,
  options: DecompressSwfOptions = {},
): Promise<Uint8Array> {
  const maxSize = options.maxSize ?? DEFAULT_MAX_SWF_SIZE;
  const compression = swfCompression(file);
  if (compression === undefined || file.length < SWF_HEADER_LENGTH) {
    const what = file.length < SWF_HEADER_LENGTH
      ? `it is ${file.length} bytes`
      : `it starts with ${describeSignature(file)}`;
    throw new SwfError(`Cannot hash the SWF file: not a SWF file (${what})`);
  }
  if (compression === "none") {
    if (file.length > maxSize) throw tooLarge(file.length, maxSize);
    return file;
  }
  const body = compression === "zlib"
    ? await inflateBody(file.subarray(SWF_HEADER_LENGTH), maxSize - SWF_HEADER_LENGTH)
    : decodeLzmaBody(file, maxSize);
  const out = new Uint8Array(SWF_HEADER_LENGTH + body.length);
  out.set(UNCOMPRESSED_SIGNATURE);
  out.set(file.subarray(3, SWF_HEADER_LENGTH), 3);
  out.set(body, SWF_HEADER_LENGTH);
  return out;
}

function tooLarge(size: number | string, maxSize: number): SwfError {
  return new SwfError(
    `Cannot hash the SWF file: it decompresses to ${size} bytes, over the limit of ${maxSize}`,
  );
}

async function inflateBody(data: Uint8Array, maxOutput: number): Promise<Uint8Array> {
  const zlib = await import("node:zlib");
  try {
    const out = zlib.inflateSync(data, { maxOutputLength: Math.max(1, maxOutput) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      throw tooLarge("more than the limit", maxOutput + SWF_HEADER_LENGTH);
    }
    const reason = code === "Z_BUF_ERROR" ? "its zlib data ends early" : "its zlib data is corrupt";
    throw new SwfError(`Cannot hash the CWS file: ${reason}`, { cause: error });
  }
}

function decodeLzmaBody(file: Uint8Array, maxSize: number): Uint8Array {
  const dataOffset = ZWS_PROPERTIES_OFFSET + LZMA_PROPERTIES_LENGTH;
  if (file.length < dataOffset) {
    throw new SwfError(`Cannot hash the ZWS file: it is ${file.length} bytes, too short`);
  }
  const declared = declaredLength(file);
  if (declared < SWF_HEADER_LENGTH) {
    throw new SwfError(`Cannot hash the ZWS file: it declares a length of ${declared} bytes`);
  }
  if (declared > maxSize) throw tooLarge(declared, maxSize);
  try {
    return decodeLzma(
      file.subarray(ZWS_PROPERTIES_OFFSET, dataOffset),
      file.subarray(dataOffset),
      declared - SWF_HEADER_LENGTH,
    );
  } catch (error) {
    throw new SwfError(`Cannot hash the ZWS file: ${(error as Error).message}`, { cause: error });
  }
}
