import assert from "node:assert/strict";
import fc from "./_fast_check.ts";
import {
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  AmfXml,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { amfObject, assertAmfEqual, ecmaArray } from "./_amf_assert.ts";

/** Random AMF values; AMF0 has no byte arrays, AMF3 no empty member names. */
function amfValues(format: "amf0" | "amf3"): fc.Arbitrary<AmfValue> {
  const text = fc.string({ unit: "binary", maxLength: 12 });
  const name = fc.string({ unit: "binary", minLength: format === "amf3" ? 1 : 0, maxLength: 8 });
  const leaves: fc.Arbitrary<AmfValue>[] = [
    fc.double(),
    fc.integer({ min: -(2 ** 28) - 2, max: 2 ** 28 + 1 }),
    fc.boolean(),
    text,
    fc.constant(null),
    fc.constant(undefined),
    fc.tuple(fc.double(), fc.integer({ min: -32768, max: 32767 }))
      .map(([time, timezone]) => new AmfDate(time, timezone)),
    text.map((xml) => new AmfXml(xml)),
  ];
  if (format === "amf3") leaves.push(fc.uint8Array({ maxLength: 8 }));
  const entries = (value: fc.Arbitrary<AmfValue>) =>
    fc.uniqueArray(fc.tuple(name, value), { selector: ([key]) => key, maxLength: 5 });
  const { value } = fc.letrec<{ value: AmfValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(...leaves),
      fc.array(tie("value"), { maxLength: 5 }),
      fc.tuple(entries(tie("value")), fc.oneof(fc.constant(""), name.filter((n) => n !== "")))
        .map(([list, className]) => amfObject(list, className)),
      entries(tie("value")).map((list) => ecmaArray(list)),
      entries(tie("value")).map((list) => Object.fromEntries(list) as AmfValue),
    ),
  }));
  return value;
}

/** What a value decodes to: plain objects become AmfObjects; AMF3 drops date timezones and
 * turns empty associative arrays into arrays. */
function expected(value: AmfValue, format: "amf0" | "amf3"): AmfValue {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => expected(item, format));
  if (value instanceof AmfDate) return format === "amf3" ? new AmfDate(value.time, 0) : value;
  if (value instanceof AmfXml || value instanceof Uint8Array) return value;
  if (value instanceof AmfEcmaArray) {
    if (format === "amf3" && value.size === 0) return [];
    return ecmaArray([...value].map(([k, v]) => [k, expected(v, format)]));
  }
  if (value instanceof AmfObject) {
    return amfObject([...value].map(([k, v]) => [k, expected(v, format)]), value.className);
  }
  const record = value as Record<string, AmfValue>;
  return amfObject(Object.keys(record).map((k) => [k, expected(record[k], format)]));
}

Deno.test("AMF0 round-trips random nested values", () => {
  fc.assert(
    fc.property(fc.array(amfValues("amf0"), { minLength: 1, maxLength: 4 }), (values) => {
      assertAmfEqual(decodeAmf0(encodeAmf0(...values)), values.map((v) => expected(v, "amf0")));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("AMF3 round-trips random nested values, sharing the string table", () => {
  fc.assert(
    fc.property(fc.array(amfValues("amf3"), { minLength: 1, maxLength: 4 }), (values) => {
      assertAmfEqual(decodeAmf3(encodeAmf3(...values)), values.map((v) => expected(v, "amf3")));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("AMF0 round-trips AMF3 values behind the AVM+ switch", () => {
  fc.assert(
    fc.property(
      amfValues("amf0"),
      amfValues("amf3"),
      amfValues("amf3"),
      (before, first, second) => {
        // One AMF3 string table spans the message, so the second switch may refer to strings of
        // the first: encode both AMF3 values with one writer and split the bytes.
        const amf3 = encodeAmf3(first, second);
        const firstLength = encodeAmf3(first).length;
        const bytes = Uint8Array.from([
          ...encodeAmf0(before),
          0x11,
          ...amf3.subarray(0, firstLength),
          0x11,
          ...amf3.subarray(firstLength),
        ]);
        assertAmfEqual(decodeAmf0(bytes), [
          expected(before, "amf0"),
          expected(first, "amf3"),
          expected(second, "amf3"),
        ]);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("Strings round-trip on both sides of the AMF0 long-string switch", () => {
  for (const length of [65534, 65535, 65536, 65537, 200000]) {
    const text = "x".repeat(length);
    const bytes = encodeAmf0(text, text);
    assert.equal(bytes[0], length < 65536 ? 0x02 : 0x0c);
    assert.deepEqual(decodeAmf0(bytes), [text, text]);
    assert.deepEqual(decodeAmf3(encodeAmf3(text, text)), [text, text]);
  }
  const euros = "€".repeat(30000); // 90000 bytes
  assert.deepEqual(decodeAmf0(encodeAmf0({ euros })), [amfObject([["euros", euros]])]);
});
