/**
 * AMF3 decoder (AMF3 specification, including vectors and dictionaries). librtmp decodes only
 * part of AMF3 and resolves no references; this decoder is complete.
 *
 * @module
 */

import { Nesting, nesting, readNestedValue } from "./_nesting.ts";
import { IN_PROGRESS, ReferenceBudget, referenceBudget } from "./_reference_budget.ts";
import { decodeUtf8, utf8Length } from "./_utf8.ts";
import { Amf3Marker } from "./amf3_marker.ts";
import { AmfError } from "./amf_error.ts";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "./types.ts";

export { readU29 } from "./u29.ts";

/** Longest UTF-8 of a string, XML or name: the length shares a U29 with the inline flag. */
const INLINE_MAX_BYTES = 0x0fffffff;

/** Externalizable classes whose serialised form is exactly one wrapped AMF3 value. */
const WRAPPER_CLASSES: ReadonlySet<string> = new Set([
  "flex.messaging.io.ArrayCollection",
  "flex.messaging.io.ObjectProxy",
]);

/** Object traits: from the inline form, kept in the traits table. */
interface Traits {
  className: string;
  sealed: string[];
  dynamic: boolean;
  externalizable: boolean;
  /** Encoded size of the inline traits after the header, charged when referenced. */
  size: number;
}

/**
 * Reads AMF3 values from a buffer, one at a time, with the string, object and traits reference
 * tables that span one message.
 *
 * Model: undefined, null, booleans; integers (sign-extended 29 bits) and doubles as numbers;
 * strings; XMLDocument and XML as {@linkcode AmfXml}; dates as {@linkcode AmfDate} (timezone 0);
 * arrays as JavaScript arrays when they have no associative part, otherwise as
 * {@linkcode AmfEcmaArray} with the associative keys first and the dense items under "0", "1", …;
 * objects as {@linkcode AmfObject} (sealed then dynamic members, `className` from the traits);
 * byte arrays as a copied `Uint8Array`; vectors as arrays; dictionaries as
 * {@linkcode AmfEcmaArray} with stringified keys. Externalizable objects are an
 * {@linkcode AmfError}, except `flex.messaging.io.ArrayCollection` and `ObjectProxy`, which
 * decode to the one value they wrap. References to values still being decoded (cycles) are
 * rejected.
 *
 * Nesting is limited to `AMF_MAX_DEPTH` levels of arrays, objects, vectors and
 * dictionaries, counted through references as the value will be written out again (and, behind
 * an AMF0 AVM+ switch, together with the AMF0 levels around it), so whatever decodes can be
 * encoded again; so is a string whose invalid UTF-8 (read as U+FFFD) would outgrow the longest
 * inline string.
 *
 * Truncated or invalid input throws {@linkcode AmfError}; `offset` is then unspecified.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Amf3Reader } from "./mod.ts";
 *
 * // 0x04 integer 300, then 0x06 string "hi"
 * const reader = new Amf3Reader(new Uint8Array([0x04, 0x82, 0x2c, 0x06, 0x05, 0x68, 0x69]));
 * assert.equal(reader.readValue(), 300);
 * assert.equal(reader.readValue(), "hi");
 * ```
 */
export class Amf3Reader {
  /** Offset of the next byte to read. */
  offset: number;
  /**
   * Reference expansion so far; an AMF0 reader that switches to AMF3 shares its own.
   *
   * @ignore
   */
  [referenceBudget]: ReferenceBudget = new ReferenceBudget();
  /**
   * Nesting levels; an AMF0 reader that switches to AMF3 shares its own.
   *
   * @ignore
   */
  [nesting]: Nesting = new Nesting();
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #strings: string[] = [];
  /** Encoded size of each string-table entry (header + bytes). */
  readonly #stringSizes: number[] = [];
  readonly #objects: AmfValue[] = [];
  /** Expanded encoded size of each object-table entry, or IN_PROGRESS. */
  readonly #objectSizes: number[] = [];
  /** Height in nesting levels of each object-table entry (0 for dates, XML, byte arrays). */
  readonly #objectHeights: number[] = [];
  readonly #traits: Traits[] = [];

  /** Reads `bytes` from `offset` (default 0). */
  constructor(bytes: Uint8Array, offset = 0) {
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
      throw new RangeError(
        `Cannot create AMF3 reader: offset ${offset} is outside the ${bytes.length}-byte buffer`,
      );
    }
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  /** Bytes left after `offset`. */
  get remaining(): number {
    return this.#bytes.length - this.offset;
  }

