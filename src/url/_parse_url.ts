/**
 * `RTMP_ParseURL` on a binary string, shared by {@linkcode parseRtmpUrl} and `setupUrl`.
 *
 * @module
 */

import { asciiLower, fromBinary } from "./_c_string.ts";
import { scanStrtol, toCInt } from "./c_number.ts";
import { parsePlaypathBinary } from "./_playpath.ts";
import { type Protocol, protocolFromScheme } from "./protocol.ts";
import { UrlError } from "./url_error.ts";
import type { UrlLogLine } from "./url_log_line.ts";

/** librtmp keeps host names shorter than this many bytes. */
const MAX_HOST_LENGTH = 256;
/** Largest valid TCP port. */
const MAX_PORT = 65535;
/** The application librtmp treats specially: `ondemand/rest` means app `ondemand`. */
const ONDEMAND = "ondemand/";
/** What an IPv6 literal may contain: hex digits, colons, dots (embedded IPv4), then a zone. */
const IPV6_LITERAL = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z._~-]+)?$/;

/** The result of {@linkcode parseUrlBinary}: binary strings and byte positions. */
export interface BinaryUrlParts {
  protocol: Protocol;
  host: string;
  /** Whether the host came from a bracketed IPv6 literal. */
  ipv6: boolean;
  port: number;
  app: string;
  /** Byte index in the URL where app starts. */
  appStart: number;
  /** Byte index in the URL where app ends. */
  appEnd: number;
  playpath: string;
  log: UrlLogLine[];
}

/** Appends a log line whose message may hold URL bytes. */
function logLine(log: UrlLogLine[], level: UrlLogLine["level"], message: string): void {
  log.push({ level, message: fromBinary(message) });
}

/**
 * Splits a URL (a binary string without NUL) into protocol, host, port, app and playpath with
 * librtmp's rules; see `parseRtmpUrl` for them. Throws {@linkcode UrlError} where librtmp fails.
 */
export function parseUrlBinary(url: string): BinaryUrlParts {
  const log: UrlLogLine[] = [];
  logLine(log, "DEBUG", "Parsing...");
  const schemeEnd = url.indexOf("://");
  if (schemeEnd < 0) {
    const message = "RTMP URL: No :// in url!";
    logLine(log, "ERROR", message);
    throw new UrlError(message, "no-scheme", log);
  }
  const known = protocolFromScheme(asciiLower(url.slice(0, schemeEnd)));
  const protocol = known ?? 0;
  if (known === undefined) logLine(log, "WARNING", "Unknown protocol!\n");
  else logLine(log, "DEBUG", `Parsed protocol: ${protocol}`);

  let p = schemeEnd + 3;
  if (p >= url.length) {
    const message = "No hostname in URL!";
    logLine(log, "WARNING", message);
    throw new UrlError(message, "no-host", log);
  }
  const end = url.length;
  const question = url.indexOf("?", p);
  const slash = url.indexOf("/", p);

  let host = "";
  let ipv6 = false;
  if (url.charCodeAt(p) === 0x5b) {
    // Extension: "[v6address]" (librtmp would take "[" as the host).
    const close = url.indexOf("]", p);
    if (close < 0 || (slash >= 0 && close > slash)) {
      throw new UrlError(
        "Cannot parse RTMP URL: IPv6 address has no closing bracket",
        "bad-ipv6",
        log,
      );
    }
    host = url.slice(p + 1, close);
    const next = url.charCodeAt(close + 1);
    if (
      host.length >= MAX_HOST_LENGTH || !IPV6_LITERAL.test(host) ||
      !(close + 1 === end || next === 0x3a || next === 0x2f)
    ) {
      throw new UrlError(
        `Cannot parse RTMP URL: "${fromBinary(url.slice(p, close + 1))}" is not an IPv6 address`,
        "bad-ipv6",
        log,
      );
    }
    // RFC 6874 writes the zone separator '%' as "%25".
    host = host.replace("%25", "%");
    ipv6 = true;
    logLine(log, "DEBUG", `Parsed host    : ${host}`);
    p = close + 1;
  } else {
    const colon = url.indexOf(":", p);
    let hostLength = slash >= 0 ? slash - p : end - p;
    if (colon >= 0 && colon - p < hostLength) hostLength = colon - p;
    if (hostLength < MAX_HOST_LENGTH) {
      host = url.slice(p, p + hostLength);
      logLine(log, "DEBUG", `Parsed host    : ${host}`);
    } else {
      logLine(log, "WARNING", "Hostname exceeds 255 characters!");
    }
    p += hostLength;
  }

  let port = 0;
  if (url.charCodeAt(p) === 0x3a) {
    // atoi into an unsigned int: negative values wrap and fail the range check.
    const value = toCInt(scanStrtol(url, p + 1, 10).value) >>> 0;
    if (value > MAX_PORT) logLine(log, "WARNING", "Invalid port number!");
    else port = value;
  }

  if (slash < 0) {
    logLine(log, "WARNING", "No application or playpath in URL!");
    return { protocol, host, ipv6, port, app: "", appStart: -1, appEnd: -1, playpath: "", log };
  }
  p = slash + 1;
  const slash2 = url.indexOf("/", p);
  const slash3 = slash2 >= 0 ? url.indexOf("/", slash2 + 1) : -1;
  const slash4 = slash3 >= 0 ? url.indexOf("/", slash3 + 1) : -1;
  let appLength = end - p;
  let appNameLength = appLength;
  if (question >= 0 && url.indexOf("slist=", p) >= 0) {
    // Everything is the app; the playpath comes from slist=. (If the '?' lies before the
    // slash, this length is negative and the playpath starts back there, as in C.)
    appNameLength = question - p;
  } else if (url.startsWith(ONDEMAND, p)) {
    appLength = appNameLength = ONDEMAND.length - 1;
  } else {
    if (slash4 >= 0) appNameLength = slash4 - p;
    else if (slash3 >= 0) appNameLength = slash3 - p;
    else if (slash2 >= 0) appNameLength = slash2 - p;
    appLength = appNameLength;
  }
  const app = url.slice(p, p + appLength);
  logLine(log, "DEBUG", `Parsed app     : ${app}`);
  const appStart = p;
  const appEnd = p + appLength;
  p += appNameLength;
  if (url.charCodeAt(p) === 0x2f) p++;
  const playpath = end - p > 0 ? parsePlaypathBinary(url, p, end - p) : "";
  return { protocol, host, ipv6, port, app, appStart, appEnd, playpath, log };
}
