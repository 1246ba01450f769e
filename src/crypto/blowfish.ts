/**
 * Blowfish, the 64-bit block cipher RTMPE type 0x09 runs over its handshake signatures
 * (librtmp-facts §4.4).
 *
 * Blowfish starts from the fractional hexadecimal digits of π: the first 18 words are the
 * P-array, the next 1024 the four S-boxes. Rather than carry those 4168 bytes as a table, this
 * module computes the digits once, on the first use, with Machin's formula
 * π = 16·atan(1/5) − 4·atan(1/239) in BigInt fixed point.
 *
 * @module
 */

/** Rounds of Blowfish. */
const ROUNDS = 16;

/** Words of the P-array, and of each of the four S-boxes. */
const P_WORDS = ROUNDS + 2;
const S_BOX_WORDS = 256;
const S_BOXES = 4;
const INIT_WORDS = P_WORDS + S_BOXES * S_BOX_WORDS;

/** Shortest and longest key Blowfish's key schedule accepts, in bytes. */
const MIN_KEY_LENGTH = 1;
const MAX_KEY_LENGTH = 56;

/** Bytes per block, hexadecimal digits per word. */
const BLOCK_SIZE = 8;
const HEX_DIGITS_PER_WORD = 8;

/** Extra hexadecimal digits computed past the last one needed, to absorb truncation error. */
const GUARD_DIGITS = 8;

/** Options of a {@linkcode Blowfish} cipher. */
export interface BlowfishOptions {
  /**
   * Read and write a block's two 32-bit words little-endian, as librtmp's type 0x09 transform
   * does. Default false: big-endian, as the published test vectors.
   */
  littleEndian?: boolean;
}

let initialWords: Uint32Array | undefined;

/** `atan(1/x)` scaled by `scale`, truncated: the alternating series Σ (−1)^k / ((2k+1)·x^(2k+1)). */
function scaledArctanInverse(x: bigint, scale: bigint): bigint {
  const xSquared = x * x;
  let power = scale / x;
  let sum = power;
  let divisor = 1n;
  let negative = true;
  while (power > 0n) {
    power /= xSquared;
    divisor += 2n;
    const term = power / divisor;
    sum = negative ? sum - term : sum + term;
    negative = !negative;
  }
  return sum;
}

/**
 * The first 1042 words of π's fractional part in hexadecimal (0x243f6a88, 0x85a308d3, ...):
 * Blowfish's initial P-array followed by its S-boxes. Computed on the first call, then kept.
 */
export function piWords(): Uint32Array {
  if (initialWords) return initialWords;
  const digits = INIT_WORDS * HEX_DIGITS_PER_WORD;
  const scaleBits = BigInt(4 * (digits + GUARD_DIGITS));
  const scale = 1n << scaleBits;
  const pi = 16n * scaledArctanInverse(5n, scale) - 4n * scaledArctanInverse(239n, scale);
  const fraction = (pi - 3n * scale) >> BigInt(4 * GUARD_DIGITS);
  const hex = fraction.toString(16).padStart(digits, "0");
  const words = new Uint32Array(INIT_WORDS);
  for (let i = 0; i < INIT_WORDS; i++) {
    words[i] = parseInt(hex.slice(i * HEX_DIGITS_PER_WORD, (i + 1) * HEX_DIGITS_PER_WORD), 16);
  }
  initialWords = words;
  return words;
}

/**
 * Blowfish with one key of 1 to 56 bytes (16 rounds, the standard π-derived initial state).
 * Blocks are 8 bytes, encrypted and decrypted in place.
 *
 * @example
 * ```ts
 * import { Blowfish } from "./blowfish.ts";
 *
 * const cipher = new Blowfish(new Uint8Array(8));
 * const block = new Uint8Array(8);
 * cipher.encryptBlock(block); // 4e f9 97 45 61 98 dd 78
 * console.assert(block[0] === 0x4e && block[7] === 0x78);
 * ```
 */
