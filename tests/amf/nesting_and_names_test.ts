import assert from "node:assert/strict";
import {
  AMF_MAX_DEPTH,
  AmfDate,
  AmfError,
  AmfObject,
  type AmfValue,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { assertAmfEqual, assertThrowsAmf } from "./_amf_assert.ts";

function concat(...parts: (number[] | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function repeat(part: number[], times: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(...part);
  return out;
}

/** AMF0 strict array of one item: the item follows. */
const AMF0_ARRAY = [0x0a, 0x00, 0x00, 0x00, 0x01];
/** AMF3 dense array of one item: the item follows. */
const AMF3_ARRAY = [0x09, 0x03, 0x01];

/** Decodes, re-encodes with the same format's encoder and checks the value survives. */
function assertRoundTrips(
  decode: (bytes: Uint8Array) => AmfValue[],
  encode: (...values: AmfValue[]) => Uint8Array,
  bytes: Uint8Array,
): void {
  const values = decode(bytes);
  const again = decode(encode(...values));
  assert.equal(again.length, values.length);
  for (let i = 0; i < values.length; i++) assertAmfEqual(again[i], values[i]);
}

Deno.test("AMF0 and AMF3 levels share one nesting limit across the AVM+ switch", () => {
  // Reproduces: 200 AMF0 levels then 200 AMF3 levels decoded, and encoding the value again
  // threw at 256.
  const deep = concat(repeat(AMF0_ARRAY, 200), [0x11], repeat(AMF3_ARRAY, 200), [0x01]);
  assertThrowsAmf(() => decodeAmf0(deep), "nesting deeper than 256 levels");
  const fits = concat(repeat(AMF0_ARRAY, 200), [0x11], repeat(AMF3_ARRAY, 56), [0x01]);
  assertRoundTrips(decodeAmf0, encodeAmf0, fits);
  // The levels of one value do not carry over to the next.
  assertRoundTrips(decodeAmf0, encodeAmf0, concat(fits, fits));
});

Deno.test("AMF0 references count the levels of the value they point to", () => {
  // Value 1: 200 nested strict arrays (reference index 0 is the outermost). Value 2: 100 nested
  // arrays around a reference to it, 300 levels once written out again.
  const first = concat(repeat(AMF0_ARRAY, 200), [0x05]);
  const second = concat(repeat(AMF0_ARRAY, 100), [0x07, 0x00, 0x00]);
  assertThrowsAmf(() => decodeAmf0(concat(first, second)), "nesting deeper than 256 levels");
  const within = concat(repeat(AMF0_ARRAY, 56), [0x07, 0x00, 0x00]);
  assertRoundTrips(decodeAmf0, encodeAmf0, concat(first, within));
  // An object that holds the deep value twice, by reference, at the top level: 201 levels.
  const object = concat(
    [0x03, 0x00, 0x01, 0x61],
    first,
    [0x00, 0x01, 0x62, 0x07, 0x00, 0x01],
    [0x00, 0x00, 0x09],
  );
  assertRoundTrips(decodeAmf0, encodeAmf0, object);
});

Deno.test("AMF3 references count the levels of the value they point to", () => {
  // [deep, [[…[ref 1]…]]]: the outer array is object 0, the 200-level value starts at 1.
  const deep = repeat(AMF3_ARRAY, 200);
  const outer = [0x09, 0x05, 0x01]; // dense array of two
  const reference = (levels: number) =>
    concat(outer, deep, [0x01], repeat(AMF3_ARRAY, levels), [0x09, 0x02]);
  assertThrowsAmf(() => decodeAmf3(reference(100)), "nesting deeper than 256 levels");
  assertRoundTrips(decodeAmf3, encodeAmf3, reference(54));
  // Behind the AVM+ switch, AMF0 levels around it count as well.
  const behind = concat(repeat(AMF0_ARRAY, 10), [0x11], reference(54));
  assertThrowsAmf(() => decodeAmf0(behind), "nesting deeper than 256 levels");
});

Deno.test("Dates and XML at the deepest level are not a level of their own", () => {
  const date = [0x0b, ...new Uint8Array(8), 0x00, 0x00];
  const amf0 = concat(repeat(AMF0_ARRAY, AMF_MAX_DEPTH), date);
  assertRoundTrips(decodeAmf0, encodeAmf0, amf0);
  const amf3 = concat(repeat(AMF3_ARRAY, AMF_MAX_DEPTH), [0x08, 0x01, ...new Uint8Array(8)]);
  assertRoundTrips(decodeAmf3, encodeAmf3, amf3);
  const xml = concat(repeat(AMF3_ARRAY, AMF_MAX_DEPTH), [0x0b, 0x03, 0x78]);
  assertRoundTrips(decodeAmf3, encodeAmf3, xml);
  let value: AmfValue = new AmfDate(0);
  for (let i = 0; i < AMF_MAX_DEPTH; i++) value = [value];
  assert.equal(encodeAmf0(value).length, AMF_MAX_DEPTH * 5 + 11);
});

Deno.test("An AMF3 vector of numbers is a level, as the array it decodes to", () => {
  const vector = [0x0d, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07]; // Vector.<int> [7]
  assertThrowsAmf(
    () => decodeAmf3(concat(repeat(AMF3_ARRAY, AMF_MAX_DEPTH), vector)),
    "nesting deeper than 256 levels",
  );
  assertRoundTrips(decodeAmf3, encodeAmf3, concat(repeat(AMF3_ARRAY, AMF_MAX_DEPTH - 1), vector));
});

Deno.test("AMF0 names whose invalid UTF-8 would not fit a name again are rejected", () => {
  // Reproduces: 65,535 bytes of 0xFF decoded to 65,535 U+FFFD (196,605 bytes in UTF-8), which
  // no encoder could write as a name again.
  const invalid = (length: number) => new Uint8Array(length).fill(0xff);
  const object = (length: number) =>
    concat([0x03, length >> 8, length & 0xff], invalid(length), [0x05, 0x00, 0x00, 0x09]);
  assertThrowsAmf(() => decodeAmf0(object(0xffff)), "property name");
  assertThrowsAmf(() => decodeAmf0(object(21846)), "would take 65538 bytes");
  const [fits] = decodeAmf0(object(21845));
  assert.equal([...(fits as AmfObject).keys()][0], "\ufffd".repeat(21845));
  assertRoundTrips(decodeAmf0, encodeAmf0, object(21845));
  const typed = concat([0x10, 0xff, 0xff], invalid(0xffff), [0x00, 0x00, 0x09]);
  assertThrowsAmf(() => decodeAmf0(typed), "class name");
  // A string value may grow: it is written again as a long string.
  const text = concat([0x02, 0xff, 0xff], invalid(0xffff));
  assertRoundTrips(decodeAmf0, encodeAmf0, text);
  assert.equal(encodeAmf0(...decodeAmf0(text))[0], 0x0c);
});

Deno.test("Whatever AMF0 decodes from nested and referencing input can be encoded again", () => {
  // Every mix of AMF0 arrays, AVM+ switch and AMF3 arrays around 256 levels.
  for (let amf0 = 0; amf0 <= 260; amf0 += 20) {
    for (let amf3 = 0; amf3 <= 260; amf3 += 20) {
      const bytes = concat(repeat(AMF0_ARRAY, amf0), [0x11], repeat(AMF3_ARRAY, amf3), [0x01]);
      let values: AmfValue[];
      try {
        values = decodeAmf0(bytes);
      } catch (error) {
        assert(error instanceof AmfError);
        assert(amf0 + amf3 > AMF_MAX_DEPTH, `${amf0} + ${amf3} levels were refused`);
        continue;
      }
      assert(amf0 + amf3 <= AMF_MAX_DEPTH);
      encodeAmf0(...values);
    }
  }
});
