/**
 * The variables of rtmpdump's `main()` while it reads its options, and the effect of each option
 * (the `switch` in rtmpdump.c), applied in command-line order.
 *
 * @module
 */

import type { RtmpeType } from "../handshake/mod.ts";
import { ConnBuilder } from "../url/conn_builder.ts";
import { atof, atoi } from "../url/c_number.ts";
import { parseRtmpUrl } from "../url/parse_rtmp_url.ts";
import { Protocol } from "../url/protocol.ts";
import { UrlError } from "../url/url_error.ts";
import type { UrlLogLine } from "../url/url_log_line.ts";
import { doubleToInt32, toUint32 } from "./_c_cast.ts";
import {
  DEFAULT_BUFFER_MS,
  DEFAULT_SKIP_FRAMES,
  DEFAULT_SWF_AGE_DAYS,
  DEFAULT_TIMEOUT_SEC,
  SWF_HASH_LENGTH,
} from "./defaults.ts";
import { FLAG_LOG_LEVELS, type Logger, LogLevel } from "./logger.ts";

/** rtmpdump's "no protocol chosen yet" value. */
export const PROTOCOL_UNDEFINED = -1;

/** The highest protocol number `-l` accepts (RTMPTS). */
const MAX_CLI_PROTOCOL = Protocol.RTMPTS;

const MS_PER_SECOND = 1000;

/**
 * rtmpdump's state during option parsing. Strings keep C's distinction between "never given"
 * (`undefined`, a NULL pointer) and "given but empty" (`""`, length 0): most checks test the
 * length, but the `-V` debug listing prints any given value.
 */
export interface OptionState {
  hostname: string;
  playpath: string;
  subscribe: string | undefined;
  jtv: string | undefined;
  port: number;
  protocol: number;
  live: boolean;
  realtime: boolean;
  hashes: boolean;
  timeoutSec: number;
  startMs: number;
  stopMs: number;
  fullUrl: string;
  swfUrl: string | undefined;
  tcUrl: string;
  pageUrl: string | undefined;
  app: string | undefined;
  auth: string | undefined;
  /** `-w` sets the length to 32 even when the text does not parse (then `swfHash` is null). */
  swfHashLength: number;
  swfHash: Uint8Array | null;
  swfSize: number;
  flashVer: string | undefined;
  socks: string;
  swfAge: number;
  swfVfy: boolean;
  output: string | undefined;
  stdoutMode: boolean;
  resume: boolean;
  skipFrames: number;
  bufferMs: number;
  bufferOverridden: boolean;
  /** Set through `RTMP_SetOpt` during parsing: `-Y`, `-T` and `-C`. */
  playlist: boolean;
  token: string | undefined;
  conn: ConnBuilder;
  /** `--rtmpeType`: the C0 an RTMPE handshake sends (6, 8 or 9). */
  rtmpeType: RtmpeType | undefined;
  /** `--reconnect N`: reconnects after a dropped stream (0: none, as rtmpdump). */
  reconnect: number;
}

/** The state before any option, with rtmpdump's defaults. */
export function initialOptionState(): OptionState {
  return {
    hostname: "",
    playpath: "",
    subscribe: undefined,
    jtv: undefined,
    port: -1,
    protocol: PROTOCOL_UNDEFINED,
    live: false,
    realtime: false,
    hashes: false,
    timeoutSec: DEFAULT_TIMEOUT_SEC,
    startMs: 0,
    stopMs: 0,
    fullUrl: "",
    swfUrl: undefined,
    tcUrl: "",
    pageUrl: undefined,
    app: undefined,
    auth: undefined,
    swfHashLength: 0,
    swfHash: null,
    swfSize: 0,
    flashVer: undefined,
    socks: "",
    swfAge: DEFAULT_SWF_AGE_DAYS,
    swfVfy: false,
    output: undefined,
    stdoutMode: true,
    resume: false,
    skipFrames: DEFAULT_SKIP_FRAMES,
    bufferMs: DEFAULT_BUFFER_MS,
    bufferOverridden: false,
    playlist: false,
    token: undefined,
    conn: new ConnBuilder(),
    rtmpeType: undefined,
    reconnect: 0,
  };
}

const LEVELS_BY_NAME: Readonly<Record<UrlLogLine["level"], LogLevel>> = {
  ERROR: LogLevel.ERROR,
  WARNING: LogLevel.WARNING,
  DEBUG: LogLevel.DEBUG,
};

/** Logs librtmp's URL-parsing lines at their levels. */
export function logUrlLines(log: Logger, lines: readonly UrlLogLine[]): void {
  for (const line of lines) log.log(LEVELS_BY_NAME[line.level], line.message);
}

/**
 * rtmpdump's `hex2bin`: pairs of characters become bytes, with no check that they are hex
 * digits (`(c & 0x40) ? (c & 15) + 9 : c & 15`); an odd length gives nothing.
 */
export function hexToBytes(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length & 1) return new Uint8Array(0);
  const nibble = (c: number) => (c & 0x40) ? (c & 0x0f) + 9 : c & 0x0f;
  const out = new Uint8Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(bytes[2 * i]) << 4) | nibble(bytes[2 * i + 1]);
  }
  return out;
}

/** `(int)(atof(text) * 1000.0)` stored in a `uint32_t`, as `-A` and `-B` do. */
function secondsToMs(text: string): number {
  return toUint32(doubleToInt32(atof(text) * MS_PER_SECOND));
}

