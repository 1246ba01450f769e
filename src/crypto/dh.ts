/**
 * Diffie-Hellman over the 1024-bit MODP group of RFC 2409 ("Second Oakley Group", generator 2),
 * the key agreement of the RTMPE handshake (librtmp-facts §4.4), on BigInt.
 *
 * Keys and secrets travel as 128-byte big-endian numbers padded with leading zero bytes, as
 * librtmp's GnuTLS build writes them.
 *
 * @module
 */

import { DhKeyError } from "./dh_key_error.ts";

/** The group's prime p: 2^1024 − 2^960 − 1 + 2^64 · (⌊2^894 π⌋ + 129093) (RFC 2409 §6.2). */
export const DH_PRIME: bigint =
  0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1_29024E088A67CC74020BBEA63B139B22514A08798E3404DD_EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245_E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED_EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381_FFFFFFFFFFFFFFFFn;

/** The group's generator. */
export const DH_GENERATOR = 2n;

/** Bytes of a public key or shared secret on the wire (1024 bits). */
export const DH_KEY_LENGTH = 128;

/** Smallest public key accepted from a peer (the largest is p − 2). */
const MIN_PUBLIC_KEY = 2n;

/** Bits per window of {@linkcode modPow}: one hexadecimal digit of the exponent. */
const WINDOW_BITS = 4;
const WINDOW_SIZE = 1 << WINDOW_BITS;
const HEX_RADIX = 16;

/** Options of a {@linkcode DiffieHellman} key pair. */
export interface DiffieHellmanOptions {
  /** Fills a buffer with random bytes for the private key. Default: `crypto.getRandomValues`. */
  random?: (bytes: Uint8Array) => void;
}

/**
 * `base ^ exponent mod modulus` for a non-negative exponent and a modulus above 1, by
 * left-to-right exponentiation with a fixed 4-bit window (one table of 16 powers, then four
 * squarings and at most one multiplication per hexadecimal digit of the exponent).
 *
 * @example
 * ```ts
 * import { modPow } from "./dh.ts";
 *
 * console.assert(modPow(4n, 13n, 497n) === 445n);
 * ```
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 1n) throw new RangeError("Cannot exponentiate: modulus must be above 1");
  if (exponent < 0n) throw new RangeError("Cannot exponentiate: exponent must not be negative");
  const b = ((base % modulus) + modulus) % modulus;
  const powers: bigint[] = [1n, b];
  for (let k = 2; k < WINDOW_SIZE; k++) powers.push(powers[k - 1] * b % modulus);
  const digits = exponent.toString(HEX_RADIX);
  let result = powers[parseInt(digits[0], HEX_RADIX)];
  for (let at = 1; at < digits.length; at++) {
    for (let s = 0; s < WINDOW_BITS; s++) result = result * result % modulus;
    const digit = parseInt(digits[at], HEX_RADIX);
    if (digit !== 0) result = result * powers[digit] % modulus;
  }
  return result;
}

/** A non-negative BigInt from big-endian bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(HEX_RADIX).padStart(2, "0");
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/**
 * `value` as `length` big-endian bytes, padded with leading zeros. Throws RangeError when it
 * is negative or does not fit.
 */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError("Cannot encode a negative number as bytes");
  const hex = value === 0n ? "" : value.toString(HEX_RADIX);
  if (hex.length > 2 * length) {
    throw new RangeError(
      `Cannot encode a ${value.toString(2).length}-bit number in ${length} bytes`,
    );
  }
  const padded = hex.padStart(2 * length, "0");
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = parseInt(padded.slice(2 * i, 2 * i + 2), HEX_RADIX);
  return bytes;
}

/**
 * Checks a peer's public key as librtmp does: it must lie in [2, p−2]. Throws
 * {@linkcode DhKeyError} otherwise. (librtmp also tests y^q mod p = 1 but only warns when it
 * fails, so that test is left out.)
 */
export function checkPublicKey(key: bigint): void {
  if (key < MIN_PUBLIC_KEY) throw new DhKeyError("below 2");
  if (key > DH_PRIME - 2n) throw new DhKeyError("above p-2");
}

function defaultRandom(bytes: Uint8Array): void {
  crypto.getRandomValues(bytes as Uint8Array<ArrayBuffer>);
}

/**
 * One Diffie-Hellman key pair in the RFC 2409 group 2. The private exponent is drawn uniformly
 * from [2, q] (q = (p−1)/2) with the injected random source, and drawn again in the
 * vanishingly rare case that the public key falls outside [2, p−2], as librtmp regenerates.
 *
 * @example
 * ```ts
 * import { DiffieHellman } from "./dh.ts";
 *
 * const alice = new DiffieHellman();
 * const bob = new DiffieHellman();
 * const a = alice.computeSecret(bob.publicKey);
 * const b = bob.computeSecret(alice.publicKey);
 * console.assert(a.length === 128 && a.every((byte, i) => byte === b[i]));
 * ```
 */
export class DiffieHellman {
  /** The public key, 128 bytes big-endian. */
  readonly publicKey: Uint8Array;
  #privateKey: bigint;

  /** Generates a key pair. */
  constructor(options: DiffieHellmanOptions = {}) {
    const random = options.random ?? defaultRandom;
    const bytes = new Uint8Array(DH_KEY_LENGTH);
    let privateKey: bigint;
    let publicKey: bigint;
    do {
      random(bytes);
      // q = (p − 1) / 2, the order of the subgroup the generator spans.
      privateKey = bytesToBigInt(bytes) % ((DH_PRIME - 1n) / 2n - 1n) + 2n;
      publicKey = modPow(DH_GENERATOR, privateKey, DH_PRIME);
    } while (publicKey < MIN_PUBLIC_KEY || publicKey > DH_PRIME - 2n);
    this.#privateKey = privateKey;
    this.publicKey = bigIntToBytes(publicKey, DH_KEY_LENGTH);
  }

  /**
   * The shared secret with the peer whose public key is `peerPublicKey` (128 bytes
   * big-endian), as 128 bytes big-endian. Throws {@linkcode DhKeyError} when the key is not
   * 128 bytes or lies outside [2, p−2].
   */
  computeSecret(peerPublicKey: Uint8Array): Uint8Array {
    if (peerPublicKey.length !== DH_KEY_LENGTH) throw new DhKeyError("not 128 bytes");
    const peer = bytesToBigInt(peerPublicKey);
    checkPublicKey(peer);
    return bigIntToBytes(modPow(peer, this.#privateKey, DH_PRIME), DH_KEY_LENGTH);
  }
}
