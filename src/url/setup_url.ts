/**
 * librtmp's "URL plus options" strings (`RTMP_SetupURL`, used by rtmpdump `-i`, ffmpeg's
 * librtmp protocol and python-librtmp).
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import {
  asciiLower,
  bytesToBinary,
  fromBinary,
  isCSpace,
  scanHexByte,
  toBinary,
} from "./_c_string.ts";
import { addFromBuffer } from "./_conn_internal.ts";
import { type BinaryUrlParts, parseUrlBinary } from "./_parse_url.ts";
import { buildTcUrl } from "./build_tc_url.ts";
import { atoi, strtol, toCInt } from "./c_number.ts";
import { ConnBuilder } from "./conn_builder.ts";
import type { ConnItem } from "./conn_item.ts";
import { defaultPort } from "./protocol.ts";
import { SETUP_URL_OPTIONS, setupUrlOptionUsage } from "./setup_url_options.ts";
import { UrlError } from "./url_error.ts";
import type { UrlLogLine } from "./url_log_line.ts";

/** SOCKS port used when `socks=` names none. */
export const DEFAULT_SOCKS_PORT = 1080;
/** The values that set a boolean option (case-insensitive); anything else leaves it alone. */
const TRUE_WORDS = ["1", "on", "yes", "true"];
const SPACE = 0x20;
const BACKSLASH = 0x5c;
/** Bytes a `\XX` escape occupies. */
const ESCAPE_LENGTH = 3;

/** What {@linkcode setupUrl} found. `undefined` means "not given". */
export interface SetupUrlResult {
  /** Protocol number from the URL's scheme. */
  protocol: number;
  /** Host from the URL. */
  host: string;
  /** Port from the URL, else the protocol's default. */
  port: number;
  /** `app=`, else the URL's app ("" when neither). */
  app: string;
  /** `playpath=` (verbatim), else the URL's normalised playpath ("" when neither). */
  playpath: string;
  /** `tcUrl=`, else derived from the URL (see {@linkcode setupUrl}). */
  tcUrl: string;
  /** `swfUrl=`. librtmp treats "" as not given. */
  swfUrl: string | undefined;
  /** `pageUrl=`. */
  pageUrl: string | undefined;
  /** `flashver=`; librtmp sends no flashVer at all without it. */
  flashVer: string | undefined;
  /** Every `conn=` item so far (after earlier `-C` items when a builder was passed in). */
  conn: AmfValue[];
  /** The same items exactly as librtmp holds them (for `encodeConnItems`). */
  connItems: ConnItem[];
  /** `live=` set the flag. */
  live: boolean;
  /** `playlist=` set the flag. */
  playlist: boolean;
  /** `swfVfy=` set the flag; the caller fetches and hashes `swfUrl` when both are present. */
  swfVfy: boolean;
  /** `subscribe=`. */
  subscribe: string | undefined;
  /** `jtv=`. */
  jtv: string | undefined;
  /** `token=` (SecureToken key); "" given explicitly clears an earlier `-T`. */
  token: string | undefined;
  /** `swfAge=` in days. */
  swfAge: number | undefined;
  /** `start=` in milliseconds. */
  startMs: number | undefined;
  /** `stop=` in milliseconds. */
  stopMs: number | undefined;
  /** `buffer=` in milliseconds. */
  bufferMs: number | undefined;
  /** `timeout=` in seconds. */
  timeoutSec: number | undefined;
  /** `socks=` as librtmp reads it: "host:port" with the port defaulted to 1080. */
  socks: string | undefined;
  /** The SOCKS host of `socks`. */
  socksHost: string | undefined;
  /** The SOCKS port of `socks` (an `unsigned short`, so it wraps at 65536 as in librtmp). */
  socksPort: number | undefined;
  /** `pubUser=`. */
  pubUser: string | undefined;
  /** `pubPasswd=`. */
  pubPasswd: string | undefined;
  /** librtmp's WARNING messages, verbatim and in order. */
  warnings: string[];
  /** Everything librtmp logs (DEBUG and WARNING lines), in order. */
  log: UrlLogLine[];
}

/** Inputs {@linkcode setupUrl} continues from. */
export interface SetupUrlOptions {
  /**
   * The builder holding rtmpdump's `-C` items, given before `-i` is applied: `conn=` items are
   * appended to it and share its open-object depth. A new builder when absent.
   */
  conn?: ConnBuilder;
}

/** NUL-terminated mutable byte buffer, read with C's rules. */
class CBuffer {
  readonly bytes: Uint8Array;

  constructor(binary: string) {
    this.bytes = new Uint8Array(binary.length + 1);
    for (let i = 0; i < binary.length; i++) this.bytes[i] = binary.charCodeAt(i);
  }

  at(index: number): number {
    return index < this.bytes.length ? this.bytes[index] : 0;
  }

  /** `strchr`. */
  indexOf(byte: number, from: number): number {
    for (let i = from; i < this.bytes.length && this.bytes[i] !== 0; i++) {
      if (this.bytes[i] === byte) return i;
    }
    return -1;
  }

