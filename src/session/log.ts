/**
 * Log levels and the sink the engine reports through. The numbers are librtmp's, so the CLI can
 * reproduce rtmpdump's `LEVEL: message` lines; library users may pass any sink or none.
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
export type LogSink = (level: LogLevel, message: string) => void;

/** A sink that drops everything. */
export const silentLog: LogSink = () => {};
