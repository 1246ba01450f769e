/**
 * HTTP CONNECT proxies (`--proxy http://[user:pass@]host:port`, RFC 9110 §9.3.6): the dialer
 * below connects to the proxy, asks it for a tunnel with `CONNECT host:port HTTP/1.1` (with
 * basic `Proxy-Authorization` when the URL has credentials), and once the proxy answers 2xx
 * (HTTP/1.1, or HTTP/1.0 as tinyproxy does) the connection is the tunnel: bytes after the
 * answer's head already belong to the stream. librtmp has no HTTP proxy support.
 *
 * Any other answer, an answer that is not HTTP, a close before the answer or no answer within
 * the connect timeout is a one-line {@linkcode ConnectError} naming the proxy and what it said.
 *
 * @module
 */

import type { Dialer } from "./dialer.ts";
import { encodeRequestHead, HttpParseError, readHead } from "./http1.ts";
import { proxyLabel, type ProxyUrl } from "./proxy_url.ts";
import { hostPort } from "./tcp.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { ConnectError, describeNetworkError } from "./transport_error.ts";

/** Largest answer head taken from a proxy. */
export const MAX_PROXY_ANSWER_HEAD_BYTES = 8 * 1024;
/** Default connect (and answer) timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A dialer that reaches its targets through the HTTP proxy `proxy`, connecting to the proxy
 * with `below` (TCP, usually). The transport is the proxy's connection itself, so its
 * `remoteAddr` is the proxy's.
 *
 * @example
 * ```ts ignore
 * import { tcpDialer } from "./dialer.ts";
 * import { httpConnectDialer } from "./http_connect.ts";
 * import { parseProxyUrl } from "./proxy_url.ts";
 * const dial = httpConnectDialer(parseProxyUrl("http://127.0.0.1:8888"), tcpDialer);
 * const transport = await dial({ host: "127.0.0.1", port: 1935 });
 * ```
 */
export function httpConnectDialer(proxy: ProxyUrl, below: Dialer): Dialer {
  return async (target, options = {}) => {
    const label = proxyLabel(proxy);
    const fail = (detail: string, cause?: unknown) =>
      new ConnectError(`Cannot connect through HTTP proxy ${label}: ${detail}`, { cause });
    const timeoutMs = options.connectTimeoutMs || DEFAULT_TIMEOUT_MS;
    const conn = await below({ host: proxy.host, port: proxy.port }, options);
    const authority = hostPort(target.host, target.port);
    const headers: [string, string][] = [["Host", authority]];
    if (proxy.username !== undefined) {
      const credentials = new TextEncoder().encode(`${proxy.username}:${proxy.password ?? ""}`);
      headers.push(["Proxy-Authorization", `Basic ${btoa(String.fromCharCode(...credentials))}`]);
    }

    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(fail(`no answer to CONNECT within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      onAbort = () => reject(fail("interrupted", options.signal?.reason));
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      if (options.signal?.aborted) throw fail("interrupted", options.signal.reason);
      await Promise.race([conn.write(encodeRequestHead("CONNECT", authority, headers)), limit])
        .catch((err) => {
          throw err instanceof ConnectError ? err : fail(describeNetworkError(err), err);
        });
      let answer: Uint8Array = new Uint8Array(0);
      for (;;) {
        const data = await Promise.race([conn.read(), limit]).catch((err) => {
          throw err instanceof ConnectError ? err : fail(describeNetworkError(err), err);
        });
        if (data === null) throw fail("it closed the connection before answering CONNECT");
        answer = concat(answer, data);
        let parsed;
        try {
          parsed = readHead(answer, "response", {
            requestMethod: "CONNECT",
            maxHeadBytes: MAX_PROXY_ANSWER_HEAD_BYTES,
          });
        } catch (err) {
          const detail = err instanceof HttpParseError
            ? err.message.replace(/^Cannot parse HTTP response: /, "")
            : String(err);
          throw fail(`its answer to CONNECT is not HTTP (${detail})`, err);
        }
        if (parsed === undefined) continue;
        const head = parsed.head;
        if (head.kind !== "response") throw fail("its answer to CONNECT is not HTTP");
        if (head.status < 200 || head.status > 299) {
          throw fail(`CONNECT ${authority} refused with ${head.status} ${head.reason}`.trimEnd());
        }
        const rest = answer.subarray(parsed.length);
        return rest.length === 0 ? conn : new PrefixedTransport(conn, rest.slice());
      }
    } catch (err) {
      await conn.close();
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    }
  };
}

/** A transport whose first read returns bytes that came with the proxy's answer. */
class PrefixedTransport implements Transport {
  readonly #inner: Transport;
  #prefix: Uint8Array | undefined;

  constructor(inner: Transport, prefix: Uint8Array) {
    this.#inner = inner;
    this.#prefix = prefix;
  }

  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  read(): Promise<Uint8Array | null> {
    const prefix = this.#prefix;
    if (prefix === undefined) return this.#inner.read();
    this.#prefix = undefined;
    return Promise.resolve(prefix);
  }

  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  close(): Promise<void> {
    this.#prefix = undefined;
    return this.#inner.close();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
