/**
 * The error the URL and option-string parsers throw.
 *
 * @module
 */

import type { UrlLogLine } from "./url_log_line.ts";

/**
 * What went wrong:
 * - `no-scheme`: no "://" (librtmp: "RTMP URL: No :// in url!");
 * - `no-host`: nothing after "://" (librtmp: "No hostname in URL!");
 * - `bad-ipv6`: a malformed `[…]` IPv6 literal (an extension: librtmp has no IPv6);
 * - `unknown-option`: a `key=value` option librtmp does not know;
 * - `bad-escape`: an option value ending inside a backslash escape;
 * - `bad-conn`: an AMF item (`-C` or `conn=`) that does not parse.
 */
export type UrlErrorCode =
  | "no-scheme"
  | "no-host"
  | "bad-ipv6"
  | "unknown-option"
  | "bad-escape"
  | "bad-conn";

/**
 * Thrown where librtmp's URL parsing fails. The message is librtmp's own text where librtmp
 * logs one; `log` holds every line librtmp would have logged up to the failure (DEBUG lines
 * included, and for `unknown-option` the whole option table), so a caller can print them at
 * the right level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRtmpUrl, UrlError } from "../url.ts";
 *
 * assert.throws(() => parseRtmpUrl("host/app/stream"), UrlError);
 * ```
 */
export class UrlError extends Error {
  /** The kind of failure. */
  readonly code: UrlErrorCode;
  /** librtmp's log lines up to and including the failure, in order. */
  readonly log: readonly UrlLogLine[];

  /** Creates the error. */
  constructor(
    message: string,
    code: UrlErrorCode,
    log: readonly UrlLogLine[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UrlError";
    this.code = code;
    this.log = log;
  }
}
