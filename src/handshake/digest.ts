/**
 * The pure pieces of the Flash Player 9 digest handshake (librtmp-facts §4.3): where a digest
 * and a Diffie-Hellman key sit in a 1536-byte C1/S1 block, HMAC-SHA256 over WebCrypto, the
 * C1/S1 digest and the C2/S2 signature.
 *
 * @module
 */

import {
  DIGEST_MESSAGE_LENGTH,
  RTMP_SIG_SIZE,
  SHA256_DIGEST_LENGTH,
  SIGNATURE_OFFSET,
} from "./constants.ts";

/**
 * Where a block's digest and DH public key sit, as librtmp's `offalg`:
 * - `0`: digest offset from bytes 8–11 (`% 728 + 12`), DH offset from bytes 1532–1535
 *   (`% 632 + 772`). librtmp's digest handshake over plain RTMP (called "scheme 1" in the facts).
 * - `1`: digest offset from bytes 772–775 (`% 728 + 776`), DH offset from bytes 768–771
 *   (`% 632 + 8`). librtmp's RTMPE handshake ("scheme 2").
 */
export type OffsetScheme = 0 | 1;

/** Where a digest was found by {@linkcode findDigest}. */
export interface DigestLocation {
  /** The scheme whose offset verified. */
  scheme: OffsetScheme;
  /** Offset of the 32-byte digest in the block. */
  offset: number;
}

const DIGEST_OFFSET_MODULUS = 728;
const DH_OFFSET_MODULUS = 632;
const SCHEME_0_DIGEST_SUM_AT = 8;
const SCHEME_0_DIGEST_BASE = 12;
const SCHEME_0_DH_SUM_AT = 1532;
const SCHEME_0_DH_BASE = 772;
const SCHEME_1_DIGEST_SUM_AT = 772;
const SCHEME_1_DIGEST_BASE = 776;
const SCHEME_1_DH_SUM_AT = 768;
const SCHEME_1_DH_BASE = 8;

function checkBlock(block: Uint8Array, action: string): void {
  if (block.length !== RTMP_SIG_SIZE) {
    throw new RangeError(
      `Cannot ${action}: block is ${block.length} bytes, expected ${RTMP_SIG_SIZE}`,
    );
  }
}

function sum4(block: Uint8Array, at: number): number {
  return block[at] + block[at + 1] + block[at + 2] + block[at + 3];
}

/**
 * Offset of the 32-byte digest in a 1536-byte C1/S1 block (without C0) under `scheme`.
 * It starts within 12..739 (scheme 0) or 776..1503 (scheme 1), so the digest always fits.
 *
 * @example
 * ```ts
 * import { digestOffset } from "./digest.ts";
 *
 * const block = new Uint8Array(1536);
 * block.fill(0xff, 8, 12); // 1020 % 728 + 12
 * console.assert(digestOffset(block, 0) === 304);
 * ```
 */
export function digestOffset(block: Uint8Array, scheme: OffsetScheme): number {
  checkBlock(block, "compute a digest offset");
  return scheme === 0
    ? sum4(block, SCHEME_0_DIGEST_SUM_AT) % DIGEST_OFFSET_MODULUS + SCHEME_0_DIGEST_BASE
    : sum4(block, SCHEME_1_DIGEST_SUM_AT) % DIGEST_OFFSET_MODULUS + SCHEME_1_DIGEST_BASE;
}

/**
 * Offset of the 128-byte RTMPE Diffie-Hellman public key in a 1536-byte C1/S1 block under
 * `scheme`. It starts within 772..1403 (scheme 0) or 8..639 (scheme 1), so the key always fits.
 */
export function dhOffset(block: Uint8Array, scheme: OffsetScheme): number {
  checkBlock(block, "compute a DH key offset");
  return scheme === 0
    ? sum4(block, SCHEME_0_DH_SUM_AT) % DH_OFFSET_MODULUS + SCHEME_0_DH_BASE
    : sum4(block, SCHEME_1_DH_SUM_AT) % DH_OFFSET_MODULUS + SCHEME_1_DH_BASE;
}

/** A view WebCrypto accepts (backed by an ArrayBuffer, not a SharedArrayBuffer). */
function cryptoBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}

/**
 * HMAC-SHA256 of `data` under `key` (WebCrypto), 32 bytes.
 *
 * @example
 * ```ts
 * import { hmacSha256 } from "./digest.ts";
 *
 * const mac = await hmacSha256(new TextEncoder().encode("key"), new Uint8Array(0));
 * console.assert(mac.length === 32);
 * ```
 */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    cryptoBytes(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, cryptoBytes(data)));
}

/**
 * The digest of a 1536-byte C1/S1 block: HMAC-SHA256 under `key` of the block with the 32
 * bytes at `offset` left out (1504 bytes). `key` is the partial Genuine key: FP key's first
 * 30 bytes for C1, FMS key's first 36 bytes for S1.
 */
export function computeDigest(
  block: Uint8Array,
  offset: number,
  key: Uint8Array,
): Promise<Uint8Array> {
  checkBlock(block, "compute a handshake digest");
  if (!Number.isInteger(offset) || offset < 0 || offset > DIGEST_MESSAGE_LENGTH) {
    throw new RangeError(`Cannot compute a handshake digest: offset ${offset} is out of range`);
  }
  const message = new Uint8Array(DIGEST_MESSAGE_LENGTH);
  message.set(block.subarray(0, offset));
  message.set(block.subarray(offset + SHA256_DIGEST_LENGTH), offset);
  return hmacSha256(key, message);
}

/** Whether the 32 bytes at `offset` of `block` are its digest under `key` (see {@linkcode computeDigest}). */
export async function verifyDigest(
  block: Uint8Array,
  offset: number,
  key: Uint8Array,
): Promise<boolean> {
  const expected = await computeDigest(block, offset, key);
  return bytesEqual(expected, block.subarray(offset, offset + SHA256_DIGEST_LENGTH));
}

/**
 * Finds a block's digest the way librtmp does: at `first`'s offset, then at the other scheme's.
 * Resolves to `undefined` when neither verifies.
 */
export async function findDigest(
  block: Uint8Array,
  key: Uint8Array,
  first: OffsetScheme,
): Promise<DigestLocation | undefined> {
  for (const scheme of [first, otherScheme(first)]) {
    const offset = digestOffset(block, scheme);
    if (await verifyDigest(block, offset, key)) return { scheme, offset };
  }
  return undefined;
}

/** The scheme that is not `scheme`. */
export function otherScheme(scheme: OffsetScheme): OffsetScheme {
  return scheme === 0 ? 1 : 0;
}

/**
 * The key of a C2/S2 signature: HMAC-SHA256 under the full Genuine key (FP key, 62 bytes, for
 * C2; FMS key, 68 bytes, for S2) of the peer's 32-byte C1/S1 digest. RTMPE types 8 and 9 also
 * pick their signature transform keys from it.
 */
export function deriveSignatureKey(
  peerDigest: Uint8Array,
  fullKey: Uint8Array,
): Promise<Uint8Array> {
  return hmacSha256(fullKey, peerDigest);
}

/** The signature of a 1536-byte C2/S2 block: HMAC-SHA256 under `signatureKey` of its first 1504 bytes. */
export function computeSignature(block: Uint8Array, signatureKey: Uint8Array): Promise<Uint8Array> {
  checkBlock(block, "compute a handshake signature");
  return hmacSha256(signatureKey, block.subarray(0, SIGNATURE_OFFSET));
}

/** Whether two byte ranges hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
