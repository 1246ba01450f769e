/**
 * rtmpdump's `-W/--swfVfy URL` with `-X/--swfAge DAYS` (librtmp's `RTMP_HashSWF`): the hash and
 * size of the player SWF, from the `.swfinfo` cache while its entry is younger than `maxAgeDays`
 * (0 = always check), otherwise fetched with `If-Modified-Since` and hashed, the cache updated.
 *
 * Where it differs from rtmpdump: ZWS files are hashed, redirects are followed, an answer 304
 * for an entry without a hash fetches again without `If-Modified-Since`, and a cache that
 * cannot be written is a warning, not a failure. The cache file itself is behind
 * {@linkcode SwfInfoStore}, so this module does no file I/O.
 *
 * @module
 */

import { type DecompressSwfOptions } from "./decompress_swf.ts";
import { fetchSwf, type FetchSwfOptions } from "./fetch_swf.ts";
import { hashSwf, type SwfInfo } from "./swf_hash.ts";
import { cacheBytes, cacheText, findSwfInfo, updateSwfInfo } from "./swf_info_cache.ts";

/** Default `-X/--swfAge`: 30 days. */
export const DEFAULT_SWF_AGE_DAYS = 30;

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** Where the `.swfinfo` text lives (a file in `$HOME` for the CLI). */
export interface SwfInfoStore {
  /** The current contents; `undefined` when there is no cache yet. */
  read(): Promise<Uint8Array | undefined>;
  /** Replaces the contents. */
  write(bytes: Uint8Array): Promise<void>;
}

/** Options of {@linkcode resolveSwfInfo}. */
export interface ResolveSwfInfoOptions {
  /** Days a cache entry is used without checking the server; 0 = always check. */
  maxAgeDays?: number;
  /** The cache; none when omitted. */
  store?: SwfInfoStore;
  /** Epoch ms now (default `Date.now`). */
  now?: () => number;
  /** Options for the fetch (timeout, size limit, abort signal, fetch function). */
  fetch?: Omit<FetchSwfOptions, "ifModifiedSince">;
  /** Options for the decompression (size limit). */
  decompress?: DecompressSwfOptions;
  /** Told about problems that do not stop verification (the cache cannot be read or written). */
  onWarning?: (message: string) => void;
}

/** Where the answer of {@linkcode resolveSwfInfo} came from. */
export type SwfInfoSource = "cache" | "not-modified" | "fetched";

/** The answer of {@linkcode resolveSwfInfo}. */
export interface ResolvedSwfInfo {
  /** Hash and size. */
  info: SwfInfo;
  /** Cache without network, cache confirmed by a 304, or fetched and hashed. */
  source: SwfInfoSource;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The SWF hash and size for `url`, as rtmpdump's `--swfVfy`. Throws {@linkcode SwfError} when
 * the SWF cannot be fetched or hashed.
 *
 * @example
 * ```ts ignore
 * import { resolveSwfInfo } from "./resolve_swf_info.ts";
 *
 * const { info, source } = await resolveSwfInfo("http://example.com/player.swf", { maxAgeDays: 30 });
 * console.log(info.size, source);
 * ```
 */
export async function resolveSwfInfo(
  url: string,
  options: ResolveSwfInfoOptions = {},
): Promise<ResolvedSwfInfo> {
  const now = options.now ?? Date.now;
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_SWF_AGE_DAYS;
  const warn = options.onWarning ?? (() => {});
  let text = "";
  if (options.store !== undefined) {
    try {
      text = cacheText((await options.store.read()) ?? new Uint8Array(0));
    } catch (error) {
      warn(`Cannot read the SWF cache: ${reason(error)}`);
    }
  }
  const cached = findSwfInfo(text, url)?.entry;
  if (
    cached?.info !== undefined && cached.checkedAt !== undefined && maxAgeDays > 0 &&
    Math.floor((now() - cached.checkedAt) / MS_PER_DAY) < maxAgeDays
  ) {
    return { info: cached.info, source: "cache" };
  }

  const conditional = cached?.info !== undefined ? cached.lastModified ?? "" : "";
  let result = await fetchSwf(url, { ...options.fetch, ifModifiedSince: conditional });
  let resolved: ResolvedSwfInfo;
  let lastModified = "";
  if (result.status === 304 && cached?.info !== undefined) {
    resolved = { info: cached.info, source: "not-modified" };
  } else {
    if (result.status === 304) result = await fetchSwf(url, options.fetch);
    if (result.status !== 200) throw new Error("unreachable: 304 without If-Modified-Since");
    resolved = { info: await hashSwf(result.body, options.decompress), source: "fetched" };
    lastModified = result.lastModified ?? cached?.lastModified ?? "";
  }

  if (options.store !== undefined) {
    const updated = updateSwfInfo(text, url, {
      checkedAt: now(),
      lastModified,
      info: resolved.source === "fetched" ? resolved.info : undefined,
    });
    try {
      await options.store.write(cacheBytes(updated));
    } catch (error) {
      warn(`Cannot write the SWF cache: ${reason(error)}`);
    }
  }
  return resolved;
}
