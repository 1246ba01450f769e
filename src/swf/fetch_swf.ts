/**
 * Fetching a player SWF over HTTP(S) with the runtime's `fetch` (librtmp-facts §4.5 describes
 * rtmpdump's own client). Kept from rtmpdump: the `User-Agent: Mozilla/5.0` and
 * `Referer: scheme://host/` headers some sites check, and `If-Modified-Since` from the cache.
 * Beyond it: redirects are followed (the runtime's limit of 20 hops), TLS certificates are
 * verified, chunked bodies are read, IPv6 works. Every fetch ends: no bytes for `timeoutMs`
 * aborts it, and a body over `maxBytes` is refused without being read further.
 *
 * @module
 */

import { DEFAULT_MAX_SWF_SIZE } from "./decompress_swf.ts";
import { SwfError } from "./swf_error.ts";

/** Default time without progress (headers or body bytes) after which a fetch is abandoned. */
export const DEFAULT_SWF_FETCH_TIMEOUT_MS = 15_000;
/** The User-Agent rtmpdump sends. */
export const SWF_FETCH_USER_AGENT = "Mozilla/5.0";

const HTTP_OK = 200;
const HTTP_NOT_MODIFIED = 304;

/** Options of {@linkcode fetchSwf}. */
export interface FetchSwfOptions {
  /** `If-Modified-Since` value (the cache's `date:`); none when empty. */
  ifModifiedSince?: string;
  /** Time without progress before giving up ({@linkcode DEFAULT_SWF_FETCH_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Largest body accepted ({@linkcode DEFAULT_MAX_SWF_SIZE}). */
  maxBytes?: number;
  /** Aborts the fetch. */
  signal?: AbortSignal;
  /** The fetch function (default: the global one); injectable for tests. */
  fetch?: typeof fetch;
}

/** The outcome of {@linkcode fetchSwf}. */
export type FetchSwfResult =
  | {
    /** 200: the file. */
    status: 200;
    /** The body. */
    body: Uint8Array;
    /** The Last-Modified header, when there is one. */
    lastModified?: string;
  }
  | {
    /** 304: the cached copy is still good. */
    status: 304;
  };

function fail(url: string, reason: string, cause?: unknown): SwfError {
  return new SwfError(`Cannot fetch the SWF file ${url}: ${reason}`, { cause });
}

/** `scheme://host/` of a URL, the Referer rtmpdump sends. */
function refererOf(url: URL): string {
  return `${url.protocol}//${url.host}/`;
}

/**
 * Fetches the SWF at `url` (http or https). Resolves to the body (200) or to "not modified"
 * (304, only when `ifModifiedSince` was given); throws {@linkcode SwfError} with a one-line
 * reason for anything else.
 *
 * @example
 * ```ts ignore
 * import { fetchSwf } from "./fetch_swf.ts";
 *
 * const result = await fetchSwf("https://example.com/player.swf");
 * if (result.status === 200) console.log(result.body.length, result.lastModified);
 * ```
 */
export async function fetchSwf(
  url: string,
  options: FetchSwfOptions = {},
): Promise<FetchSwfResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw fail(url, "not a valid URL", error);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw fail(url, "only http and https URLs are supported");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_SWF_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SWF_SIZE;
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const headers: Record<string, string> = {
    "User-Agent": SWF_FETCH_USER_AGENT,
    "Referer": refererOf(parsed),
  };
  if (options.ifModifiedSince) headers["If-Modified-Since"] = options.ifModifiedSince;
  const explain = (error: unknown): SwfError => {
    if (error instanceof SwfError) return error;
    if (timedOut) return fail(url, `no data for ${timeoutMs / 1000} s`, error);
    if (options.signal?.aborted) return fail(url, "interrupted", error);
    return fail(url, "the connection failed", error);
  };
  arm();
  try {
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(parsed, {
        headers,
        redirect: "follow",
        signal: controller.signal,
      });
    } catch (error) {
      throw explain(error);
    }
    if (response.status === HTTP_NOT_MODIFIED && options.ifModifiedSince) {
      await response.body?.cancel();
      return { status: HTTP_NOT_MODIFIED };
    }
    if (response.status !== HTTP_OK) {
      await response.body?.cancel();
      const text = response.statusText ? ` ${response.statusText}` : "";
      throw fail(url, `HTTP ${response.status}${text}`);
    }
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw fail(url, `it is ${declared} bytes, over the limit of ${maxBytes}`);
    }
    const body = await readBody(
      response,
      maxBytes,
      arm,
      () => fail(url, `it is over the limit of ${maxBytes} bytes`),
    );
    const lastModified = response.headers.get("last-modified") ?? undefined;
    return { status: HTTP_OK, body, lastModified };
  } catch (error) {
    throw explain(error);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

async function readBody(
  response: Response,
  maxBytes: number,
  progress: () => void,
  tooLarge: () => SwfError,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    progress();
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}
