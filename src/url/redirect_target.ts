/**
 * Where a redirect sends a client: the target of a NetConnection.Connect.Rejected `_error` whose
 * `ex.redirect` names another server (FMS, Wowza and nginx-rtmp's redirect patch send it).
 * librtmp ignores redirects; rtmpkit follows them, for play and publish, with these rules.
 *
 * @module
 */

import { parseRtmpUrl } from "./parse_rtmp_url.ts";
import { defaultPort, protocolFromScheme } from "./protocol.ts";

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
 * Returns undefined for a URL that cannot be followed (a scheme that is not RTMP's, or no host).
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
