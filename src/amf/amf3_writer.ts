/**
 * AMF3 encoder (AMF3 specification). Strings repeat as string references; objects, arrays and
 * traits are always written inline.
 *
 * @module
 */

import { ByteWriter } from "./_byte_writer.ts";
import { isPlainObject } from "./_is_plain_object.ts";
import { utf8Length } from "./_utf8.ts";
import { Amf3Marker } from "./amf3_marker.ts";
import { AMF_MAX_DEPTH } from "./amf_limits.ts";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "./types.ts";

/** Smallest number written as an AMF3 integer, -2^28. */
const INTEGER_MIN = -0x10000000;
/** Largest number written as an AMF3 integer, 2^28 - 1. */
const INTEGER_MAX = 0x0fffffff;
/** Longest string, XML or byte array: the length shares a U29 with the inline flag. */
const INLINE_LENGTH_MAX = 0x0fffffff;
/** U29 header of inline traits for a dynamic object with no sealed members: 0b1011. */
const DYNAMIC_TRAITS_HEADER = 0x0b;
/** Low bits of the U29 header of inline traits, sealed members only (count in bits 4 and up). */
const SEALED_TRAITS_HEADER = 0x03;
/** U29 header of an inline date (no reference). */
const INLINE_DATE_HEADER = 0x01;
/** The empty string: ends associative parts and dynamic members. */
const EMPTY_STRING = 0x01;

/**
 * Encodes AMF3 values into a growable buffer, mirroring what {@linkcode Amf3Reader} decodes:
 * integers in [-2^28, 2^28) as 0x04 and other numbers (and -0) as 0x05 doubles; strings 0x06
 * (repeated strings as references); {@linkcode AmfXml} as 0x0B XML; {@linkcode AmfDate} as 0x08
 * (the timezone is not carried); `Uint8Array` as 0x0C byte array; arrays as dense 0x09 arrays;
 * {@linkcode AmfEcmaArray} as 0x09 arrays with only an associative part; {@linkcode AmfObject}
 * and plain objects as 0x0A dynamic objects without sealed members (anonymous, or typed when
 * `className` is set). An empty property name cannot be a dynamic member or an array key, so a
 * map that has one is written another way the reader turns back into the same value: an object
 * with sealed members only, an {@linkcode AmfEcmaArray} as a 0x11 dictionary with string keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Amf3Writer } from "./mod.ts";
 *
 * const bytes = new Amf3Writer().writeValue(5).writeValue("x").bytes();
 * assert.deepEqual([...bytes], [0x04, 0x05, 0x06, 0x03, 0x78]);
 * ```
 */
export class Amf3Writer {
  #out: ByteWriter;
  readonly #strings = new Map<string, number>();

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
   * @throws {TypeError} for values AMF3 cannot carry here (functions, class instances).
   * @throws {RangeError} for strings over 2^28 - 1 bytes or nesting deeper than
   * {@linkcode AMF_MAX_DEPTH} levels of objects and arrays (which includes cyclic values).
   */
  writeValue(value: AmfValue): this {
    this.#value(value, 0);
    return this;
  }

