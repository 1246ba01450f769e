/**
 * The downloader command: rtmpdump 2.4's messages and exit codes around the engine's
 * {@linkcode Downloader}. It opens the output (before connecting, as rtmpdump does), turns the
 * downloader's events into rtmpdump's stderr lines and its outcome into the exit code (0
 * complete, 1 failed, 2 incomplete, 3 could not connect), and handles the signals.
 *
 * Deviations from rtmpdump, each on purpose: a second signal exits at once (rtmpdump ignores it
 * and can hang); the connect has a timeout (rtmpdump waits for the OS); IPv6 works; `--resume`
 * continues files by matching their last tags in the stream, whatever timestamps the server
 * uses, and starts afresh on an empty file; `--reconnect N` reconnects dropped streams; the
 * README lists the rest ("Where rtmpkit differs from rtmpdump").
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import { MAX_CSID, MIN_CSID } from "../chunk/mod.ts";
import type { DownloadOutcome, DownloadStart } from "../download/download_events.ts";
import type { ResumeFile } from "../download/download_output.ts";
import { Downloader } from "../download/downloader.ts";
import { ConnectionFailure } from "../download/open_connection.ts";
import { LogLevel, sinkAt } from "../session/log.ts";
import type { SwfInfo } from "../swf/swf_hash.ts";
import { isEncrypted } from "../../transports/stack.ts";
import { PROTOCOL_FAILURE_CODE } from "../../transports/dial_deadline.ts";
import { ConnectError, TimeoutError } from "../../transports/transport_error.ts";
import { describeFileError } from "./describe_file_error.ts";
import { missingPermission } from "./missing_permission.ts";
import type { DownloadOptions } from "./download_options.ts";
import type { Logger } from "./logger.ts";
import { formatMetadata } from "./metadata_dump.ts";
import { OutputSink } from "./output_sink.ts";
import { type ByteWriter, io, type ResumableFile, type StopSignal } from "./runtime_io.ts";
import { ExitCode } from "./exit_code.ts";
import { formatFixed } from "./format_fixed.ts";
import {
  ALREADY_COMPLETED,
  CONNECTING,
  DOWNLOAD_COMPLETE,
  formatAlreadyCompletedAt,
  formatCaughtSignal,
  formatCouldntResume,
  formatDownloadIncomplete,
  formatFailedToOpen,
  formatForDuration,
  Progress,
  REALTIME_NOTE,
  STARTING_LIVE_STREAM,
} from "./progress.ts";

/** Signals that stop a download (rtmpdump's set, minus SIGPIPE which the runtime handles). */
const STOP_SIGNALS: [StopSignal, number][] = [
  ["SIGINT", 2],
  ["SIGTERM", 15],
  ["SIGHUP", 1],
  ["SIGQUIT", 3],
];

/** Runs a download with parsed options; resolves to the exit code. */
export async function runDownload(options: DownloadOptions, log: Logger): Promise<number> {
  const stop = new AbortController();
  let sink: OutputSink | undefined;
  // Installed first: a signal during the SWF fetch is caught and ends it, as in rtmpdump.
  const removeSignals = installSignals(log, stop, () => sink);
  let file: ByteWriter | undefined;
  try {
    // rtmpdump hashes the SWF before it opens the output and connects. SWF verification and
    // SecureToken are loaded only for the downloads that use them (a plain download starts
    // faster without their modules).
    const usesSwf = options.swfVfy || options.swfHash !== undefined;
    const swfModules = usesSwf
      ? await Promise.all([import("./download_swf_info.ts"), import("../swf/swf_verification.ts")])
      : undefined;
    const swfInfo = swfModules &&
      await swfModules[0].downloadSwfInfo(options, log, io.env("HOME"), {
        fetch: { signal: stop.signal },
      });
    if (stop.signal.aborted) return ExitCode.INCOMPLETE;
    const swf: SwfAnswers | undefined = swfInfo && {
      info: swfInfo,
      respond: (key) => swfModules![1].swfVerificationResponse(swfInfo, key),
    };
    const decodeSecureToken = options.token === undefined
      ? undefined
      : (await import("../auth/secure_token.ts")).decodeSecureToken;
    let resumable: ResumableFile | undefined;
    if (options.outputIsStdout) {
      file = io.stdout;
    } else {
      // Opened (created) before connecting, as rtmpdump does: callers find the file even when
      // the connection fails.
      try {
        file = options.resume
          ? resumable = io.openResumable(options.output)
          : io.openOutput(options.output);
      } catch (err) {
        log.printf(formatFailedToOpen(options.output));
        log.log(
          LogLevel.Error,
          `Cannot open ${options.output}: ${describeFileError(err, options.output)}`,
        );
        return ExitCode.FAILED;
      }
    }
    // On stdout rtmpdump counts from ftello(stdout): −1 on a pipe or a terminal (its byte
    // counter is one byte short there), 0 on /dev/null, the offset in a file; scripts compare
    // its messages, so we show the same numbers.
    const initialSize = options.outputIsStdout ? io.stdoutPosition() : resumable?.size ?? 0;
    const output = new OutputSink(file, initialSize);
    sink = output;
    let resume: { file: ResumeFile; skip: number } | undefined;
    if (resumable !== undefined) {
      const source = resumable;
      resume = {
        skip: options.skipFrames,
        file: {
          get size() {
            return source.size;
          },
          read: (offset, length) => source.read(offset, length),
          truncate(length) {
            source.truncate(length);
            output.resetTo(length);
          },
        },
      };
    }
    let code: number = ExitCode.FAILED;
    await download(options, swf, decodeSecureToken, log, output, resume, stop.signal, (outcome) => {
      code = report(outcome, options, log, stop.signal.aborted);
      log.debug("Closing connection.\n");
    });
    return code;
  } finally {
    removeSignals();
    try {
      file?.close();
    } catch { /* already reported */ }
  }
}

