import assert from "node:assert/strict";
import fc from "./_fast_check.ts";
import { encodeU29, readU29, U29_MAX } from "../../src/amf/mod.ts";
import { readU29 as readU29FromReader } from "../../src/amf/amf3_reader.ts";
import { assertThrowsAmf, hex } from "./_amf_assert.ts";

// deno-fmt-ignore
const U29_GOLDEN: [number, number[]][] = [
  [0, [0x00]], // one byte
  [0x7f, [0x7f]], // largest one-byte value
  [0x80, [0x81, 0x00]], // 1 0000001, 0 0000000
  [0x3fff, [0xff, 0x7f]], // largest two-byte value
  [0x4000, [0x81, 0x80, 0x00]], // three bytes
  [0x1fffff, [0xff, 0xff, 0x7f]], // largest three-byte value
  [0x200000, [0x80, 0xc0, 0x80, 0x00]], // four bytes: 7 + 7 + 7 + 8 bits
  [0x1fffffff, [0xff, 0xff, 0xff, 0xff]], // U29_MAX
];

for (const [value, bytes] of U29_GOLDEN) {
  Deno.test(`U29 ${value} encodes to ${hex(bytes)} and back`, () => {
    assert.equal(hex(encodeU29(value)), hex(bytes));
    assert.deepEqual(readU29(Uint8Array.from(bytes), 0), { value, offset: bytes.length });
    for (let length = 0; length < bytes.length; length++) {
      assertThrowsAmf(() => readU29(Uint8Array.from(bytes).subarray(0, length), 0));
    }
  });
}

Deno.test("readU29 is also exported from amf3_reader.ts and reads at an offset", () => {
  assert.equal(readU29FromReader, readU29);
  assert.deepEqual(readU29(Uint8Array.of(0xaa, 0x81, 0x00, 0xbb), 1), { value: 128, offset: 3 });
});

Deno.test("U29 round-trips every value in range", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: U29_MAX }), (value) => {
      const bytes = encodeU29(value);
      assert.deepEqual(readU29(bytes, 0), { value, offset: bytes.length });
    }),
  );
});

Deno.test("encodeU29 rejects values out of range with RangeError", () => {
  assert.throws(() => encodeU29(-1), RangeError);
  assert.throws(() => encodeU29(U29_MAX + 1), RangeError);
  assert.throws(() => encodeU29(1.5), RangeError);
});
