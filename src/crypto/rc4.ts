/**
 * RC4, the stream cipher RTMPE runs over every byte after its handshake (librtmp-facts §4.4).
 *
 * @module
 */

/** Size of the RC4 permutation. */
const STATE_SIZE = 256;

/** Bytes per word of the four-bytes-at-a-time path, and the mask of a byte offset within one. */
const WORD_SIZE = 4;
const WORD_MASK = WORD_SIZE - 1;

/** Ranges shorter than this go byte by byte (the word path's set-up is not worth it). */
const WORD_PATH_MIN_LENGTH = 64;

/** Whether this platform stores 32-bit words little-endian, which the word path relies on. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A 32-bit view over the whole of `buffer`, or undefined when the word path cannot use it (a
 * big-endian platform, or a resizable buffer whose length may change under the view).
 */
function wordView(buffer: ArrayBufferLike): Int32Array | undefined {
  if (!LITTLE_ENDIAN || (buffer as { resizable?: boolean }).resizable) return undefined;
  return new Int32Array(buffer, 0, buffer.byteLength >> 2);
}

/** Shortest and longest key RC4's key schedule accepts, in bytes. */
const MIN_KEY_LENGTH = 1;
const MAX_KEY_LENGTH = 256;

/**
 * One RC4 keystream. The permutation lives in a 256-byte `Uint8Array` and the two indexes in
 * fields, so {@linkcode process} runs without allocating; it XORs the next keystream bytes into
 * the data, which encrypts and decrypts alike.
 *
 * @example
 * ```ts
 * import { Rc4 } from "./rc4.ts";
 *
 * const key = new Uint8Array([1, 2, 3, 4, 5]);
 * const data = new TextEncoder().encode("attack at dawn");
 * new Rc4(key).process(data); // encrypted in place
 * new Rc4(key).process(data); // and back
 * console.assert(new TextDecoder().decode(data) === "attack at dawn");
 * ```
 */
export class Rc4 {
  #s = new Uint8Array(STATE_SIZE);
  #i = 0;
  #j = 0;
  #inBuffer: ArrayBufferLike | undefined;
  #inWords: Int32Array | undefined;
  #outBuffer: ArrayBufferLike | undefined;
  #outWords: Int32Array | undefined;

  /** Runs the key schedule over `key` (1 to 256 bytes). Throws RangeError on another length. */
  constructor(key: Uint8Array) {
    if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) {
      throw new RangeError(
        `Cannot set up RC4: key is ${key.length} bytes, expected ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH}`,
      );
    }
    const s = this.#s;
    for (let i = 0; i < STATE_SIZE; i++) s[i] = i;
    let j = 0;
    for (let i = 0; i < STATE_SIZE; i++) {
      const si = s[i];
      j = (j + si + key[i % key.length]) & 0xff;
      s[i] = s[j];
      s[j] = si;
    }
  }

  /**
   * XORs the next `input.length` keystream bytes into `input` and writes the result to
   * `output` (by default `input` itself, in place). `output` may be `input` or a distinct
   * range at least as long; a partly overlapping range gives undefined results.
   *
   * Long ranges are processed four bytes at a time through 32-bit views of their buffers; the
   * views of the last buffers seen are kept, so a caller that reuses its buffers (as a
   * transport does) causes no allocation here.
   */
  process(input: Uint8Array, output: Uint8Array = input): void {
    const length = input.length;
    if (output.length < length) {
      throw new RangeError(`Cannot run RC4: output is ${output.length} bytes, input ${length}`);
    }
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    let n = 0;
    const head = (WORD_SIZE - (input.byteOffset & WORD_MASK)) & WORD_MASK;
    const words = length >= WORD_PATH_MIN_LENGTH &&
        (output.byteOffset & WORD_MASK) === (input.byteOffset & WORD_MASK)
      ? (length - head) >> 2
      : 0;
    const inWords = words > 0 ? this.#inputWords(input.buffer) : undefined;
    const outWords = words > 0 && inWords
      ? (output.buffer === input.buffer ? inWords : this.#outputWords(output.buffer))
      : undefined;
    if (inWords && outWords) {
      for (; n < head; n++) {
        i = (i + 1) & 0xff;
        const si = s[i];
        j = (j + si) & 0xff;
        const sj = s[j];
        s[i] = sj;
        s[j] = si;
        output[n] = input[n] ^ s[(si + sj) & 0xff];
      }
      let inAt = (input.byteOffset + head) >> 2;
      let outAt = (output.byteOffset + head) >> 2;
      const inEnd = inAt + words;
      for (; inAt < inEnd; inAt++, outAt++) {
        i = (i + 1) & 0xff;
        let si = s[i];
        j = (j + si) & 0xff;
        let sj = s[j];
        s[i] = sj;
        s[j] = si;
        let key = s[(si + sj) & 0xff];
        i = (i + 1) & 0xff;
        si = s[i];
        j = (j + si) & 0xff;
        sj = s[j];
        s[i] = sj;
        s[j] = si;
        key |= s[(si + sj) & 0xff] << 8;
        i = (i + 1) & 0xff;
        si = s[i];
        j = (j + si) & 0xff;
        sj = s[j];
        s[i] = sj;
        s[j] = si;
        key |= s[(si + sj) & 0xff] << 16;
        i = (i + 1) & 0xff;
        si = s[i];
        j = (j + si) & 0xff;
        sj = s[j];
        s[i] = sj;
        s[j] = si;
        key |= s[(si + sj) & 0xff] << 24;
        outWords[outAt] = inWords[inAt] ^ key;
      }
      n = head + words * WORD_SIZE;
    }
    for (; n < length; n++) {
      i = (i + 1) & 0xff;
      const si = s[i];
      j = (j + si) & 0xff;
      const sj = s[j];
      s[i] = sj;
      s[j] = si;
      output[n] = input[n] ^ s[(si + sj) & 0xff];
    }
    this.#i = i;
    this.#j = j;
  }

  /** A 32-bit view of all of `buffer` for reading, or undefined when words cannot be used. */
  #inputWords(buffer: ArrayBufferLike): Int32Array | undefined {
    if (buffer !== this.#inBuffer) {
      this.#inBuffer = buffer;
      this.#inWords = wordView(buffer);
    }
    return this.#inWords;
  }

  /** A 32-bit view of all of `buffer` for writing, or undefined when words cannot be used. */
  #outputWords(buffer: ArrayBufferLike): Int32Array | undefined {
    if (buffer !== this.#outBuffer) {
      this.#outBuffer = buffer;
      this.#outWords = wordView(buffer);
    }
    return this.#outWords;
  }

  /** Advances the keystream by `count` bytes without using them (librtmp skips 1536). */
  skip(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`Cannot skip RC4 keystream: ${count} is not a byte count`);
    }
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    for (let n = 0; n < count; n++) {
      i = (i + 1) & 0xff;
      const si = s[i];
      j = (j + si) & 0xff;
      s[i] = s[j];
      s[j] = si;
    }
    this.#i = i;
    this.#j = j;
  }
}