function installSignals(
  log: Logger,
  stop: AbortController,
  sink: () => OutputSink | undefined,
): () => void {
  const removers: (() => void)[] = [];
  for (const [name, number] of STOP_SIGNALS) {
    const handler = () => {
      if (stop.signal.aborted) {
        // A second signal: keep what is whole and leave now.
        try {
          sink()?.flush();
        } catch { /* nothing more to save */ }
        io.exit(ExitCode.INCOMPLETE);
      }
      log.printf(formatCaughtSignal(number));
      stop.abort();
    };
    removers.push(io.onSignal(name, handler));
  }
  return () => {
    for (const remove of removers) remove();
  };
}

/** The SWF data to verify with and the answer to a server's verification request. */
interface SwfAnswers {
  info: SwfInfo;
  respond: (key: Uint8Array) => Promise<Uint8Array>;
}

/** Runs the engine's downloader with rtmpdump's settings, printing its events. */
function download(
  options: DownloadOptions,
  swf: SwfAnswers | undefined,
  decodeSecureToken: ((challenge: string, key: string) => Uint8Array) | undefined,
  log: Logger,
  output: OutputSink,
  resume: { file: ResumeFile; skip: number } | undefined,
  signal: AbortSignal,
  finished: (outcome: DownloadOutcome) => void,
): Promise<DownloadOutcome> {
  let progress = new Progress(log, { hashes: options.hashes });
  const downloader = new Downloader({
    connection: {
      protocol: options.protocol,
      host: options.host,
      port: options.port,
      socks: options.socks,
      proxy: options.proxy,
      tls: { caFile: options.tlsCaFile, insecure: options.tlsInsecure },
      connectTimeoutMs: Math.max(options.timeoutSec, 1) * 1000,
      receiveTimeoutMs: options.timeoutSec * 1000,
      handshake: isEncrypted(options.protocol) ? "rtmpe" : swf ? "fp9" : "plain",
      swfVerification: swf?.respond,
      rtmpeType: options.rtmpeType,
    },
    session: {
      app: options.app,
      tcUrl: options.tcUrl,
      swfUrl: options.swfUrl,
      pageUrl: options.pageUrl,
      flashVer: options.flashVer,
      auth: options.auth,
      conn: options.conn,
      playpath: options.playpath,
      live: options.linkLive,
      subscribe: options.subscribe,
      playlist: options.playlist,
      bufx: options.bufx,
      usherToken: options.jtv,
      secureToken: options.token === undefined
        ? undefined
        : (challenge: string) =>
          secureTokenAnswer(decodeSecureToken!, challenge, options.token!, log),
      logDescriptor: socketDescriptor(options),
    },
    live: options.live,
    startMs: options.startMs,
    stopMs: options.stopMs,
    playStartMs: options.linkStartMs,
    playStopMs: options.linkStopMs,
    bufferMs: options.bufferMs,
    bufferOverridden: options.bufferOverridden,
    output,
    resume,
    reconnect: options.reconnect > 0 ? { attempts: options.reconnect } : undefined,
    log: sinkAt(log.level, (level, message) => log.log(level, message)),
    decoder: {
      // The output sink copies every piece at once, so payloads need not outlive the callback.
      transientPayloads: true,
      // librtmp keeps state for any chunk stream id, so a server may use them all; the memory
      // stays bounded by the decoder's bytes-in-flight limit and the size of the id space.
      maxChunkStreams: MAX_CSID - MIN_CSID + 1,
    },
    events: {
      connecting: () => log.printf(CONNECTING),
      connected: () => log.log(LogLevel.Info, "Connected..."),
      redirected: (url) => log.log(LogLevel.Info, `Redirected to ${url}`),
      alreadyComplete: (kind, position) => {
        log.printf(
          kind === "stop"
            ? ALREADY_COMPLETED
            : formatAlreadyCompletedAt(position.timestampMs, position.duration),
        );
      },
      started: (start) => {
        progress = new Progress(log, { hashes: options.hashes });
        printStart(start, options, log, progress);
      },
      metadata: (values: AmfValue[]) => {
        log.log(LogLevel.Info, "Metadata:");
        for (const line of formatMetadata(values)) log.log(LogLevel.Info, line);
      },
      progress: (p) => progress.update(p.bytes, p.timestampMs, p.duration),
      stopped: (p) => progress.finish(p.bytes, p.timestampMs, p.duration),
      timedOut: () => log.log(LogLevel.Info, "Connection timed out, trying to resume.\n\n"),
      recoveryFailed: () => log.log(LogLevel.Error, "Failed to resume the stream\n\n"),
      reconnecting: (r) =>
        log.log(
          LogLevel.Info,
          `Stream lost (${r.reason}), reconnecting in ${formatFixed(r.delayMs / 1000, 1)} s ` +
            `(attempt ${r.attempt} of ${r.attempts})`,
        ),
      finished,
      gap: (g) =>
        log.log(
          LogLevel.Info,
          `Stream back after ${formatFixed(g.offlineMs / 1000, 1)} s: recording goes on at ` +
            `${formatFixed(g.resumedTimestampMs / 1000, 3)} sec (gap after ` +
            `${formatFixed(g.lastTimestampMs / 1000, 3)} sec)`,
        ),
    },
  });
  return downloader.run(signal);
}

