/**
 * AMF3 type markers (AMF3 specification section 3.1).
 *
 * @module
 */

/** The one-byte type markers that start every AMF3 value. */
export const Amf3Marker = {
  /** No payload. */
  Undefined: 0x00,
  /** No payload. */
  Null: 0x01,
  /** No payload. */
  False: 0x02,
  /** No payload. */
  True: 0x03,
  /** U29, sign-extended from 29 bits. */
  Integer: 0x04,
  /** 8-byte big-endian IEEE 754 double. */
  Double: 0x05,
  /** U29 reference or length, then UTF-8. */
  String: 0x06,
  /** Legacy XMLDocument: U29 reference or length, then UTF-8. */
  XmlDocument: 0x07,
  /** U29 reference or 1, then a double of epoch milliseconds. */
  Date: 0x08,
  /** U29 reference or dense count, associative pairs until an empty name, dense values. */
  Array: 0x09,
  /** U29 reference or traits, then sealed and dynamic members. */
  Object: 0x0a,
  /** E4X XML: U29 reference or length, then UTF-8. */
  Xml: 0x0b,
  /** U29 reference or length, then raw bytes. */
  ByteArray: 0x0c,
  /** Vector.<int>: U29 reference or count, fixed flag, s32 items. */
  VectorInt: 0x0d,
  /** Vector.<uint>: U29 reference or count, fixed flag, u32 items. */
  VectorUint: 0x0e,
  /** Vector.<Number>: U29 reference or count, fixed flag, double items. */
  VectorDouble: 0x0f,
  /** Vector.<Object>: U29 reference or count, fixed flag, type name, values. */
  VectorObject: 0x10,
  /** U29 reference or count, weak-keys flag, key/value pairs. */
  Dictionary: 0x11,
} as const;

/** Any AMF3 marker value. */
export type Amf3Marker = typeof Amf3Marker[keyof typeof Amf3Marker];
