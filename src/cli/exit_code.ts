/**
 * rtmpdump's process exit codes (`RD_*` in rtmpdump.c).
 *
 * @module
 */

/** The exit codes: 0 complete, 1 failed, 2 incomplete (try `--resume`), 3 could not connect. */
export const ExitCode = {
  /** The download finished (or there was nothing left to do, or `--help`). */
  SUCCESS: 0,
  /** Bad options, a stream error, a resume mismatch or a write error. */
  FAILED: 1,
  /** The stream ended early, timed out or was interrupted; resuming may complete it. */
  INCOMPLETE: 2,
  /** Connecting failed: DNS, TCP, proxy, TLS, tunnel or handshake. */
  NO_CONNECT: 3,
} as const;

/** One of the {@linkcode ExitCode} values. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];
