import assert from "node:assert/strict";
import {
  Amf3Reader,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  decodeAmf3,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { AMF3_GOLDEN } from "./_amf3_golden.ts";
import { amfObject, ascii, assertAmfEqual, assertThrowsAmf } from "./_amf_assert.ts";

function readAll(bytes: Uint8Array, count: number): AmfValue[] {
  const reader = new Amf3Reader(bytes);
  const values: AmfValue[] = [];
  for (let i = 0; i < count; i++) values.push(reader.readValue());
  return values;
}

for (const golden of AMF3_GOLDEN) {
  Deno.test(`Amf3Reader decodes golden: ${golden.name}`, () => {
    assertAmfEqual(decodeAmf3(Uint8Array.from(golden.bytes)), golden.values);
  });

  Deno.test(`Amf3Reader throws AmfError on every truncation of golden: ${golden.name}`, () => {
    const bytes = Uint8Array.from(golden.bytes);
    for (let length = 0; length < bytes.length; length++) {
      assertThrowsAmf(() => readAll(bytes.subarray(0, length), golden.values.length));
    }
  });

  Deno.test(`Amf3Reader decodes golden inside a larger buffer: ${golden.name}`, () => {
    const backing = new Uint8Array(golden.bytes.length + 7).fill(0xee);
    backing.set(golden.bytes, 4);
    const reader = new Amf3Reader(backing.subarray(1, backing.length - 1), 3);
    assertAmfEqual(golden.values.map(() => reader.readValue()), golden.values);
    assert.equal(reader.remaining, 2);
  });
}

Deno.test("Amf3Reader resolves object references to the same instance", () => {
  const golden = AMF3_GOLDEN.find((g) => g.name === "object reference")!;
  const [array] = decodeAmf3(Uint8Array.from(golden.bytes)) as AmfValue[][];
  assert.ok(array[0] instanceof AmfObject);
  assert.equal(array[1], array[0]);
});

Deno.test("Amf3Reader copies byte arrays out of the input", () => {
  const input = Uint8Array.of(0x0c, 0x03, 0x2a);
  const [bytes] = decodeAmf3(input) as Uint8Array[];
  input[2] = 0;
  assert.equal(bytes[0], 0x2a);
  assert.equal(bytes.byteLength, bytes.buffer.byteLength);
});

Deno.test("Amf3Reader object table counts every complex kind in order", () => {
  // deno-fmt-ignore
  const bytes = Uint8Array.from([
    0x09, 0x0f, 0x01, // dense array of 7 (object 0)
    0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, // date (object 1)
    0x0b, 0x03, ...ascii("x"), // XML (object 2)
    0x07, 0x03, ...ascii("y"), // XMLDocument (object 3)
    0x0c, 0x03, 0x09, // byte array (object 4)
    0x0d, 0x03, 0x00, 0, 0, 0, 5, // Vector.<int> (object 5)
    0x11, 0x01, 0x00, // empty dictionary (object 6)
    0x0a, 0x0b, 0x01, 0x01, // empty anonymous object (object 7)
  ]);
  const tail = [0x09, 0x11, 0x01]; // dense array of 8 references (object 8)
  for (let i = 0; i < 8; i++) tail.push(0x0a, i * 2); // any marker with a reference header
  const reader = new Amf3Reader(Uint8Array.from([...bytes, ...tail]));
  const original = reader.readValue() as AmfValue[];
  const references = reader.readValue() as AmfValue[];
  for (let i = 0; i < 7; i++) {
    assert.equal(references[i + 1], original[i], `reference ${i + 1}`);
  }
  assert.equal(references[0], original);
});

Deno.test("Amf3Reader reference tables span the values of one reader", () => {
  const reader = new Amf3Reader(Uint8Array.of(0x06, 0x05, 0x68, 0x69, 0x06, 0x00));
  assert.equal(reader.readValue(), "hi");
  assert.equal(reader.readValue(), "hi");
  // A fresh reader has fresh tables.
  assertThrowsAmf(() => new Amf3Reader(Uint8Array.of(0x06, 0x00)).readValue(), "reference 0");
});

Deno.test("Amf3Reader class names and member names enter the string table", () => {
  // deno-fmt-ignore
  const bytes = Uint8Array.from([
    0x0a, 0x1b, // object, inline traits, dynamic, 1 sealed
    0x03, ...ascii("C"), // class name (string 0)
    0x03, ...ascii("s"), // sealed name (string 1)
    0x01, // s: null
    0x03, ...ascii("d"), 0x01, // dynamic name (string 2): null
    0x01, // end of dynamic members
    0x10, 0x03, 0x00, 0x03, ...ascii("V"), // object vector, count 1, type name (string 3)
    0x06, 0x06, // string reference 3: "V"
  ]);
  const [object, vector] = decodeAmf3(bytes);
  assertAmfEqual(object, amfObject([["s", null], ["d", null]], "C"));
  assertAmfEqual(vector, ["V"]);
});

Deno.test("Amf3Reader.readU29 reads a bare U29", () => {
  const reader = new Amf3Reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f));
  assert.equal(reader.readU29(), 0x1fffffff);
  assert.equal(reader.readU29(), 0x7f);
  assertThrowsAmf(() => reader.readU29());
});

Deno.test("Amf3Reader rejects unknown markers and unsupported externalizable classes", () => {
  for (let marker = 0x12; marker <= 0xff; marker++) {
    assertThrowsAmf(() => decodeAmf3(Uint8Array.of(marker)), "unknown marker");
  }
  const externalizable = Uint8Array.from([0x0a, 0x07, 0x07, ...ascii("Ext"), 0x01]);
  assertThrowsAmf(() => decodeAmf3(externalizable), 'externalizable class "Ext"');
});

Deno.test("Amf3Reader turns non-string dictionary keys into strings", () => {
  // deno-fmt-ignore
  const bytes = Uint8Array.from([
    0x11, 0x0d, 0x01, // dictionary, 6 pairs, weak keys
    0x00, 0x04, 0x01, // undefined: 1
    0x01, 0x04, 0x02, // null: 2
    0x05, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x04, 0x03, // 1.5: 3
    0x0a, 0x0b, 0x01, 0x01, 0x04, 0x04, // {}: 4
    0x09, 0x01, 0x01, 0x04, 0x05, // []: 5
    0x0c, 0x01, 0x04, 0x06, // empty byte array: 6
  ]);
  const [dictionary] = decodeAmf3(bytes);
  assert.ok(dictionary instanceof AmfEcmaArray);
  assert.deepEqual([...dictionary.keys()], [
    "undefined",
    "null",
    "1.5",
    "[object Object]",
    "[object Array]",
    "[object ByteArray]",
  ]);
});

Deno.test("Amf3Reader error messages are sentence case and give the offset", () => {
  const error = assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x01, 0x06, 0x07, 0x61)));
  assert.match(error.message, /^Cannot decode AMF3 string at offset 3: /);
});

Deno.test("Amf3Reader rejects a bad start offset with RangeError", () => {
  assert.throws(() => new Amf3Reader(new Uint8Array(2), 3), RangeError);
  assert.throws(() => new Amf3Reader(new Uint8Array(2), 0.5), RangeError);
});

Deno.test("decodeAmf3 reads what encodeAmf3 writes, sharing the string table", () => {
  const values: AmfValue[] = ["same", { same: "same" }, ["same"]];
  assertAmfEqual(decodeAmf3(encodeAmf3(...values)), [
    "same",
    amfObject([["same", "same"]]),
    ["same"],
  ]);
});
