import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { Blowfish, piWords } from "../../src/crypto/blowfish.ts";
import { hex, toHex } from "./_hex.ts";

/** Eric Young's Blowfish ECB vectors (block words big-endian): key, plain, cipher. */
const ECB_VECTORS = [
  ["0000000000000000", "0000000000000000", "4ef997456198dd78"],
  ["ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a"],
  ["3000000000000000", "1000000000000001", "7d856f9a613063f2"],
  ["1111111111111111", "1111111111111111", "2466dd878b963c9d"],
  ["0123456789abcdef", "1111111111111111", "61f9c3802281b096"],
  ["1111111111111111", "0123456789abcdef", "7d0cc630afda1ec7"],
  ["fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d"],
  ["7ca110454a1a6e57", "01a1d6d039776742", "59c68245eb05282b"],
  ["0131d9619dc1376e", "5cd54ca83def57da", "b1b8cc0b250f09a0"],
  ["07a1133e4a0b2686", "0248d43806f67172", "1730e5778bea1da4"],
  ["3849674c2602319e", "51454b582ddf440a", "a25e7856cf2651eb"],
];

/**
 * Eric Young's variable-key vectors: plain fedcba9876543210 under the first n bytes of
 * f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677, for n = 1..24.
 */
const SET_KEY = hex("f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677");
const SET_KEY_CIPHERS = [
  "f9ad597c49db005e",
  "e91d21c1d961a6d6",
  "e9c2b70a1bc65cf3",
  "be1e639408640f05",
  "b39e44481bdb1e6e",
  "9457aa83b1928c0d",
  "8bb77032f960629d",
  "e87a244e2cc85e82",
  "15750e7a4f4ec577",
  "122ba70b3ab64ae0",
  "3a833c9affc537f6",
  "9409da87a90f6bf2",
  "884f80625060b8b4",
  "1f85031c19e11968",
  "79d9373a714ca34f",
  "93142887ee3be15c",
  "03429e838ce2d14b",
  "a4299e27469ff67b",
  "afd5aed1c1bc96a8",
  "10851c0e3858da9f",
  "e6f51ed79b9db21f",
  "64a6e14afd36b46f",
  "80c7d7d45a5479ad",
  "05044b62fa52d080",
];

/** Reverses the bytes of each 32-bit word of an 8-byte block. */
function swapWords(block: Uint8Array): Uint8Array {
  return Uint8Array.from([3, 2, 1, 0, 7, 6, 5, 4], (i) => block[i]);
}

Deno.test("piWords gives the hexadecimal digits of pi that start and end Blowfish's tables", () => {
  const words = piWords();
  strictEqual(words.length, 18 + 4 * 256);
  // π = 3.243f6a8885a308d313198a2e03707344...
  deepStrictEqual(Array.from(words.subarray(0, 4)), [
    0x243f6a88,
    0x85a308d3,
    0x13198a2e,
    0x03707344,
  ]);
  strictEqual(words[17], 0x8979fb1b, "last word of the P-array");
  strictEqual(words[18], 0xd1310ba6, "first word of S-box 0");
  strictEqual(words[18 + 256], 0x4b7a70e9, "first word of S-box 1");
  strictEqual(words[18 + 512], 0xe93d5a68, "first word of S-box 2");
  strictEqual(words[18 + 768], 0x3a39ce37, "first word of S-box 3");
  strictEqual(words[1041], 0x3ac372e6, "last word of S-box 3");
  strictEqual(piWords(), words, "computed once and kept");
});

for (const [key, plain, cipher] of ECB_VECTORS) {
  Deno.test(`Blowfish encrypts ${plain} under ${key} to ${cipher} and back`, () => {
    const blowfish = new Blowfish(hex(key));
    const block = hex(plain);
    blowfish.encryptBlock(block);
    strictEqual(toHex(block), cipher);
    blowfish.decryptBlock(block);
    strictEqual(toHex(block), plain);
  });
}

Deno.test("Blowfish matches the variable-key vectors for keys of 1 to 24 bytes", () => {
  SET_KEY_CIPHERS.forEach((cipher, index) => {
    const block = hex("fedcba9876543210");
    new Blowfish(SET_KEY.subarray(0, index + 1)).encryptBlock(block);
    strictEqual(toHex(block), cipher, `key of ${index + 1} bytes`);
  });
});

Deno.test("Blowfish little-endian is big-endian with each word's bytes reversed", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 56 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      (key, plain) => {
        const little = plain.slice();
        new Blowfish(key, { littleEndian: true }).encryptBlock(little);
        const big = swapWords(plain);
        new Blowfish(key).encryptBlock(big);
        deepStrictEqual(little, swapWords(big));
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("Blowfish decryptBlock undoes encryptBlock for any key, block and byte order", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 56 }),
      fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      (key, blocks, littleEndian) => {
        const blowfish = new Blowfish(key, { littleEndian });
        for (const plain of blocks) {
          const block = plain.slice();
          blowfish.encryptBlock(block);
          blowfish.decryptBlock(block);
          deepStrictEqual(block, plain);
        }
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("Blowfish refuses keys outside 1..56 bytes and blocks of other than 8 bytes", () => {
  throws(() => new Blowfish(new Uint8Array(0)), RangeError);
  throws(() => new Blowfish(new Uint8Array(57)), RangeError);
  const blowfish = new Blowfish(new Uint8Array(8));
  throws(() => blowfish.encryptBlock(new Uint8Array(16)), {
    name: "RangeError",
    message: "Cannot run Blowfish: block is 16 bytes, expected 8",
  });
});
