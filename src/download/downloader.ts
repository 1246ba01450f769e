/**
 * The downloader: rtmpdump 2.4's main() and Download() as one engine object. It connects, plays,
 * records FLV exactly as RTMP_Read writes it, recovers the way rtmpdump does (a receive timeout
 * toggles the stream, then reconnects it once), and goes beyond it where rtmpdump gives up: it
 * resumes files by matching their last tags in the stream, reconnects dropped streams
 * (`reconnect`), follows redirects (sending the credentials only to the server they were given
 * for, see redirect_session.ts), and enforces `stopMs` itself.
 *
 * Every continuation of a recording on a new stream — a resumed file, the stream reconnected
 * after a timeout, a live stream that came back, a replay from the start — is the same
 * mechanism: the recorder goes on, and a {@linkcode Continuation} decides what of the new
 * stream belongs in the file and with which timestamps, until it knows the offset between the
 * stream's time and the file's.
 *
 * Deviations from rtmpdump, each on purpose: see the README ("Where rtmpkit differs").
 *
 * @module
 */

import type { ChunkDecoderOptions } from "../chunk/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { FlvError } from "../flv/flv_error.ts";
import { ClientSession, type ClientSessionOptions, PauseState } from "../session/client_session.ts";
import { LogLevel, type LogSink, silentLog } from "../session/log.ts";
import type { RtmpClient } from "../session/rtmp_client.ts";
import { DEFAULT_MAX_REDIRECTS, resolveRedirect } from "../url/redirect_target.ts";
import { ConnectError, TimeoutError } from "../../transports/transport_error.ts";
import { COMPLETE_PERCENT, computePercent } from "./download_percent.ts";
import type {
  DownloadEndReason,
  DownloaderEvents,
  DownloadOutcome,
  DownloadPosition,
  DownloadStatus,
} from "./download_events.ts";
import type { DownloadOutput, ResumeFile } from "./download_output.ts";
import {
  ConnectionFailure,
  type ConnectionOpener,
  type ConnectionTarget,
  openConnection,
} from "./open_connection.ts";
import { Recording } from "./recording.ts";
import { protectedEndpoint, redirectHandshake, redirectSession } from "./redirect_session.ts";
import { planResume, type ResumePlan, resumePlanLines } from "./resume_plan.ts";

/** What a session connects and plays with (the position is the downloader's). */
export type DownloadSessionOptions = Omit<
  ClientSessionOptions,
  "seekMs" | "stopMs" | "bufferMs" | "log" | "decoder" | "endOnUnpublish"
>;

/** How dropped streams are reconnected. */
export interface ReconnectPolicy {
  /** Attempts per drop (0: none, rtmpdump's behaviour). */
  attempts: number;
  /** Wait before the first attempt in ms; it doubles each attempt. Default 1000. */
  delayMs?: number;
  /** Longest wait in ms. Default 30000. */
  maxDelayMs?: number;
}

/** Options of a {@linkcode Downloader}. */
export interface DownloaderOptions {
  /** Where to connect. */
  connection: ConnectionTarget;
  /** connect and play parameters. */
  session: DownloadSessionOptions;
  /** A live stream (rtmpdump `--live`): no seeking, no BUFX, no timeout recovery. */
  live: boolean;
  /** rtmpdump `--start` in ms: play from here, timestamps offset by it (0: from the start). */
  startMs?: number;
  /** rtmpdump `--stop` in ms: sent as play's len and enforced here (0: none). */
  stopMs?: number;
  /** play's start when `startMs` is 0 (librtmp's own `start=` option). */
  playStartMs?: number;
  /** play's stop for its len when `stopMs` is 0 (librtmp's own `stop=` option). */
  playStopMs?: number;
  /** Client buffer in ms (SetBufferLength after play). */
  bufferMs: number;
  /** Keep the buffer as given; otherwise it is raised past a longer duration (rtmpdump). */
  bufferOverridden?: boolean;
  /** Where the FLV goes. */
  output: DownloadOutput;
  /** A partly downloaded file to continue (rtmpdump `--resume`), and `--skip`. */
  resume?: { file: ResumeFile; skip: number };
  /** Reconnects after a drop; default none. */
  reconnect?: ReconnectPolicy;
  /**
   * Redirects followed at most (NetConnection.Connect.Rejected with ex.redirect). Default 5. The
   * credentials in `session` go to a target only on `connection`'s host and port, with no less
   * protection.
   */
  maxRedirects?: number;
  /** Opens connections; default {@linkcode openConnection}. */
  open?: ConnectionOpener;
  /** The engine's log (librtmp's levels and words). */
  log?: LogSink;
  /** Progress and state callbacks. */
  events?: DownloaderEvents;
  /** Chunk decoder limits. */
  decoder?: ChunkDecoderOptions;
  /** Clock in ms (timing of waits); default `performance.now`. */
  now?: () => number;
}

