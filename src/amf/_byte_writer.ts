/**
 * A growable big-endian byte buffer shared by the AMF encoders.
 *
 * @module
 */

import { encodeUtf8Into } from "./_utf8.ts";

const DEFAULT_CAPACITY = 256;

/** Appends big-endian integers, doubles, raw bytes and UTF-8 to a buffer that doubles as needed. */
export class ByteWriter {
  /** Bytes written so far. */
  length = 0;
  #buffer: Uint8Array;
  #view: DataView;

  /** Creates an empty writer with room for `initialCapacity` bytes. */
  constructor(initialCapacity = DEFAULT_CAPACITY) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 0) {
      throw new RangeError(
        `Cannot create AMF writer: initial capacity ${initialCapacity} is not a non-negative integer`,
      );
    }
    this.#buffer = new Uint8Array(Math.max(initialCapacity, 16));
    this.#view = new DataView(this.#buffer.buffer);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buffer.subarray(0, this.length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Appends one byte. */
  u8(value: number): void {
    this.reserve(1);
    this.#buffer[this.length++] = value;
  }

  /** Appends a big-endian u16. */
  u16(value: number): void {
    this.reserve(2);
    this.#view.setUint16(this.length, value);
    this.length += 2;
  }

  /** Appends a big-endian s16. */
  s16(value: number): void {
    this.reserve(2);
    this.#view.setInt16(this.length, value);
    this.length += 2;
  }

  /** Appends a big-endian u32. */
  u32(value: number): void {
    this.reserve(4);
    this.#view.setUint32(this.length, value);
    this.length += 4;
  }

  /** Appends a big-endian IEEE 754 double. */
  f64(value: number): void {
    this.reserve(8);
    this.#view.setFloat64(this.length, value);
    this.length += 8;
  }

  /** Appends raw bytes. */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.#buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Appends `text` as UTF-8; `byteLength` must be its UTF-8 length. */
  utf8(text: string, byteLength: number): void {
    this.reserve(byteLength);
    encodeUtf8Into(text, byteLength, this.#buffer, this.length);
    this.length += byteLength;
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }
}