  #value(value: AmfValue, depth: number): void {
    const out = this.#out;
    switch (typeof value) {
      case "number":
        if (
          Number.isInteger(value) && value >= INTEGER_MIN && value <= INTEGER_MAX &&
          !Object.is(value, -0)
        ) {
          out.u8(Amf3Marker.Integer);
          this.#u29(value & 0x1fffffff);
        } else {
          out.reserve(9);
          out.u8(Amf3Marker.Double);
          out.f64(value);
        }
        return;
      case "boolean":
        out.u8(value ? Amf3Marker.True : Amf3Marker.False);
        return;
      case "string":
        out.u8(Amf3Marker.String);
        this.#string(value);
        return;
      case "undefined":
        out.u8(Amf3Marker.Undefined);
        return;
      case "object":
        if (value === null) {
          out.u8(Amf3Marker.Null);
          return;
        }
        this.#complex(value, depth + 1);
        return;
      default:
        throw new TypeError(`Cannot encode AMF3 value: unsupported type ${typeof value}`);
    }
  }

  #complex(value: object, depth: number): void {
    const out = this.#out;
    if (value instanceof AmfDate) {
      out.reserve(10);
      out.u8(Amf3Marker.Date);
      out.u8(INLINE_DATE_HEADER);
      out.f64(value.time);
      return;
    }
    if (value instanceof AmfXml) {
      out.u8(Amf3Marker.Xml);
      const length = checkLength(utf8Length(value.xml), "XML");
      this.#u29(length * 2 + 1);
      out.utf8(value.xml, length);
      return;
    }
    if (value instanceof Uint8Array) {
      out.u8(Amf3Marker.ByteArray);
      this.#u29(checkLength(value.length, "byte array") * 2 + 1);
      out.bytes(value);
      return;
    }
    // Containers from here on: each is a nesting level (dates, XML and byte arrays are not, as
    // in the reader).
    if (depth > AMF_MAX_DEPTH) {
      throw new RangeError(
        `Cannot encode AMF3 value: nesting deeper than ${AMF_MAX_DEPTH} levels (is it cyclic?)`,
      );
    }
    if (value instanceof AmfObject) {
      this.#object(value.className, value, depth);
    } else if (value instanceof AmfEcmaArray) {
      if (value.has("")) {
        this.#dictionary(value, depth);
      } else {
        out.u8(Amf3Marker.Array);
        this.#u29(1); // dense count 0, inline
        this.#members(value, depth);
      }
    } else if (Array.isArray(value)) {
      const length = value.length;
      out.u8(Amf3Marker.Array);
      this.#u29(checkLength(length, "array") * 2 + 1);
      out.u8(EMPTY_STRING); // no associative part
      for (let i = 0; i < length; i++) this.#value(value[i], depth);
    } else if (isPlainObject(value)) {
      this.#object("", new Map(Object.entries(value as Record<string, AmfValue>)), depth);
    } else {
      throw new TypeError(
        `Cannot encode AMF3 value: unsupported object type ${value.constructor?.name ?? "?"}`,
      );
    }
  }

  /**
   * An object: dynamic members, or sealed ones when a name is empty (an empty dynamic member
   * name would end the object).
   */
  #object(className: string, members: Map<string, AmfValue>, depth: number): void {
    const out = this.#out;
    out.u8(Amf3Marker.Object);
    if (!members.has("")) {
      out.u8(DYNAMIC_TRAITS_HEADER);
      this.#string(className);
      this.#members(members, depth);
      return;
    }
    this.#u29(checkLength(members.size, "object") * 16 + SEALED_TRAITS_HEADER);
    this.#string(className);
    for (const key of members.keys()) this.#string(key);
    for (const item of members.values()) this.#value(item, depth);
  }

  /** Dynamic members or associative array items, then the empty string that ends them. */
  #members(map: Map<string, AmfValue>, depth: number): void {
    for (const [key, item] of map) {
      this.#string(key);
      this.#value(item, depth);
    }
    this.#out.u8(EMPTY_STRING);
  }

  /** An associative array with an empty key, which only a dictionary can carry. */
  #dictionary(map: Map<string, AmfValue>, depth: number): void {
    const out = this.#out;
    out.u8(Amf3Marker.Dictionary);
    this.#u29(checkLength(map.size, "dictionary") * 2 + 1);
    out.u8(0); // strong keys
    for (const [key, item] of map) {
      out.u8(Amf3Marker.String);
      this.#string(key);
      this.#value(item, depth);
    }
  }

  /** A string body: a reference when the string was written before, else inline. */
  #string(text: string): void {
    if (text === "") {
      this.#out.u8(EMPTY_STRING);
      return;
    }
    const strings = this.#strings;
    const index = strings.get(text);
    if (index !== undefined) {
      this.#u29(index * 2);
      return;
    }
    const length = checkLength(utf8Length(text), "string");
    this.#u29(length * 2 + 1);
    this.#out.utf8(text, length);
    strings.set(text, strings.size);
  }

  #u29(value: number): void {
    const out = this.#out;
    if (value < 0x80) {
      out.u8(value);
    } else if (value < 0x4000) {
      out.reserve(2);
      out.u8((value >> 7) | 0x80);
      out.u8(value & 0x7f);
    } else if (value < 0x200000) {
      out.reserve(3);
      out.u8((value >> 14) | 0x80);
      out.u8(((value >> 7) & 0x7f) | 0x80);
      out.u8(value & 0x7f);
    } else {
      out.reserve(4);
      out.u8((value >> 22) | 0x80);
      out.u8(((value >> 15) & 0x7f) | 0x80);
      out.u8(((value >> 8) & 0x7f) | 0x80);
      out.u8(value & 0xff);
    }
  }
}

function checkLength(length: number, what: string): number {
  if (length > INLINE_LENGTH_MAX) {
    throw new RangeError(
      `Cannot encode AMF3 ${what}: length ${length} exceeds ${INLINE_LENGTH_MAX}`,
    );
  }
  return length;
}

/**
 * Encodes the values one after another into a fresh AMF3 buffer, sharing one string table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeAmf3 } from "./mod.ts";
 *
 * const bytes = encodeAmf3(true, null);
 * assert.deepEqual([...bytes], [0x03, 0x01]); // true, null
 * ```
 */
export function encodeAmf3(...values: AmfValue[]): Uint8Array {
  const writer = new Amf3Writer();
  for (const value of values) writer.writeValue(value);
  return writer.bytes().slice();
}
