/**
 * What a {@linkcode Downloader} reports while it runs, and what it ends with. The CLI turns these
 * into rtmpdump's messages and exit codes; a library caller may listen to none of them.
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";

/** The position of a download when reading starts or ends. */
export interface DownloadPosition {
  /** Bytes in the output (the file's size). */
  bytes: number;
  /** The current FLV timestamp in ms (librtmp's read timestamp). */
  timestampMs: number;
  /** Duration from the metadata in seconds (0 when unknown). */
  duration: number;
}

/** Reported when reading starts: the first time, after a toggle, after a reconnect. */
export interface DownloadStart extends DownloadPosition {
  /** A live stream. */
  live: boolean;
  /** The output already held data from before (a resumed file, a recovered stream). */
  resumed: boolean;
  /** rtmpdump's seek position (start or resume point) in ms. */
  seekMs: number;
}

/** Why a stream is being reconnected. */
export interface DownloadReconnect {
  /** 1 for the first attempt after a drop. */
  attempt: number;
  /** Attempts allowed per drop. */
  attempts: number;
  /** Wait before this attempt in ms. */
  delayMs: number;
  /** What ended the stream, in words. */
  reason: string;
}

/** A gap in a live recording, reported once the stream is back. */
export interface DownloadGap {
  /** Timestamp of the last frame before the gap (file time, ms). */
  lastTimestampMs: number;
  /** Timestamp the first frame after the gap was written with (file time, ms). */
  resumedTimestampMs: number;
  /** Wall-clock time the stream was away, in ms. */
  offlineMs: number;
}

/** Callbacks of a {@linkcode Downloader}; all optional, called synchronously. */
export interface DownloaderEvents {
  /** Before the first connection is opened. */
  connecting?(): void;
  /** The first connection is open and connect was sent. */
  connected?(): void;
  /** The server redirected connect to `url` (followed). */
  redirected?(url: string): void;
  /** Reading starts (rtmpdump's start line). */
  started?(start: DownloadStart): void;
  /** Each onMetaData the recorder accepts, decoded. */
  metadata?(values: AmfValue[]): void;
  /** After each read that wrote data. */
  progress?(position: DownloadPosition): void;
  /** Reading stopped (rtmpdump's final counter line); more may follow after a recovery. */
  stopped?(position: DownloadPosition): void;
  /** A receive timeout on a recorded stream: it is toggled or reconnected next. */
  timedOut?(): void;
  /** The timeout recovery failed (rtmpdump's "Failed to resume the stream"). */
  recoveryFailed?(): void;
  /** The stream dropped and is reconnected after a wait. */
  reconnecting?(reconnect: DownloadReconnect): void;
  /** A live stream came back; the gap it left. */
  gap?(gap: DownloadGap): void;
  /** "Already Completed": `--stop` is not past the seek position, or the resumed file is done. */
  alreadyComplete?(kind: "stop" | "resume", position: DownloadPosition): void;
  /**
   * The download is over, with the outcome `run()` resolves to; called before the connection
   * is closed (rtmpdump reports the outcome, then closes the stream).
   */
  finished?(outcome: DownloadOutcome): void;
}

/** How a download ended. */
export type DownloadStatus =
  | "complete" // rtmpdump exit 0
  | "incomplete" // exit 2
  | "failed" // exit 1
  | "no-connect"; // exit 3

/** Why a download ended the way it did. */
export type DownloadEndReason =
  | "complete" // the stream ended (Play.Complete/Stop, end of stream, --stop reached)
  | "already-complete" // nothing to do
  | "interrupted" // the signal
  | "timeout" // no data within the receive timeout
  | "connection" // the connection broke
  | "protocol" // the server's stream was refused
  | "connect" // the connection could not be made (see `error`)
  | "play" // play did not start
  | "write" // the output could not be written (see `error`)
  | "resume-file" // the file to resume is not a usable FLV file (see `error`)
  | "resume-mismatch" // the stream does not continue the file
  | "recovery"; // the stream could not be resumed after a timeout

/** What {@linkcode Downloader.run} resolves to. */
export interface DownloadOutcome extends DownloadPosition {
  /** How it ended, as rtmpdump's exit code says it. */
  status: DownloadStatus;
  /** Why. */
  reason: DownloadEndReason;
  /** rtmpdump's percentage (0 when the duration is unknown). */
  percent: number;
  /** The error behind `connect`, `write` and `resume-file`. */
  error?: unknown;
  /** The last onStatus code the server sent. */
  lastStatus: string | undefined;
}
