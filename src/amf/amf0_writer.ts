/**
 * AMF0 encoder (AMF0 specification; librtmp `AMF_Encode*`).
 *
 * @module
 */

import { ByteWriter } from "./_byte_writer.ts";
import { isPlainObject } from "./_is_plain_object.ts";
import { utf8Length } from "./_utf8.ts";
import { Amf0Marker } from "./amf0_marker.ts";
import { AMF_MAX_DEPTH } from "./amf_limits.ts";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "./types.ts";

/** Longest UTF-8 byte length of a short (0x02) string, property name or class name. */
const U16_MAX = 0xffff;
/** Longest UTF-8 byte length of a long string or XML document. */
const U32_MAX = 0xffffffff;

/**
 * Encodes AMF0 values into a growable buffer.
 *
 * `writeValue` maps the value model onto markers: number → 0x00, boolean → 0x01, string → 0x02
 * (0x0C long string from 65536 UTF-8 bytes on, as librtmp), null → 0x05, undefined → 0x06,
 * {@linkcode AmfObject} → 0x03 (0x10 typed object when it has a class name), plain object → 0x03,
 * {@linkcode AmfEcmaArray} → 0x08, array → 0x0A strict array, {@linkcode AmfDate} → 0x0B,
 * {@linkcode AmfXml} → 0x0F. AMF0 has no byte arrays, so a `Uint8Array` is a `TypeError`.
 * References are never written (librtmp cannot read them), so shared values are repeated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Amf0Writer } from "./mod.ts";
 *
 * const writer = new Amf0Writer().writeString("onStatus").writeNumber(0).writeNull();
 * assert.equal(writer.length, 11 + 9 + 1); // string, number, null
 * ```
 */
export class Amf0Writer {
  #out: ByteWriter;

  /** Creates an empty writer; the buffer starts at `initialCapacity` bytes and grows. */
  constructor(initialCapacity?: number) {
    this.#out = new ByteWriter(initialCapacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#out.length;
  }

  /** A view of what was written (valid until the next write). */
  bytes(): Uint8Array {
    return this.#out.view();
  }

  /**
   * Writes any AMF value with its marker.
   *
   * @throws {TypeError} for values AMF0 cannot carry (byte arrays, functions, class instances).
   * @throws {RangeError} for names longer than 65535 bytes or nesting deeper than
   * {@linkcode AMF_MAX_DEPTH} levels of objects and arrays (which includes cyclic values).
   */
  writeValue(value: AmfValue): this {
    this.#value(value, 0);
    return this;
  }

  /** Writes a number (0x00 + big-endian double). */
  writeNumber(n: number): this {
    const out = this.#out;
    out.reserve(9);
    out.u8(Amf0Marker.Number);
    out.f64(n);
    return this;
  }

  /** Writes a boolean (0x01 + 0x00 or 0x01). */
  writeBoolean(b: boolean): this {
    const out = this.#out;
    out.reserve(2);
    out.u8(Amf0Marker.Boolean);
    out.u8(b ? 1 : 0);
    return this;
  }

  /** Writes a string: 0x02 + u16 length, or 0x0C + u32 length from 65536 UTF-8 bytes on. */
  writeString(s: string): this {
    const out = this.#out;
    const length = utf8Length(s);
    if (length <= U16_MAX) {
      out.reserve(3 + length);
      out.u8(Amf0Marker.String);
      out.u16(length);
    } else {
      checkLength(length, U32_MAX, "long string");
      out.reserve(5 + length);
      out.u8(Amf0Marker.LongString);
      out.u32(length);
    }
    out.utf8(s, length);
    return this;
  }

  /** Writes null (0x05). */
  writeNull(): this {
    this.#out.u8(Amf0Marker.Null);
    return this;
  }

  /** Writes undefined (0x06). */
  writeUndefined(): this {
    this.#out.u8(Amf0Marker.Undefined);
    return this;
  }

  /** Writes a property name (u16 length + UTF-8, no marker), for objects built by hand. */
  writePropertyName(name: string): this {
    this.#shortUtf8(name, "property name");
    return this;
  }

  /** Writes the object end sequence `00 00 09`. */
  writeObjectEnd(): this {
    const out = this.#out;
    out.reserve(3);
    out.u16(0);
    out.u8(Amf0Marker.ObjectEnd);
    return this;
  }

