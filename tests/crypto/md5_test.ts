import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "../amf/_fast_check.ts";
import { md5, MD5_DIGEST_LENGTH, md5Hex } from "../../src/crypto/md5.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("md5 matches the RFC 1321 test suite", () => {
  const suite: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "d174ab98d277d9f5a5611c2c9f419d9f",
    ],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ];
  for (const [input, expected] of suite) strictEqual(md5Hex(text(input)), expected, input);
});

Deno.test("md5 pads correctly around the 55/56/64-byte block edges", () => {
  for (const length of [55, 56, 57, 63, 64, 65, 119, 120, 128]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
    const expected = new Uint8Array(createHash("md5").update(data).digest());
    deepStrictEqual(md5(data), expected, `length ${length}`);
  }
});

Deno.test("md5 of a megabyte of 'a'", () => {
  const data = new Uint8Array(1 << 20).fill(0x61);
  strictEqual(md5Hex(data), createHash("md5").update(data).digest("hex"));
});

Deno.test("md5 agrees with node:crypto on random inputs", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      const digest = md5(data);
      strictEqual(digest.length, MD5_DIGEST_LENGTH);
      strictEqual(md5Hex(data), createHash("md5").update(data).digest("hex"));
    }),
    { numRuns: 300 },
  );
});
