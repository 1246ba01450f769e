import assert from "node:assert/strict";
import {
  Amf3Writer,
  AMF_MAX_DEPTH,
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  decodeAmf3,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { AMF3_GOLDEN } from "./_amf3_golden.ts";
import { assertAmfEqual, hex } from "./_amf_assert.ts";

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

Deno.test("Amf3Writer writes maps with an empty name in a form that decodes to the same map", () => {
  // An object with sealed members only: traits 0x23 (2 sealed), class "", names "" and "a".
  assert.equal(
    hex(encodeAmf3(new AmfObject([["", 1], ["a", 2]]))),
    "0a 23 01 01 03 61 04 01 04 02",
  );
  assert.equal(hex(encodeAmf3({ "": 1 })), "0a 13 01 01 04 01");
  // An associative array as a dictionary with string keys.
  assert.equal(
    hex(encodeAmf3(new AmfEcmaArray([["", 1], ["b", true]]))),
    "11 05 00 06 01 04 01 06 03 62 03",
  );
  for (
    const value of [
      new AmfObject([["", 1], ["a", [new AmfEcmaArray([["", null]])]]]),
      new AmfEcmaArray([["", "x"], ["y", new AmfObject([["", 0]])]]),
    ]
  ) {
    const [decoded] = decodeAmf3(encodeAmf3(value));
    assertAmfEqual(decoded, value);
  }
  const typed = new AmfObject([["", 1]]);
  typed.className = "T";
  assertAmfEqual(decodeAmf3(encodeAmf3(typed))[0], typed);
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
