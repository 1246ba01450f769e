import assert from "node:assert/strict";
import {
  Amf3Writer,
  AMF_MAX_DEPTH,
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { AMF3_GOLDEN } from "./_amf3_golden.ts";
import { hex } from "./_amf_assert.ts";

for (const golden of AMF3_GOLDEN.filter((g) => g.encode)) {
  Deno.test(`Amf3Writer encodes golden: ${golden.name}`, () => {
    assert.equal(hex(encodeAmf3(...golden.values)), hex(golden.bytes));
  });
}

Deno.test("Amf3Writer picks integer or double by value", () => {
  assert.equal(hex(encodeAmf3(-268435457)), "05 c1 b0 00 00 01 00 00 00"); // below -2^28
  assert.equal(hex(encodeAmf3(0.5)), "05 3f e0 00 00 00 00 00 00");
  assert.equal(hex(encodeAmf3(NaN).subarray(0, 1)), "05");
  assert.equal(hex(encodeAmf3(Infinity).subarray(0, 1)), "05");
  assert.equal(hex(encodeAmf3(-0).subarray(0, 1)), "05");
  assert.equal(hex(encodeAmf3(0)), "04 00");
});

Deno.test("Amf3Writer shares one string table for values, names and class names", () => {
  const typed = new AmfObject([["k", "T"]]);
  typed.className = "T";
  // deno-fmt-ignore
  const expected = [
    0x06, 0x03, 0x6b, // string "k" (string 0)
    0x0a, 0x0b, // object, inline dynamic traits
    0x03, 0x54, // class name "T" (string 1)
    0x00, // member name: reference to string 0, "k"
    0x06, 0x02, // value: reference to string 1, "T"
    0x01, // end of dynamic members
  ];
  assert.equal(hex(encodeAmf3("k", typed)), hex(expected));
});

Deno.test("Amf3Writer writes dates without a timezone and plain objects as anonymous", () => {
  assert.equal(hex(encodeAmf3(new AmfDate(0, -60))), "08 01 00 00 00 00 00 00 00 00");
  assert.equal(hex(encodeAmf3({ a: null })), "0a 0b 01 03 61 01 01");
});

Deno.test("Amf3Writer writes an empty ECMA array as an empty array", () => {
  assert.equal(hex(encodeAmf3(new AmfEcmaArray())), "09 01 01");
  assert.equal(hex(encodeAmf3([])), "09 01 01");
});

Deno.test("Amf3Writer rejects empty member names with TypeError", () => {
  assert.throws(() => encodeAmf3(new AmfObject([["", 1]])), TypeError);
  assert.throws(() => encodeAmf3(new AmfEcmaArray([["", 1]])), TypeError);
  assert.throws(() => encodeAmf3({ "": 1 }), TypeError);
});

Deno.test("Amf3Writer rejects unsupported values with TypeError", () => {
  assert.throws(() => encodeAmf3(new Date() as unknown as AmfValue), TypeError);
  assert.throws(() => encodeAmf3(Symbol() as unknown as AmfValue), TypeError);
});

Deno.test("Amf3Writer limits nesting and so rejects cyclic values with RangeError", () => {
  let deep: AmfValue = null;
  for (let i = 0; i < AMF_MAX_DEPTH; i++) deep = [deep];
  assert.equal(encodeAmf3(deep).length, AMF_MAX_DEPTH * 3 + 1);
  assert.throws(() => encodeAmf3([deep]), RangeError);
  const cyclic: AmfValue[] = [];
  cyclic.push(cyclic);
  assert.throws(() => encodeAmf3(cyclic), RangeError);
});

Deno.test("Amf3Writer.bytes is a view; length counts bytes", () => {
  const writer = new Amf3Writer(0).writeValue("abc").writeValue("abc");
  assert.equal(writer.length, 7);
  assert.equal(hex(writer.bytes()), "06 07 61 62 63 06 00");
});
