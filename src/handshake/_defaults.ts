/**
 * The clock and random source a handshake uses when none is injected.
 *
 * @module
 */

/** Most bytes `crypto.getRandomValues` fills in one call. */
const RANDOM_VALUES_LIMIT = 65536;

/** Milliseconds since the process started, the stand-in for librtmp's uptime clock. */
export function defaultNow(): number {
  return Math.floor(performance.now());
}

/** Fills `bytes` from `crypto.getRandomValues`, in pieces it accepts. */
export function defaultRandom(bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += RANDOM_VALUES_LIMIT) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + RANDOM_VALUES_LIMIT));
    crypto.getRandomValues(piece as Uint8Array<ArrayBuffer>);
  }
}

/** Writes `value` modulo 2^32 as a big-endian u32 at `offset`. */
export function writeTime(block: Uint8Array, offset: number, value: number): void {
  new DataView(block.buffer, block.byteOffset, block.byteLength).setUint32(offset, value >>> 0);
}

/** Reads the big-endian u32 at `offset`. */
export function readTime(block: Uint8Array, offset: number): number {
  return new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(offset);
}