/**
 * Applies one option as rtmpdump's switch does. Returns an exit code when rtmpdump stops there
 * (`-h` is handled by the caller), otherwise undefined.
 */
export function applyOption(
  state: OptionState,
  short: string,
  value: string,
  log: Logger,
): number | undefined {
  switch (short) {
    case "w": {
      const hash = hexToBytes(value);
      state.swfHash = hash.length === SWF_HASH_LENGTH ? hash : null;
      if (state.swfHash === null) {
        log.warning(
          `Couldn't parse swf hash hex string, not hexstring or not ${SWF_HASH_LENGTH} bytes, ignoring!`,
        );
      }
      state.swfHashLength = SWF_HASH_LENGTH;
      return;
    }
    case "x": {
      const size = atoi(value);
      if (size <= 0) log.error("SWF Size must be at least 1, ignoring\n");
      else state.swfSize = size;
      return;
    }
    case "W":
      state.swfUrl = value;
      state.swfVfy = true;
      return;
    case "X": {
      const age = atoi(value);
      if (age < 0) log.error("SWF Age must be non-negative, ignoring\n");
      else state.swfAge = age;
      return;
    }
    case "k":
      state.skipFrames = atoi(value);
      if (state.skipFrames < 0) {
        log.error("Number of keyframes skipped must be greater or equal zero, using zero!");
        state.skipFrames = 0;
      } else {
        log.debug(`Number of skipped key frames for resume: ${state.skipFrames}`);
      }
      return;
    case "b": {
      const bufferMs = atoi(value);
      if (bufferMs < 0) {
        log.error(
          `Buffer time must be greater than zero, ignoring the specified value ${bufferMs}!`,
        );
      } else {
        state.bufferMs = bufferMs;
        state.bufferOverridden = true;
      }
      return;
    }
    case "v":
      state.live = true;
      return;
    case "R":
      state.realtime = true;
      return;
    case "d":
      state.subscribe = value;
      return;
    case "n":
      state.hostname = value;
      return;
    case "c":
      state.port = atoi(value);
      return;
    case "l":
      state.protocol = atoi(value);
      if (state.protocol < Protocol.RTMP || state.protocol > MAX_CLI_PROTOCOL) {
        log.error(`Unknown protocol specified: ${state.protocol}`);
        return 1;
      }
      return;
    case "y":
      state.playpath = value;
      return;
    case "Y":
      state.playlist = true;
      return;
    case "r":
      applyRtmpUrl(state, value, log);
      return;
    case "i":
      state.fullUrl = value;
      return;
    case "s":
      state.swfUrl = value;
      return;
    case "t":
      state.tcUrl = value;
      return;
    case "p":
      state.pageUrl = value;
      return;
    case "a":
      state.app = value;
      return;
    case "f":
      state.flashVer = value;
      return;
    case "o":
      state.output = value;
      // Only a name other than "-" changes the mode: "-o x -o -" writes a file named "-".
      if (value !== "-") state.stdoutMode = false;
      return;
    case "e":
      state.resume = true;
      return;
    case "u":
      state.auth = value;
      return;
    case "C":
      try {
        state.conn.add(value);
      } catch (error) {
        if (!(error instanceof UrlError)) throw error;
        log.error(`Invalid AMF parameter: ${value}`);
        return 1;
      }
      return;
    case "m":
      state.timeoutSec = atoi(value);
      return;
    case "A":
      state.startMs = secondsToMs(value);
      return;
    case "B":
      state.stopMs = secondsToMs(value);
      return;
    case "T":
      state.token = value;
      return;
    case "#":
      state.hashes = true;
      return;
    case "q":
    case "V":
    case "z":
      log.level = FLAG_LOG_LEVELS[short];
      return;
    case "S":
      state.socks = value;
      return;
    case "j":
      state.jtv = value;
      return;
    case "rtmpeType":
      if (value !== "6" && value !== "8" && value !== "9") {
        log.error(`--rtmpeType must be 6, 8 or 9, not "${value}"`);
        return 1;
      }
      state.rtmpeType = Number(value) as RtmpeType;
      return;
    case "reconnect":
      state.reconnect = Math.max(0, atoi(value));
      return;
  }
  throw new RangeError(`Cannot apply option -${short}: rtmpdump has no such option`);
}

/** `-r`: fills only what earlier options left empty; a URL that fails to parse is a warning. */
function applyRtmpUrl(state: OptionState, url: string, log: Logger): void {
  let parsed;
  try {
    parsed = parseRtmpUrl(url);
  } catch (error) {
    if (!(error instanceof UrlError)) throw error;
    logUrlLines(log, error.log);
    if (error.code === "bad-ipv6") log.error(error.message);
    log.warning(`Couldn't parse the specified url (${url})!`);
    return;
  }
  logUrlLines(log, parsed.log);
  if (state.hostname.length === 0) state.hostname = parsed.host;
  if (state.port === -1) state.port = parsed.port;
  if (state.playpath.length === 0 && parsed.playpath.length > 0) state.playpath = parsed.playpath;
  if (state.protocol === PROTOCOL_UNDEFINED) state.protocol = parsed.protocol;
  if ((state.app ?? "").length === 0 && parsed.app.length > 0) state.app = parsed.app;
}