/** The descriptor a process's first open() gets (after stdin, stdout and stderr). */
const FIRST_FREE_DESCRIPTOR = 3;

/**
 * The socket's descriptor number in rtmpdump, which its packet dumps show (`fd=N`): the first
 * free one after stdin, stdout, stderr and the output file it opened before connecting.
 */
function socketDescriptor(options: DownloadOptions): number {
  return options.outputIsStdout ? FIRST_FREE_DESCRIPTOR : FIRST_FREE_DESCRIPTOR + 1;
}

/** rtmpdump's start of Download(): the start line, the realtime note, the duration line. */
function printStart(
  start: DownloadStart,
  options: DownloadOptions,
  log: Logger,
  progress: Progress,
): void {
  if (options.live) {
    if (!start.resumed) log.printf(STARTING_LIVE_STREAM);
  } else {
    progress.start(start.resumed, start.bytes, start.seekMs, start.duration);
    if (options.realtime) log.printf(REALTIME_NOTE);
  }
  if (options.stopMs > 0) log.printf(formatForDuration(options.stopMs, start.seekMs));
}

/**
 * Prints the outcome as rtmpdump does and returns its exit code. `interrupted`: a signal stopped
 * the download.
 */
function report(
  outcome: DownloadOutcome,
  options: DownloadOptions,
  log: Logger,
  interrupted: boolean,
): number {
  switch (outcome.status) {
    case "complete":
      log.printf(DOWNLOAD_COMPLETE);
      return ExitCode.SUCCESS;
    case "incomplete":
      log.printf(formatDownloadIncomplete(outcome.percent));
      return ExitCode.INCOMPLETE;
    case "no-connect":
      return reportConnectFailure(outcome.error, options, log, interrupted);
    case "failed":
      if (outcome.reason === "write") {
        // rtmpdump's line as it prints it, then why in words (a full disk, a closed pipe).
        log.log(LogLevel.Error, "Download: Failed writing, exiting!");
        const target = options.outputIsStdout ? "stdout" : options.output;
        log.log(
          LogLevel.Error,
          `Cannot write to ${target}: ${describeFileError(outcome.error, target)}`,
        );
      } else if (outcome.reason === "resume-mismatch") {
        log.printf(formatCouldntResume(options.skipFrames));
      } else if (outcome.reason === "resume-file") {
        log.log(LogLevel.Error, oneLine(outcome.error));
      }
      return ExitCode.FAILED;
  }
}

