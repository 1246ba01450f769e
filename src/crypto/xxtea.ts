/**
 * XXTEA ("Corrected Block TEA", Wheeler and Needham, 1998) over 32-bit words, the cipher of
 * SecureToken (librtmp-facts §5.6): delta 0x9E3779B9, 6 + 52/n cycles over the n words of a
 * block, a 128-bit key as four 32-bit words. Encryption needs at least two words, as the
 * original paper says. Decryption also takes a block of one word, because librtmp decrypts
 * such SecureTokens; that transform has no encryption it inverts.
 *
 * @module
 */

/** The key schedule constant, floor(2^32 / golden ratio). */
export const XXTEA_DELTA = 0x9e3779b9;

/** Number of 32-bit words in an XXTEA key. */
export const XXTEA_KEY_WORDS = 4;

const BASE_CYCLES = 6;
const CYCLES_NUMERATOR = 52;

function checkArguments(
  block: Uint32Array,
  key: Uint32Array,
  action: string,
  minWords: number,
): void {
  if (block.length < minWords) {
    throw new RangeError(
      `Cannot ${action}: the block is ${block.length} words, expected at least ${minWords}`,
    );
  }
  if (key.length !== XXTEA_KEY_WORDS) {
    throw new RangeError(
      `Cannot ${action}: the key is ${key.length} words, expected ${XXTEA_KEY_WORDS}`,
    );
  }
}

/** The mixing function of one word update. */
function mix(y: number, z: number, sum: number, p: number, e: number, key: Uint32Array): number {
  return ((((z >>> 5) ^ (y << 2)) + ((y >>> 3) ^ (z << 4))) ^
    ((sum ^ y) + (key[(p & 3) ^ e] ^ z))) >>> 0;
}

/** Number of cycles for a block of `n` words. */
function cycles(n: number): number {
  return BASE_CYCLES + Math.floor(CYCLES_NUMERATOR / n);
}

/**
 * Encrypts `block` (at least 2 words) in place with XXTEA under `key` (4 words).
 *
 * @example
 * ```ts
 * import { xxteaDecrypt, xxteaEncrypt } from "./xxtea.ts";
 *
 * const key = Uint32Array.of(1, 2, 3, 4);
 * const block = Uint32Array.of(0xdeadbeef, 0x01234567);
 * xxteaEncrypt(block, key);
 * xxteaDecrypt(block, key);
 * console.assert(block[0] === 0xdeadbeef && block[1] === 0x01234567);
 * ```
 */
export function xxteaEncrypt(block: Uint32Array, key: Uint32Array): void {
  checkArguments(block, key, "encrypt with XXTEA", 2);
  const n = block.length;
  let rounds = cycles(n);
  let sum = 0;
  let z = block[n - 1];
  while (rounds-- > 0) {
    sum = (sum + XXTEA_DELTA) >>> 0;
    const e = (sum >>> 2) & 3;
    for (let p = 0; p < n; p++) {
      const y = block[(p + 1) % n];
      z = block[p] = (block[p] + mix(y, z, sum, p, e, key)) >>> 0;
    }
  }
}

/**
 * Decrypts `block` (at least 1 word) in place with XXTEA under `key` (4 words); the inverse of
 * {@linkcode xxteaEncrypt} for blocks of two words or more.
 */
export function xxteaDecrypt(block: Uint32Array, key: Uint32Array): void {
  checkArguments(block, key, "decrypt with XXTEA", 1);
  const n = block.length;
  let sum = Math.imul(cycles(n), XXTEA_DELTA) >>> 0;
  let y = block[0];
  while (sum !== 0) {
    const e = (sum >>> 2) & 3;
    for (let p = n - 1; p >= 0; p--) {
      const z = block[(p + n - 1) % n];
      y = block[p] = (block[p] - mix(y, z, sum, p, e, key)) >>> 0;
    }
    sum = (sum - XXTEA_DELTA) >>> 0;
  }
}