  /** Appends raw bytes. */
  writeBytes(bytes: Uint8Array): this {
    this.#out.bytes(bytes);
    return this;
  }

  #shortUtf8(text: string, what: string): void {
    const length = utf8Length(text);
    checkLength(length, U16_MAX, what);
    const out = this.#out;
    out.reserve(2 + length);
    out.u16(length);
    out.utf8(text, length);
  }

  #value(value: AmfValue, depth: number): void {
    switch (typeof value) {
      case "number":
        this.writeNumber(value);
        return;
      case "boolean":
        this.writeBoolean(value);
        return;
      case "string":
        this.writeString(value);
        return;
      case "undefined":
        this.writeUndefined();
        return;
      case "object":
        if (value === null) {
          this.writeNull();
          return;
        }
        this.#complex(value, depth + 1);
        return;
      default:
        throw new TypeError(`Cannot encode AMF0 value: unsupported type ${typeof value}`);
    }
  }

  #complex(value: object, depth: number): void {
    const out = this.#out;
    if (value instanceof AmfDate) {
      out.reserve(11);
      out.u8(Amf0Marker.Date);
      out.f64(value.time);
      out.s16(value.timezone);
      return;
    }
    if (value instanceof AmfXml) {
      const length = utf8Length(value.xml);
      checkLength(length, U32_MAX, "XML document");
      out.reserve(5 + length);
      out.u8(Amf0Marker.XmlDocument);
      out.u32(length);
      out.utf8(value.xml, length);
      return;
    }
    // Containers from here on: each is a nesting level (dates and XML are not, as in the reader).
    if (depth > AMF_MAX_DEPTH) {
      throw new RangeError(
        `Cannot encode AMF0 value: nesting deeper than ${AMF_MAX_DEPTH} levels (is it cyclic?)`,
      );
    }
    if (value instanceof AmfObject) {
      if (value.className === "") {
        out.u8(Amf0Marker.Object);
      } else {
        out.u8(Amf0Marker.TypedObject);
        this.#shortUtf8(value.className, "class name");
      }
      this.#properties(value, depth);
    } else if (value instanceof AmfEcmaArray) {
      out.reserve(5);
      out.u8(Amf0Marker.EcmaArray);
      out.u32(value.size);
      this.#properties(value, depth);
    } else if (Array.isArray(value)) {
      const length = value.length;
      out.reserve(5);
      out.u8(Amf0Marker.StrictArray);
      out.u32(length);
      for (let i = 0; i < length; i++) this.#value(value[i], depth);
    } else if (value instanceof Uint8Array) {
      throw new TypeError("Cannot encode AMF0 value: AMF0 has no byte array type");
    } else if (isPlainObject(value)) {
      out.u8(Amf0Marker.Object);
      const record = value as Record<string, AmfValue>;
      for (const key of Object.keys(record)) {
        this.#shortUtf8(key, "property name");
        this.#value(record[key], depth);
      }
      this.writeObjectEnd();
    } else {
      throw new TypeError(
        `Cannot encode AMF0 value: unsupported object type ${value.constructor?.name ?? "?"}`,
      );
    }
  }

  #properties(map: Map<string, AmfValue>, depth: number): void {
    for (const [key, item] of map) {
      this.#shortUtf8(key, "property name");
      this.#value(item, depth);
    }
    this.writeObjectEnd();
  }
}

function checkLength(length: number, max: number, what: string): void {
  if (length > max) {
    throw new RangeError(`Cannot encode AMF0 ${what}: ${length} UTF-8 bytes exceed ${max}`);
  }
}

/**
 * Encodes the values one after another into a fresh AMF0 buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeAmf0 } from "./mod.ts";
 *
 * const bytes = encodeAmf0("createStream", 2, null);
 * assert.equal(bytes[0], 0x02); // string marker
 * assert.equal(bytes.at(-1), 0x05); // null marker
 * ```
 */
export function encodeAmf0(...values: AmfValue[]): Uint8Array {
  const writer = new Amf0Writer();
  for (const value of values) writer.writeValue(value);
  return writer.bytes().slice();
}
