/**
 * The downloader: rtmpdump 2.4's main() and Download() as one engine object. It connects, plays,
 * records FLV exactly as RTMP_Read writes it, recovers the way rtmpdump does (a receive timeout
 * toggles the stream, then reconnects it once), and goes beyond it where rtmpdump gives up: it
 * resumes files by matching their last tags in the stream, reconnects dropped streams
 * (`reconnect`), follows redirects, and enforces `stopMs` itself.
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

import type { AmfValue } from "../amf/types.ts";
import type { ChunkDecoderOptions } from "../chunk/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { FlvError } from "../flv/flv_error.ts";
import { FLV_TAG_HEADER_SIZE, readFlvTagDataSize, readFlvTagTimestamp } from "../flv/mod.ts";
import { ClientSession, type ClientSessionOptions, PauseState } from "../session/client_session.ts";
import { FlvRecorder } from "../session/flv_recorder.ts";
import { LogLevel, type LogSink, silentLog } from "../session/log.ts";
import type { RtmpClient } from "../session/rtmp_client.ts";
import { parseRtmpUrl } from "../url/parse_rtmp_url.ts";
import { defaultPort } from "../url/protocol.ts";
import { ConnectError, TimeoutError } from "../../transports/transport_error.ts";
import type { Continuation, ReceivedTag } from "./continuation.ts";
import { COMPLETE_PERCENT, computePercent } from "./download_percent.ts";
import type {
  DownloadEndReason,
  DownloaderEvents,
  DownloadOutcome,
  DownloadPosition,
  DownloadStatus,
} from "./download_events.ts";
import type { DownloadOutput, ResumeFile } from "./download_output.ts";
import { LiveJoin } from "./live_join.ts";
import {
  ConnectionFailure,
  type ConnectionOpener,
  type ConnectionTarget,
  openConnection,
} from "./open_connection.ts";
import { RecordingTail } from "./recording_tail.ts";
import { planResume, type ResumePlan } from "./resume_plan.ts";
import { StreamSplice } from "./stream_splice.ts";

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
  /** Redirects followed at most (NetConnection.Connect.Rejected with ex.redirect). Default 5. */
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
export const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_RECONNECT_DELAY_MS = 1000;
const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** A live stream whose timestamps jump back by more than this started over (a new publisher). */
const LIVE_RESTART_JUMP_MS = 1000;
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

