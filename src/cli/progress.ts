/**
 * rtmpdump's download messages and progress display (`Download()` and `main()` in rtmpdump.c):
 * the start lines, the `\r` byte counter or `#` marks, and the closing lines.
 *
 * The byte counter starts where rtmpdump's does, at `ftello(file)`: 0 for a new file, the file's
 * size when resuming, and for stdout the descriptor's offset (0 on /dev/null, where the shell
 * left it in a file, −1 on a pipe or terminal, so every size printed then is one byte short; see
 * stdout_position.ts). Scripts that read rtmpdump's numbers (the npm `rtmpdump` wrapper, for
 * one) see the same ones; the caller passes that start (src/cli/download.ts, from
 * `stdoutPosition()`).
 *
 * @module
 */

import { toUint32 } from "./_c_cast.ts";
import { formatFixed } from "./format_fixed.ts";
import type { Logger } from "./logger.ts";

/** The byte counter is redrawn when more than this many milliseconds have passed. */
export const PROGRESS_INTERVAL_MS = 200;

export { COMPLETE_PERCENT, computePercent } from "../download/download_percent.ts";
import { computePercent } from "../download/download_percent.ts";

/** A millisecond clock (rtmpdump uses `RTMP_GetTime`); injectable for tests. */
export type Clock = () => number;

const KIB = 1024;
const MS_PER_SECOND = 1000;

/** `\r%.3f kB / %.2f sec (%.1f%%)`, or without the percentage when the duration is unknown. */
export function formatProgressLine(bytes: number, timestampMs: number, percent?: number): string {
  const head = `\r${formatFixed(bytes / KIB, 3)} kB / ${
    formatFixed(timestampMs / MS_PER_SECOND, 2)
  } sec`;
  return percent === undefined ? head : `${head} (${formatFixed(percent, 1)}%)`;
}

/**
 * The line printed before the first read of a recorded (not live) stream. With a known duration:
 * `Starting download at: %.3f kB / %.3f sec (%.1f%%)` (`Resuming` when resuming), else
 * `Starting download at: %.3f kB`.
 */
export function formatStartLine(
  resume: boolean,
  bytes: number,
  timestampMs: number,
  durationSec: number,
): string {
  const verb = resume ? "Resuming" : "Starting";
  const kb = formatFixed(bytes / KIB, 3);
  if (durationSec > 0) {
    const percent = computePercent(timestampMs, durationSec);
    const sec = formatFixed(timestampMs / MS_PER_SECOND, 3);
    return `${verb} download at: ${kb} kB / ${sec} sec (${formatFixed(percent, 1)}%)\n`;
  }
  return `${verb} download at: ${kb} kB\n`;
}

/** Printed instead of the start line for `--live`. */
export const STARTING_LIVE_STREAM = "Starting Live Stream\n";

/** Printed after the start line with `--realtime` (recorded streams only). */
export const REALTIME_NOTE = "  in approximately realtime (disabled BUFX speedup hack)\n";

/**
 * True when rtmpdump skips a resumed download as finished: the resume point is at least 99.9 %
 * of the duration (`timestamp >= duration·999`, duration in seconds).
 */
export function isAlreadyComplete(timestampMs: number, durationSec: number): boolean {
  return durationSec > 0 && timestampMs >= durationSec * 999;
}

/**
 * `Already Completed at: %.3f sec Duration=%.3f sec`. rtmpdump divides the duration, which is
 * already in seconds, by 1000 again; the line reproduces that (a 10 s stream shows 0.010 sec).
 */
export function formatAlreadyCompletedAt(timestampMs: number, durationSec: number): string {
  const at = formatFixed(timestampMs / MS_PER_SECOND, 3);
  return `Already Completed at: ${at} sec Duration=${
    formatFixed(durationSec / MS_PER_SECOND, 3)
  } sec\n`;
}

/** Printed (and exit 0) when `--stop` is not past the seek position. */
export const ALREADY_COMPLETED = "Already Completed\n";

/** `For duration: %.3f sec` for `--stop`: (stop − seek) in unsigned 32-bit milliseconds. */
export function formatForDuration(stopMs: number, seekMs: number): string {
  return `For duration: ${formatFixed(toUint32(stopMs - seekMs) / MS_PER_SECOND, 3)} sec\n`;
}

/** Printed before connecting. */
export const CONNECTING = "Connecting ...\n";

/** The INFO message after a successful connect. */
export const CONNECTED_MESSAGE = "Connected...";

/** Printed at the end of a download with exit code 0. */
export const DOWNLOAD_COMPLETE = "Download complete\n";

