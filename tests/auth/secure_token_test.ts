import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "../amf/_fast_check.ts";
import { AuthError } from "../../src/auth/auth_error.ts";
import {
  decodeSecureToken,
  encodeSecureToken,
  MAX_SECURE_TOKEN_LENGTH,
  secureTokenKey,
} from "../../src/auth/secure_token.ts";
import { xxteaDecrypt, xxteaEncrypt } from "../../src/crypto/xxtea.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * [token, key, secureTokenResponse bytes in hex] as Debian's rtmpdump 2.4 (`-T key`) answered a
 * loopback server that put `secureToken: token` in its connect _result (the bytes of the AMF
 * string it sent back).
 */
const RTMPDUMP_ANSWERS: [string, string, string][] = [
  ["0123456789abcdef", "secret", "d4d9389a21a94817"],
  ["00000000", "k", "e6000969"],
  [
    "deadbeefcafebabe0011223344556677",
    "a much longer key than sixteen bytes",
    "e107d84136b1c627886b819a824f769f",
  ],
  [
    "FFEEDDCCBBAA99887766554433221100fedcba98",
    "0123456789abcdef",
    "acdadb31c2a30f1cad75b859bd7f1bcd244a4f8a",
  ],
  [
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
    "xy",
    "83dee28a29b8f88ab9876bf72abe8e976b4a33f3234f710b",
  ],
];

Deno.test("decodeSecureToken answers as rtmpdump 2.4 does", () => {
  for (const [token, key, expected] of RTMPDUMP_ANSWERS) {
    strictEqual(hex(decodeSecureToken(token, key)), expected, `${token} / ${key}`);
  }
});

Deno.test("encodeSecureToken is the inverse of rtmpdump's answers", () => {
  for (const [token, key, plain] of RTMPDUMP_ANSWERS) {
    if (token.length < 16) continue; // one-word blocks have no inverse
    const bytes = Uint8Array.from(plain.match(/../g)!, (h) => parseInt(h, 16));
    strictEqual(encodeSecureToken(bytes, key), token.toLowerCase(), `${token} / ${key}`);
  }
});

Deno.test("secureTokenKey packs the first 16 bytes little-endian, zero padded", () => {
  deepStrictEqual(Array.from(secureTokenKey("abcdefghijklmnopqrs")), [
    0x64636261,
    0x68676665,
    0x6c6b6a69,
    0x706f6e6d,
  ]);
  deepStrictEqual(Array.from(secureTokenKey("xy")), [0x7978, 0, 0, 0]);
  deepStrictEqual(Array.from(secureTokenKey("")), [0, 0, 0, 0]);
});

Deno.test("XXTEA known answer: all-zero key and block", () => {
  // Reference value of the Corrected Block TEA (two zero words, zero key), also computed by
  // rtmpdump above for other inputs.
  const block = new Uint32Array(2);
  xxteaEncrypt(block, new Uint32Array(4));
  deepStrictEqual(Array.from(block, (w) => w.toString(16).padStart(8, "0")), [
    "053704ab",
    "575d8c80",
  ]);
});

Deno.test("XXTEA decrypt inverts encrypt for any block and key", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 2, maxLength: 40 }),
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
      (words, keyWords) => {
        const block = Uint32Array.from(words);
        const key = Uint32Array.from(keyWords);
        xxteaEncrypt(block, key);
        xxteaDecrypt(block, key);
        deepStrictEqual(Array.from(block), words);
      },
    ),
  );
});

Deno.test("decodeSecureToken round-trips encodeSecureToken", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.string(), (plain, key) => {
      const padded = new Uint8Array(Math.max(8, Math.ceil(plain.length / 4) * 4));
      padded.set(plain);
      deepStrictEqual(decodeSecureToken(encodeSecureToken(plain, key), key), padded);
    }),
  );
});

Deno.test("decodeSecureToken takes missing digits of a short last group as zeros", () => {
  const full = decodeSecureToken("0123456789ab0000", "k");
  const short = decodeSecureToken("0123456789ab", "k");
  deepStrictEqual(short, full.subarray(0, 6));
});

Deno.test("XXTEA encryption refuses a one-word block", () => {
  throws(() => xxteaEncrypt(new Uint32Array(1), new Uint32Array(4)), RangeError);
  throws(() => xxteaDecrypt(new Uint32Array(0), new Uint32Array(4)), RangeError);
  throws(() => xxteaDecrypt(new Uint32Array(2), new Uint32Array(3)), RangeError);
});

Deno.test("decodeSecureToken refuses empty, oversized and non-hex tokens", () => {
  throws(() => decodeSecureToken("", "k"), AuthError);
  throws(() => decodeSecureToken("0".repeat(MAX_SECURE_TOKEN_LENGTH + 1), "k"), AuthError);
  throws(
    () => decodeSecureToken("01234567zz", "k"),
    (e: unknown) => e instanceof AuthError && /character 9 is not a hex digit/.test(e.message),
  );
});
