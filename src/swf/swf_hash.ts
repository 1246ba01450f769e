/**
 * The SWF verification hash (librtmp-facts §4.5): HMAC-SHA256 keyed with "Genuine Adobe Flash
 * Player 001" over the decompressed SWF, and its size.
 *
 * @module
 */

import { FP_KEY_DIGEST_LENGTH, GENUINE_FP_KEY } from "../handshake/constants.ts";
import { hmacSha256 } from "../handshake/digest.ts";
import { decompressSwf, type DecompressSwfOptions } from "./decompress_swf.ts";

/** Length of the SWF hash in bytes. */
export const SWF_HASH_LENGTH = 32;

/** The key of the SWF hash: the ASCII text "Genuine Adobe Flash Player 001". */
export const SWF_HASH_KEY: Uint8Array = GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH);

/** What SWF verification needs to know about the player: rtmpdump's `-w` and `-x`. */
export interface SwfInfo {
  /** HMAC-SHA256 of the decompressed SWF, 32 bytes. */
  hash: Uint8Array;
  /** Length of the decompressed SWF in bytes, header included. */
  size: number;
}

/**
 * Hashes a SWF file (FWS, CWS or ZWS) for SWF verification. Throws {@linkcode SwfError} when
 * it is not a SWF or cannot be decompressed.
 *
 * @example
 * ```ts
 * import { hashSwf } from "./swf_hash.ts";
 *
 * const fws = Uint8Array.of(0x46, 0x57, 0x53, 10, 9, 0, 0, 0, 0);
 * const info = await hashSwf(fws);
 * console.assert(info.size === 9 && info.hash.length === 32);
 * ```
 */
export async function hashSwf(
  file: Uint8Array,
  options: DecompressSwfOptions = {},
): Promise<SwfInfo> {
  const decompressed = await decompressSwf(file, options);
  return { hash: await hmacSha256(SWF_HASH_KEY, decompressed), size: decompressed.length };
}
