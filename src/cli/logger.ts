/**
 * The message log of rtmpdump and librtmp (`librtmp/log.c`): levelled lines, unprefixed prints,
 * status lines, and the hex dumps the debug levels use (formatted by the session layer's
 * `hex_dump.ts`).
 *
 * Everything goes to one byte sink (stderr in the command-line tool), which tests replace to
 * capture the exact bytes.
 *
 * @module
 */

import { hexLines, hexStringLines } from "../session/hex_dump.ts";

/** librtmp's log levels; a message is shown when its level is at most the logger's level. */
export const LogLevel = {
  /** Fatal conditions; the only level `--quiet` keeps. */
  CRIT: 0,
  /** Errors. librtmp's own default level. */
  ERROR: 1,
  /** Warnings. */
  WARNING: 2,
  /** Progress information; rtmpdump's default level. */
  INFO: 3,
  /** `--verbose`. */
  DEBUG: 4,
  /** Packet-level detail. */
  DEBUG2: 5,
  /** `--debug`: everything, including messages that mention "no-name". */
  ALL: 6,
} as const;

/** One of the {@linkcode LogLevel} values. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

/** Receives the logger's output bytes, in order. */
export type LogSink = (bytes: Uint8Array) => void;

/** rtmpdump's starting level, before the command line is read. */
export const DEFAULT_LOG_LEVEL: LogLevel = LogLevel.INFO;

/**
 * Prefixes by level. log.c names only levels 0–5 (nothing in librtmp logs at ALL); a message
 * logged at ALL here is prefixed "ALL".
 */
const LEVEL_NAMES = ["CRIT", "ERROR", "WARNING", "INFO", "DEBUG", "DEBUG2", "ALL"] as const;

/** log.c formats into a 2048-byte buffer with `vsnprintf(str, 2047, …)`: 2046 bytes survive. */
const MAX_MESSAGE_BYTES = 2046;

/** Messages containing this text are dropped unless the level is ALL (log.c's filter). */
const SUPPRESSED_TEXT = "no-name";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `text` as UTF-8, cut to the bytes log.c's print buffer keeps. */
function truncatedBytes(text: string | Uint8Array): Uint8Array {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  return bytes.length > MAX_MESSAGE_BYTES ? bytes.subarray(0, MAX_MESSAGE_BYTES) : bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const NEWLINE = encoder.encode("\n");
const LEVEL_PREFIXES = LEVEL_NAMES.map((name) => encoder.encode(`${name}: `));

/**
 * rtmpdump's logger. `log` is `RTMP_Log` (`LEVEL: message` lines), `printf` is `RTMP_LogPrintf`
 * (unprefixed text, silent only under `--quiet`), `status` is `RTMP_LogStatus` (the `\r` progress
 * line; the next line of any kind then starts with a newline), `raw` is a direct write to stderr
 * (what glibc's getopt does for its messages, so `--quiet` does not hide them).
 *
 * @example
 * ```ts
 * import { Logger, LogLevel } from "./logger.ts";
 * const chunks: Uint8Array[] = [];
 * const log = new Logger((bytes) => chunks.push(bytes), LogLevel.INFO);
 * log.warning("You haven't specified an output file (-o filename), using stdout");
 * ```
 */
export class Logger {
  /** The current threshold (`RTMP_debuglevel`). */
  level: LogLevel;
  #sink: LogSink;
  #needNewline = false;

  /** Creates a logger writing to `sink`, starting at `level` (rtmpdump's INFO by default). */
  constructor(sink: LogSink, level: LogLevel = DEFAULT_LOG_LEVEL) {
    this.#sink = sink;
    this.level = level;
  }

  /** True when a status line was written and no line has been started since. */
  get needsNewline(): boolean {
    return this.#needNewline;
  }

  /** True when messages at `level` are shown. */
  enabled(level: LogLevel): boolean {
    return level <= this.level;
  }

  /**
   * `RTMP_Log`: writes `LEVEL: message\n` when `level` is enabled. The message is cut to 2046
   * bytes; a message containing "no-name" is dropped below level ALL. A message given as bytes
   * is written as it is (for text that must keep bytes that are not valid UTF-8).
   */
  log(level: LogLevel, message: string | Uint8Array): void {
    if (level > this.level) return;
    const bytes = truncatedBytes(message);
    if (this.level < LogLevel.ALL && decoder.decode(bytes).includes(SUPPRESSED_TEXT)) return;
    const parts = [LEVEL_PREFIXES[level], bytes, NEWLINE];
    if (this.#needNewline) {
      parts.unshift(NEWLINE);
      this.#needNewline = false;
    }
    this.#sink(concat(parts));
  }

  /** Logs at CRIT. */
  crit(message: string): void {
    this.log(LogLevel.CRIT, message);
  }

  /** Logs at ERROR. */
  error(message: string): void {
    this.log(LogLevel.ERROR, message);
  }

  /** Logs at WARNING. */
  warning(message: string): void {
    this.log(LogLevel.WARNING, message);
  }

  /** Logs at INFO. */
  info(message: string): void {
    this.log(LogLevel.INFO, message);
  }

  /** Logs at DEBUG. */
  debug(message: string): void {
    this.log(LogLevel.DEBUG, message);
  }

  /** Logs at DEBUG2. */
  debug2(message: string): void {
    this.log(LogLevel.DEBUG2, message);
  }

  /**
   * `RTMP_LogPrintf`: writes `text` as given (include the `\n`), cut to 2046 bytes, unless the
   * level is exactly CRIT. Starts with a newline when a status line is pending.
   */
  printf(text: string): void {
    if (this.level === LogLevel.CRIT) return;
    const bytes = truncatedBytes(text);
    if (this.#needNewline) {
      this.#needNewline = false;
      this.#sink(concat([NEWLINE, bytes]));
    } else {
      this.#sink(bytes);
    }
  }

  /**
   * `RTMP_LogStatus`: writes `text` as given (a `\r…` progress line or a `#`), cut to 2046 bytes,
   * unless the level is exactly CRIT, and marks that the next line must start on a new line.
   */
  status(text: string): void {
    if (this.level === LogLevel.CRIT) return;
    this.#sink(truncatedBytes(text));
    this.#needNewline = true;
  }

  /** Writes bytes or text straight to the sink, whatever the level (glibc's own messages). */
  raw(text: string | Uint8Array): void {
    this.#sink(typeof text === "string" ? encoder.encode(text) : text);
  }

  /** `RTMP_LogHex` at `level`: 16 bytes per line as lower-case hex pairs (see `hexLines`). */
  logHex(level: LogLevel, data: Uint8Array): void {
    if (level > this.level) return;
    for (const line of hexLines(data)) this.log(level, line);
  }

  /**
   * `RTMP_LogHexString` at `level`: an offset, 16 hex pairs and the printable text per line
   * (see `hexStringLines`).
   */
  logHexString(level: LogLevel, data: Uint8Array): void {
    if (level > this.level) return;
    for (const line of hexStringLines(data)) this.log(level, line);
  }
}

/** The level the command-line flags select: `-q` CRIT, `-V` DEBUG, `-z` ALL. */
export const FLAG_LOG_LEVELS: Readonly<Record<"q" | "V" | "z", LogLevel>> = {
  q: LogLevel.CRIT,
  V: LogLevel.DEBUG,
  z: LogLevel.ALL,
};
