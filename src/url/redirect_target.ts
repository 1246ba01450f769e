/**
 * Where a redirect sends a client: the target of a NetConnection.Connect.Rejected `_error` whose
 * `ex.redirect` names another server (FMS, Wowza and nginx-rtmp's redirect patch send it), and
 * which of the client's credentials may go there. Downloads and `publish` both follow these
 * rules.
 *
 * Where rtmpkit differs from rtmpdump, on purpose: librtmp does not follow redirects at all (it
 * logs the `_error` and usually ends on the server's `close`, librtmp-facts.md §5.4 and §10.1),
 * so a redirect is one more server rtmpkit talks to. It follows at most
 * {@linkcode DEFAULT_MAX_REDIRECTS} hops, and sends what identifies the user (a download's
 * `--auth`, `--conn`, `--token` and `--jtv`, publish's user name and password) only to a target
 * on the same host and port that is at least as protected as the first server
 * ({@linkcode keepsCredentials}); to any other target the connect goes without them, as HTTP
 * clients drop credentials on a redirect to another origin.
 *
 * @module
 */

import { parseRtmpUrl } from "./parse_rtmp_url.ts";
import { defaultPort, PROTOCOL_FEATURE, protocolFromScheme } from "./protocol.ts";

const MAX_PORT = 65535;

/** Redirects a client follows at most before it gives up. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** A redirect target, resolved. */
export interface RedirectTarget {
  /** The target's protocol number (its scheme). */
  protocol: number;
  /** Host to connect to. */
  host: string;
  /** Port to connect to (the scheme's default when the URL gives none). */
  port: number;
  /** The application of the new connect request: the target's whole path. */
  app: string;
  /** The new connect request's tcUrl: the target URL as the server sent it. */
  tcUrl: string;
}

/**
 * Resolves a redirect URL: the target URL becomes the new tcUrl and its whole path the new
 * application (`currentApp` is kept when the URL has no path); the stream name does not change.
 * Returns undefined for a URL that cannot be followed: a scheme that is not RTMP's, no host, a
 * user part (`rtmp://user@host/`), a port outside 1–65535, or control characters (which would
 * end up in the next connect request and in the log).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRedirect } from "./redirect_target.ts";
 *
 * const target = resolveRedirect("rtmp://edge.example:1936/live/east", "live");
 * assert.equal(target?.host, "edge.example");
 * assert.equal(target?.port, 1936);
 * assert.equal(target?.app, "live/east");
 * assert.equal(resolveRedirect("http://example.com/", "live"), undefined);
 * ```
 */
export function resolveRedirect(url: string, currentApp: string): RedirectTarget | undefined {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(url)) return undefined;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1];
  if (authority === undefined || authority.includes("@")) return undefined;
  const portText = /:(\d*)$/.exec(authority.replace(/^\[[^\]]*\]/, ""))?.[1];
  if (portText !== undefined && portText !== "") {
    const port = Number(portText);
    if (port < 1 || port > MAX_PORT) return undefined;
  }
  let parsed;
  try {
    parsed = parseRtmpUrl(url);
  } catch {
    return undefined;
  }
  if (!parsed.host || protocolFromScheme(parsed.scheme) === undefined) return undefined;
  const app = parsed.playpath ? `${parsed.app}/${parsed.playpath}` : parsed.app;
  return {
    protocol: parsed.protocol,
    host: parsed.host,
    port: parsed.port || defaultPort(parsed.protocol),
    app: app || currentApp,
    tcUrl: url,
  };
}

/** A server as a connection reaches it: protocol (its scheme), host and port. */
export type ServerEndpoint = Pick<RedirectTarget, "protocol" | "host" | "port">;

/**
 * Whether credentials given for the first server (`origin`: its URL, such as the tcUrl, or the
 * endpoint the first connection went to) may be sent to a redirect target: only to the same
 * host (compared without case) and port, over a stack at least as protected (a TLS or RTMPE
 * origin needs the same on the target), as HTTP clients keep credentials to one origin. An
 * unknown origin keeps nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keepsCredentials, resolveRedirect } from "./redirect_target.ts";
 *
 * const origin = "rtmps://ingest.example/live";
 * assert.equal(keepsCredentials(origin, resolveRedirect("rtmps://ingest.example/b", "")!), true);
 * assert.equal(keepsCredentials(origin, resolveRedirect("rtmp://ingest.example/b", "")!), false);
 * assert.equal(keepsCredentials(origin, resolveRedirect("rtmps://other.example/b", "")!), false);
 * // The first connection's endpoint instead of a URL.
 * const first = { protocol: 0, host: "origin.example", port: 1935 };
 * assert.equal(keepsCredentials(first, resolveRedirect("rtmp://Origin.example/b", "")!), true);
 * ```
 */
export function keepsCredentials(
  origin: string | ServerEndpoint | undefined,
  target: ServerEndpoint,
): boolean {
  if (origin === undefined) return false;
  const from = typeof origin === "string" ? resolveRedirect(origin, "") : origin;
  if (from === undefined) return false;
  const protection = PROTOCOL_FEATURE.SSL | PROTOCOL_FEATURE.ENC;
  return from.host.toLowerCase() === target.host.toLowerCase() && from.port === target.port &&
    (from.protocol & protection & ~target.protocol) === 0;
}
