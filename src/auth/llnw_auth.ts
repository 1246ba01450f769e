/**
 * Limelight publisher authentication (`authmod=llnw`, librtmp-facts §5.7, ffmpeg-rtmp-facts
 * §1.5), a fixed form of HTTP digest authentication (RFC 2617) carried in the connect `app`
 * query: realm `live`, method `publish`, qop `auth`, nc `00000001`, and a URI of `/` + the app
 * (without its query) with `/_definst_` appended when the app has no `/`.
 *
 * @module
 */

import { md5Hex } from "../crypto/md5.ts";

/** The digest realm Limelight authentication uses. */
export const LLNW_REALM = "live";
/** The digest method. */
export const LLNW_METHOD = "publish";
/** The digest quality of protection. */
export const LLNW_QOP = "auth";
/** The nonce count clients send (the nonce is used once). */
export const LLNW_NONCE_COUNT = "00000001";
/** Appended to an app without `/` to name its default instance. */
export const DEFAULT_APP_INSTANCE = "/_definst_";

/** The values a Limelight response is computed from. */
export interface LlnwAuthInput {
  /** User name. */
  user: string;
  /** The user's password. */
  password: string;
  /** The server's nonce. */
  nonce: string;
  /** The client's nonce (8 hex digits in librtmp and ffmpeg). */
  cnonce: string;
  /** The app being connected to; a query after `?` is ignored. */
  app: string;
  /** The nonce count; {@linkcode LLNW_NONCE_COUNT} by default. */
  nc?: string;
}

const encoder = new TextEncoder();

function md5Of(text: string): string {
  return md5Hex(encoder.encode(text));
}

/** The app part of the digest URI: `app` without its query, plus `/_definst_` when it has no `/`. */
export function llnwAppPath(app: string): string {
  const query = app.indexOf("?");
  const base = query < 0 ? app : app.slice(0, query);
  return base.includes("/") ? base : base + DEFAULT_APP_INSTANCE;
}

/**
 * The Limelight response, 32 lower-case hex digits:
 * `md5(HA1:nonce:nc:cnonce:auth:HA2)` with `HA1 = md5(user:live:password)` and
 * `HA2 = md5(publish:/ + app path)`.
 *
 * @example
 * ```ts
 * import { llnwAuthResponse } from "./llnw_auth.ts";
 *
 * const response = llnwAuthResponse({
 *   user: "alice",
 *   password: "secret",
 *   nonce: "abcdef01",
 *   cnonce: "12345678",
 *   app: "live",
 * });
 * console.assert(/^[0-9a-f]{32}$/.test(response));
 * ```
 */
export function llnwAuthResponse(input: LlnwAuthInput): string {
  const ha1 = md5Of(`${input.user}:${LLNW_REALM}:${input.password}`);
  const ha2 = md5Of(`${LLNW_METHOD}:/${llnwAppPath(input.app)}`);
  const nc = input.nc ?? LLNW_NONCE_COUNT;
  return md5Of(`${ha1}:${input.nonce}:${nc}:${input.cnonce}:${LLNW_QOP}:${ha2}`);
}

/**
 * The query a client appends to `app` and `tcUrl` to answer a Limelight challenge:
 * `?authmod=llnw&user=U&nonce=N&cnonce=C&nc=00000001&response=R` (librtmp's and ffmpeg's order).
 */
export function llnwAuthQuery(input: LlnwAuthInput): string {
  const nc = input.nc ?? LLNW_NONCE_COUNT;
  return `?authmod=llnw&user=${input.user}&nonce=${input.nonce}&cnonce=${input.cnonce}` +
    `&nc=${nc}&response=${llnwAuthResponse(input)}`;
}
