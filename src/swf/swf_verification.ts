/**
 * The answer to a server's SWF verification request (librtmp-facts §4.5): on user control event
 * 0x1A the client sends event 0x1B with 42 bytes of data, `01 01`, the SWF size twice (u32 BE)
 * and HMAC-SHA256 keyed with the last 32 bytes of the server's S1 over the SWF hash. Servers
 * check it; both sides are here.
 *
 * @module
 */

import { RTMP_SIG_SIZE, SHA256_DIGEST_LENGTH } from "../handshake/constants.ts";
import { bytesEqual, hmacSha256 } from "../handshake/digest.ts";
import { SWF_HASH_LENGTH, type SwfInfo } from "./swf_hash.ts";

/** Length of the 0x1B event data. */
export const SWF_VERIFICATION_RESPONSE_LENGTH = 42;
/** The first two bytes of the response: type 1, version 1. */
const RESPONSE_PREFIX = [0x01, 0x01];
const SIZE_OFFSET = 2;
const DIGEST_OFFSET = 10;
/** Highest 0x1A request type librtmp answers; higher ones are refused. */
export const MAX_SWF_VERIFICATION_REQUEST_TYPE = 1;

/** The key of the response: the last 32 bytes of the server's 1536-byte S1 (without S0). */
export function swfVerificationKey(s1: Uint8Array): Uint8Array {
  if (s1.length !== RTMP_SIG_SIZE) {
    throw new RangeError(
      `Cannot take the SWF verification key: S1 is ${s1.length} bytes, expected ${RTMP_SIG_SIZE}`,
    );
  }
  return s1.slice(RTMP_SIG_SIZE - SHA256_DIGEST_LENGTH);
}

/**
 * The 42 bytes a client sends in user control event 0x1B, for the SWF in `info` and `key`, the
 * last 32 bytes of the server's S1 ({@linkcode swfVerificationKey}; the handshake driver's
 * `swfVerificationKey`).
 *
 * @example
 * ```ts
 * import { swfVerificationResponse } from "./swf_verification.ts";
 *
 * const key = new Uint8Array(32); // the last 32 bytes of the server's S1
 * const body = await swfVerificationResponse({ hash: new Uint8Array(32), size: 1000 }, key);
 * console.assert(body.length === 42 && body[0] === 1 && body[1] === 1);
 * ```
 */
export async function swfVerificationResponse(
  info: SwfInfo,
  key: Uint8Array,
): Promise<Uint8Array> {
  if (key.length !== SHA256_DIGEST_LENGTH) {
    throw new RangeError(
      `Cannot compute a SWF verification response: the key is ${key.length} bytes, expected ${SHA256_DIGEST_LENGTH}`,
    );
  }
  if (info.hash.length !== SWF_HASH_LENGTH) {
    throw new RangeError(
      `Cannot compute a SWF verification response: hash is ${info.hash.length} bytes`,
    );
  }
  const body = new Uint8Array(SWF_VERIFICATION_RESPONSE_LENGTH);
  body.set(RESPONSE_PREFIX);
  const view = new DataView(body.buffer);
  view.setUint32(SIZE_OFFSET, info.size >>> 0);
  view.setUint32(SIZE_OFFSET + 4, info.size >>> 0);
  body.set(await hmacSha256(key, info.hash), DIGEST_OFFSET);
  return body;
}

/**
 * The server side: whether `data` (the 0x1B event data) is the right answer for the SWF in
 * `expected` and `key`, the last 32 bytes of the S1 this server sent.
 */
export async function checkSwfVerificationResponse(
  data: Uint8Array,
  expected: SwfInfo,
  key: Uint8Array,
): Promise<boolean> {
  if (data.length !== SWF_VERIFICATION_RESPONSE_LENGTH) return false;
  return bytesEqual(data, await swfVerificationResponse(expected, key));
}
