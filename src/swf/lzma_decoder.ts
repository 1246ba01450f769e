/**
 * An LZMA decoder (the LZMA1 stream of 7-Zip's LZMA SDK and of `ZWS` SWF files): range
 * decoder, literal coder with lc/lp/pb context bits, length coders, distance slots with
 * reverse bit trees and align bits, four repeat distances and the 12-state machine.
 *
 * The output size is given by the caller and is a hard bound: decoding stops when it is
 * reached, an end marker before it is an error, and nothing is ever written past it. Input that
 * runs out, distances before the start of the output and a range coder that does not finish
 * cleanly raise {@linkcode LzmaError}. Memory is the output buffer plus the probabilities:
 * about 30 KiB for the usual lc=3, lp=0, and at most 6 MiB for the largest literal context
 * (lc=8, lp=4). The output doubles as the dictionary.
 *
 * @module
 */

import { LzmaError } from "./lzma_error.ts";

/** Length of the properties header: the lc/lp/pb byte and a 32-bit dictionary size. */
export const LZMA_PROPERTIES_LENGTH = 5;

const MAX_PROPERTIES_BYTE = 9 * 5 * 5;
const MIN_DICTIONARY_SIZE = 1 << 12;
const NUM_BIT_MODEL_TOTAL_BITS = 11;
const BIT_MODEL_TOTAL = 1 << NUM_BIT_MODEL_TOTAL_BITS;
const PROBABILITY_INIT = BIT_MODEL_TOTAL >>> 1;
const NUM_MOVE_BITS = 5;
const TOP_VALUE = 1 << 24;
const NUM_STATES = 12;
const NUM_LIT_STATES = 7;
const MAX_POS_STATES = 1 << 4;
const LITERAL_CODER_SIZE = 0x300;
const MATCH_MIN_LENGTH = 2;
const LEN_LOW_BITS = 3;
const LEN_MID_BITS = 3;
const LEN_HIGH_BITS = 8;
const LEN_LOW_SYMBOLS = 1 << LEN_LOW_BITS;
const LEN_MID_SYMBOLS = 1 << LEN_MID_BITS;
const NUM_LEN_TO_POS_STATES = 4;
const NUM_POS_SLOT_BITS = 6;
const START_POS_MODEL_INDEX = 4;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 1 << (END_POS_MODEL_INDEX >>> 1);
const NUM_ALIGN_BITS = 4;
const END_MARKER_DISTANCE = 0xffffffff;

/** The parsed properties header. */
export interface LzmaProperties {
  /** Literal context bits (0..8). */
  lc: number;
  /** Literal position bits (0..4). */
  lp: number;
  /** Position bits (0..4). */
  pb: number;
  /** Dictionary size in bytes (at least 4096). */
  dictionarySize: number;
}

/**
 * Reads the 5-byte properties header: `(pb * 5 + lp) * 9 + lc`, then the dictionary size as a
 * little-endian 32-bit number.
 */
export function parseLzmaProperties(header: Uint8Array): LzmaProperties {
  if (header.length < LZMA_PROPERTIES_LENGTH) {
    throw new LzmaError(`LZMA properties are ${header.length} bytes, expected 5`);
  }
  let d = header[0];
  if (d >= MAX_PROPERTIES_BYTE) throw new LzmaError(`LZMA properties byte ${d} is invalid`);
  const lc = d % 9;
  d = Math.floor(d / 9);
  const lp = d % 5;
  const pb = Math.floor(d / 5);
  const size = (header[1] | header[2] << 8 | header[3] << 16 | header[4] << 24) >>> 0;
  return { lc, lp, pb, dictionarySize: Math.max(size, MIN_DICTIONARY_SIZE) };
}

/** The range decoder over a byte array; reading past the end is an error. */
class RangeDecoder {
  #input: Uint8Array;
  #at: number;
  range = 0xffffffff;
  code = 0;

  constructor(input: Uint8Array) {
    this.#input = input;
    if (input.length < 5) throw new LzmaError("LZMA data ends before the range coder starts");
    if (input[0] !== 0) throw new LzmaError("LZMA data is corrupt: first byte is not 0");
    this.code = (input[1] << 24 | input[2] << 16 | input[3] << 8 | input[4]) >>> 0;
    this.#at = 5;
    if (this.code === this.range) {
      throw new LzmaError("LZMA data is corrupt: bad range coder start");
    }
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#at;
  }

