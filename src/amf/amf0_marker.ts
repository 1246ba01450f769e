/**
 * AMF0 type markers (AMF0 specification section 2.1; librtmp `AMFDataType`).
 *
 * @module
 */

/** The one-byte type markers that start every AMF0 value. */
export const Amf0Marker = {
  /** 8-byte big-endian IEEE 754 double. */
  Number: 0x00,
  /** One byte, nonzero is true. */
  Boolean: 0x01,
  /** u16 length + UTF-8. */
  String: 0x02,
  /** Name/value pairs until `00 00 09`. */
  Object: 0x03,
  /** Reserved, never valid. */
  MovieClip: 0x04,
  /** No payload. */
  Null: 0x05,
  /** No payload. */
  Undefined: 0x06,
  /** u16 index into the table of complex values seen so far in the message. */
  Reference: 0x07,
  /** u32 count (ignored by readers), then pairs until `00 00 09`. */
  EcmaArray: 0x08,
  /** Ends an object, ECMA array or typed object (after an empty name). */
  ObjectEnd: 0x09,
  /** u32 count, then that many values. */
  StrictArray: 0x0a,
  /** Double milliseconds since the epoch + s16 timezone. */
  Date: 0x0b,
  /** u32 length + UTF-8. */
  LongString: 0x0c,
  /** No payload. */
  Unsupported: 0x0d,
  /** Reserved, never valid. */
  RecordSet: 0x0e,
  /** u32 length + UTF-8. */
  XmlDocument: 0x0f,
  /** u16 class name, then pairs until `00 00 09`. */
  TypedObject: 0x10,
  /** The next value is AMF3. */
  AvmPlus: 0x11,
} as const;

/** Any AMF0 marker value. */
export type Amf0Marker = typeof Amf0Marker[keyof typeof Amf0Marker];
