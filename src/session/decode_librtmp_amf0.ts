/**
 * AMF0 decoding with librtmp's acceptance rules (`AMF_Decode` in librtmp/amf.c, as used by
 * `HandleMetadata`), so that rtmpkit keeps or drops exactly the metadata messages rtmpdump keeps
 * or drops.
 *
 * The AMF layer's own decoder is stricter in some places and more capable in others; rtmpdump's
 * output depends on librtmp's exact behaviour, hence this separate, small decoder.
 *
 * @module
 */

import { Amf3Reader, AMF_MAX_DEPTH, AmfDate, AmfEcmaArray, AmfObject, AmfXml } from "../amf/mod.ts";
import type { AmfValue } from "../amf/mod.ts";

/** AMF0 markers used below (AMF0 specification section 2.1). */
const MARKER_NUMBER = 0x00;
const MARKER_BOOLEAN = 0x01;
const MARKER_STRING = 0x02;
const MARKER_OBJECT = 0x03;
const MARKER_NULL = 0x05;
const MARKER_UNDEFINED = 0x06;
const MARKER_ECMA_ARRAY = 0x08;
const MARKER_STRICT_ARRAY = 0x0a;
const MARKER_DATE = 0x0b;
const MARKER_LONG_STRING = 0x0c;
const MARKER_UNSUPPORTED = 0x0d;
const MARKER_XML_DOCUMENT = 0x0f;
const MARKER_AVM_PLUS = 0x11;
/** The object end marker 00 00 09, as a 24-bit value. */
const OBJECT_END = 0x000009;
/** librtmp's minimum for a named property: u16 name length, one name byte, one value byte. */
const MIN_NAMED_PROPERTY_SIZE = 4;

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Thrown internally where librtmp's decoder returns -1. */
const REJECTED = Symbol("rejected");

/**
 * Decodes `bytes` as a sequence of AMF0 values the way librtmp's `AMF_Decode` does, or returns
 * `undefined` where librtmp's decode fails (and rtmpdump then ignores the message).
 *
 * librtmp's rules, all kept here:
 * - at the top level and inside objects and ECMA arrays, decoding stops at the first
 *   `00 00 09`; at the top level the bytes after it are ignored;
 * - an object or ECMA array that reaches the end of the message without an end marker is
 *   accepted as it is;
 * - movie clip, reference, object end as a value, record set, typed object and unknown markers
 *   fail the whole decode, as does any value cut short;
 * - undefined (0x06) and unsupported (0x0D) decode as `null`, long strings as strings;
 * - a strict array whose u32 count is 2^31 or more is empty (librtmp reads it as a negative int);
 * - the AVM+ switch (0x11) must carry one AMF3 object.
 *
 * Deviations, all on input librtmp itself mishandles: nesting deeper than `AMF_MAX_DEPTH` fails
 * (librtmp recurses without limit); a value cut inside a length field fails (librtmp reads past
 * the end); AMF3 is decoded by the AMF layer's complete AMF3 reader. Repeated property names keep
 * their first value (librtmp keeps both; its lookups find the first).
 */
export function decodeLibrtmpAmf0(bytes: Uint8Array): AmfValue[] | undefined {
  try {
    return new LibrtmpAmf0Decoder(bytes).decodeTopLevel();
  } catch (error) {
    if (error === REJECTED) return undefined;
    throw error;
  }
}

class LibrtmpAmf0Decoder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  #pos = 0;
  #depth = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#end = bytes.length;
  }

  decodeTopLevel(): AmfValue[] {
    const values: AmfValue[] = [];
    while (this.#pos < this.#end) {
      if (this.#atObjectEnd()) break;
      values.push(this.#value());
    }
    return values;
  }

  #atObjectEnd(): boolean {
    const pos = this.#pos;
    if (this.#end - pos < 3) return false;
    const b = this.#bytes;
    return ((b[pos] << 16) | (b[pos + 1] << 8) | b[pos + 2]) === OBJECT_END;
  }

  #need(count: number): void {
    if (this.#end - this.#pos < count) throw REJECTED;
  }

  #u16(): number {
    this.#need(2);
    const value = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return value;
  }

  #u32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return value;
  }

  #text(length: number): string {
    this.#need(length);
    const start = this.#pos;
    this.#pos += length;
    return utf8.decode(this.#bytes.subarray(start, start + length));
  }

  #properties<T extends Map<string, AmfValue>>(target: T): T {
    if (++this.#depth > AMF_MAX_DEPTH) throw REJECTED;
    while (this.#pos < this.#end) {
      if (this.#atObjectEnd()) {
        this.#pos += 3;
        break;
      }
      this.#need(MIN_NAMED_PROPERTY_SIZE);
      const name = this.#text(this.#u16());
      if (this.#pos === this.#end) throw REJECTED;
      const value = this.#value();
      if (!target.has(name)) target.set(name, value);
    }
    this.#depth--;
    return target;
  }

  #value(): AmfValue {
    this.#need(1);
    const marker = this.#bytes[this.#pos++];
    switch (marker) {
      case MARKER_NUMBER: {
        this.#need(8);
        const value = this.#view.getFloat64(this.#pos);
        this.#pos += 8;
        return value;
      }
      case MARKER_BOOLEAN:
        this.#need(1);
        return this.#bytes[this.#pos++] !== 0;
      case MARKER_STRING:
        return this.#text(this.#u16());
      case MARKER_OBJECT:
        return this.#properties(new AmfObject());
      case MARKER_NULL:
      case MARKER_UNDEFINED:
      case MARKER_UNSUPPORTED:
        return null;
      case MARKER_ECMA_ARRAY:
        this.#u32(); // count: librtmp skips it
        return this.#properties(new AmfEcmaArray());
      case MARKER_STRICT_ARRAY:
        return this.#strictArray();
      case MARKER_DATE: {
        this.#need(10);
        const time = this.#view.getFloat64(this.#pos);
        const timezone = this.#view.getInt16(this.#pos + 8);
        this.#pos += 10;
        return new AmfDate(time, timezone);
      }
      case MARKER_LONG_STRING:
        return this.#text(this.#u32());
      case MARKER_XML_DOCUMENT:
        return new AmfXml(this.#text(this.#u32()));
      case MARKER_AVM_PLUS:
        return this.#avmPlus();
      default:
        // Movie clip, reference, object end, record set, typed object, unknown.
        throw REJECTED;
    }
  }

  #strictArray(): AmfValue[] {
    // librtmp holds the count in an int: 2^31 and above are negative, and the loop never runs.
    const count = this.#u32() | 0;
    if (++this.#depth > AMF_MAX_DEPTH) throw REJECTED;
    const items: AmfValue[] = [];
    for (let i = 0; i < count; i++) {
      if (this.#pos >= this.#end) throw REJECTED;
      items.push(this.#value());
    }
    this.#depth--;
    return items;
  }

  #avmPlus(): AmfValue {
    const reader = new Amf3Reader(this.#bytes, this.#pos);
    let value: AmfValue;
    try {
      value = reader.readValue();
    } catch {
      throw REJECTED;
    }
    if (!(value instanceof AmfObject)) throw REJECTED;
    this.#pos = reader.offset;
    return value;
  }
}
