/**
 * AMF0 decoder (AMF0 specification; librtmp `AMF_Decode`, completed where librtmp gives up).
 *
 * @module
 */

import { Nesting, nesting, readNestedValue } from "./_nesting.ts";
import { IN_PROGRESS, ReferenceBudget, referenceBudget } from "./_reference_budget.ts";
import { decodeUtf8, utf8Length } from "./_utf8.ts";
import { Amf0Marker } from "./amf0_marker.ts";
import { Amf3Reader } from "./amf3_reader.ts";
import { AmfError } from "./amf_error.ts";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "./types.ts";

/** Bytes of an AMF0 reference: marker + u16 index. */
const REFERENCE_SIZE = 3;

/** Longest UTF-8 a property name or class name can have (a u16 length, no long form). */
const NAME_MAX_BYTES = 0xffff;

const MARKER_NAMES = [
  "number",
  "boolean",
  "string",
  "object",
  "movie clip",
  "null",
  "undefined",
  "reference",
  "ECMA array",
  "object end",
  "strict array",
  "date",
  "long string",
  "unsupported",
  "record set",
  "XML document",
  "typed object",
  "AVM+ switch",
];

function markerName(marker: number): string {
  const hex = `0x${marker.toString(16).padStart(2, "0")}`;
  const name = MARKER_NAMES[marker];
  return name === undefined ? `unknown marker ${hex}` : `${name} (${hex})`;
}

/**
 * Reads AMF0 values from a buffer, one at a time.
 *
 * Every marker 0x00..0x11 is handled. Differences from librtmp, which fails the whole message
 * instead: references (0x07) resolve through this reader's table of complex values (objects,
 * ECMA arrays, strict arrays, typed objects, numbered in the order they start); typed objects
 * (0x10) become an {@linkcode AmfObject} with `className`; the AVM+ switch (0x11) decodes any one
 * AMF3 value with an AMF3 reader that lives as long as this reader (AMF3 reference tables span
 * the message). Undefined (0x06) and unsupported (0x0D) read as `undefined`; long strings (0x0C)
 * as strings; XML documents (0x0F) as {@linkcode AmfXml}. A reference to a value that is still
 * being decoded (a cycle) is rejected, because nothing downstream could walk or re-encode it.
 *
 * Truncated or invalid input throws {@linkcode AmfError}; `offset` is then unspecified. Lengths
 * are checked against the bytes left before anything is allocated, nesting is limited to
 * `AMF_MAX_DEPTH` levels, counted across the AVM+ switch and through references as the
 * value will be written out again, and reference expansion to `AMF_MAX_REFERENCE_EXPANSION`.
 * Whatever decodes can therefore be encoded again: a property or class name whose invalid UTF-8
 * (read as U+FFFD) would no longer fit the u16 length of a name is an error too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Amf0Reader, encodeAmf0 } from "./mod.ts";
 *
 * const reader = new Amf0Reader(encodeAmf0("_result", 1, null));
 * assert.equal(reader.readString(), "_result");
 * assert.equal(reader.readNumber(), 1);
 * assert.equal(reader.readValue(), null);
 * assert.equal(reader.remaining, 0);
 * ```
 */
export class Amf0Reader {
  /** Offset of the next byte to read. */
  offset: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #refs: AmfValue[] = [];
  /** Expanded encoded size of each reference-table entry, or IN_PROGRESS. */
  readonly #refSizes: number[] = [];
  /** Height in nesting levels of each reference-table entry. */
  readonly #refHeights: number[] = [];
  readonly #budget = new ReferenceBudget();
  readonly #nesting = new Nesting();
  #amf3: Amf3Reader | undefined;

