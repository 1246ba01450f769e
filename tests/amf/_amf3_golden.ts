// deno-fmt-ignore-file
/**
 * AMF3 golden byte tables, shared by the encoder and decoder tests. `encode: true` means the
 * encoder must produce exactly these bytes from `values`; every entry must decode to `values`.
 *
 * @module
 */

import { AmfDate, AmfXml } from "../../src/amf/mod.ts";
import { amfObject, ascii, ecmaArray } from "./_amf_assert.ts";
import type { Golden } from "./_amf0_golden.ts";

const sharedObject = amfObject([["a", 1]]);
const sharedDate = new AmfDate(0, 0);
const ARRAY_COLLECTION = "flex.messaging.io.ArrayCollection";
const OBJECT_PROXY = "flex.messaging.io.ObjectProxy";

/** AMF3 goldens covering every marker 0x00..0x11 and every kind of reference. */
export const AMF3_GOLDEN: Golden[] = [
  {
    name: "undefined, null, false, true",
    values: [undefined, null, false, true],
    bytes: [
      0x00, // marker: undefined
      0x01, // marker: null
      0x02, // marker: false
      0x03, // marker: true
    ],
    encode: true,
  },
  {
    name: "integers at every U29 length boundary",
    values: [0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455],
    bytes: [
      0x04, 0x00, // 0: one byte
      0x04, 0x7f, // 127: largest one-byte U29
      0x04, 0x81, 0x00, // 128: two bytes, 7 bits each
      0x04, 0xff, 0x7f, // 16383: largest two-byte U29
      0x04, 0x81, 0x80, 0x00, // 16384: three bytes
      0x04, 0xff, 0xff, 0x7f, // 2097151: largest three-byte U29
      0x04, 0x80, 0xc0, 0x80, 0x00, // 2097152: four bytes, the last with 8 bits
      0x04, 0xbf, 0xff, 0xff, 0xff, // 2^28 - 1: largest positive integer
    ],
    encode: true,
  },
  {
    name: "negative integers are sign-extended from 29 bits",
    values: [-1, -268435456],
    bytes: [
      0x04, 0xff, 0xff, 0xff, 0xff, // 0x1fffffff = -1
      0x04, 0xc0, 0x80, 0x80, 0x00, // 0x10000000 = -2^28
    ],
    encode: true,
  },
  {
    name: "doubles: out of integer range, fractions, -0",
    values: [268435456, 1.5, -0],
    bytes: [
      0x05, 0x41, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 2^28 is a double
      0x05, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1.5
      0x05, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // -0 keeps its sign
    ],
    encode: true,
  },
  {
    name: "strings: empty, inline, reference",
    values: ["", "hi", "hi", ""],
    bytes: [
      0x06, 0x01, // "" (inline length 0, never in the table)
      0x06, 0x05, ...ascii("hi"), // inline length 2: string 0
      0x06, 0x00, // reference to string 0
      0x06, 0x01, // "" again inline
    ],
    encode: true,
  },
  {
    name: "string with multibyte UTF-8",
    values: ["é€"],
    bytes: [
      0x06, // marker: string
      0x0b, // inline length 5 bytes
      0xc3, 0xa9, 0xe2, 0x82, 0xac, // é €
    ],
    encode: true,
  },
  {
    name: "XMLDocument",
    values: [new AmfXml("<a/>")],
    bytes: [
      0x07, // marker: XMLDocument
      0x09, // inline length 4
      ...ascii("<a/>"),
    ],
    encode: false,
  },
  {
    name: "XML",
    values: [new AmfXml("<a/>")],
    bytes: [
      0x0b, // marker: XML
      0x09, // inline length 4
      ...ascii("<a/>"),
    ],
    encode: true,
  },
  {
    name: "date",
    values: [new AmfDate(1700000000000, 0)],
    bytes: [
      0x08, // marker: date
      0x01, // inline
      0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00, // double 1700000000000 ms
    ],
    encode: true,
  },
  {
    name: "date reference",
    values: [sharedDate, sharedDate],
    bytes: [
      0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, // date 0 ms (object 0)
      0x08, 0x00, // reference to object 0
    ],
    encode: false,
  },
  {
    name: "dense array",
    values: [[1, "a"]],
    bytes: [
      0x09, // marker: array
      0x05, // inline, dense count 2
      0x01, // "" : no associative part
      0x04, 0x01, // integer 1
      0x06, 0x03, ...ascii("a"), // string "a"
    ],
    encode: true,
  },
  {
    name: "associative array",
    values: [ecmaArray([["a", 1], ["b", true]])],
    bytes: [
      0x09, // marker: array
      0x01, // inline, dense count 0
      0x03, ...ascii("a"), 0x04, 0x01, // a: 1
      0x03, ...ascii("b"), 0x03, // b: true
      0x01, // "" ends the associative part
    ],
    encode: true,
  },
  {
    name: "mixed array puts dense items after associative keys",
    values: [ecmaArray([["a", 1], ["0", 7], ["1", 8]])],
    bytes: [
      0x09, // marker: array
      0x05, // inline, dense count 2
      0x03, ...ascii("a"), 0x04, 0x01, // a: 1
      0x01, // "" ends the associative part
      0x04, 0x07, // dense item 0: 7
      0x04, 0x08, // dense item 1: 8
    ],
    encode: false,
  },
  {
    name: "anonymous dynamic object",
    values: [amfObject([["a", 1], ["b", "a"]])],
    bytes: [
      0x0a, // marker: object
      0x0b, // inline object, inline traits, dynamic, 0 sealed
      0x01, // class name "" (anonymous)
      0x03, ...ascii("a"), 0x04, 0x01, // a: 1 (string 0: "a")
      0x03, ...ascii("b"), // name "b" (string 1)
      0x06, 0x00, // value: reference to string 0, "a"
      0x01, // "" ends dynamic members
    ],
    encode: true,
  },
  {
    name: "typed dynamic object",
    values: [amfObject([["x", "y"]], "Foo")],
    bytes: [
      0x0a, // marker: object
      0x0b, // inline traits, dynamic, 0 sealed
      0x07, ...ascii("Foo"), // class name "Foo"
      0x03, ...ascii("x"), // name "x"
      0x06, 0x03, ...ascii("y"), // string "y"
      0x01, // "" ends dynamic members
    ],
    encode: true,
  },
  {
    name: "sealed object, then one using a traits reference",
    values: [amfObject([["x", 5], ["y", 6]], "P"), amfObject([["x", 7], ["y", 8]], "P")],
    bytes: [
      0x0a, // marker: object
      0x23, // inline object, inline traits, not dynamic, 2 sealed (traits 0)
      0x03, ...ascii("P"), // class name "P" (string 0)
      0x03, ...ascii("x"), // sealed name "x" (string 1)
      0x03, ...ascii("y"), // sealed name "y" (string 2)
      0x04, 0x05, // x: 5
      0x04, 0x06, // y: 6
      0x0a, // marker: object
      0x01, // inline object, traits reference 0
      0x04, 0x07, // x: 7
      0x04, 0x08, // y: 8
    ],
    encode: false,
  },
  {
    name: "sealed and dynamic members",
    values: [amfObject([["s", 1], ["d", 2]], "Q")],
    bytes: [
      0x0a, // marker: object
      0x1b, // inline traits, dynamic, 1 sealed
      0x03, ...ascii("Q"), // class name "Q"
      0x03, ...ascii("s"), // sealed name "s"
      0x04, 0x01, // s: 1
      0x03, ...ascii("d"), 0x04, 0x02, // dynamic d: 2
      0x01, // "" ends dynamic members
    ],
    encode: false,
  },
  {
    name: "object reference",
    values: [[sharedObject, sharedObject]],
    bytes: [
      0x09, 0x05, 0x01, // array, dense count 2 (object 0)
      0x0a, 0x0b, 0x01, // anonymous dynamic object (object 1)
      0x03, ...ascii("a"), 0x04, 0x01, // a: 1
      0x01, // end of members
      0x0a, 0x02, // object reference 1
    ],
    encode: false,
  },
  {
    name: "ArrayCollection unwraps to its array",
    values: [[1, 2]],
    bytes: [
      0x0a, // marker: object
      0x07, // inline traits, externalizable
      0x43, ...ascii(ARRAY_COLLECTION), // class name, 33 bytes
      0x09, 0x05, 0x01, 0x04, 0x01, 0x04, 0x02, // wrapped array [1, 2]
    ],
    encode: false,
  },
  {
    name: "ObjectProxy unwraps to its object",
    values: [amfObject([["k", null]])],
    bytes: [
      0x0a, // marker: object
      0x07, // inline traits, externalizable
      0x3b, ...ascii(OBJECT_PROXY), // class name, 29 bytes
      0x0a, 0x0b, 0x01, 0x03, ...ascii("k"), 0x01, 0x01, // wrapped { k: null }
    ],
    encode: false,
  },
  {
    name: "byte array",
    values: [new Uint8Array([1, 2, 0xff])],
    bytes: [
      0x0c, // marker: byte array
      0x07, // inline length 3
      0x01, 0x02, 0xff, // bytes
    ],
    encode: true,
  },
  {
    name: "Vector.<int>",
    values: [[-1, 1]],
    bytes: [
      0x0d, // marker: Vector.<int>
      0x05, // inline count 2
      0x00, // not fixed
      0xff, 0xff, 0xff, 0xff, // -1
      0x00, 0x00, 0x00, 0x01, // 1
    ],
    encode: false,
  },
  {
    name: "Vector.<uint>",
    values: [[4294967295]],
    bytes: [
      0x0e, // marker: Vector.<uint>
      0x03, // inline count 1
      0x01, // fixed
      0xff, 0xff, 0xff, 0xff, // 4294967295
    ],
    encode: false,
  },
  {
    name: "Vector.<Number>",
    values: [[1.5]],
    bytes: [
      0x0f, // marker: Vector.<Number>
      0x03, // inline count 1
      0x00, // not fixed
      0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1.5
    ],
    encode: false,
  },
  {
    name: "Vector.<Object>",
    values: [[1, "a"]],
    bytes: [
      0x10, // marker: Vector.<Object>
      0x05, // inline count 2
      0x00, // not fixed
      0x03, ...ascii("*"), // type name "*"
      0x04, 0x01, // 1
      0x06, 0x03, ...ascii("a"), // "a"
    ],
    encode: false,
  },
  {
    name: "dictionary",
    values: [ecmaArray([["1", "a"], ["true", null]])],
    bytes: [
      0x11, // marker: dictionary
      0x05, // inline count 2
      0x00, // strong keys
      0x04, 0x01, // key: integer 1
      0x06, 0x03, ...ascii("a"), // value "a"
      0x03, // key: true
      0x01, // value null
    ],
    encode: false,
  },
];
