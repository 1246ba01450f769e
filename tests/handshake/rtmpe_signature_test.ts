import { deepStrictEqual, notDeepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  RTMPE8_KEYS,
  RTMPE9_KEYS,
  transformRtmpeSignature,
} from "../../src/handshake/rtmpe_signature.ts";
import { hex } from "./_fixtures.ts";

/** Signature bytes 0..31; key indexes 0, 14, 15 (= 0) and 200 (= 5) at bytes 0, 8, 16, 24. */
const SIGNATURE = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY = hex(
  "00 01 02 03 04 05 06 07  0E 00 00 00 00 00 00 00  0F 00 00 00 00 00 00 00  C8 00 00 00 00 00 00 00",
);

/**
 * Python's results for SIGNATURE and KEY: XTEA as librtmp's `rtmpe8_sig` reads its words, and
 * `cryptography`'s Blowfish with each block's words byte-swapped (librtmp's `rtmpe9_sig`).
 */
const GOLDEN_TYPE_8 = hex("c7c82aca95daa41911c5aa2962f3d06966998c444d16792c0733d5dfac623189");
const GOLDEN_TYPE_9 = hex("a031fb6d807be57d8ecdef55815db971e94e796fbe278d9f318b3fc70c7c1b4e");

function transformed(signature: Uint8Array, key: Uint8Array, type: number): Uint8Array {
  const copy = signature.slice();
  transformRtmpeSignature(copy, key, type);
  return copy;
}

Deno.test("the key tables hold 16 entries of the right sizes", () => {
  strictEqual(RTMPE8_KEYS.length, 16);
  strictEqual(RTMPE9_KEYS.length, 16);
  for (const key of RTMPE8_KEYS) strictEqual(key.length, 4);
  for (const key of RTMPE9_KEYS) strictEqual(key.length, 24);
  deepStrictEqual(RTMPE8_KEYS[0], [0xbff034b2, 0x11d9081f, 0xccdfb795, 0x748de732]);
  deepStrictEqual(RTMPE9_KEYS[15], hex("536a4c54ac8b9bb89729fc602c5b3a8568b5aa6a44cd3fa7"));
});

Deno.test("type 8 and type 9 transforms give Python's bytes", () => {
  deepStrictEqual(transformed(SIGNATURE, KEY, 8), GOLDEN_TYPE_8);
  deepStrictEqual(transformed(SIGNATURE, KEY, 9), GOLDEN_TYPE_9);
});

Deno.test("types other than 8 and 9 leave the signature alone", () => {
  for (const type of [3, 6, 7, 10]) deepStrictEqual(transformed(SIGNATURE, KEY, type), SIGNATURE);
});

Deno.test("the key index is the key byte mod 15, and each block depends only on its own", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(8, 9),
      (signature, key, type) => {
        const reduced = key.map((byte, i) => (i % 8 === 0 ? byte % 15 : byte ^ 0xff));
        deepStrictEqual(transformed(signature, key, type), transformed(signature, reduced, type));
        const changed = signature.slice();
        changed[0] ^= 1;
        const a = transformed(signature, key, type);
        const b = transformed(changed, key, type);
        notDeepStrictEqual(a.subarray(0, 8), b.subarray(0, 8));
        deepStrictEqual(a.subarray(8), b.subarray(8));
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("transformRtmpeSignature refuses a signature or key that is not 32 bytes", () => {
  throws(() => transformRtmpeSignature(new Uint8Array(31), new Uint8Array(32), 8), RangeError);
  throws(() => transformRtmpeSignature(new Uint8Array(32), new Uint8Array(16), 9), RangeError);
});