  /** Reads `bytes` from `offset` (default 0). */
  constructor(bytes: Uint8Array, offset = 0) {
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
      throw new RangeError(
        `Cannot create AMF0 reader: offset ${offset} is outside the ${bytes.length}-byte buffer`,
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
    this.#nesting.reset();
    return this.#value();
  }

  /** Reads a number, throwing {@linkcode AmfError} if the next value is not one. */
  readNumber(): number {
    const start = this.offset;
    const marker = this.#u8("number marker");
    if (marker !== Amf0Marker.Number) this.#wrongMarker(start, marker, "number");
    return this.#f64("number");
  }

  /** Reads a string or long string, throwing {@linkcode AmfError} if the next value is neither. */
  readString(): string {
    const start = this.offset;
    const marker = this.#u8("string marker");
    if (marker === Amf0Marker.String) return this.#utf8(this.#u16("string length"), "string");
    if (marker === Amf0Marker.LongString) {
      return this.#utf8(this.#u32("long string length"), "long string");
    }
    return this.#wrongMarker(start, marker, "string");
  }

  #wrongMarker(start: number, marker: number, wanted: string): never {
    throw new AmfError(
      `Cannot decode AMF0 ${wanted} at offset ${start}: found ${markerName(marker)}`,
    );
  }

  #value(): AmfValue {
    const start = this.offset;
    const marker = this.#u8("value marker");
    switch (marker) {
      case Amf0Marker.Number:
        return this.#f64("number");
      case Amf0Marker.Boolean:
        return this.#u8("boolean") !== 0;
      case Amf0Marker.String:
        return this.#utf8(this.#u16("string length"), "string");
      case Amf0Marker.Object:
        return this.#properties(new AmfObject(), start);
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
      case Amf0Marker.Unsupported:
        return undefined;
      case Amf0Marker.Reference:
        return this.#reference(start);
      case Amf0Marker.EcmaArray:
        // The count is advisory (writers disagree on it, librtmp skips it); the end marker rules.
        this.#u32("ECMA array count");
        return this.#properties(new AmfEcmaArray(), start);
      case Amf0Marker.StrictArray:
        return this.#strictArray(start);
      case Amf0Marker.Date: {
        const time = this.#f64("date");
        return new AmfDate(time, this.#s16("date timezone"));
      }
      case Amf0Marker.LongString:
        return this.#utf8(this.#u32("long string length"), "long string");
      case Amf0Marker.XmlDocument:
        return new AmfXml(this.#utf8(this.#u32("XML document length"), "XML document"));
      case Amf0Marker.TypedObject: {
        const object = new AmfObject();
        object.className = this.#name(this.#u16("class name length"), "class name");
        return this.#properties(object, start);
      }
      case Amf0Marker.AvmPlus:
        return this.#avmPlus();
      default:
        throw new AmfError(
          `Cannot decode AMF0 value at offset ${start}: ${markerName(marker)} is not a value`,
        );
    }
  }

  #properties<T extends Map<string, AmfValue>>(target: T, start: number): T {
    const bytes = this.#bytes;
    const index = this.#begin(target);
    const saved = this.#nesting.enter("AMF0 value", start);
    const usedBefore = this.#budget.used;
    for (;;) {
      const length = this.#u16("property name length");
      if (length === 0) {
        this.#need(1, "object end or property value");
        if (bytes[this.offset] === Amf0Marker.ObjectEnd) {
          this.offset++;
          break;
        }
        target.set("", this.#value());
        continue;
      }
      const name = this.#name(length, "property name");
      target.set(name, this.#value());
    }
    this.#end(index, start, usedBefore, saved);
    return target;
  }

  #strictArray(start: number): AmfValue[] {
    const count = this.#u32("strict array count");
    if (count > this.remaining) {
      throw new AmfError(
        `Cannot decode AMF0 strict array at offset ${start}: ${count} items cannot fit in the ${this.remaining} bytes left`,
      );
    }
    const items: AmfValue[] = [];
    const index = this.#begin(items);
    const saved = this.#nesting.enter("AMF0 value", start);
    const usedBefore = this.#budget.used;
    for (let i = 0; i < count; i++) items.push(this.#value());
    this.#end(index, start, usedBefore, saved);
    return items;
  }

  #reference(start: number): AmfValue {
    const index = this.#u16("reference index");
    const refs = this.#refs;
    if (index >= refs.length) {
      throw new AmfError(
        `Cannot decode AMF0 reference at offset ${start}: index ${index} is not among the ${refs.length} complex values read so far`,
      );
    }
    const size = this.#refSizes[index];
    if (size === IN_PROGRESS) {
      throw new AmfError(
        `Cannot decode AMF0 reference at offset ${start}: index ${index} points to a value that contains it`,
      );
    }
    this.#nesting.reference(this.#refHeights[index], "AMF0 reference", start);
    this.#budget.add(size - REFERENCE_SIZE, "AMF0 reference", start);
    return refs[index];
  }

  #avmPlus(): AmfValue {
    let amf3 = this.#amf3;
    if (amf3 === undefined) {
      amf3 = this.#amf3 = new Amf3Reader(this.#bytes);
      amf3[referenceBudget] = this.#budget;
      amf3[nesting] = this.#nesting;
    }
    amf3.offset = this.offset;
    const value = amf3[readNestedValue]();
    this.offset = amf3.offset;
    return value;
  }