export class Blowfish {
  #p: Uint32Array;
  #s0: Uint32Array;
  #s1: Uint32Array;
  #s2: Uint32Array;
  #s3: Uint32Array;
  #littleEndian: boolean;
  #pair = new Uint32Array(2);

  /** Runs the key schedule over `key`. Throws RangeError on a key outside 1..56 bytes. */
  constructor(key: Uint8Array, options: BlowfishOptions = {}) {
    if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) {
      throw new RangeError(
        `Cannot set up Blowfish: key is ${key.length} bytes, expected ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH}`,
      );
    }
    this.#littleEndian = options.littleEndian ?? false;
    const state = piWords().slice();
    this.#p = state.subarray(0, P_WORDS);
    this.#s0 = state.subarray(P_WORDS, P_WORDS + S_BOX_WORDS);
    this.#s1 = state.subarray(P_WORDS + S_BOX_WORDS, P_WORDS + 2 * S_BOX_WORDS);
    this.#s2 = state.subarray(P_WORDS + 2 * S_BOX_WORDS, P_WORDS + 3 * S_BOX_WORDS);
    this.#s3 = state.subarray(P_WORDS + 3 * S_BOX_WORDS, INIT_WORDS);

    let at = 0;
    for (let i = 0; i < P_WORDS; i++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        word = (word << 8) | key[at];
        at = (at + 1) % key.length;
      }
      this.#p[i] ^= word;
    }
    const pair = this.#pair;
    pair[0] = pair[1] = 0;
    for (let i = 0; i < INIT_WORDS; i += 2) {
      this.#encryptPair(pair);
      state[i] = pair[0];
      state[i + 1] = pair[1];
    }
  }

  /** Encrypts the 8 bytes of `block` in place. */
  encryptBlock(block: Uint8Array): void {
    const view = blockView(block);
    const pair = this.#pair;
    pair[0] = view.getUint32(0, this.#littleEndian);
    pair[1] = view.getUint32(4, this.#littleEndian);
    this.#encryptPair(pair);
    view.setUint32(0, pair[0], this.#littleEndian);
    view.setUint32(4, pair[1], this.#littleEndian);
  }

  /** Decrypts the 8 bytes of `block` in place. */
  decryptBlock(block: Uint8Array): void {
    const view = blockView(block);
    const p = this.#p;
    let left = view.getUint32(0, this.#littleEndian);
    let right = view.getUint32(4, this.#littleEndian);
    for (let i = ROUNDS + 1; i > 1; i--) {
      left ^= p[i];
      right ^= this.#f(left);
      const swap = left;
      left = right;
      right = swap;
    }
    view.setUint32(0, (right ^ p[0]) >>> 0, this.#littleEndian);
    view.setUint32(4, (left ^ p[1]) >>> 0, this.#littleEndian);
  }

  /** Encrypts the two words in `pair` in place. */
  #encryptPair(pair: Uint32Array): void {
    const p = this.#p;
    let left = pair[0];
    let right = pair[1];
    for (let i = 0; i < ROUNDS; i++) {
      left ^= p[i];
      right ^= this.#f(left);
      const swap = left;
      left = right;
      right = swap;
    }
    pair[0] = right ^ p[ROUNDS + 1];
    pair[1] = left ^ p[ROUNDS];
  }

  /** Blowfish's round function: ((S0[a] + S1[b]) ^ S2[c]) + S3[d] over the bytes a b c d of x. */
  #f(x: number): number {
    return (((this.#s0[x >>> 24] + this.#s1[(x >>> 16) & 0xff]) ^ this.#s2[(x >>> 8) & 0xff]) +
      this.#s3[x & 0xff]) | 0;
  }
}

function blockView(block: Uint8Array): DataView {
  if (block.length !== BLOCK_SIZE) {
    throw new RangeError(`Cannot run Blowfish: block is ${block.length} bytes, expected 8`);
  }
  return new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
}
