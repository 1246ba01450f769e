/**
 * Log levels and the sink the engine reports through. The numbers are librtmp's, so the CLI can
 * reproduce rtmpdump's `LEVEL: message` lines; library users may pass any sink or none.
 *
 * A sink may say how much it shows (its `level`): the engine builds the packet dumps of DEBUG2
 * and the object dumps of DEBUG only for a sink that shows them, so a quiet sink costs nothing.
 *
 * @module
 */

/** librtmp's log levels. */
export const LogLevel = {
  Crit: 0,
  Error: 1,
  Warning: 2,
  Info: 3,
  Debug: 4,
  Debug2: 5,
  All: 6,
} as const;

/** One of {@linkcode LogLevel}'s values. */
export type LogLevel = typeof LogLevel[keyof typeof LogLevel];

/** Receives the engine's log lines. */
export interface LogSink {
  /** Takes one line (without a level prefix or line end). */
  (level: LogLevel, message: string): void;
  /**
   * The most detailed level the sink shows. When absent, DEBUG: lines up to DEBUG are produced,
   * DEBUG2 and ALL (packet dumps) only for a sink that asks for them.
   */
  readonly level?: LogLevel;
}

/** The level assumed for a sink that does not give one. */
export const DEFAULT_SINK_LEVEL: LogLevel = LogLevel.Debug;

/** True when `sink` shows lines at `level` (see {@linkcode LogSink.level}). */
export function logsAt(sink: LogSink, level: LogLevel): boolean {
  return level <= (sink.level ?? DEFAULT_SINK_LEVEL);
}

/**
 * A sink that passes lines to `write` and shows up to `level`.
 *
 * @example
 * ```ts
 * import { LogLevel, logsAt, sinkAt } from "./log.ts";
 * const sink = sinkAt(LogLevel.Info, (level, message) => console.error(level, message));
 * console.assert(!logsAt(sink, LogLevel.Debug));
 * ```
 */
export function sinkAt(
  level: LogLevel,
  write: (level: LogLevel, message: string) => void,
): LogSink {
  return Object.assign((l: LogLevel, message: string) => write(l, message), { level });
}

/** A sink that drops everything. */
export const silentLog: LogSink = sinkAt(LogLevel.Crit, () => {});

/**
 * A peer's text made safe for one log line: control characters (a newline that would forge
 * another line, terminal escapes) become `\xNN`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printable } from "./log.ts";
 *
 * assert.equal(printable("live\nINFO: forged"), "live\\x0aINFO: forged");
 * ```
 */
export function printable(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/g;