  /** Reads one value with its marker. */
  readValue(): AmfValue {
    this[nesting].reset();
    return this.#value();
  }

  /**
   * Reads one value inside a value of the AMF0 reader that shares this reader's nesting.
   *
   * @ignore
   */
  [readNestedValue](): AmfValue {
    return this.#value();
  }

  /** Reads a bare U29 (no marker), 0..2^29-1. */
  readU29(): number {
    return this.#u29("U29");
  }

  #value(): AmfValue {
    const start = this.offset;
    const marker = this.#u8("value marker");
    switch (marker) {
      case Amf3Marker.Undefined:
        return undefined;
      case Amf3Marker.Null:
        return null;
      case Amf3Marker.False:
        return false;
      case Amf3Marker.True:
        return true;
      case Amf3Marker.Integer:
        return (this.#u29("integer") << 3) >> 3;
      case Amf3Marker.Double:
        return this.#f64("double");
      case Amf3Marker.String:
        return this.#string("string");
      case Amf3Marker.XmlDocument:
      case Amf3Marker.Xml:
        return this.#xml(start);
      case Amf3Marker.Date:
        return this.#date(start);
      case Amf3Marker.Array:
        return this.#array(start);
      case Amf3Marker.Object:
        return this.#object(start);
      case Amf3Marker.ByteArray:
        return this.#byteArray(start);
      case Amf3Marker.VectorInt:
      case Amf3Marker.VectorUint:
      case Amf3Marker.VectorDouble:
      case Amf3Marker.VectorObject:
        return this.#vector(marker, start);
      case Amf3Marker.Dictionary:
        return this.#dictionary(start);
      default:
        throw new AmfError(
          `Cannot decode AMF3 value at offset ${start}: unknown marker 0x${
            marker.toString(16).padStart(2, "0")
          }`,
        );
    }
  }