  /** The C string at `from` as a binary string. */
  cString(from: number): string {
    let end = from;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    return bytesToBinary(this.bytes.subarray(from, end));
  }

  slice(from: number, length: number): string {
    return bytesToBinary(this.bytes.subarray(from, from + length));
  }

  /**
   * The bytes of the conn item at `from` that decide its outcome, as a binary string: up to
   * the NUL that ends it, and at least three bytes. C's `parseAMF` also peeks at the two bytes
   * after the start and, for a one-byte "N", searches on past the NUL for a ':'; that search
   * cannot change the outcome (the item then fails on its second byte), so it stops here.
   */
  connView(from: number): string {
    let end = from;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    end = Math.min(Math.max(end, from + 3), this.bytes.length - 1);
    return bytesToBinary(this.bytes.subarray(from, end + 1));
  }

  /** `sscanf(buffer + from, "%02x", &c)`: the byte converted, or undefined. */
  scanHexByte(from: number): number | undefined {
    while (isCSpace(this.at(from))) from++;
    return scanHexByte(this.slice(from, 2), 0);
  }
}

/** Option values while the string is parsed (binary strings). */
interface Settings {
  strings: Map<string, string>;
  integers: Map<string, number>;
  flags: Set<string>;
  socksStart: number;
  socksLength: number;
}

/**
 * Parses a librtmp URL-with-options string exactly as `RTMP_SetupURL`:
 * - the first space ends the URL (parsed as by {@linkcode parseRtmpUrl}); each later token is
 *   `key=value`. A key runs from the start of the token to the next '=' (which may lie in a
 *   later token: "foo live=1" is the key "foo live"); with no '=' left, parsing stops. Runs of
 *   spaces after a value are skipped, but not right after the URL.
 * - in values, a backslash and two hex digits give that byte (`\20` space, `\5c` backslash);
 *   a value ending inside an escape fails.
 * - keys are matched case-insensitively against {@linkcode SETUP_URL_OPTIONS}. Integers are read
 *   with `strtol(value, NULL, 0)` (`0x` hex, leading-0 octal) and cast to `int`; booleans are
 *   set by `1`, `on`, `yes`, `true` and never cleared; `conn` items follow {@linkcode ConnBuilder}.
 *   Like C, integer, boolean and SOCKS values are read up to the end of the original text
 *   when escapes shortened them (`start=\31\32` reads "121").
 * - without `tcUrl=`, the tcUrl is the URL up to the end of its app (scheme as typed, port
 *   only if typed); with `app=`, it is built as `<scheme>://<host>:<port>/<app>` from the
 *   URL's port *before* the default is applied, so a URL without a port gives `:0` (librtmp's
 *   bug, kept); with no app at all it is the whole URL.
 * - the default port is applied last.
 *
 * @throws {UrlError} where librtmp fails: a URL `parseRtmpUrl` rejects, an unknown key
 * ("Unknown option KEY", with the option table in `log`), a truncated escape, or a `conn=`
 * item that does not parse. rtmpdump then logs "Couldn't parse URL: <URL part>".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setupUrl } from "./setup_url.ts";
 *
 * const setup = setupUrl("rtmp://example.com/live/cam live=1 timeout=010 flashVer=WIN\\2011");
 * assert.equal(setup.tcUrl, "rtmp://example.com/live");
 * assert.equal(setup.port, 1935);
 * assert.equal(setup.live, true);
 * assert.equal(setup.timeoutSec, 8);
 * assert.equal(setup.flashVer, "WIN 11");
 * ```
 */
export function setupUrl(spec: string, options: SetupUrlOptions = {}): SetupUrlResult {
  const conn = options.conn ?? new ConnBuilder();
  const nul = spec.indexOf("\0");
  const buffer = new CBuffer(toBinary(nul < 0 ? spec : spec.slice(0, nul)));
  let ptr = buffer.indexOf(SPACE, 0);
  if (ptr >= 0) buffer.bytes[ptr] = 0;
  const url = buffer.cString(0);
  const parts = parseUrlBinary(url);
  const log = parts.log;
  const settings: Settings = {
    strings: new Map(),
    integers: new Map(),
    flags: new Set(),
    socksStart: 0,
    socksLength: 0,
  };
  // C keeps the byte of a failed `\XX` conversion from the previous one; the first is 0.
  let lastByte = 0;

  while (ptr >= 0) {
    buffer.bytes[ptr++] = 0;
    const keyStart = ptr;
    let valueStart = buffer.indexOf(0x3d, keyStart);
    if (valueStart < 0) break;
    const key = buffer.slice(keyStart, valueStart - keyStart);
    buffer.bytes[valueStart++] = 0;
    ptr = buffer.indexOf(SPACE, valueStart);
    let rawLength: number;
    if (ptr >= 0) {
      buffer.bytes[ptr] = 0;
      rawLength = ptr - valueStart;
      while (buffer.at(ptr + 1) === SPACE) buffer.bytes[ptr++] = 0;
    } else {
      rawLength = buffer.cString(valueStart).length;
    }
    let src = valueStart;
    let dst = valueStart;
    for (let remaining = rawLength; remaining > 0;) {
      if (buffer.at(src) === BACKSLASH) {
        if (remaining < ESCAPE_LENGTH) {
          throw new UrlError(
            `Cannot read option ${fromBinary(key)}: its value ends inside a backslash escape`,
            "bad-escape",
            log,
          );
        }
        const decoded = buffer.scanHexByte(src + 1);
        if (decoded !== undefined) lastByte = decoded;
        buffer.bytes[dst++] = lastByte;
        remaining -= ESCAPE_LENGTH;
        src += ESCAPE_LENGTH;
      } else {
        buffer.bytes[dst++] = buffer.bytes[src++];
        remaining--;
      }
    }
    setOption(buffer, key, valueStart, dst - valueStart, settings, conn, log);
  }

  return finish(buffer, url, parts, settings, conn, log);
}