/** A failure of the download that ends it with an outcome. */
class DownloadEnd {
  constructor(readonly status: DownloadStatus, readonly reason: DownloadEndReason) {}
}

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
  #target: ConnectionTarget;
  #sessionOptions: DownloadSessionOptions;

  #recorder!: FlvRecorder;
  #tail = new RecordingTail();
  #continuation: Continuation | undefined;
  /** Pieces the recorder produced for the current message while a continuation is active. */
  #collected: Uint8Array[] = [];
  #restartRequested = false;
  #client: RtmpClient | undefined;
  #session: ClientSession | undefined;
  #interrupted = false;
  #wake: (() => void) | undefined;

  #resume: ResumePlan | undefined;
  /** Truncates the resumed file before the first new byte (once). */
  #beforeFirstWrite: (() => void) | undefined;
  #duration = 0;
  #bufferMs: number;
  /** rtmpdump's dSeek: the start or resume point, then the pause point of a recovery. */
  #seekMs: number;
  #stopMs: number;
  #stopReached = false;
  #writeError: unknown;
  #afterWrite: () => void = () => {};
  #firstWrite = true;
  #lastStatus: string | undefined;
  /** Timestamp of the last tag written, in file time (-1 before any). */
  #lastWritten = -1;
  #offlineSince = 0;
  /** Pieces handed to the output. */
  #piecesWritten = 0;
  /** The last audio/video message timestamp of a live stream, as the server sent it. */
  #lastLiveTimestamp = -1;

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
    this.#stopMs = options.stopMs ?? 0;
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
    try {
      return await this.#run();
    } catch (err) {
      if (err instanceof DownloadEnd) return this.#outcome(err.status, err.reason);
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await this.#client?.close();
    }
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
      const file = o.resume.file;
      const plan = this.#resume;
      if (plan === undefined) {
        if (file.size > 0) this.#beforeFirstWrite = () => file.truncate(0);
      } else {
        this.#seekMs = plan.seekMs;
        this.#duration = plan.duration;
        this.#tail = RecordingTail.fromFile(plan.tags, plan.audioOnly);
        this.#lastWritten = plan.tags[plan.tags.length - 1].timestamp;
        this.#beforeFirstWrite = () => file.truncate(plan.keepLength);
      }
    }
    this.#recorder = this.#newRecorder();
    if (this.#resume) {
      // The stream's own timestamps go to the splice; the offset is known once it matched.
      this.#continuation = new StreamSplice(this.#resume.tags, this.#seekMs);
      this.#recorder.timestampOffset = 0;
    }

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
        if (++redirects > limit || !this.#followRedirect(session.redirect!)) {
          this.#log(LogLevel.Error, `Too many redirects (${limit}) or an unusable target`);
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
      this.#events.started?.({
        ...position,
        timestampMs: this.#seekMs,
        live: o.live,
        resumed,
        seekMs: this.#seekMs,
      });
      const end = await this.#readPass();
      const finished = end !== "timeout" || o.live;
      if (end === "write-error") return this.#outcome("failed", "write", this.#writeError);
      try {
        if (finished && end !== "restart" && !this.#canReconnect(end, attempt)) {
          this.#recorder.finish((p) => this.#output.push(p));
        }
        await this.#output.flush();
      } catch (err) {
        return this.#outcome("failed", "write", err);
      }
      if (this.#duration <= 0) this.#duration = this.#recorder.duration;
      this.#events.stopped?.(this.#position());

      if (end === "restart") {
        // The server started past what the file has: play it again from the start.
        if (!(await this.#replay(0))) return this.#outcome("failed", "resume-mismatch");
        resumed = true;
        continue;
      }
      if (this.#continuation instanceof StreamSplice && end !== "interrupted") {
        if (end !== "timeout") return this.#outcome("failed", "resume-mismatch");
      }
      if (end === "timeout" && !o.live && !this.#interrupted) {
        // rtmpdump's recovery: toggle the stream, then reconnect it once.
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
    const output = this.#output;
    this.#firstWrite = true;
    this.#afterWrite = () => {
      if (this.#duration <= 0) this.#duration = this.#recorder.duration;
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
    };
    const flushIfDue = async () => {
      try {
        await output.flushIfDue();
      } catch (err) {
        this.#writeError = err;
        throw err;
      }
    };
    let end: PassEnd;
    try {
      session.releaseMedia();
      const carried = this.#carried;
      this.#carried = undefined;
      if (carried !== undefined) throw carried;
      const result = await client.pump(
        () => this.#interrupted || this.#stopReached || this.#restartRequested,
        flushIfDue,
      );
      if (this.#writeError !== undefined) return "write-error";
      if (this.#restartRequested) return "restart";
      if (this.#stopReached) return "stop";
      if (this.#interrupted) end = "interrupted";
      else if (result === "eof") end = await this.#closeAfterEnd(client, session);
      else end = "complete";
    } catch (err) {
      if (this.#writeError !== undefined) return "write-error";
      if (err instanceof TimeoutError) end = "timeout";
      else if (this.#interrupted) end = "interrupted";
      else if (client.failedIn === "session") {
        this.#log(LogLevel.Error, `RTMP_ReadPacket, ${oneLine(err)}`);
        return "protocol-error";
      } else end = "transport-error";
    }
    // Why the stream stopped, as RTMP_ReadPacket logs it.
    if (end !== "complete") this.#log(LogLevel.Error, readFailure(session));
    return end;
  }

  /**
   * The connection ended: close the stream there (deleteStream), as librtmp does on a failed
   * read. When that write fails the connection was reset, not closed, and the download is
   * incomplete (rtmpdump gets SIGPIPE there and stops as after a Ctrl-C).
   */
  async #closeAfterEnd(client: RtmpClient, session: ClientSession): Promise<PassEnd> {
    session.close();
    try {
      await client.flush();
    } catch (err) {
      if (isResetError(err)) return "transport-error";
    }
    return "eof";
  }

  /** A failure in the read that also started play: it belongs to the first pass. */
  #carried: unknown;

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
    session.holdMedia();
    let result;
    try {
      result = await client.pump(() => session.playing);
    } catch (err) {
      if (!session.playing) {
        this.#log(
          LogLevel.Error,
          err instanceof TimeoutError ? readFailure(session) : `RTMP_ReadPacket, ${oneLine(err)}`,
        );
        return "failed";
      }
      // librtmp reads one packet at a time, so what follows Play.Start in the same read fails
      // in Download, after the media before it were written.
      this.#carried = err;
      return "playing";
    }
    if (result === "done") return "playing";
    if (session.closeReason === "redirect" && session.redirect !== undefined) return "redirect";
    if (result === "eof") this.#log(LogLevel.Error, readFailure(session));
    return "failed";
  }

  /** Points the connection at a redirect target; false when it cannot be used. */
  #followRedirect(url: string): boolean {
    let parsed;
    try {
      parsed = parseRtmpUrl(url);
    } catch {
      return false;
    }
    if (!parsed.host) return false;
    const port = parsed.port || defaultPort(parsed.protocol);
    this.#target = { ...this.#target, protocol: parsed.protocol, host: parsed.host, port };
    // The target is the new tcUrl; its path is the application.
    const app = parsed.playpath ? `${parsed.app}/${parsed.playpath}` : parsed.app;
    this.#sessionOptions = {
      ...this.#sessionOptions,
      app: app || this.#sessionOptions.app,
      tcUrl: url,
    };
    this.#events.redirected?.(url);
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
    const from = this.#continueFrom();
    session.reconnectStream(from);
    await client.flush().catch(() => {});
    session.holdMedia();
    try {
      const result = await client.pump(() => session.playing);
      if (result !== "done") {
        if (result === "eof") this.#log(LogLevel.Error, readFailure(session));
        return "failed";
      }
    } catch (err) {
      if (!session.playing) {
        this.#log(
          LogLevel.Error,
          err instanceof TimeoutError ? readFailure(session) : `RTMP_ReadPacket, ${oneLine(err)}`,
        );
        return err instanceof TimeoutError ? "incomplete" : "failed";
      }
      this.#carried = err;
    }
    return undefined;
  }

  /**
   * Sets up the continuation of the recording on a new play and returns where that play starts:
   * a recorded stream from the last resume point written (matched by content), a live stream
   * where the server is.
   */
  #continueFrom(seekOverride?: number): number {
    if (this.#o.live) {
      this.#startLiveJoin();
      return 0;
    }
    const tags = this.#tail.tags;
    if (!this.#hasWritten()) {
      // Nothing written yet: start over.
      this.#recorder = this.#newRecorder();
      this.#continuation = undefined;
      return this.#seekMs;
    }
    if (tags.length === 0) {
      // No resume point known: the stream goes on where it is, with its own timestamps.
      return this.#seekMs;
    }
    const from = seekOverride ?? tags[0].timestamp;
    this.#continuation = new StreamSplice(tags.slice(), from);
    this.#recorder.timestampOffset = 0;
    return from;
  }

  /** A live recording that goes on when its publisher leaves and returns. */
  #waitsForPublisher(): boolean {
    return this.#o.live && (this.#o.reconnect?.attempts ?? 0) > 0;
  }

  /** The publisher left (or a new one started over): what comes next joins the recording. */
  #publisherLeft(): void {
    if (this.#continuation instanceof LiveJoin) return; // already waiting
    if (this.#offlineSince === 0) this.#offlineSince = this.#now();
    this.#startLiveJoin();
  }

  #startLiveJoin(): void {
    if (!this.#hasWritten()) {
      this.#recorder = this.#newRecorder();
      this.#continuation = undefined;
      return;
    }
    this.#offlineSince = this.#offlineSince || this.#now();
    this.#lastLiveTimestamp = -1;
    this.#continuation = new LiveJoin(this.#tail, (joined) => {
      this.#events.gap?.({
        lastTimestampMs: joined.lastTimestamp,
        resumedTimestampMs: joined.resumedTimestamp,
        offlineMs: Math.max(0, this.#now() - this.#offlineSince),
      });
      this.#offlineSince = 0;
    });
    this.#recorder.timestampOffset = 0;
  }

  /** Plays again from `seekMs` on a new connection, continuing the file. False on failure. */
  async #replay(seekMs: number): Promise<boolean> {
    this.#restartRequested = false;
    await this.#closeClient();
    const from = this.#continueFrom(seekMs);
    const session = this.#newSession(from);
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
    const from = this.#continueFrom();
    const session = this.#newSession(from);
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
    const live = this.#sessionOptions.live ?? false;
    const session: ClientSession = new ClientSession({
      ...this.#sessionOptions,
      seekMs,
      stopMs: o.playStopMs ?? 0,
      bufferMs: this.#bufferMs,
      endOnUnpublish: !(live && (o.reconnect?.attempts ?? 0) > 0),
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

  #newRecorder(): FlvRecorder {
    const o = this.#o;
    return new FlvRecorder({
      resumeTimestamp: this.#seekMs,
      live: o.live,
      noHeader: this.#resume !== undefined,
      transientPayloads: o.decoder?.transientPayloads ?? false,
      onMetadata: (values: AmfValue[]) => this.#events.metadata?.(values),
      onTag: (type, timestamp, data) => {
        if (this.#continuation !== undefined) return;
        this.#lastWritten = timestamp;
        this.#tail.add(type, timestamp, data);
      },
    });
  }

  /** A media message from the current session. */
  #onMedia(message: RtmpMessage): void {
    const output = this.#output;
    const before = output.size;
    if (
      this.#waitsForPublisher() && this.#continuation === undefined && isAudioVideo(message.typeId)
    ) {
      // Timestamps that jump back: a new publisher started over without the server saying so.
      if (this.#lastLiveTimestamp - message.timestamp > LIVE_RESTART_JUMP_MS) this.#publisherLeft();
      this.#lastLiveTimestamp = message.timestamp;
    }
    const stopMs = this.#stopMs || this.#o.playStopMs || 0;
    if (stopMs > 0 && this.#continuation === undefined && isMediaOrAggregate(message.typeId)) {
      // --stop is enforced here too (nginx-rtmp ignores play's len).
      const at = (this.#recorder.timestampOffset + firstTimestamp(message)) >>> 0;
      if (at > stopMs) {
        this.#stopReached = true;
        return;
      }
    }
    const sink = this.#continuation === undefined ? this.#pushPiece : this.#collectPiece;
    try {
      this.#recorder.push(message, sink);
    } catch (err) {
      this.#collected = [];
      if (!(err instanceof FlvError)) {
        this.#writeError = err;
        throw err;
      }
      // An aggregate whose sub-tags overrun it: librtmp writes it through (a corrupt file) and
      // goes on; we drop that message and go on.
      this.#log(LogLevel.Error, oneLine(err));
      return;
    }
    if (this.#continuation !== undefined) {
      try {
        this.#continue();
      } catch (err) {
        this.#writeError = err;
        throw err;
      }
    }
    output.commit();
    if (output.size === before) return;
    // rtmpdump's first RTMP_Read returns the buffered header block together with the next
    // tag, so its first progress report comes one tag later.
    if (this.#firstWrite) this.#firstWrite = false;
    else this.#afterWrite();
  }

  /**
   * Whether the output holds anything of this recording (a resumed file, or tags written). If
   * not, a new stream is recorded from scratch (the header is still held back, if anything).
   */
  #hasWritten(): boolean {
    return this.#resume !== undefined || this.#piecesWritten > 0;
  }

  readonly #pushPiece = (piece: Uint8Array): void => {
    this.#piecesWritten++;
    if (this.#beforeFirstWrite) {
      const truncate = this.#beforeFirstWrite;
      this.#beforeFirstWrite = undefined;
      truncate();
    }
    this.#output.push(piece);
  };

  readonly #collectPiece = (piece: Uint8Array): void => {
    this.#collected.push(piece);
  };

  /** Offers the tags the recorder produced for one message to the continuation. */
  #continue(): void {
    const pieces = this.#collected;
    this.#collected = [];
    if (pieces.length === 0) return;
    const bytes = concat(pieces);
    let pos = 0;
    while (pos + FLV_TAG_HEADER_SIZE <= bytes.length) {
      const size = readFlvTagDataSize(bytes, pos);
      const end = pos + FLV_TAG_HEADER_SIZE + size + 4;
      const tag: ReceivedTag = {
        type: bytes[pos] & 0x1f,
        timestamp: readFlvTagTimestamp(bytes, pos),
        data: bytes.subarray(pos + FLV_TAG_HEADER_SIZE, pos + FLV_TAG_HEADER_SIZE + size),
        bytes: bytes.subarray(pos, end),
      };
      pos = end;
      const continuation = this.#continuation;
      if (continuation === undefined || continuation.offset !== undefined) {
        // Joined within this message: the rest goes through with the offset.
        this.#writeTag(tag, (tag.timestamp + this.#recorder.timestampOffset) >>> 0);
        continue;
      }
      const request = continuation.offer(tag, (t, timestamp) => this.#writeTag(t, timestamp));
      if (request === "restart") {
        this.#restartRequested = true;
        return;
      }
      if (continuation.offset !== undefined) {
        this.#recorder.timestampOffset = continuation.offset;
        this.#continuation = undefined;
      }
    }
  }

  /** Writes a tag the continuation let through, with `timestamp`. */
  #writeTag(tag: ReceivedTag, timestamp: number): void {
    const stopMs = this.#stopMs || this.#o.playStopMs || 0;
    if (stopMs > 0 && timestamp > stopMs && (tag.type === 8 || tag.type === 9)) {
      this.#stopReached = true;
      return;
    }
    const header = tag.bytes;
    header[4] = timestamp >>> 16;
    header[5] = timestamp >>> 8;
    header[6] = timestamp;
    header[7] = timestamp >>> 24;
    this.#pushPiece(tag.bytes);
    this.#lastWritten = timestamp;
    this.#tail.add(tag.type, timestamp, tag.data);
  }

  #percent(): number {
    return this.#duration > 0 ? computePercent(this.#timestamp(), this.#duration) : 0;
  }

  /** librtmp's read timestamp: what progress and the percentage are measured by. */
  #timestamp(): number {
    if (this.#o.live) return this.#recorder.timestamp;
    return this.#lastWritten >= 0 ? this.#lastWritten : this.#seekMs;
  }

  #position(): DownloadPosition {
    return { bytes: this.#output.size, timestampMs: this.#timestamp(), duration: this.#duration };
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

function isMediaOrAggregate(typeId: number): boolean {
  return typeId === 8 || typeId === 9 || typeId === 22;
}

/** A message's timestamp, or for an aggregate the first sub-tag's as it will be written. */
function firstTimestamp(message: RtmpMessage): number {
  return message.timestamp;
}

/**
 * A write that failed because the peer reset the connection. (node:net's EPIPE also means the
 * peer merely closed its side, and a reset there fails the read first: it is not counted.)
 */
function isResetError(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === "BrokenPipe" || e?.name === "ConnectionReset" || e?.code === "ECONNRESET";
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

/** librtmp's words for a read that got nothing (end of stream, timeout), by where it stopped. */
function readFailure(session: ClientSession): string {
  const length = session.bodyInProgress;
  return length < 0
    ? "RTMP_ReadPacket, failed to read RTMP packet header"
    : `RTMP_ReadPacket, failed to read RTMP packet body. len: ${length}`;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0].slice();
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of pieces) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
