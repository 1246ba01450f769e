/**
 * SWF verification (librtmp-facts §4.5): the hash and size of a player SWF (`FWS`, `CWS` and
 * `ZWS`, with an LZMA decoder of our own as rtmpdump has none), fetching it over HTTP(S), the
 * `$HOME/.swfinfo` cache shared with rtmpdump, and both sides of the user control 0x1A/0x1B
 * exchange. No file or socket I/O of its own: the cache is behind {@linkcode SwfInfoStore} and
 * fetching uses the runtime's `fetch`.
 *
 * @example Hash a SWF and answer a verification request
 * ```ts
 * import { hashSwf, swfVerificationKey, swfVerificationResponse } from "./mod.ts";
 *
 * const swf = Uint8Array.of(0x46, 0x57, 0x53, 10, 9, 0, 0, 0, 0);
 * const info = await hashSwf(swf);
 * const s1 = new Uint8Array(1536); // the server's S1 from the handshake
 * const answer = await swfVerificationResponse(info, swfVerificationKey(s1));
 * console.assert(answer.length === 42);
 * ```
 *
 * @module
 */

export {
  decompressSwf,
  type DecompressSwfOptions,
  DEFAULT_MAX_SWF_SIZE,
  SWF_HEADER_LENGTH,
  type SwfCompression,
  swfCompression,
  ZWS_PROPERTIES_OFFSET,
} from "./decompress_swf.ts";
export {
  DEFAULT_SWF_FETCH_TIMEOUT_MS,
  fetchSwf,
  type FetchSwfOptions,
  type FetchSwfResult,
  SWF_FETCH_USER_AGENT,
} from "./fetch_swf.ts";
export { formatHttpDate, parseHttpDate } from "./http_date.ts";
export {
  decodeLzma,
  LZMA_PROPERTIES_LENGTH,
  type LzmaProperties,
  parseLzmaProperties,
} from "./lzma_decoder.ts";
export { LzmaError } from "./lzma_error.ts";
export {
  DEFAULT_SWF_AGE_DAYS,
  type ResolvedSwfInfo,
  resolveSwfInfo,
  type ResolveSwfInfoOptions,
  type SwfInfoSource,
  type SwfInfoStore,
} from "./resolve_swf_info.ts";
export { SwfError } from "./swf_error.ts";
export { hashSwf, SWF_HASH_KEY, SWF_HASH_LENGTH, type SwfInfo } from "./swf_hash.ts";
export {
  cacheBytes,
  cacheText,
  findSwfInfo,
  type SwfInfoEntry,
  type SwfInfoMatch,
  type SwfInfoUpdate,
  updateSwfInfo,
} from "./swf_info_cache.ts";
export {
  checkSwfVerificationResponse,
  MAX_SWF_VERIFICATION_REQUEST_TYPE,
  SWF_VERIFICATION_RESPONSE_LENGTH,
  swfVerificationKey,
  swfVerificationResponse,
} from "./swf_verification.ts";
