/**
 * XTEA, the 64-bit block cipher RTMPE type 0x08 runs over its handshake signatures
 * (librtmp-facts §4.4).
 *
 * @module
 */

/** Rounds of a full XTEA encryption (32 cycles of two Feistel rounds, as librtmp counts). */
export const XTEA_ROUNDS = 32;

/** XTEA's key schedule constant, ⌊2^32 / φ⌋. */
const DELTA = 0x9e3779b9;

/** Bytes per block and words per key. */
const BLOCK_SIZE = 8;
const KEY_WORDS = 4;

/** Options of an {@linkcode Xtea} cipher. */
export interface XteaOptions {
  /** Cycles per block. Default {@linkcode XTEA_ROUNDS}. */
  rounds?: number;
  /**
   * Read and write a block's two 32-bit words little-endian, as librtmp's type 0x08 transform
   * does. Default false: big-endian, as the published test vectors.
   */
  littleEndian?: boolean;
}

/**
 * XTEA with one 128-bit key, given as four 32-bit words. Blocks are 8 bytes, encrypted and
 * decrypted in place.
 *
 * @example
 * ```ts
 * import { Xtea } from "./xtea.ts";
 *
 * const cipher = new Xtea([0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f]);
 * const block = new TextEncoder().encode("ABCDEFGH");
 * cipher.encryptBlock(block); // 49 7d f3 d0 72 61 2c b5
 * cipher.decryptBlock(block);
 * console.assert(new TextDecoder().decode(block) === "ABCDEFGH");
 * ```
 */
export class Xtea {
  #key = new Uint32Array(KEY_WORDS);
  #rounds: number;
  #littleEndian: boolean;

  /** Sets the key (four unsigned 32-bit words). Throws RangeError on another count. */
  constructor(key: ArrayLike<number>, options: XteaOptions = {}) {
    if (key.length !== KEY_WORDS) {
      throw new RangeError(`Cannot set up XTEA: key is ${key.length} words, expected 4`);
    }
    for (let i = 0; i < KEY_WORDS; i++) this.#key[i] = key[i];
    this.#rounds = options.rounds ?? XTEA_ROUNDS;
    this.#littleEndian = options.littleEndian ?? false;
  }

  /** Encrypts the 8 bytes of `block` in place. */
  encryptBlock(block: Uint8Array): void {
    const view = blockView(block);
    const k = this.#key;
    let v0 = view.getUint32(0, this.#littleEndian);
    let v1 = view.getUint32(4, this.#littleEndian);
    let sum = 0;
    for (let r = 0; r < this.#rounds; r++) {
      v0 = (v0 + ((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + k[sum & 3]))) | 0;
      sum = (sum + DELTA) | 0;
      v1 = (v1 + ((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + k[(sum >>> 11) & 3]))) | 0;
    }
    view.setUint32(0, v0 >>> 0, this.#littleEndian);
    view.setUint32(4, v1 >>> 0, this.#littleEndian);
  }

  /** Decrypts the 8 bytes of `block` in place. */
  decryptBlock(block: Uint8Array): void {
    const view = blockView(block);
    const k = this.#key;
    let v0 = view.getUint32(0, this.#littleEndian);
    let v1 = view.getUint32(4, this.#littleEndian);
    let sum = Math.imul(DELTA, this.#rounds);
    for (let r = 0; r < this.#rounds; r++) {
      v1 = (v1 - ((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + k[(sum >>> 11) & 3]))) | 0;
      sum = (sum - DELTA) | 0;
      v0 = (v0 - ((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + k[sum & 3]))) | 0;
    }
    view.setUint32(0, v0 >>> 0, this.#littleEndian);
    view.setUint32(4, v1 >>> 0, this.#littleEndian);
  }
}

function blockView(block: Uint8Array): DataView {
  if (block.length !== BLOCK_SIZE) {
    throw new RangeError(`Cannot run XTEA: block is ${block.length} bytes, expected 8`);
  }
  return new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
}
