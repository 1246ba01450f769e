/**
 * Proxy URLs for `--proxy` (`socks4://`, `socks4a://`, `socks5://[user:pass@]`,
 * `http://[user:pass@]`) and rtmpdump's `-S host[:port]` (SOCKS4).
 *
 * @module
 */

/** The proxy protocols a client stack can dial through. */
export type ProxyKind = "socks4" | "socks4a" | "socks5" | "http";

/** A parsed proxy address. */
export interface ProxyUrl {
  /** socks4 (the client resolves the target), socks4a and socks5 (the proxy does), http CONNECT. */
  kind: ProxyKind;
  /** Proxy host (an IPv6 literal without brackets). */
  host: string;
  /** Proxy port (1080 for SOCKS, 8080 for HTTP when the URL gives none). */
  port: number;
  /** User name (SOCKS4 user id, SOCKS5 or HTTP basic authentication). */
  username?: string;
  /** Password (SOCKS5, HTTP basic authentication). */
  password?: string;
}

/** Port of a SOCKS proxy when none is given (rtmpdump's, and the SOCKS convention). */
export const DEFAULT_SOCKS_PORT = 1080;
/** Port of an HTTP proxy when none is given. */
export const DEFAULT_HTTP_PROXY_PORT = 8080;

const KINDS: ReadonlySet<string> = new Set(["socks4", "socks4a", "socks5", "http"]);

/**
 * Parses a proxy URL. Throws `TypeError` with a one-line reason for an unknown scheme, a
 * missing host or a bad port. Percent-escapes in the user name and password are decoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProxyUrl } from "./proxy_url.ts";
 *
 * assert.deepEqual(parseProxyUrl("socks5://me:s%40cret@[::1]:9050"), {
 *   kind: "socks5",
 *   host: "::1",
 *   port: 9050,
 *   username: "me",
 *   password: "s@cret",
 * });
 * ```
 */
export function parseProxyUrl(text: string): ProxyUrl {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text.trim());
  if (match === null) {
    throw new TypeError(
      `Cannot use proxy "${text}": expected socks4://, socks4a://, socks5:// or http://HOST:PORT`,
    );
  }
  const kind = match[1].toLowerCase();
  if (!KINDS.has(kind)) {
    throw new TypeError(
      `Cannot use proxy "${text}": unknown kind ${kind}:// (socks4, socks4a, socks5 or http)`,
    );
  }
  let url: URL;
  try {
    url = new URL(`x-proxy://${match[2]}`);
  } catch (err) {
    throw new TypeError(`Cannot use proxy "${text}": not a valid URL`, { cause: err });
  }
  let host = url.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "") throw new TypeError(`Cannot use proxy "${text}": no host`);
  if (url.pathname !== "" && url.pathname !== "/") {
    throw new TypeError(`Cannot use proxy "${text}": a proxy URL has no path`);
  }
  const port = url.port === ""
    ? (kind === "http" ? DEFAULT_HTTP_PROXY_PORT : DEFAULT_SOCKS_PORT)
    : Number(url.port);
  const proxy: ProxyUrl = { kind: kind as ProxyKind, host, port };
  if (url.username !== "") proxy.username = decodeURIComponent(url.username);
  if (url.password !== "") proxy.password = decodeURIComponent(url.password);
  return proxy;
}

/**
 * rtmpdump's `-S host[:port]` (and `socks=`): a SOCKS4 proxy, port 1080 when none is given.
 * Follows librtmp's reading: the text after the last `:` is the port (atoi), the rest the host.
 */
export function socksOptionToProxy(text: string): ProxyUrl {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return { kind: "socks4", host: text, port: DEFAULT_SOCKS_PORT };
  const port = Number.parseInt(text.slice(colon + 1), 10);
  return {
    kind: "socks4",
    host: text.slice(0, colon),
    port: Number.isFinite(port) && port > 0 ? port : DEFAULT_SOCKS_PORT,
  };
}

/** The proxy as `kind://host:port`, without credentials (for logs and messages). */
export function proxyLabel(proxy: ProxyUrl): string {
  const host = proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host;
  return `${proxy.kind}://${host}:${proxy.port}`;
}