  #nextByte(): number {
    if (this.#at >= this.#input.length) throw new LzmaError("LZMA data ends early");
    return this.#input[this.#at++];
  }

  #normalize(): void {
    if (this.range < TOP_VALUE) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.#nextByte()) >>> 0;
    }
  }

  /** Decodes one bit with the adaptive probability at `probs[index]`. */
  bit(probs: Uint16Array, index: number): number {
    const prob = probs[index];
    const bound = (this.range >>> NUM_BIT_MODEL_TOTAL_BITS) * prob;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = prob + ((BIT_MODEL_TOTAL - prob) >>> NUM_MOVE_BITS);
      bit = 0;
    } else {
      this.range = (this.range - bound) >>> 0;
      this.code = (this.code - bound) >>> 0;
      probs[index] = prob - (prob >>> NUM_MOVE_BITS);
      bit = 1;
    }
    this.#normalize();
    return bit;
  }

  /** Decodes `count` bits of equal probability, most significant first. */
  directBits(count: number): number {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code = (this.code - this.range) >>> 0;
        bit = 1;
      }
      result = ((result << 1) | bit) >>> 0;
      this.#normalize();
    }
    return result;
  }

  /** Decodes a `bits`-bit symbol with the bit tree rooted at `probs[offset + 1]`. */
  bitTree(probs: Uint16Array, offset: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, offset + m);
    return m - (1 << bits);
  }

  /** Decodes a `bits`-bit symbol, least significant bit first, with the tree at `offset + 1`. */
  reverseBitTree(probs: Uint16Array, offset: number, bits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const bit = this.bit(probs, offset + m);
      m = (m << 1) | bit;
      symbol |= bit << i;
    }
    return symbol;
  }
}

/** Probabilities of one length coder (matches or repeats). */
class LengthDecoder {
  readonly #choice = new Uint16Array(2).fill(PROBABILITY_INIT);
  readonly #low = new Uint16Array(MAX_POS_STATES << LEN_LOW_BITS).fill(PROBABILITY_INIT);
  readonly #mid = new Uint16Array(MAX_POS_STATES << LEN_MID_BITS).fill(PROBABILITY_INIT);
  readonly #high = new Uint16Array(1 << LEN_HIGH_BITS).fill(PROBABILITY_INIT);