/** `Download may be incomplete (downloaded about %.2f%%), try resuming` (exit code 2). */
export function formatDownloadIncomplete(percent: number): string {
  return `Download may be incomplete (downloaded about ${
    formatFixed(percent, 2)
  }%), try resuming\n`;
}

/** `Couldn't resume FLV file, try --skip N` and an empty line, N being the current skip + 1. */
export function formatCouldntResume(skipFrames: number): string {
  return `Couldn't resume FLV file, try --skip ${(skipFrames + 1) | 0}\n\n`;
}

/** `Caught signal: N, cleaning up, just a second...` for the first SIGINT/TERM/HUP/PIPE/QUIT. */
export function formatCaughtSignal(signal: number): string {
  return `Caught signal: ${signal}, cleaning up, just a second...\n`;
}

/** `Failed to open file! NAME` when the output cannot be created. */
export function formatFailedToOpen(path: string): string {
  return `Failed to open file! ${path}\n`;
}

/** Options of a {@linkcode Progress}. */
export interface ProgressOptions {
  /** `--hashes`: print `#` marks instead of the byte counter. */
  hashes: boolean;
  /** Millisecond clock; defaults to `performance.now()`. */
  clock?: Clock;
}

/**
 * The display of rtmpdump's `Download()`. For a recorded stream call
 * {@linkcode Progress.start} first (live streams print {@linkcode STARTING_LIVE_STREAM}
 * instead), {@linkcode Progress.update} after every read that returned data, and
 * {@linkcode Progress.finish} once the loop ends; they return the current percentage (0 while
 * the duration is unknown), which rtmpdump uses for the exit status and the closing message.
 *
 * With a known duration the counter is `\r… kB / … sec (…%)`, redrawn when more than 200 ms have
 * passed since the last redraw (the first update always draws), and `--hashes` prints one `#`
 * each time the percentage reaches the next whole number. Without a duration the counter has no
 * percentage and `--hashes` prints a `#` every 200 ms. The final counter line is printed without
 * `--hashes` only.
 */
export class Progress {
  #log: Logger;
  #hashes: boolean;
  #clock: Clock;
  #lastUpdate: number;
  #lastPercent = 0;
  #percent = 0;

  /** Creates the reporter; its first update draws at once (rtmpdump starts 1 s in the past). */
  constructor(log: Logger, options: ProgressOptions) {
    this.#log = log;
    this.#hashes = options.hashes;
    this.#clock = options.clock ?? (() => performance.now());
    this.#lastUpdate = this.#clock() - MS_PER_SECOND;
  }

  /** The last computed percentage. */
  get percent(): number {
    return this.#percent;
  }

  /**
   * Prints the start line ({@linkcode formatStartLine}) for the bytes already in the output and
   * the seek or resume timestamp; returns the percentage that position represents.
   */
  start(resume: boolean, bytes: number, timestampMs: number, durationSec: number): number {
    if (durationSec > 0) this.#percent = computePercent(timestampMs, durationSec);
    this.#log.printf(formatStartLine(resume, bytes, timestampMs, durationSec));
    return this.#percent;
  }

  /**
   * Reports the state after a read: total bytes written, the current FLV timestamp and the
   * duration in seconds from the metadata (0 or less when unknown). Returns the percentage.
   */
  update(bytes: number, timestampMs: number, durationSec: number): number {
    if (durationSec > 0) {
      this.#percent = computePercent(timestampMs, durationSec);
      if (this.#hashes) {
        if (this.#lastPercent + 1 <= this.#percent) {
          this.#log.status("#");
          this.#lastPercent = toUint32(Math.trunc(this.#percent));
        }
      } else if (this.#due()) {
        this.#log.status(formatProgressLine(bytes, timestampMs, this.#percent));
      }
    } else if (this.#due()) {
      this.#log.status(this.#hashes ? "#" : formatProgressLine(bytes, timestampMs));
    }
    return this.#percent;
  }

  /** Prints the final counter line (not with `--hashes`) and returns the percentage. */
  finish(bytes: number, timestampMs: number, durationSec: number): number {
    if (durationSec > 0) this.#percent = computePercent(timestampMs, durationSec);
    if (!this.#hashes) {
      const percent = durationSec > 0 ? this.#percent : undefined;
      this.#log.status(formatProgressLine(bytes, timestampMs, percent));
    }
    return this.#percent;
  }

  #due(): boolean {
    const now = this.#clock();
    if (Math.abs(now - this.#lastUpdate) <= PROGRESS_INTERVAL_MS) return false;
    this.#lastUpdate = now;
    return true;
  }
}