  /** A string body (after its marker, or a name): reference or inline UTF-8. */
  #string(what: string): string {
    const start = this.offset;
    const header = this.#u29(what);
    if ((header & 1) === 0) {
      const index = header >>> 1;
      const strings = this.#strings;
      if (index >= strings.length) {
        throw new AmfError(
          `Cannot decode AMF3 ${what} at offset ${start}: string reference ${index} is not among the ${strings.length} strings read so far`,
        );
      }
      this[referenceBudget].add(
        this.#stringSizes[index] - (this.offset - start),
        `AMF3 ${what}`,
        start,
      );
      return strings[index];
    }
    const length = header >>> 1;
    if (length === 0) return ""; // the empty string is never in the table
    const text = this.#utf8(length, what);
    this.#strings.push(text);
    this.#stringSizes.push(this.offset - start);
    return text;
  }

  /**
   * Reads the U29 header of a value that may be a reference into the object table: returns the
   * inline length or count, or the referenced value in a box.
   */
  #objectHeader(start: number, what: string): number | { value: AmfValue } {
    const header = this.#u29(`${what} header`);
    if ((header & 1) !== 0) return header >>> 1;
    return { value: this.#objectReference(header >>> 1, start, what) };
  }

  /** Resolves an object-table reference, charging its expansion to the budget. */
  #objectReference(index: number, start: number, what: string): AmfValue {
    const objects = this.#objects;
    if (index >= objects.length) {
      throw new AmfError(
        `Cannot decode AMF3 ${what} at offset ${start}: object reference ${index} is not among the ${objects.length} complex values read so far`,
      );
    }
    const size = this.#objectSizes[index];
    if (size === IN_PROGRESS) {
      throw new AmfError(
        `Cannot decode AMF3 ${what} at offset ${start}: object reference ${index} points to a value that contains it`,
      );
    }
    this[nesting].reference(this.#objectHeights[index], `AMF3 ${what}`, start);
    this[referenceBudget].add(size - (this.offset - start), `AMF3 ${what}`, start);
    return objects[index];
  }

  #xml(start: number): AmfValue {
    const header = this.#objectHeader(start, "XML");
    if (typeof header !== "number") return header.value;
    const xml = new AmfXml(this.#utf8(header, "XML"));
    this.#remember(xml, start);
    return xml;
  }

  #date(start: number): AmfValue {
    const header = this.#objectHeader(start, "date");
    if (typeof header !== "number") return header.value;
    const date = new AmfDate(this.#f64("date"), 0);
    this.#remember(date, start);
    return date;
  }

  #byteArray(start: number): AmfValue {
    const header = this.#objectHeader(start, "byte array");
    if (typeof header !== "number") return header.value;
    this.#need(header, "byte array");
    const bytes = this.#bytes.slice(this.offset, this.offset + header);
    this.offset += header;
    this.#remember(bytes, start);
    return bytes;
  }

  #array(start: number): AmfValue {
    const header = this.#objectHeader(start, "array");
    if (typeof header !== "number") return header.value;
    const denseCount = header;
    this.#checkCount(denseCount, 1, "array", start);
    const usedBefore = this[referenceBudget].used;
    const firstKey = this.#string("array key");
    if (firstKey === "") {
      const items: AmfValue[] = [];
      const index = this.#begin(items, start);
      for (let i = 0; i < denseCount; i++) items.push(this.#value());
      this.#end(index, start, usedBefore);
      return items;
    }
    const map = new AmfEcmaArray();
    const index = this.#begin(map, start);
    for (let key = firstKey; key !== ""; key = this.#string("array key")) {
      map.set(key, this.#value());
    }
    for (let i = 0; i < denseCount; i++) map.set(String(i), this.#value());
    this.#end(index, start, usedBefore);
    return map;
  }

  #object(start: number): AmfValue {
    const header = this.#u29("object header");
    if ((header & 1) === 0) return this.#objectReference(header >>> 1, start, "object");
    const usedBefore = this[referenceBudget].used;
    const traits = this.#readTraits(header, start);
    if (traits.externalizable) {
      if (!WRAPPER_CLASSES.has(traits.className)) {
        throw new AmfError(
          `Cannot decode AMF3 object at offset ${start}: externalizable class "${traits.className}" has no known format`,
        );
      }
      const index = this.#begin(undefined, start);
      const wrapped = this.#value();
      this.#objects[index] = wrapped;
      this.#end(index, start, usedBefore);
      return wrapped;
    }
    const object = new AmfObject();
    object.className = traits.className;
    const index = this.#begin(object, start);
    for (const name of traits.sealed) object.set(name, this.#value());
    if (traits.dynamic) {
      for (
        let name = this.#string("member name");
        name !== "";
        name = this.#string("member name")
      ) {
        object.set(name, this.#value());
      }
    }
    this.#end(index, start, usedBefore);
    return object;
  }

  #readTraits(header: number, start: number): Traits {
    if ((header & 2) === 0) {
      const index = header >>> 2;
      const table = this.#traits;
      if (index >= table.length) {
        throw new AmfError(
          `Cannot decode AMF3 object at offset ${start}: traits reference ${index} is not among the ${table.length} traits read so far`,
        );
      }
      const traits = table[index];
      this[referenceBudget].add(traits.size, "AMF3 object traits", start);
      return traits;
    }
    const traitsStart = this.offset;
    const externalizable = (header & 4) !== 0;
    const dynamic = (header & 8) !== 0;
    const sealedCount = header >>> 4;
    const className = this.#string("class name");
    this.#checkCount(sealedCount, 1, "object traits", start);
    const sealed: string[] = [];
    for (let i = 0; i < sealedCount; i++) sealed.push(this.#string("sealed member name"));
    const traits = { className, sealed, dynamic, externalizable, size: this.offset - traitsStart };
    this.#traits.push(traits);
    return traits;
  }

  #vector(marker: number, start: number): AmfValue {
    const header = this.#objectHeader(start, "vector");
    if (typeof header !== "number") return header.value;
    const count = header;
    this.#u8("vector fixed flag");
    const items: AmfValue[] = [];
    if (marker === Amf3Marker.VectorObject) {
      const usedBefore = this[referenceBudget].used;
      this.#string("vector type name");
      this.#checkCount(count, 1, "vector", start);
      const index = this.#begin(items, start);
      for (let i = 0; i < count; i++) items.push(this.#value());
      this.#end(index, start, usedBefore);
      return items;
    }
    const itemSize = marker === Amf3Marker.VectorDouble ? 8 : 4;
    this.#checkCount(count, itemSize, "vector", start);
    // A vector of numbers decodes to an array, which is a level when written out again.
    const index = this.#begin(items, start);
    const view = this.#view;
    let offset = this.offset;
    for (let i = 0; i < count; i++, offset += itemSize) {
      items.push(
        marker === Amf3Marker.VectorInt
          ? view.getInt32(offset)
          : marker === Amf3Marker.VectorUint
          ? view.getUint32(offset)
          : view.getFloat64(offset),
      );
    }
    this.offset = offset;
    this.#end(index, start, this[referenceBudget].used);
    return items;
  }

  #dictionary(start: number): AmfValue {
    const header = this.#objectHeader(start, "dictionary");
    if (typeof header !== "number") return header.value;
    const count = header;
    this.#u8("dictionary weak-keys flag");
    this.#checkCount(count, 2, "dictionary", start);
    const map = new AmfEcmaArray();
    const usedBefore = this[referenceBudget].used;
    const index = this.#begin(map, start);
    for (let i = 0; i < count; i++) {
      const key = keyString(this.#value());
      map.set(key, this.#value());
    }
    this.#end(index, start, usedBefore);
    return map;
  }

  /** Adds a finished leaf value (date, XML, byte array, numeric vector) to the object table. */
  #remember(value: AmfValue, start: number): void {
    this.#objects.push(value);
    this.#objectSizes.push(this.offset - start);
    this.#objectHeights.push(0);
  }

  /**
   * Enters a container: checks the nesting and adds it to the object table, still in progress.
   * Returns its index; the nesting to restore is kept in the height slot until `#end`.
   */
  #begin(value: AmfValue, start: number): number {
    const saved = this[nesting].enter("AMF3 value", start);
    this.#objectSizes.push(IN_PROGRESS);
    this.#objectHeights.push(saved);
    return this.#objects.push(value) - 1;
  }

  /** Leaves a container, recording its size as if written out without references, and height. */
  #end(index: number, start: number, usedBefore: number): void {
    this.#objectHeights[index] = this[nesting].leave(this.#objectHeights[index]);
    this.#objectSizes[index] = this.offset - start + (this[referenceBudget].used - usedBefore);
  }

  /** Rejects a count of items that cannot fit in the bytes left, before allocating anything. */
  #checkCount(count: number, minItemSize: number, what: string, start: number): void {
    if (count * minItemSize > this.remaining) {
      throw new AmfError(
        `Cannot decode AMF3 ${what} at offset ${start}: ${count} items cannot fit in the ${this.remaining} bytes left`,
      );
    }
  }

  #need(count: number, what: string): void {
    if (count > this.#bytes.length - this.offset) {
      throw new AmfError(
        `Cannot decode AMF3 ${what} at offset ${this.offset}: buffer ends after ${this.remaining} of ${count} bytes`,
      );
    }
  }

  #u8(what: string): number {
    this.#need(1, what);
    return this.#bytes[this.offset++];
  }

  #u29(what: string): number {
    const bytes = this.#bytes;
    let value = 0;
    for (let i = 0; i < 3; i++) {
      this.#need(1, what);
      const byte = bytes[this.offset++];
      if (byte < 0x80) return (value << 7) | byte;
      value = (value << 7) | (byte & 0x7f);
    }
    this.#need(1, what);
    return (value << 8) | bytes[this.offset++];
  }

  #f64(what: string): number {
    this.#need(8, what);
    const value = this.#view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  #utf8(length: number, what: string): string {
    this.#need(length, what);
    const start = this.offset;
    this.offset += length;
    const text = decodeUtf8(this.#bytes, start, this.offset);
    if (length > INLINE_MAX_BYTES / 3) {
      const encoded = utf8Length(text);
      if (encoded > INLINE_MAX_BYTES) {
        throw new AmfError(
          `Cannot decode AMF3 ${what} at offset ${start}: its invalid UTF-8 would take ${encoded} bytes written out again, more than ${INLINE_MAX_BYTES}`,
        );
      }
    }
    return text;
  }
}

/** How a dictionary key of any type becomes a map key (as ActionScript would print it). */
function keyString(key: AmfValue): string {
  if (key === null || typeof key !== "object") return String(key);
  if (key instanceof AmfXml) return key.xml;
  if (key instanceof AmfDate) return String(key.time);
  if (Array.isArray(key)) return "[object Array]";
  if (key instanceof Uint8Array) return "[object ByteArray]";
  return "[object Object]";
}

/**
 * Decodes every AMF3 value in `bytes`, up to the end of the buffer, with shared reference tables.
 *
 * @throws {AmfError} if the buffer is truncated or invalid anywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeAmf3, encodeAmf3 } from "./mod.ts";
 *
 * const [value] = decodeAmf3(encodeAmf3([1, "two", 3.5]));
 * assert.deepEqual(value, [1, "two", 3.5]);
 * ```
 */
export function decodeAmf3(bytes: Uint8Array): AmfValue[] {
  const reader = new Amf3Reader(bytes);
  const values: AmfValue[] = [];
  while (reader.remaining > 0) values.push(reader.readValue());
  return values;
}
