/**
 * The ciphers and the key agreement of RTMPE (librtmp-facts §4.4) that WebCrypto does not
 * offer: RC4 for the stream, Diffie-Hellman over RFC 2409 group 2 on BigInt, and the XTEA and
 * Blowfish block ciphers of the type 0x08 and 0x09 signature transforms. Pure code, importing
 * nothing else of rtmpkit; HMAC-SHA256 and random bytes come from WebCrypto where they are used.
 *
 * RC4 processes data in place without allocating, since it runs over every byte of an RTMPE
 * stream. Diffie-Hellman takes an injectable random source and refuses peer keys outside
 * [2, p−2] with {@linkcode DhKeyError}. XTEA and Blowfish read a block's words big-endian by
 * default, as their published test vectors do, or little-endian as librtmp's transforms do.
 * MD5 (publisher authentication) and XXTEA (SecureToken) are here for the same reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DiffieHellman, Rc4 } from "./mod.ts";
 *
 * const client = new DiffieHellman();
 * const server = new DiffieHellman();
 * const secret = client.computeSecret(server.publicKey);
 * assert.deepEqual(secret, server.computeSecret(client.publicKey));
 *
 * const key = secret.subarray(0, 16);
 * const data = new TextEncoder().encode("connect");
 * new Rc4(key).process(data);
 * new Rc4(key).process(data);
 * assert.equal(new TextDecoder().decode(data), "connect");
 * ```
 *
 * @module
 */

export { Rc4 } from "./rc4.ts";
export {
  bigIntToBytes,
  bytesToBigInt,
  checkPublicKey,
  DH_GENERATOR,
  DH_KEY_LENGTH,
  DH_PRIME,
  DiffieHellman,
  type DiffieHellmanOptions,
  modPow,
} from "./dh.ts";
export { DhKeyError } from "./dh_key_error.ts";
export { Xtea, XTEA_ROUNDS, type XteaOptions } from "./xtea.ts";
export { Blowfish, type BlowfishOptions, piWords } from "./blowfish.ts";
export { md5, MD5_DIGEST_LENGTH, md5Hex } from "./md5.ts";
export { XXTEA_DELTA, XXTEA_KEY_WORDS, xxteaDecrypt, xxteaEncrypt } from "./xxtea.ts";
