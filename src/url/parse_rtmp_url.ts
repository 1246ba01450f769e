/**
 * RTMP URL splitting (librtmp `RTMP_ParseURL`).
 *
 * @module
 */

import { fromBinary, toBinary } from "./_c_string.ts";
import { parseUrlBinary } from "./_parse_url.ts";
import type { UrlLogLine } from "./url_log_line.ts";

/** The parts of an RTMP URL, as `RTMP_ParseURL` finds them. */
export interface ParsedRtmpUrl {
  /** Protocol number ({@linkcode Protocol}); an unknown scheme gives RTMP and a warning. */
  protocol: number;
  /** The scheme as typed (before "://"). */
  scheme: string;
  /** Host name; "" when it has 256 bytes or more. `[::1]` gives "::1" (an extension). */
  host: string;
  /** Port, or 0 when absent, not a number, or above 65535 (the caller applies the default). */
  port: number;
  /** Application ("" when the URL has no path). */
  app: string;
  /** Stream name after {@linkcode parsePlaypath} normalisation ("" when none). */
  playpath: string;
  /** Index in the URL string where app ends (where librtmp's derived tcUrl stops); -1 when there is no app part. */
  appEnd: number;
  /** librtmp's WARNING messages, verbatim and in order. */
  warnings: string[];
  /** Everything librtmp logs while parsing (DEBUG and WARNING lines), in order. */
  log: UrlLogLine[];
}

/**
 * Splits an RTMP URL exactly as librtmp's `RTMP_ParseURL`:
 * - the scheme (before "://") is matched case-insensitively; an unknown one is a warning and
 *   parsing continues as RTMP;
 * - the host runs to the first ':' or '/'; a port is read with `atoi`;
 * - the app is the first path segment, or the first two or three when two or three more
 *   slashes follow (the last segment is the playpath); `ondemand/…` gives app `ondemand`; a
 *   query with `slist=` makes the whole remainder the app and the `slist=` value the playpath;
 * - the playpath is normalised by {@linkcode parsePlaypath}.
 *
 * The one extension: a bracketed IPv6 address (`rtmp://[::1]:1935/app/x`), which librtmp
 * cannot parse. Text is handled as UTF-8 bytes, as C does; a NUL ends the URL.
 *
 * @throws {UrlError} where librtmp fails: no "://" or nothing after it; also for a
 * malformed IPv6 literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRtmpUrl } from "./parse_rtmp_url.ts";
 *
 * const url = parseRtmpUrl("rtmp://example.com/a/b/c/d/e.mp3");
 * assert.equal(url.app, "a/b/c");
 * assert.equal(url.playpath, "mp3:d/e");
 * assert.equal(url.port, 0);
 * ```
 */
export function parseRtmpUrl(url: string): ParsedRtmpUrl {
  const nul = url.indexOf("\0");
  const text = nul < 0 ? url : url.slice(0, nul);
  const binary = toBinary(text);
  const parts = parseUrlBinary(binary);
  return {
    protocol: parts.protocol,
    scheme: text.slice(0, text.indexOf("://")),
    host: fromBinary(parts.host),
    port: parts.port,
    app: fromBinary(parts.app),
    playpath: fromBinary(parts.playpath),
    appEnd: parts.appEnd < 0 ? -1 : fromBinary(binary.slice(0, parts.appEnd)).length,
    warnings: parts.log.filter((line) => line.level === "WARNING").map((line) => line.message),
    log: parts.log,
  };
}