/** `RTMP_SetOpt`: stores one option, or throws where librtmp returns FALSE. */
function setOption(
  buffer: CBuffer,
  key: string,
  start: number,
  length: number,
  settings: Settings,
  conn: ConnBuilder,
  log: UrlLogLine[],
): void {
  const lowerKey = asciiLower(key);
  const option = SETUP_URL_OPTIONS.find((o) => asciiLower(o.name) === lowerKey);
  if (!option) {
    const message = `Unknown option ${fromBinary(key)}`;
    log.push({ level: "ERROR", message });
    for (const line of setupUrlOptionUsage()) log.push({ level: "ERROR", message: line });
    throw new UrlError(message, "unknown-option", log);
  }
  switch (option.type) {
    case "string":
      if (option.name === "socks") {
        settings.socksStart = start;
        settings.socksLength = length;
      }
      settings.strings.set(option.name, buffer.slice(start, length));
      break;
    case "integer":
      settings.integers.set(option.name, toCInt(strtol(buffer.cString(start), 0)));
      break;
    case "boolean": {
      const text = asciiLower(buffer.cString(start));
      if (TRUE_WORDS.some((word) => word.length === length && word === text)) {
        settings.flags.add(option.name);
      }
      break;
    }
    case "AMF":
      if (!conn[addFromBuffer](buffer.connView(start), 0, length)) {
        const item = fromBinary(buffer.slice(start, length));
        throw new UrlError(`Invalid AMF parameter: ${item}`, "bad-conn", log);
      }
      break;
  }
}

/** Derives tcUrl, reads the SOCKS setting and applies the default port. */
function finish(
  buffer: CBuffer,
  url: string,
  parts: BinaryUrlParts,
  settings: Settings,
  conn: ConnBuilder,
  log: UrlLogLine[],
): SetupUrlResult {
  const text = (name: string) => {
    const value = settings.strings.get(name);
    return value === undefined ? undefined : fromBinary(value);
  };
  const appOption = settings.strings.get("app");
  const app = appOption ?? parts.app;
  let tcUrl = settings.strings.get("tcUrl") ?? "";
  if (tcUrl.length === 0) {
    if (app.length === 0) tcUrl = url;
    else if (appOption === undefined) tcUrl = url.slice(0, parts.appEnd);
    else {
      tcUrl = toBinary(
        buildTcUrl(parts.protocol, fromBinary(parts.host), parts.port, fromBinary(app)),
      );
    }
  }

  let socks: string | undefined;
  let socksHost: string | undefined;
  let socksPort: number | undefined;
  if (settings.socksLength > 0) {
    const value = buffer.cString(settings.socksStart);
    const colon = value.indexOf(":");
    socksHost = fromBinary(colon >= 0 ? value.slice(0, colon) : value);
    socksPort = colon >= 0 ? atoi(value.slice(colon + 1)) & 0xffff : DEFAULT_SOCKS_PORT;
    socks = `${socksHost}:${socksPort}`;
    log.push({ level: "DEBUG", message: `Connecting via SOCKS proxy: ${socks}` });
  }

  return {
    protocol: parts.protocol,
    host: fromBinary(parts.host),
    port: parts.port === 0 ? defaultPort(parts.protocol) : parts.port,
    app: fromBinary(app),
    playpath: fromBinary(settings.strings.get("playpath") ?? parts.playpath),
    tcUrl: fromBinary(tcUrl),
    swfUrl: text("swfUrl"),
    pageUrl: text("pageUrl"),
    flashVer: text("flashver"),
    conn: conn.values(),
    connItems: conn.items(),
    live: settings.flags.has("live"),
    playlist: settings.flags.has("playlist"),
    swfVfy: settings.flags.has("swfVfy"),
    subscribe: text("subscribe"),
    jtv: text("jtv"),
    token: text("token"),
    swfAge: settings.integers.get("swfAge"),
    startMs: settings.integers.get("start"),
    stopMs: settings.integers.get("stop"),
    bufferMs: settings.integers.get("buffer"),
    timeoutSec: settings.integers.get("timeout"),
    socks,
    socksHost,
    socksPort,
    pubUser: text("pubUser"),
    pubPasswd: text("pubPasswd"),
    warnings: log.filter((line) => line.level === "WARNING").map((line) => line.message),
    log,
  };
}
