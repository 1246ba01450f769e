/**
 * RTMP URLs and librtmp option strings, following rtmpdump 2.4 / librtmp exactly
 * (`librtmp/parseurl.c`, `RTMP_SetupURL` and `RTMP_SetOpt` in `librtmp/rtmp.c`; see
 * librtmp-facts.md §2 and §3.3):
 * - {@linkcode parseRtmpUrl} splits `rtmp://host:port/app/playpath` (rtmpdump `-r`);
 * - {@linkcode setupUrl} reads `URL key=value …` strings (rtmpdump `-i`, ffmpeg's librtmp);
 * - {@linkcode ConnBuilder} reads the `-C` / `conn=` AMF item grammar;
 * - `atoi`, `atof`, `strtol`, `strtod` give C's number parsing for numeric options.
 *
 * Strings are handled as UTF-8 bytes, as C handles them, so lengths and positions match
 * librtmp; results are decoded back to text (bytes that are not UTF-8, which only `%XX`/`\XX`
 * escapes can produce, become U+FFFD).
 *
 * Deviations from librtmp: a bracketed IPv6 host (`rtmp://[::1]:1935/app/x`) is parsed
 * (librtmp reads the host as "["); object nesting in `-C` stops at 256 levels; a `conn=` string
 * whose length C would compute as negative (and crash on) is rejected; where C reads an
 * uninitialised byte after a failed `%XX`/`\XX` conversion we repeat the previous byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRtmpUrl, setupUrl } from "./url.ts";
 *
 * assert.equal(parseRtmpUrl("rtmp://host/vod/clip.mp4").playpath, "mp4:clip");
 * assert.equal(setupUrl("rtmp://host/vod app=other").tcUrl, "rtmp://host:0/other");
 * ```
 *
 * @module
 */

export { atof, atoi, atol, strtod, strtol, toCInt } from "./url/c_number.ts";
export { buildTcUrl } from "./url/build_tc_url.ts";
export { ConnBuilder } from "./url/conn_builder.ts";
export { type ConnItem, connItemsToValues } from "./url/conn_item.ts";
export { encodeConnItems } from "./url/encode_conn_items.ts";
export { parsePlaypath } from "./url/parse_playpath.ts";
export { type ParsedRtmpUrl, parseRtmpUrl } from "./url/parse_rtmp_url.ts";
export {
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
  DEFAULT_RTMP_PORT,
  defaultPort,
  Protocol,
  PROTOCOL_FEATURE,
  protocolFromScheme,
  protocolName,
} from "./url/protocol.ts";
export {
  DEFAULT_SOCKS_PORT,
  setupUrl,
  type SetupUrlOptions,
  type SetupUrlResult,
} from "./url/setup_url.ts";
export {
  SETUP_URL_OPTIONS,
  type SetupUrlOption,
  type SetupUrlOptionType,
  setupUrlOptionUsage,
} from "./url/setup_url_options.ts";
export { UrlError, type UrlErrorCode } from "./url/url_error.ts";
export type { UrlLogLevel, UrlLogLine } from "./url/url_log_line.ts";
