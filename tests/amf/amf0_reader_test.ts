import assert from "node:assert/strict";
import {
  Amf0Reader,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  decodeAmf0,
  encodeAmf0,
} from "../../src/amf/mod.ts";
import { ALL_AMF0_GOLDEN } from "./_amf0_golden.ts";
import { amfObject, ascii, assertAmfEqual, assertThrowsAmf } from "./_amf_assert.ts";

function readAll(bytes: Uint8Array, count: number): AmfValue[] {
  const reader = new Amf0Reader(bytes);
  const values: AmfValue[] = [];
  for (let i = 0; i < count; i++) values.push(reader.readValue());
  return values;
}

for (const golden of ALL_AMF0_GOLDEN) {
  Deno.test(`Amf0Reader decodes golden: ${golden.name}`, () => {
    const bytes = Uint8Array.from(golden.bytes);
    assertAmfEqual(decodeAmf0(bytes), golden.values);
  });

  Deno.test(`Amf0Reader throws AmfError on every truncation of golden: ${golden.name}`, () => {
    const bytes = Uint8Array.from(golden.bytes);
    for (let length = 0; length < bytes.length; length++) {
      assertThrowsAmf(() => readAll(bytes.subarray(0, length), golden.values.length));
    }
  });

  Deno.test(`Amf0Reader decodes golden inside a larger buffer: ${golden.name}`, () => {
    // A view at a nonzero byteOffset, with bytes on both sides, read from an offset.
    const backing = new Uint8Array(golden.bytes.length + 7).fill(0xee);
    backing.set(golden.bytes, 4);
    const view = backing.subarray(1, backing.length - 1);
    const reader = new Amf0Reader(view, 3);
    const values = golden.values.map(() => reader.readValue());
    assertAmfEqual(values, golden.values);
    assert.equal(reader.offset, 3 + golden.bytes.length);
    assert.equal(reader.remaining, 2);
  });
}

Deno.test("Amf0Reader resolves a reference to the same instance", () => {
  const [first, second] = decodeAmf0(
    Uint8Array.from([0x03, 0x00, 0x00, 0x09, 0x07, 0x00, 0x00]),
  );
  assert.ok(first instanceof AmfObject);
  assert.equal(second, first);
});

Deno.test("Amf0Reader numbers complex values in the order they start", () => {
  // [ ecma{ a: [ {x: 1} ] }, "s", ref 2, ref 1, ref 0 ]
  // deno-fmt-ignore
  const bytes = Uint8Array.from([
    0x08, 0x00, 0x00, 0x00, 0x01, // ECMA array (reference 0)
    0x00, 0x01, ...ascii("a"), // name "a"
    0x0a, 0x00, 0x00, 0x00, 0x01, // strict array (reference 1)
    0x03, // object (reference 2)
    0x00, 0x01, ...ascii("x"), 0x01, 0x01, // x: true
    0x00, 0x00, 0x09, // object end
    0x00, 0x00, 0x09, // ECMA array end
    0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // a date takes no reference index
    0x02, 0x00, 0x01, ...ascii("s"), // nor does a string
    0x07, 0x00, 0x02, // reference 2: the object
    0x07, 0x00, 0x01, // reference 1: the strict array
    0x07, 0x00, 0x00, // reference 0: the ECMA array
  ]);
  const [ecma, , , object, array, ecmaAgain] = decodeAmf0(bytes);
  assert.ok(ecma instanceof AmfEcmaArray);
  const inner = ecma.get("a") as AmfValue[];
  assert.equal(array, inner);
  assert.equal(object, inner[0]);
  assert.equal(ecmaAgain, ecma);
  assertAmfEqual(object, amfObject([["x", true]]));
});

Deno.test("Amf0Reader typed objects take a reference index", () => {
  // deno-fmt-ignore
  const bytes = Uint8Array.from([
    0x10, 0x00, 0x01, ...ascii("T"), 0x00, 0x00, 0x09, // typed object "T" (reference 0)
    0x07, 0x00, 0x00, // reference 0
  ]);
  const [typed, again] = decodeAmf0(bytes);
  assert.equal(again, typed);
  assert.equal((typed as AmfObject).className, "T");
});

Deno.test("Amf0Reader.readNumber and readString check the marker", () => {
  const reader = new Amf0Reader(encodeAmf0("a".repeat(70000), "b", 2));
  assert.equal(reader.readString().length, 70000); // long string
  assert.equal(reader.readString(), "b");
  assert.equal(reader.readNumber(), 2);
  assert.equal(reader.remaining, 0);

  assertThrowsAmf(() => new Amf0Reader(encodeAmf0("x")).readNumber(), "found string (0x02)");
  assertThrowsAmf(() => new Amf0Reader(encodeAmf0(1)).readString(), "found number (0x00)");
  assertThrowsAmf(() => new Amf0Reader(new Uint8Array()).readNumber());
  assertThrowsAmf(() => new Amf0Reader(Uint8Array.of(0x00, 1)).readNumber());
});

Deno.test("Amf0Reader rejects reserved and out-of-place markers", () => {
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x04)), "movie clip (0x04)");
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x0e)), "record set (0x0e)");
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x09)), "object end (0x09)");
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x00, 0x00, 0x09)));
  for (let marker = 0x12; marker <= 0xff; marker++) {
    assertThrowsAmf(() => decodeAmf0(Uint8Array.of(marker)), "unknown marker");
  }
});

Deno.test("Amf0Reader error messages are sentence case and give the offset", () => {
  const error = assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x05, 0x02, 0x00, 0x05, 0x61)));
  assert.match(error.message, /^Cannot decode AMF0 string at offset 4: /);
  assert.equal(error.name, "AmfError");
});

Deno.test("Amf0Reader rejects a bad start offset with RangeError", () => {
  assert.throws(() => new Amf0Reader(new Uint8Array(2), 3), RangeError);
  assert.throws(() => new Amf0Reader(new Uint8Array(2), -1), RangeError);
  assert.equal(new Amf0Reader(new Uint8Array(2), 2).remaining, 0);
});

Deno.test("decodeAmf0 of an empty buffer is no values", () => {
  assert.deepEqual(decodeAmf0(new Uint8Array()), []);
});