  /** The match length minus 2 (0..271). */
  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.#choice, 0) === 0) {
      return rc.bitTree(this.#low, (posState << LEN_LOW_BITS) - 1, LEN_LOW_BITS);
    }
    if (rc.bit(this.#choice, 1) === 0) {
      return LEN_LOW_SYMBOLS +
        rc.bitTree(this.#mid, (posState << LEN_MID_BITS) - 1, LEN_MID_BITS);
    }
    return LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + rc.bitTree(this.#high, -1, LEN_HIGH_BITS);
  }
}

/**
 * Decodes an LZMA stream of exactly `outputSize` bytes. `properties` is the 5-byte header;
 * `data` the range-coded stream after it. An end marker right after the last byte is allowed,
 * and anything after that is ignored.
 *
 * @example
 * ```ts
 * import { decodeLzma } from "./lzma_decoder.ts";
 *
 * // "a" compressed by xz's LZMA1 encoder (lc=3, lp=0, pb=2, 8 MiB dictionary), end marker last.
 * const properties = Uint8Array.of(0x5d, 0x00, 0x00, 0x80, 0x00);
 * const data = Uint8Array.of(0x00, 0x30, 0xc1, 0xfb, 0xff, 0xff, 0xff, 0xe0, 0x00, 0x00, 0x00);
 * const out = decodeLzma(properties, data, 1);
 * console.assert(out[0] === 0x61);
 * ```
 */
export function decodeLzma(
  properties: Uint8Array,
  data: Uint8Array,
  outputSize: number,
): Uint8Array {
  if (!Number.isSafeInteger(outputSize) || outputSize < 0) {
    throw new RangeError(`Cannot decode LZMA: output size ${outputSize} is invalid`);
  }
  const { lc, lp, pb, dictionarySize } = parseLzmaProperties(properties);
  const out = new Uint8Array(outputSize);
  const rc = new RangeDecoder(data);

  const literalProbs = new Uint16Array(LITERAL_CODER_SIZE << (lc + lp)).fill(PROBABILITY_INIT);
  const isMatch = new Uint16Array(NUM_STATES << 4).fill(PROBABILITY_INIT);
  const isRep = new Uint16Array(NUM_STATES).fill(PROBABILITY_INIT);
  const isRepG0 = new Uint16Array(NUM_STATES).fill(PROBABILITY_INIT);
  const isRepG1 = new Uint16Array(NUM_STATES).fill(PROBABILITY_INIT);
  const isRepG2 = new Uint16Array(NUM_STATES).fill(PROBABILITY_INIT);
  const isRep0Long = new Uint16Array(NUM_STATES << 4).fill(PROBABILITY_INIT);
  const posSlot = new Uint16Array(NUM_LEN_TO_POS_STATES << NUM_POS_SLOT_BITS).fill(
    PROBABILITY_INIT,
  );
  const posDecoders = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX).fill(
    PROBABILITY_INIT,
  );
  const align = new Uint16Array(1 << NUM_ALIGN_BITS).fill(PROBABILITY_INIT);
  const lengths = new LengthDecoder();
  const repLengths = new LengthDecoder();

  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;
  let state = 0;
  let rep0 = 0, rep1 = 0, rep2 = 0, rep3 = 0;
  let pos = 0;

  while (pos < outputSize) {
    const posState = pos & pbMask;
    if (rc.bit(isMatch, (state << 4) + posState) === 0) {
      const prevByte = pos > 0 ? out[pos - 1] : 0;
      const base = LITERAL_CODER_SIZE *
        (((pos & lpMask) << lc) + (prevByte >>> (8 - lc)));
      let symbol = 1;
      if (state >= NUM_LIT_STATES) {
        let matchByte = out[pos - rep0 - 1];
        do {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const bit = rc.bit(literalProbs, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | bit;
          if (matchBit !== bit) break;
        } while (symbol < 0x100);
      }
      while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(literalProbs, base + symbol);
      out[pos++] = symbol & 0xff;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }

    let length: number;
    if (rc.bit(isRep, state) !== 0) {
      if (pos === 0) throw new LzmaError("LZMA data is corrupt: repeat match at the start");
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << 4) + posState) === 0) {
          state = state < NUM_LIT_STATES ? 9 : 11;
          out[pos] = out[pos - rep0 - 1];
          pos++;
          continue;
        }
      } else {
        let distance: number;
        if (rc.bit(isRepG1, state) === 0) {
          distance = rep1;
        } else {
          if (rc.bit(isRepG2, state) === 0) {
            distance = rep2;
          } else {
            distance = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = distance;
      }
      length = repLengths.decode(rc, posState);
      state = state < NUM_LIT_STATES ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      length = lengths.decode(rc, posState);
      state = state < NUM_LIT_STATES ? 7 : 10;
      rep0 = decodeDistance(rc, length, posSlot, posDecoders, align);
      if (rep0 === END_MARKER_DISTANCE) {
        throw new LzmaError(
          `LZMA data ends after ${pos} bytes, ${outputSize} were declared`,
        );
      }
      if (rep0 >= pos || rep0 >= dictionarySize) {
        throw new LzmaError(`LZMA data is corrupt: distance ${rep0 + 1} at byte ${pos}`);
      }
    }
    const count = Math.min(length + MATCH_MIN_LENGTH, outputSize - pos);
    const from = pos - rep0 - 1;
    for (let i = 0; i < count; i++) out[pos + i] = out[from + i];
    pos += count;
  }
  return out;
}

function decodeDistance(
  rc: RangeDecoder,
  length: number,
  posSlot: Uint16Array,
  posDecoders: Uint16Array,
  align: Uint16Array,
): number {
  const lenState = Math.min(length, NUM_LEN_TO_POS_STATES - 1);
  const slot = rc.bitTree(posSlot, (lenState << NUM_POS_SLOT_BITS) - 1, NUM_POS_SLOT_BITS);
  if (slot < START_POS_MODEL_INDEX) return slot;
  const directBits = (slot >>> 1) - 1;
  let distance = ((2 | (slot & 1)) << directBits) >>> 0;
  if (slot < END_POS_MODEL_INDEX) {
    return distance + rc.reverseBitTree(posDecoders, distance - slot - 1, directBits);
  }
  distance = (distance + (rc.directBits(directBits - NUM_ALIGN_BITS) << NUM_ALIGN_BITS)) >>> 0;
  return (distance + rc.reverseBitTree(align, -1, NUM_ALIGN_BITS)) >>> 0;
}