/** The lines librtmp's RTMP_Connect logs for a failed connection, and the exit code. */
function reportConnectFailure(
  err: unknown,
  options: DownloadOptions,
  log: Logger,
  interrupted: boolean,
): number {
  const refused = missingPermission(err);
  if (refused !== undefined) {
    // Run without network access: a bad invocation, not a server that cannot be reached.
    log.log(LogLevel.Error, refused);
    return ExitCode.FAILED;
  }
  const failure = err instanceof ConnectionFailure ? err : undefined;
  const cause = failure ? failure.cause : err;
  if (cause instanceof TypeError) {
    // Settings the stack cannot use (an unreadable --tlsCa file).
    log.log(LogLevel.Error, cause.message);
    return ExitCode.FAILED;
  }
  // A proxy or TLS failure has no rtmpdump wording: its own line says which layer failed.
  const layered = cause instanceof ConnectError &&
    (cause.code === PROTOCOL_FAILURE_CODE || options.socks !== undefined ||
      options.proxy !== undefined);
  if (layered) {
    log.log(LogLevel.Error, cause.message);
    return ExitCode.NO_CONNECT;
  }
  if (cause instanceof TimeoutError || (interrupted && failure?.stage === "handshake")) {
    // A signal during the handshake is no fault of the peer's: rtmpdump's line only.
    log.log(LogLevel.Error, "RTMP_Connect1, handshake failed.");
  } else if (failure?.stage === "handshake" && !(cause instanceof ConnectError)) {
    log.log(LogLevel.Error, oneLine(cause));
    log.log(LogLevel.Error, "RTMP_Connect1, handshake failed.");
  } else {
    reportSocketError(cause, options, log);
  }
  return ExitCode.NO_CONNECT;
}

/** errno numbers for the connect failures rtmpdump reports as `N (text)`. */
const ERRNO: Record<string, [number, string]> = {
  ECONNREFUSED: [111, "Connection refused"],
  ConnectionRefused: [111, "Connection refused"],
  ETIMEDOUT: [110, "Connection timed out"],
  TimedOut: [110, "Connection timed out"],
  EHOSTUNREACH: [113, "No route to host"],
  ENETUNREACH: [101, "Network is unreachable"],
  ConnectionReset: [104, "Connection reset by peer"],
  ECONNRESET: [104, "Connection reset by peer"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
};

function reportSocketError(err: unknown, options: DownloadOptions, log: Logger): void {
  const cause = (err as { cause?: unknown }).cause as
    | { code?: string; name?: string; message?: string }
    | undefined;
  const key = (err instanceof ConnectError ? err.code : undefined) ?? cause?.code ?? cause?.name ??
    "";
  const message = String(cause?.message ?? (err as Error).message ?? err);
  if (
    key === "ENOTFOUND" || key === "EAI_AGAIN" || key === "NotFound" ||
    /failed to lookup|getaddrinfo|Name or service not known|dns/i.test(message)
  ) {
    log.log(LogLevel.Error, `Problem accessing the DNS. (addr: ${options.host})`);
    return;
  }
  const known = ERRNO[key] ?? Object.values(ERRNO).find(([, text]) => message.includes(text));
  if (known) {
    log.log(LogLevel.Error, `RTMP_Connect0, failed to connect socket. ${known[0]} (${known[1]})`);
  } else {
    // No errno rtmpdump would print (an RTMPT session refused, …): the layer's own sentence.
    log.log(LogLevel.Error, oneLine(err));
  }
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}

/**
 * The `secureTokenResponse` bytes for a server's challenge and the `--token` key (librtmp's
 * DecodeTEA); undefined (nothing sent, one error line) when the challenge is not hex.
 */
function secureTokenAnswer(
  decode: (challenge: string, key: string) => Uint8Array,
  challenge: string,
  key: string,
  log: Logger,
): Uint8Array | undefined {
  try {
    return decode(challenge, key);
  } catch (err) {
    log.log(LogLevel.Error, (err as Error).message);
    return undefined;
  }
}
