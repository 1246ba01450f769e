/**
 * AMF value model shared by the AMF0 and AMF3 codecs.
 *
 * Property order matters on the wire (FMS and rtmpdump print and compare it), and plain
 * JavaScript objects reorder integer-like keys, so objects decode to `Map`s. The encoder
 * also accepts plain objects for convenience.
 *
 * @module
 */

/** An AMF object (AMF0 marker 0x03, AMF3 dynamic/sealed object): ordered properties. */
export class AmfObject extends Map<string, AmfValue> {
  /** Class name for typed objects (AMF0 0x10, AMF3 traits); empty for anonymous objects. */
  className = "";
}

/** An ECMA (associative) array, AMF0 marker 0x08; also AMF3 arrays with associative parts. */
export class AmfEcmaArray extends Map<string, AmfValue> {}

/** An AMF date: milliseconds since the epoch and the (unused, always 0 in practice) timezone. */
export class AmfDate {
  /** Creates a date from epoch milliseconds and a timezone offset in minutes. */
  constructor(readonly time: number, readonly timezone = 0) {}
}

/** An XML document (AMF0 0x0F, AMF3 0x07/0x0B). */
export class AmfXml {
  /** Wraps the XML text. */
  constructor(readonly xml: string) {}
}

/** Any AMF value. `undefined` is AMF's undefined; `null` is null. Strict arrays are arrays. */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | AmfObject
  | AmfEcmaArray
  | AmfDate
  | AmfXml
  | Uint8Array
  | AmfValue[]
  | { [key: string]: AmfValue };