  /** Adds a complex value that starts (before its nesting is entered) to the reference table. */
  #begin(value: AmfValue): number {
    this.#refSizes.push(IN_PROGRESS);
    this.#refHeights.push(0);
    return this.#refs.push(value) - 1;
  }

  /**
   * Leaves a complex value, recording its size as if written out without references and its
   * height in nesting levels.
   */
  #end(index: number, start: number, usedBefore: number, saved: number): void {
    this.#refHeights[index] = this.#nesting.leave(saved);
    this.#refSizes[index] = this.offset - start + (this.#budget.used - usedBefore);
  }

  #need(count: number, what: string): void {
    if (count > this.#bytes.length - this.offset) {
      throw new AmfError(
        `Cannot decode AMF0 ${what} at offset ${this.offset}: buffer ends after ${this.remaining} of ${count} bytes`,
      );
    }
  }

  #u8(what: string): number {
    this.#need(1, what);
    return this.#bytes[this.offset++];
  }

  #u16(what: string): number {
    this.#need(2, what);
    const value = this.#view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  #s16(what: string): number {
    this.#need(2, what);
    const value = this.#view.getInt16(this.offset);
    this.offset += 2;
    return value;
  }

  #u32(what: string): number {
    this.#need(4, what);
    const value = this.#view.getUint32(this.offset);
    this.offset += 4;
    return value;
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
    return decodeUtf8(this.#bytes, start, this.offset);
  }

  /** A property or class name, which must fit a u16 length again once decoded. */
  #name(length: number, what: string): string {
    const start = this.offset;
    const name = this.#utf8(length, what);
    if (length > NAME_MAX_BYTES / 3) {
      const encoded = utf8Length(name);
      if (encoded > NAME_MAX_BYTES) {
        throw new AmfError(
          `Cannot decode AMF0 ${what} at offset ${start}: its invalid UTF-8 would take ${encoded} bytes written out again, more than ${NAME_MAX_BYTES}`,
        );
      }
    }
    return name;
  }
}

/**
 * Decodes every AMF0 value in `bytes`, up to the end of the buffer, with one shared
 * reference table.
 *
 * @throws {AmfError} if the buffer is truncated or invalid anywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeAmf0, encodeAmf0 } from "./mod.ts";
 *
 * const [command, transactionId] = decodeAmf0(encodeAmf0("connect", 1, { app: "live" }));
 * assert.equal(command, "connect");
 * assert.equal(transactionId, 1);
 * ```
 */
export function decodeAmf0(bytes: Uint8Array): AmfValue[] {
  const reader = new Amf0Reader(bytes);
  const values: AmfValue[] = [];
  while (reader.remaining > 0) values.push(reader.readValue());
  return values;
}
