/**
 * `user:password@` in an RTMP URL, the way ffmpeg takes publisher credentials
 * (`rtmp://user:pass@host/app/name`). librtmp's URL parser has no such part, so it is taken out
 * before the URL is parsed. Both parts are percent-decoded, so `%40` and `%3A` stand for `@`
 * and `:` in a password.
 *
 * @module
 */

/** A URL without its credentials, and the credentials. */
export interface UrlCredentials {
  /** The URL with `user:password@` removed. */
  url: string;
  /** The user name; undefined when the URL has none. */
  user?: string;
  /** The password ("" when the URL has a user but no `:`). */
  password?: string;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Splits `user:password@` off the authority of `url`.
 *
 * @example
 * ```ts
 * import { splitUrlCredentials } from "./url_credentials.ts";
 *
 * const split = splitUrlCredentials("rtmp://bob:p%40ss@example.com/live/key");
 * console.assert(split.url === "rtmp://example.com/live/key");
 * console.assert(split.user === "bob" && split.password === "p@ss");
 * ```
 */
export function splitUrlCredentials(url: string): UrlCredentials {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd < 0) return { url };
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.indexOf("/", authorityStart);
  if (authorityEnd < 0) authorityEnd = url.length;
  const at = url.lastIndexOf("@", authorityEnd - 1);
  if (at < authorityStart) return { url };
  const userinfo = url.slice(authorityStart, at);
  const colon = userinfo.indexOf(":");
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? "" : decode(userinfo.slice(colon + 1));
  return { url: url.slice(0, authorityStart) + url.slice(at + 1), user, password };
}