/** The pause between pause and unpause of rtmpdump's timeout toggle. */
export const TOGGLE_PAUSE_MS = 1000;
/** Default number of redirects followed. */
export { DEFAULT_MAX_REDIRECTS };
const DEFAULT_RECONNECT_DELAY_MS = 1000;
const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** A live stream whose timestamps jump back by more than this started over (a new publisher). */
const LIVE_RESTART_JUMP_MS = 1000;
/** RTMP_Read's status after a failed resume (RTMP_READ_ERROR). */
const READ_ERROR = -2;
/** User control StreamEOF. */
const STREAM_EOF = 1;
/** A stream that ran this long after a reconnect gets the full number of attempts again. */
const RECONNECT_RESET_MS = 60_000;

/** How one pass of reading ended. */
type PassEnd =
  | "complete" // the session ended normally
  | "stop" // stopMs reached
  | "eof" // the connection ended
  | "timeout"
  | "interrupted"
  | "transport-error"
  | "protocol-error"
  | "write-error"
  | "restart"; // the continuation asks for play from 0

/**
 * One download: `run()` connects, plays and records until the stream ends, and resolves to the
 * outcome (it never rejects for anything the network, the server or the file can cause).
 *
 * @example
 * ```ts ignore
 * import { Downloader } from "./downloader.ts";
 * const chunks: Uint8Array[] = [];
 * let size = 0;
 * const downloader = new Downloader({
 *   connection: { protocol: 0, host: "127.0.0.1", port: 1935, connectTimeoutMs: 30000,
 *     receiveTimeoutMs: 30000, handshake: "plain" },
 *   session: { app: "vod", tcUrl: "rtmp://127.0.0.1:1935/vod", playpath: "sample" },
 *   live: false,
 *   bufferMs: 36_000_000,
 *   output: {
 *     push: (piece) => { chunks.push(piece.slice()); size += piece.length; },
 *     commit: () => {}, flushIfDue: () => {}, flush: () => {},
 *     get size() { return size; },
 *   },
 * });
 * const outcome = await downloader.run();
 * console.log(outcome.status, outcome.bytes);
 * ```
 */
export class Downloader {
  readonly #o: DownloaderOptions;
  readonly #log: LogSink;
  readonly #events: DownloaderEvents;
  readonly #open: ConnectionOpener;
  readonly #now: () => number;
  readonly #output: DownloadOutput;
  readonly #recording: Recording;
  #target: ConnectionTarget;
  #sessionOptions: DownloadSessionOptions;
  #client: RtmpClient | undefined;
  #session: ClientSession | undefined;
  #interrupted = false;
  #wake: (() => void) | undefined;

  #resume: ResumePlan | undefined;
  #duration = 0;
  #bufferMs: number;
  /** rtmpdump's dSeek: the start or resume point, then the pause point of a recovery. */
  #seekMs: number;
  #stopMs: number;
  /** The last push reached the stop position or asked for a replay: the pass ends. */
  #passOver = false;
  #firstWrite = true;
  /** The download was asked to start at a position (--start). */
  readonly #startsAtSeek: boolean;
  #lastStatus: string | undefined;
  /** When a live stream went away (0 while it is there). */
  #offlineSince = 0;
  /** The last audio/video message timestamp of a live stream, as the server sent it. */
  #lastLiveTimestamp = -1;
  /** A failure in the read that also started play: it belongs to the pass that follows. */
  #carried: unknown;

