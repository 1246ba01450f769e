/**
 * AMF3's variable-length 29-bit unsigned integer (AMF3 specification section 1.3.1): up to three
 * bytes carrying 7 bits each (high bit set means another byte follows), then a fourth byte
 * carrying 8 bits.
 *
 * @module
 */

import { AmfError } from "./amf_error.ts";

/** Largest U29 value, 2^29 - 1. */
export const U29_MAX = 0x1fffffff;

/** Result of {@linkcode readU29}. */
export interface U29Read {
  /** The unsigned value, 0..{@linkcode U29_MAX}. */
  value: number;
  /** Offset of the byte after the U29. */
  offset: number;
}

/**
 * Reads the U29 at `offset` of `bytes`.
 *
 * @throws {AmfError} if the buffer ends inside it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readU29 } from "./mod.ts";
 *
 * const { value, offset } = readU29(new Uint8Array([0x81, 0x00]), 0);
 * assert.equal(value, 128);
 * assert.equal(offset, 2);
 * ```
 */
export function readU29(bytes: Uint8Array, offset: number): U29Read {
  let value = 0;
  let position = offset;
  for (let i = 0; i < 4; i++) {
    if (position >= bytes.length) {
      throw new AmfError(`Cannot decode AMF3 U29 at offset ${offset}: buffer ends inside it`);
    }
    const byte = bytes[position++];
    if (i === 3) return { value: (value << 8) | byte, offset: position };
    value = (value << 7) | (byte & 0x7f);
    if (byte < 0x80) break;
  }
  return { value, offset: position };
}

/**
 * Encodes `value` (an integer in 0..{@linkcode U29_MAX}) as a U29 of one to four bytes.
 *
 * @throws {RangeError} if the value is out of range.
 */
export function encodeU29(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > U29_MAX) {
    throw new RangeError(`Cannot encode AMF3 U29: ${value} is not an integer in 0..${U29_MAX}`);
  }
  if (value < 0x80) return Uint8Array.of(value);
  if (value < 0x4000) return Uint8Array.of((value >> 7) | 0x80, value & 0x7f);
  if (value < 0x200000) {
    return Uint8Array.of((value >> 14) | 0x80, ((value >> 7) & 0x7f) | 0x80, value & 0x7f);
  }
  return Uint8Array.of(
    (value >> 22) | 0x80,
    ((value >> 15) & 0x7f) | 0x80,
    ((value >> 8) & 0x7f) | 0x80,
    value & 0xff,
  );
}
