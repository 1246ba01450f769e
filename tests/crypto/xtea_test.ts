import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { Xtea } from "../../src/crypto/xtea.ts";
import { hex, toHex } from "./_hex.ts";

/** The published XTEA vectors (32 cycles, key and block words big-endian): key, plain, cipher. */
const VECTORS = [
  ["000102030405060708090a0b0c0d0e0f", "4142434445464748", "497df3d072612cb5"],
  ["000102030405060708090a0b0c0d0e0f", "4141414141414141", "e78f2d13744341d8"],
  ["000102030405060708090a0b0c0d0e0f", "5a5b6e278948d77f", "4141414141414141"],
  ["00000000000000000000000000000000", "4142434445464748", "a0390589f8b8efa5"],
  ["00000000000000000000000000000000", "4141414141414141", "ed23375a821a8c2d"],
  ["00000000000000000000000000000000", "70e1225d6e4e7655", "4141414141414141"],
];

/** Four big-endian words from 16 key bytes. */
function keyWords(key: Uint8Array): number[] {
  const view = new DataView(key.buffer, key.byteOffset, 16);
  return [0, 4, 8, 12].map((at) => view.getUint32(at));
}

/** Reverses the bytes of each 32-bit word of an 8-byte block. */
function swapWords(block: Uint8Array): Uint8Array {
  return Uint8Array.from([3, 2, 1, 0, 7, 6, 5, 4], (i) => block[i]);
}

for (const [key, plain, cipher] of VECTORS) {
  Deno.test(`Xtea encrypts ${plain} under ${key} to ${cipher} and back`, () => {
    const xtea = new Xtea(keyWords(hex(key)));
    const block = hex(plain);
    xtea.encryptBlock(block);
    strictEqual(toHex(block), cipher);
    xtea.decryptBlock(block);
    strictEqual(toHex(block), plain);
  });
}

Deno.test("Xtea little-endian is big-endian with each word's bytes reversed", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      (key, plain) => {
        const little = plain.slice();
        new Xtea(key, { littleEndian: true }).encryptBlock(little);
        const big = swapWords(plain);
        new Xtea(key).encryptBlock(big);
        deepStrictEqual(little, swapWords(big));
      },
    ),
  );
});

Deno.test("Xtea decryptBlock undoes encryptBlock for any key, block, rounds and byte order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.integer({ min: 1, max: 64 }),
      fc.boolean(),
      (key, plain, rounds, littleEndian) => {
        const xtea = new Xtea(key, { rounds, littleEndian });
        const block = plain.slice();
        xtea.encryptBlock(block);
        xtea.decryptBlock(block);
        deepStrictEqual(block, plain);
      },
    ),
  );
});

Deno.test("Xtea works on a block inside a larger buffer and leaves the rest alone", () => {
  const buffer = new Uint8Array(24).fill(0xee);
  buffer.set(hex("4142434445464748"), 8);
  new Xtea(keyWords(hex("000102030405060708090a0b0c0d0e0f"))).encryptBlock(
    buffer.subarray(8, 16),
  );
  strictEqual(toHex(buffer), "eeeeeeeeeeeeeeee" + "497df3d072612cb5" + "eeeeeeeeeeeeeeee");
});

Deno.test("Xtea refuses keys of other than four words and blocks of other than 8 bytes", () => {
  throws(() => new Xtea([1, 2, 3]), RangeError);
  const xtea = new Xtea([1, 2, 3, 4]);
  throws(() => xtea.encryptBlock(new Uint8Array(7)), {
    name: "RangeError",
    message: "Cannot run XTEA: block is 7 bytes, expected 8",
  });
  throws(() => xtea.decryptBlock(new Uint8Array(9)), RangeError);
});