  /** Prepares a download; nothing happens before {@linkcode run}. */
  constructor(options: DownloaderOptions) {
    this.#o = options;
    this.#log = options.log ?? silentLog;
    this.#events = options.events ?? {};
    this.#open = options.open ?? openConnection;
    this.#now = options.now ?? (() => performance.now());
    this.#output = options.output;
    this.#target = options.connection;
    this.#sessionOptions = options.session;
    this.#bufferMs = options.bufferMs;
    const start = options.live ? 0 : (options.startMs ?? 0) | 0;
    this.#seekMs = start > 0 ? start : 0;
    this.#startsAtSeek = start > 0;
    this.#stopMs = options.stopMs ?? 0;
    this.#recording = new Recording({
      output: options.output,
      live: options.live,
      offsetMs: this.#seekMs,
      stopMs: this.#stopMs || options.playStopMs || 0,
      transientPayloads: options.decoder?.transientPayloads ?? false,
      log: this.#log,
      onMetadata: (values) => this.#events.metadata?.(values),
    });
  }

  /** The session of the current connection (for its counters and state). */
  get session(): ClientSession | undefined {
    return this.#session;
  }

  /**
   * Runs the download until the stream ends, fails or `signal` aborts it (the output then
   * keeps whole tags and the outcome is "incomplete").
   */
  async run(signal?: AbortSignal): Promise<DownloadOutcome> {
    const onAbort = () => this.#interrupt();
    if (signal?.aborted) this.#interrupted = true;
    signal?.addEventListener("abort", onAbort);
    let outcome: DownloadOutcome;
    try {
      outcome = await this.#run();
      this.#events.finished?.(outcome);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await this.#client?.close();
    }
    return outcome;
  }

  /** rtmpdump's main loop announces the buffer time at the start of every round. */
  #logBufferTime(): void {
    this.#log(LogLevel.Debug, `Setting buffer time to: ${this.#o.bufferMs | 0}ms`);
  }

  #interrupt(): void {
    this.#interrupted = true;
    void this.#client?.transport.close();
    this.#wake?.();
  }

  async #run(): Promise<DownloadOutcome> {
    const o = this.#o;
    if (o.resume && !o.live) {
      try {
        this.#resume = await planResume(o.resume.file, o.resume.skip);
      } catch (err) {
        if (!(err instanceof FlvError)) throw err;
        return this.#outcome("failed", "resume-file", err);
      }
      if (this.#resume === undefined) {
        this.#recording.replaceFile(o.resume.file);
      } else {
        for (const line of resumePlanLines(this.#resume)) this.#log(LogLevel.Debug, line);
        this.#seekMs = this.#resume.seekMs;
        this.#duration = this.#resume.duration;
        this.#recording.resumeFile(o.resume.file, this.#resume);
      }
    }

    this.#logBufferTime();
    this.#events.connecting?.();
    let connected = false;
    let redirects = 0;
    for (;;) {
      const session = this.#newSession(this.#playStart());
      try {
        await this.#connect(session);
      } catch (err) {
        return this.#outcome("no-connect", "connect", err);
      }
      if (!connected) {
        connected = true;
        this.#events.connected?.();
        if (this.#resume !== undefined && (o.startMs ?? 0) > 0) {
          this.#log(LogLevel.Warning, "Can't seek a resumed stream, ignoring --start option");
        }
        if (this.#stopMs > 0 && this.#stopMs <= this.#seekMs) {
          this.#events.alreadyComplete?.("stop", this.#position());
          return this.#outcome("complete", "already-complete");
        }
      }
      const started = await this.#waitForPlay(session);
      if (started === "redirect") {
        const limit = o.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
        if (++redirects > limit) {
          this.#log(LogLevel.Error, `Redirected more than ${limit} times, giving up`);
          return this.#outcome("failed", "play");
        }
        if (!this.#followRedirect(session.redirect!)) {
          this.#log(LogLevel.Error, `Cannot follow the redirect to ${session.redirect}`);
          return this.#outcome("failed", "play");
        }
        await this.#closeClient();
        continue;
      }
      if (started !== "playing") return this.#outcome("failed", "play");
      break;
    }
    return await this.#download();
  }

  /** The read loop (rtmpdump's Download(), and its recovery loop around it). */
  async #download(): Promise<DownloadOutcome> {
    const o = this.#o;
    const recording = this.#recording;
    let resumed = this.#resume !== undefined;
    let retried = false;
    let attempt = 0;
    let playingSince = this.#now();
    for (;;) {
      const position = this.#position();
      if (!o.live && this.#duration > 0 && this.#seekMs >= this.#duration * 999) {
        this.#events.alreadyComplete?.("resume", position);
        return this.#outcome("complete", "already-complete");
      }
      // rtmpdump's Download() starts the read timestamp at the seek position.
      if (this.#seekMs) this.#log(LogLevel.Debug, `Continuing at TS: ${this.#seekMs | 0} ms\n`);
      this.#events.started?.({
        ...position,
        timestampMs: this.#seekMs,
        live: o.live,
        resumed,
        seekMs: this.#seekMs,
      });
      const end = await this.#readPass();
      if (end === "write-error") return this.#outcome("failed", "write", recording.writeError);
      try {
        // A timed-out recorded stream goes on into the same recording after the recovery.
        const goesOn = (end === "timeout" && !o.live) || end === "restart" ||
          this.#canReconnect(end, attempt);
        if (!goesOn) recording.finish();
        await this.#output.flush();
      } catch (err) {
        return this.#outcome("failed", "write", err);
      }
      if (this.#duration <= 0) this.#duration = recording.duration;
      this.#events.stopped?.(this.#position());
      // The stream ended without repeating the file's last tags: not this file's stream.
      const mismatch = recording.splicing && end !== "interrupted" && end !== "timeout" &&
        end !== "restart";
      // What rtmpdump's last RTMP_Read returned: 0, or the status of a failed resume.
      this.#log(LogLevel.Debug, `RTMP_Read returned: ${mismatch ? READ_ERROR : 0}`);

      if (end === "restart") {
        // The server started past what the file has: play it again from the start.
        if (!(await this.#replay())) return this.#outcome("failed", "resume-mismatch");
        resumed = true;
        continue;
      }
      if (mismatch) return this.#outcome("failed", "resume-mismatch");
      if (end === "timeout" && !o.live && !this.#interrupted) {
        // rtmpdump's recovery: toggle the stream, then reconnect it once.
        this.#logBufferTime();
        if (retried) {
          this.#events.recoveryFailed?.();
          return this.#outcome("incomplete", "recovery");
        }
        this.#events.timedOut?.();
        const session = this.#session!;
        if (session.pauseState === PauseState.Unpaused) {
          retried = true;
          this.#seekMs = session.pauseStamp;
          if (this.#stopMs > 0 && this.#stopMs <= this.#seekMs) {
            this.#events.alreadyComplete?.("stop", this.#position());
            return this.#outcome("complete", "already-complete");
          }
          const failure = await this.#reconnectStream();
          if (failure !== undefined) {
            this.#events.recoveryFailed?.();
            return this.#outcome(failure, "recovery");
          }
        } else {
          if (!(await this.#toggle())) return this.#outcome("incomplete", "interrupted");
          this.#seekMs = session.pauseStamp;
        }
        resumed = true;
        continue;
      }
      if (this.#now() - playingSince > RECONNECT_RESET_MS) attempt = 0;
      let reconnected = false;
      while (!reconnected && this.#canReconnect(end, attempt)) {
        attempt++;
        const result = await this.#reconnect(end, attempt);
        if (result === "interrupted") return this.#outcome("incomplete", "interrupted");
        reconnected = result === "playing";
      }
      if (!reconnected) return this.#finish(end);
      playingSince = this.#now();
      resumed = true;
    }
  }

  /** Whether a pass that ended this way is followed by a reconnect. */
  #canReconnect(end: PassEnd, attempt: number): boolean {
    const policy = this.#o.reconnect;
    if (!policy || attempt >= policy.attempts || this.#interrupted) return false;
    if (this.#o.live) {
      return end === "eof" || end === "transport-error" || end === "protocol-error" ||
        end === "timeout" || end === "complete";
    }
    return end === "eof" || end === "transport-error";
  }

  #finish(end: PassEnd): DownloadOutcome {
    const percent = this.#percent();
    if (end === "stop") return this.#outcome("complete", "complete");
    // The server ended the part asked for (play's len): complete, whatever the duration says.
    if (end === "complete" && this.#stopMs > 0) return this.#outcome("complete", "complete");
    if (this.#interrupted || end === "interrupted") {
      return this.#outcome("incomplete", "interrupted");
    }
    if (end === "timeout") return this.#outcome("incomplete", "timeout");
    if (end === "protocol-error") return this.#outcome("incomplete", "protocol");
    if (end === "transport-error") return this.#outcome("incomplete", "connection");
    if (this.#duration > 0 && percent < COMPLETE_PERCENT) {
      return this.#outcome("incomplete", end === "eof" ? "connection" : "complete");
    }
    return this.#outcome("complete", "complete");
  }

  /** One read pass until the stream ends, the signal, a timeout, a failure or stopMs. */
  async #readPass(): Promise<PassEnd> {
    const client = this.#client!;
    const session = this.#session!;
    const recording = this.#recording;
    this.#firstWrite = true;
    this.#passOver = false;
    const flushIfDue = async () => {
      try {
        await this.#output.flushIfDue();
      } catch (err) {
        recording.writeError = err;
        throw err;
      }
    };
    let end: PassEnd;
    try {
      session.releaseHeld();
      // Answers to what was held (a ping, a BUFX pause) go out before waiting for more.
      await client.flush();
      const carried = this.#carried;
      this.#carried = undefined;
      if (carried !== undefined) throw carried;
      const result = await client.pump(() => this.#interrupted || this.#passOver, flushIfDue);
      if (recording.writeError !== undefined) return "write-error";
      if (recording.restartRequested) return "restart";
      if (recording.stopReached) return "stop";
      if (this.#interrupted) {
        end = "interrupted";
        session.logReadEnd("interrupted");
      } else if (result === "eof") end = await this.#closeAfterEnd(client, session);
      else {
        end = "complete";
        if (session.closeReason === "complete") {
          this.#log(
            LogLevel.Debug,
            "Got Play.Complete or Play.Stop from server. Assuming stream is complete",
          );
        }
      }
    } catch (err) {
      if (recording.writeError !== undefined) return "write-error";
      if (err instanceof TimeoutError) end = "timeout";
      else if (this.#interrupted) end = "interrupted";
      else if (client.failedIn === "session") {
        this.#log(LogLevel.Error, `RTMP_ReadPacket, ${oneLine(err)}`);
        return "protocol-error";
      } else end = "transport-error";
      session.logReadEnd(
        end === "timeout" ? "timeout" : end === "interrupted" ? "interrupted" : "reset",
      );
    }
    if (end === "interrupted") {
      // librtmp closes the stream (deleteStream) before it reports the failed read.
      session.close();
      await client.flush().catch(() => {});
    }
    // Why the stream stopped, as RTMP_ReadPacket logs it.
    if (end !== "complete") this.#log(LogLevel.Error, session.readFailure());
    return end;
  }

  /** A media message of the current session. */
  #onMedia(message: RtmpMessage): void {
    if (
      this.#waitsForPublisher() && !this.#recording.joiningLive && isAudioVideo(message.typeId)
    ) {
      // Timestamps that jump back: a new publisher started over without the server saying so.
      if (this.#lastLiveTimestamp - message.timestamp > LIVE_RESTART_JUMP_MS) this.#publisherLeft();
      this.#lastLiveTimestamp = message.timestamp;
    }
    const recordedBefore = this.#recording.bytesRecorded;
    const result = this.#recording.push(message);
    if (result === "stop" || result === "restart") this.#passOver = true;
    if (this.#countsHeldTags()) {
      // With --start librtmp presets its read timestamp and holds no header block: its first
      // RTMP_Read returns the header and the first tag, each later one a tag. What is held here
      // to learn the header flags counts as rtmpdump would have written it.
      if (this.#recording.bytesRecorded === recordedBefore) return;
    } else {
      if (result !== "written") return;
      // rtmpdump's first RTMP_Read returns the buffered header block together with the next
      // tag, so its first progress report comes one tag later.
      if (this.#firstWrite) {
        this.#firstWrite = false;
        return;
      }
    }
    if (this.#duration <= 0) this.#duration = this.#recording.duration;
    if (
      this.#duration > 0 && !this.#o.bufferOverridden && this.#bufferMs < this.#duration * 1000
    ) {
      this.#bufferMs = Math.trunc(this.#duration * 1000) + 5000;
      this.#log(
        LogLevel.Debug,
        `Detected that buffer time is less than duration, resetting to: ${this.#bufferMs}ms`,
      );
      this.#session?.updateBufferMs(this.#bufferMs);
    }
    this.#events.progress?.(this.#position());
  }

  /**
   * The connection ended: close the stream there (deleteStream), as librtmp does on a failed
   * read. When that write fails the connection was reset, not closed, and the download is
   * incomplete (rtmpdump gets SIGPIPE there and stops as after a Ctrl-C).
   */
  async #closeAfterEnd(client: RtmpClient, session: ClientSession): Promise<PassEnd> {
    session.logReadEnd("closed");
    session.close();
    try {
      await client.flush();
    } catch (err) {
      if (isResetError(err)) return "transport-error";
    }
    return "eof";
  }

  /** Opens a connection for `session` (transport, handshake, connect). */
  async #connect(session: ClientSession): Promise<void> {
    if (this.#interrupted) {
      throw new ConnectionFailure("transport", new ConnectError("Interrupted"));
    }
    const client = await this.#open(this.#target, session, {
      log: this.#log,
      onClient: (c) => {
        this.#client = c;
        if (this.#interrupted) void c.transport.close();
      },
    });
    this.#client = client;
    this.#session = session;
  }

  /** rtmpdump's RTMP_ConnectStream: reads until play started. */
  async #waitForPlay(session: ClientSession): Promise<"playing" | "failed" | "redirect"> {
    const client = this.#client!;
    session.holdAfterStart();
    let result;
    try {
      result = await client.pump(() => session.playing);
    } catch (err) {
      if (!session.playing) {
        this.#logPumpFailure(session, err);
        return "failed";
      }
      // librtmp reads one packet at a time, so what follows Play.Start in the same read fails
      // in Download, after the media before it were written.
      this.#carried = err;
      return "playing";
    }
    if (result === "done") return "playing";
    if (session.closeReason === "redirect" && session.redirect !== undefined) return "redirect";
    if (result === "eof") await this.#logEndOfStream(client, session);
    return "failed";
  }

  /** A read before play started failed: librtmp's lines for it. */
  #logPumpFailure(session: ClientSession, err: unknown): void {
    if (err instanceof TimeoutError) {
      session.logReadEnd("timeout");
      this.#log(LogLevel.Error, session.readFailure());
    } else {
      this.#log(LogLevel.Error, `RTMP_ReadPacket, ${oneLine(err)}`);
    }
  }

  /**
   * The connection ended before play started: librtmp closes the stream (deleteStream), then
   * reports the failed read.
   */
  async #logEndOfStream(client: RtmpClient, session: ClientSession): Promise<void> {
    session.logReadEnd("closed");
    session.close();
    await client.flush().catch(() => {});
    this.#log(LogLevel.Error, session.readFailure());
  }

  /**
   * Points the connection at a redirect target; false when it cannot be used. The credentials
   * go along only to the server the download first connected to (see
   * {@linkcode redirectSession}); once left out, they stay out for every later hop.
   */
  #followRedirect(url: string): boolean {
    const target = resolveRedirect(url, this.#sessionOptions.app);
    if (target === undefined) return false;
    const { protocol, host, port } = target;
    const handshake = redirectHandshake(this.#target, protocol);
    this.#target = { ...this.#target, protocol, host, port, handshake };
    // Protection is judged by what the connections do: RTMPE asked for over rtmp:// counts.
    const next = redirectSession(
      this.#sessionOptions,
      protectedEndpoint(this.#o.connection),
      protectedEndpoint({ ...target, handshake }),
    );
    this.#sessionOptions = next.options;
    this.#events.redirected?.(url);
    if (next.withheld.length > 0) {
      this.#log(
        LogLevel.Info,
        `Not sending the credentials (${next.withheld.join(", ")}) to ${host}: they were ` +
          `given for another server or a protected connection`,
      );
    }
    return true;
  }

  /** rtmpdump's RTMP_ToggleStream: pause, a second's wait, unpause. False when interrupted. */
  async #toggle(): Promise<boolean> {
    const session = this.#session!;
    session.pauseForToggle();
    await this.#client!.flush().catch(() => {});
    await this.#sleep(TOGGLE_PAUSE_MS);
    if (this.#interrupted) return false;
    session.unpauseAfterToggle();
    await this.#client!.flush().catch(() => {});
    return true;
  }

  /**
   * rtmpdump's RTMP_ReconnectStream on the same connection (deleteStream, createStream, play),
   * continued by matching the file's last tags. Resolves to a failure status, or undefined once
   * play started again.
   */
  async #reconnectStream(): Promise<DownloadStatus | undefined> {
    const session = this.#session!;
    const client = this.#client!;
    session.reconnectStream(this.#continueFrom());
    await client.flush().catch(() => {});
    session.holdAfterStart();
    try {
      const result = await client.pump(() => session.playing);
      if (result !== "done") {
        if (result === "eof") await this.#logEndOfStream(client, session);
        return "failed";
      }
    } catch (err) {
      if (!session.playing) {
        this.#logPumpFailure(session, err);
        return err instanceof TimeoutError ? "incomplete" : "failed";
      }
      this.#carried = err;
    }
    return undefined;
  }

  /**
   * Sets up the continuation of the recording on a new play and returns where that play starts:
   * a recorded stream from the last resume point written (`from` overrides it), a live stream
   * where the server is.
   */
  #continueFrom(from?: number): number {
    if (this.#o.live) {
      this.#continueLive();
      return 0;
    }
    return this.#recording.continueRecorded(this.#seekMs, from);
  }

  /** A live recording that goes on when its publisher leaves and returns. */
  #waitsForPublisher(): boolean {
    return this.#o.live && (this.#o.reconnect?.attempts ?? 0) > 0;
  }

  /** The publisher left (or a new one started over): what comes next joins the recording. */
  #publisherLeft(): void {
    if (this.#recording.joiningLive) return; // already waiting
    this.#continueLive();
  }

  #continueLive(): void {
    if (this.#offlineSince === 0) this.#offlineSince = this.#now();
    this.#lastLiveTimestamp = -1;
    this.#recording.continueLive((joined) => {
      this.#events.gap?.({
        lastTimestampMs: joined.lastTimestamp,
        resumedTimestampMs: joined.resumedTimestamp,
        offlineMs: Math.max(0, this.#now() - this.#offlineSince),
      });
      this.#offlineSince = 0;
    });
  }

  /** Plays again from the start on a new connection, continuing the file. False on failure. */
  async #replay(): Promise<boolean> {
    await this.#closeClient();
    const session = this.#newSession(this.#continueFrom(0));
    try {
      await this.#connect(session);
    } catch (err) {
      this.#log(LogLevel.Error, oneLine(err));
      return false;
    }
    return (await this.#waitForPlay(session)) === "playing";
  }

  /** A full reconnect after a drop: wait, new connection, play, continue the recording. */
  async #reconnect(end: PassEnd, attempt: number): Promise<"playing" | "failed" | "interrupted"> {
    const policy = this.#o.reconnect!;
    const base = policy.delayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const delayMs = Math.min(
      base * 2 ** (attempt - 1),
      policy.maxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS,
    );
    if (this.#o.live && this.#offlineSince === 0) this.#offlineSince = this.#now();
    this.#events.reconnecting?.({
      attempt,
      attempts: policy.attempts,
      delayMs,
      reason: describeEnd(end),
    });
    await this.#closeClient();
    await this.#sleep(delayMs);
    if (this.#interrupted) return "interrupted";
    const session = this.#newSession(this.#continueFrom());
    try {
      await this.#connect(session);
    } catch (err) {
      this.#log(LogLevel.Error, oneLine(err));
      return this.#interrupted ? "interrupted" : "failed";
    }
    const started = await this.#waitForPlay(session);
    if (this.#interrupted) return "interrupted";
    return started === "playing" ? "playing" : "failed";
  }

  async #closeClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  /** play's start for the first connection. */
  #playStart(): number {
    return this.#seekMs > 0 ? this.#seekMs : this.#o.playStartMs ?? 0;
  }

  #newSession(seekMs: number): ClientSession {
    const o = this.#o;
    const session: ClientSession = new ClientSession({
      ...this.#sessionOptions,
      seekMs,
      stopMs: o.playStopMs ?? 0,
      bufferMs: this.#bufferMs,
      endOnUnpublish: !this.#waitsForPublisher(),
      log: this.#log,
      decoder: o.decoder,
    }, {
      onMedia: (message) => {
        if (session === this.#session) this.#onMedia(message);
      },
      onStatus: (code) => {
        if (session !== this.#session) return;
        this.#lastStatus = code;
        // A publisher that stops: the recording waits on this connection for it to return.
        if (code === "NetStream.Play.UnpublishNotify" && this.#waitsForPublisher()) {
          this.#publisherLeft();
        }
      },
      onStreamEvent: (event) => {
        // nginx-rtmp tells players of a live stream only this when the publisher leaves.
        if (session === this.#session && event === STREAM_EOF && this.#waitsForPublisher()) {
          this.#publisherLeft();
        }
      },
    });
    return session;
  }

  #percent(): number {
    return this.#duration > 0 ? computePercent(this.#timestamp(), this.#duration) : 0;
  }

  /** librtmp's read timestamp: what progress and the percentage are measured by. */
  #timestamp(): number {
    if (this.#o.live) return this.#recording.recorderTimestamp;
    const last = this.#recording.lastWritten;
    return last >= 0 ? last : this.#seekMs;
  }

  /**
   * Whether progress follows every tag, held back or not: a download from --start that is not
   * a resume (librtmp buffers no header block then).
   */
  #countsHeldTags(): boolean {
    return this.#startsAtSeek && this.#resume === undefined;
  }

  #position(): DownloadPosition {
    const bytes = this.#countsHeldTags() ? this.#recording.bytesRecorded : this.#output.size;
    return { bytes, timestampMs: this.#timestamp(), duration: this.#duration };
  }

  #outcome(status: DownloadStatus, reason: DownloadEndReason, error?: unknown): DownloadOutcome {
    return {
      status,
      reason,
      error,
      percent: this.#percent(),
      lastStatus: this.#lastStatus,
      ...this.#position(),
    };
  }
}

function isAudioVideo(typeId: number): boolean {
  return typeId === 8 || typeId === 9;
}

/**
 * A write that failed because the peer reset the connection. (node:net's EPIPE also means the
 * peer merely closed its side, and a reset there fails the read first: it is not counted.)
 */
function isResetError(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === "BrokenPipe" || e?.name === "ConnectionReset" || e?.code === "ECONNRESET" ||
    e?.code === "EPIPE";
}

function describeEnd(end: PassEnd): string {
  switch (end) {
    case "eof":
      return "the server closed the connection";
    case "transport-error":
      return "the connection broke";
    case "protocol-error":
      return "the server sent a stream that was refused";
    case "timeout":
      return "no data arrived within the timeout";
    case "complete":
      return "the stream ended";
    default:
      return end;
  }
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}
