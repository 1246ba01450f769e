/**
 * MD5 (RFC 1321). WebCrypto has no MD5, and publisher authentication (Adobe and Limelight)
 * is built on it, so it lives here as a small synchronous function. It is not used for
 * anything that needs collision resistance.
 *
 * @module
 */

/** Length of an MD5 digest in bytes. */
export const MD5_DIGEST_LENGTH = 16;

const BLOCK_LENGTH = 64;
const LENGTH_FIELD_LENGTH = 8;
const PADDING_MARKER = 0x80;

/** Per-step left-rotation amounts, four per round (RFC 1321 §3.4). */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/** The sine table T[i] = floor(2^32 · |sin(i + 1)|) (RFC 1321 §3.4). */
const SINE_TABLE: Uint32Array = Uint32Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 0x1_0000_0000) >>> 0,
);

/** Initial chaining values A, B, C, D (RFC 1321 §3.3). */
const INITIAL_STATE = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/**
 * The MD5 digest of `data`, 16 bytes.
 *
 * @example
 * ```ts
 * import { md5 } from "./md5.ts";
 *
 * const digest = md5(new TextEncoder().encode("abc"));
 * console.assert(digest.length === 16 && digest[0] === 0x90);
 * ```
 */
export function md5(data: Uint8Array): Uint8Array {
  const paddedLength = Math.ceil((data.length + 1 + LENGTH_FIELD_LENGTH) / BLOCK_LENGTH) *
    BLOCK_LENGTH;
  const padded = new Uint8Array(paddedLength);
  padded.set(data);
  padded[data.length] = PADDING_MARKER;
  const view = new DataView(padded.buffer);
  const bitLength = data.length * 8;
  view.setUint32(paddedLength - 8, bitLength >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(bitLength / 0x1_0000_0000), true);

  let [a0, b0, c0, d0] = INITIAL_STATE;
  const words = new Uint32Array(16);
  for (let block = 0; block < paddedLength; block += BLOCK_LENGTH) {
    for (let i = 0; i < 16; i++) words[i] = view.getUint32(block + i * 4, true);
    let a = a0, b = b0, c = c0, d = d0;
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      let f: number;
      let g: number;
      if (round === 0) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (round === 1) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (round === 2) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + SINE_TABLE[i] + words[g]) | 0;
      const shift = SHIFTS[round * 4 + (i & 3)];
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const digest = new Uint8Array(MD5_DIGEST_LENGTH);
  const out = new DataView(digest.buffer);
  out.setUint32(0, a0, true);
  out.setUint32(4, b0, true);
  out.setUint32(8, c0, true);
  out.setUint32(12, d0, true);
  return digest;
}

/**
 * The MD5 digest of `data` as 32 lower-case hex digits (the form HTTP digest authentication and
 * Limelight publisher authentication use).
 *
 * @example
 * ```ts
 * import { md5Hex } from "./md5.ts";
 *
 * console.assert(md5Hex(new TextEncoder().encode("abc")) === "900150983cd24fb0d6963f7d28e17f72");
 * ```
 */
export function md5Hex(data: Uint8Array): string {
  let out = "";
  for (const byte of md5(data)) out += byte.toString(16).padStart(2, "0");
  return out;
}
