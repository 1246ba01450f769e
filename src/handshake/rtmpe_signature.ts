/**
 * The signature transforms of RTMPE handshake types 0x08 and 0x09 (librtmp-facts §4.4) and the
 * key tables they draw from (protocol constants of librtmp's `handshake.h`).
 *
 * After a C2 or S2 signature is computed (and likewise the expected one the peer must send),
 * each of its four 8-byte blocks at i = 0, 8, 16, 24 is encrypted in place, its two words read
 * little-endian, with key number `signatureKey[i] % 15` of the table for the server's S0 type:
 * XTEA (32 cycles) for 0x08, Blowfish (16 rounds) for 0x09. The last table entry is never used
 * (`% 15`, not `% 16`), as in librtmp. Type 0x06 signatures are left as they are.
 *
 * @module
 */

import { Blowfish } from "../crypto/blowfish.ts";
import { Xtea } from "../crypto/xtea.ts";
import {
  HANDSHAKE_TYPE_RTMPE_BLOWFISH,
  HANDSHAKE_TYPE_RTMPE_XTEA,
  SHA256_DIGEST_LENGTH,
} from "./constants.ts";

/** Bytes per transformed block. */
const BLOCK_SIZE = 8;

/** Table entries the key index is taken modulo (one of the 16 goes unused). */
const KEY_INDEX_MODULUS = 15;

/** Type 0x08's XTEA keys, four 32-bit words each. */
export const RTMPE8_KEYS: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([0xbff034b2, 0x11d9081f, 0xccdfb795, 0x748de732]),
  Object.freeze([0x086a5eb6, 0x1743090e, 0x6ef05ab8, 0xfe5a39e2]),
  Object.freeze([0x7b10956f, 0x76ce0521, 0x2388a73a, 0x440149a1]),
  Object.freeze([0xa943f317, 0xebf11bb2, 0xa691a5ee, 0x17f36339]),
  Object.freeze([0x7a30e00a, 0xb529e22c, 0xa087aea5, 0xc0cb79ac]),
  Object.freeze([0xbdce0c23, 0x2febdeff, 0x1cfaae16, 0x1123239d]),
  Object.freeze([0x55dd3f7b, 0x77e7e62e, 0x9bb8c499, 0xc9481ee4]),
  Object.freeze([0x407bb6b4, 0x71e89136, 0xa7aebf55, 0xca33b839]),
  Object.freeze([0xfcf6bdc3, 0xb63c3697, 0x7ce4f825, 0x04d959b2]),
  Object.freeze([0x28e091fd, 0x41954c4c, 0x7fb7db00, 0xe3a066f8]),
  Object.freeze([0x57845b76, 0x4f251b03, 0x46d45bcd, 0xa2c30d29]),
  Object.freeze([0x0acceef8, 0xda55b546, 0x03473452, 0x5863713b]),
  Object.freeze([0xb82075dc, 0xa75f1fee, 0xd84268e8, 0xa72a44cc]),
  Object.freeze([0x07cf6e9e, 0xa16d7b25, 0x9fa7ae6c, 0xd92f5629]),
  Object.freeze([0xfeb1eae4, 0x8c8c3ce1, 0x4e0064a7, 0x6a387c2a]),
  Object.freeze([0x893a9427, 0xcc3013a2, 0xf106385b, 0xa829f927]),
]);

/** Type 0x09's Blowfish keys, 24 bytes each (hex). */
const RTMPE9_KEYS_HEX: readonly string[] = [
  "7934774c67d1383adfb356be8b7bd02438e07358415d6967",
  "46f6b4cc0193e3a19e7d3c655586fd098ff7b3c46f41ca5c",
  "1ae7e2f3f9147994c0d39743087bb384432f9d843f21019b",
  "d3e354b0f71df62b5a434d0483643e0d592f61cbb16a590d",
  "c8c1e9b8165699217b5b36b7b59bdf06492c97f59548857e",
  "ebe5e62ea4bad42cf216e08f6623a94341ce381484950053",
  "66db90f03b4ff56fe49c2089355ed2b2c39e9f7f63b22881",
  "bb20aced2a046a1994989bc8ffcd93efc60d56a7eb13d930",
  "bcf2438209408a8725436de6bba4b944583f217c99bb3f24",
  "ec1aaacdcebd5311d2fb83b6c3baab4f6279e865a9922876",
  "c60c300391182d7b79dae1d564779a12c5b1d7914f964ca3",
  "d77c2abfa6e7857c45adff1294d8dea45c3d79a444025d22",
  "16190d816a4cc7f8b8f94ecd2c9e9084b2082560e11eae18",
  "e97c58261b519e49826061fca0a01bcdf505d6a66d0788a3",
  "2b97118bd94ed9df20e39c10e6a1352111f9130d0b2465b2",
  "536a4c54ac8b9bb89729fc602c5b3a8568b5aa6a44cd3fa7",
];

/** Bytes of a hexadecimal string (a loop, not a regular expression: this runs at start-up). */
function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Type 0x09's Blowfish keys, 24 bytes each. */
export const RTMPE9_KEYS: readonly Uint8Array[] = Object.freeze(RTMPE9_KEYS_HEX.map(hexBytes));

/** Ciphers made so far, by table index: a connection uses at most four of each kind. */
const xteaCiphers = new Map<number, Xtea>();
const blowfishCiphers = new Map<number, Blowfish>();

function xtea(index: number): Xtea {
  let cipher = xteaCiphers.get(index);
  if (!cipher) {
    cipher = new Xtea(RTMPE8_KEYS[index], { littleEndian: true });
    xteaCiphers.set(index, cipher);
  }
  return cipher;
}

function blowfish(index: number): Blowfish {
  let cipher = blowfishCiphers.get(index);
  if (!cipher) {
    cipher = new Blowfish(RTMPE9_KEYS[index], { littleEndian: true });
    blowfishCiphers.set(index, cipher);
  }
  return cipher;
}

/**
 * Applies the transform of server type `type` to a 32-byte C2/S2 `signature` in place, with
 * key indexes taken from the 32-byte `signatureKey` it was computed with. Types other than
 * 0x08 and 0x09 leave it unchanged.
 *
 * @example
 * ```ts
 * import { transformRtmpeSignature } from "./rtmpe_signature.ts";
 *
 * const signature = new Uint8Array(32);
 * transformRtmpeSignature(signature, new Uint8Array(32), 6);
 * console.assert(signature.every((byte) => byte === 0));
 * transformRtmpeSignature(signature, new Uint8Array(32), 8);
 * console.assert(signature.some((byte) => byte !== 0));
 * ```
 */
export function transformRtmpeSignature(
  signature: Uint8Array,
  signatureKey: Uint8Array,
  type: number,
): void {
  if (type !== HANDSHAKE_TYPE_RTMPE_XTEA && type !== HANDSHAKE_TYPE_RTMPE_BLOWFISH) return;
  if (signature.length !== SHA256_DIGEST_LENGTH || signatureKey.length !== SHA256_DIGEST_LENGTH) {
    throw new RangeError("Cannot transform an RTMPE signature: signature and key must be 32 bytes");
  }
  for (let i = 0; i < SHA256_DIGEST_LENGTH; i += BLOCK_SIZE) {
    const index = signatureKey[i] % KEY_INDEX_MODULUS;
    const cipher = type === HANDSHAKE_TYPE_RTMPE_XTEA ? xtea(index) : blowfish(index);
    cipher.encryptBlock(signature.subarray(i, i + BLOCK_SIZE));
  }
}
