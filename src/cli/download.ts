/**
 * The downloader: rtmpdump 2.4's main() and Download() on top of the engine. Connects, plays,
 * writes FLV exactly as RTMP_Read does, prints rtmpdump's progress and messages and returns its
 * exit codes (0 complete, 1 failed, 2 incomplete, 3 could not connect).
 *
 * Deviations from rtmpdump, each on purpose: a second signal exits at once (rtmpdump ignores it
 * and can hang); the connect has a timeout (rtmpdump waits for the OS); IPv6 works. A stream the
 * engine refuses (a chunk size of 0 or above 2^31-1, more than 64 MB of messages in flight) ends
 * the read with a one-line reason, the way any failed read ends it in rtmpdump, where rtmpdump
 * would misread what follows; an aggregate whose sub-tags overrun it is dropped, where rtmpdump
 * writes it through and corrupts the file; media after a reconnect of a timed-out stream are
 * recorded, where rtmpdump's Download ends without reading them.
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import { ClientSession } from "../session/client_session.ts";
import { MAX_CSID, MIN_CSID } from "../chunk/mod.ts";
import { FlvError } from "../flv/flv_error.ts";
import { FlvRecorder } from "../session/flv_recorder.ts";
import { LogLevel } from "../session/log.ts";
import { RtmpClient } from "../session/rtmp_client.ts";
import { isEncrypted, openTransport } from "../../transports/stack.ts";
import { ReadTimeoutTransport } from "../../transports/read_timeout.ts";
import {
  ConnectError,
  TimeoutError,
  UnsupportedTransportError,
} from "../../transports/transport_error.ts";
import type { Transport } from "../../transports/transport.ts";
import { type DownloadOptions, unsupportedFeature } from "./download_options.ts";
import type { Logger } from "./logger.ts";
import { formatMetadata } from "./metadata_dump.ts";
import { OutputSink } from "./output_sink.ts";
import { type ByteWriter, io, type StopSignal } from "./runtime_io.ts";
import { ExitCode } from "./exit_code.ts";
import {
  ALREADY_COMPLETED,
  CONNECTING,
  DOWNLOAD_COMPLETE,
  formatAlreadyCompletedAt,
  formatCaughtSignal,
  formatDownloadIncomplete,
  formatFailedToOpen,
  formatForDuration,
  isAlreadyComplete,
  Progress,
  REALTIME_NOTE,
  STARTING_LIVE_STREAM,
} from "./progress.ts";

const Exit = {
  Success: ExitCode.SUCCESS,
  Failed: ExitCode.FAILED,
  Incomplete: ExitCode.INCOMPLETE,
  NoConnect: ExitCode.NO_CONNECT,
} as const;

/** Signals that stop a download (rtmpdump's set, minus SIGPIPE which the runtime handles). */
const STOP_SIGNALS: [StopSignal, number][] = [
  ["SIGINT", 2],
  ["SIGTERM", 15],
  ["SIGHUP", 1],
  ["SIGQUIT", 3],
];

/** State shared between the download loop and the signal handler. */
interface Interrupt {
  requested: boolean;
  transport?: Transport;
  sink?: OutputSink;
  /** Ends a wait early (the pause of a stream toggle). */
  wake?: () => void;
}

/** Runs a download with parsed options; resolves to the exit code. */
export async function runDownload(options: DownloadOptions, log: Logger): Promise<number> {
  const unsupported = unsupportedFeature(options);
  if (unsupported) {
    log.log(LogLevel.Error, `${unsupported} is not supported yet`);
    return Exit.Failed;
  }

  const interrupt: Interrupt = { requested: false };
  const removeSignals = installSignals(interrupt, log);
  let file: ByteWriter | undefined;
  try {
    if (options.outputIsStdout) {
      file = io.stdout;
    } else {
      try {
        file = io.openOutput(options.output);
      } catch {
        log.printf(formatFailedToOpen(options.output));
        return Exit.Failed;
      }
    }
    // On stdout rtmpdump counts from ftello(stdout): −1 on a pipe, so its byte counter is one
    // byte short; scripts compare its messages, so we show the same numbers.
    const sink = new OutputSink(file, options.outputIsStdout ? io.stdoutPosition() : 0);
    interrupt.sink = sink;
    return await download(options, log, sink, interrupt);
  } finally {
    removeSignals();
    try {
      file?.close();
    } catch { /* already reported */ }
  }
}

function installSignals(interrupt: Interrupt, log: Logger): () => void {
  const removers: (() => void)[] = [];
  for (const [name, number] of STOP_SIGNALS) {
    const handler = () => {
      if (interrupt.requested) {
        // A second signal: keep what is whole and leave now.
        try {
          interrupt.sink?.flush();
        } catch { /* nothing more to save */ }
        io.exit(Exit.Incomplete);
      }
      interrupt.requested = true;
      log.printf(formatCaughtSignal(number));
      interrupt.transport?.close();
      interrupt.wake?.();
    };
    removers.push(io.onSignal(name, handler));
  }
  return () => {
    for (const remove of removers) remove();
  };
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

function reportConnectError(err: unknown, options: DownloadOptions, log: Logger): void {
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
    log.log(LogLevel.Error, `RTMP_Connect0, failed to connect socket. ${(err as Error).message}`);
  }
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}

async function download(
  options: DownloadOptions,
  log: Logger,
  sink: OutputSink,
  interrupt: Interrupt,
): Promise<number> {
  const engineLog = (level: LogLevel, message: string) => log.log(level, message);
  let bufferTime = options.bufferMs;
  let duration = 0;
  // rtmpdump's own --start/--stop (already dropped for live streams), and what librtmp sends:
  // in -i mode start=/stop=/live= of the URL.
  const startMs = options.startMs | 0; // rtmpdump keeps it as an int when seeking
  let seekMs = startMs > 0 ? startMs : 0;
  const stopMs = options.stopMs;
  let percent = 0;
  const initialSize = sink.size;

  let afterWrite = () => {};
  let firstWrite = true;
  /** Set when writing the output failed inside a read (rtmpdump: "Failed writing, exiting!"). */
  let writeError: unknown;
  const flushIfDue = () => {
    try {
      sink.flushIfDue();
    } catch (err) {
      writeError = err;
      throw err;
    }
  };
  const recorder = new FlvRecorder({
    resumeTimestamp: seekMs,
    initialTimestamp: seekMs,
    live: options.live,
    transientPayloads: true,
    onMetadata: (values: AmfValue[]) => {
      log.log(LogLevel.Info, "Metadata:");
      for (const line of formatMetadata(values)) log.log(LogLevel.Info, line);
    },
  });
  const session = new ClientSession({
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
    seekMs: seekMs > 0 ? seekMs : options.linkStartMs,
    stopMs: options.linkStopMs,
    bufferMs: bufferTime,
    bufx: options.bufx,
    usherToken: options.jtv,
    log: engineLog,
    decoder: {
      // The output sink copies every piece at once, so payloads need not outlive the callback.
      transientPayloads: true,
      // librtmp keeps state for any chunk stream id, so a server may use them all; the memory
      // stays bounded by the decoder's bytes-in-flight limit and the size of the id space.
      maxChunkStreams: MAX_CSID - MIN_CSID + 1,
    },
  }, {
    onMedia: (message) => {
      const before = sink.size;
      try {
        recorder.push(message, sink.push);
      } catch (err) {
        if (!(err instanceof FlvError)) {
          writeError = err;
          throw err;
        }
        // An aggregate whose sub-tags overrun it: librtmp writes it through (a corrupt file) and
        // goes on; we drop that message and go on.
        log.log(LogLevel.Error, oneLine(err));
        return;
      }
      sink.commit();
      if (sink.size === before) return;
      // rtmpdump's first RTMP_Read returns the buffered header block together with the next
      // tag, so its first progress report comes one tag later.
      if (firstWrite) firstWrite = false;
      else afterWrite();
    },
  });

  // Connect: transport + handshake + connect command (RTMP_Connect). Failure → exit 3.
  log.printf(CONNECTING);
  let client: RtmpClient;
  try {
    const raw = await openTransport({
      protocol: options.protocol,
      host: options.host,
      port: options.port,
      connectTimeoutMs: Math.max(options.timeoutSec, 1) * 1000,
      socks: options.socks,
    });
    const transport = new ReadTimeoutTransport(raw, options.timeoutSec * 1000);
    interrupt.transport = transport;
    client = new RtmpClient(transport, session, {
      handshake: isEncrypted(options.protocol) ? "rtmpe" : options.swfSize ? "fp9" : "plain",
      rtmpeType: options.rtmpeType,
      log: engineLog,
    });
    if (interrupt.requested) throw new ConnectError("Interrupted");
    try {
      await client.connect();
    } catch (err) {
      transport.close();
      if (err instanceof TimeoutError || err instanceof ConnectError) throw err;
      log.log(LogLevel.Error, oneLine(err));
      log.log(LogLevel.Error, "RTMP_Connect1, handshake failed.");
      return Exit.NoConnect;
    }
  } catch (err) {
    if (err instanceof UnsupportedTransportError) {
      log.log(LogLevel.Error, err.message);
      return Exit.Failed;
    }
    if (err instanceof TimeoutError) {
      log.log(LogLevel.Error, "RTMP_Connect1, handshake failed.");
      return Exit.NoConnect;
    }
    reportConnectError(err, options, log);
    return Exit.NoConnect;
  }
  log.log(LogLevel.Info, "Connected...");

  try {
    if (stopMs > 0 && stopMs <= seekMs) {
      log.printf(ALREADY_COMPLETED);
      return Exit.Success;
    }
    // ConnectStream: until play started. Failure → exit 1.
    let result;
    /** A failure in the read that also started play: it belongs to the download. */
    let carried: unknown;
    session.holdMedia();
    try {
      result = await client.pump(() => session.playing);
    } catch (err) {
      if (!session.playing) {
        log.log(
          LogLevel.Error,
          err instanceof TimeoutError ? readFailure(session) : describeReadError(err),
        );
        return Exit.Failed;
      }
      // librtmp reads one packet at a time, so what follows Play.Start in the same read fails
      // in Download, after the media before it were written.
      result = "done";
      carried = err;
    }
    if (result !== "done") {
      if (result === "eof") log.log(LogLevel.Error, readFailure(session));
      return Exit.Failed;
    }

    let retried = false;
    let resumed = false;
    for (;;) {
      // Download(). After a timeout the same recorder goes on: rtmpdump re-bases timestamps on
      // the pause point here, which corrupts them; we keep the server's timestamps.
      const progress = new Progress(log, { hashes: options.hashes });
      if (options.live) {
        log.printf(STARTING_LIVE_STREAM);
      } else {
        if (duration > 0 && isAlreadyComplete(seekMs, duration)) {
          log.printf(formatAlreadyCompletedAt(seekMs, duration));
          return Exit.Success;
        }
        progress.start(resumed, resumed ? sink.size : initialSize, seekMs, duration);
        if (options.realtime) {
          log.printf(REALTIME_NOTE);
        }
      }
      if (stopMs > 0) log.printf(formatForDuration(stopMs, seekMs));

      let readError: unknown;
      let timedOut = false;
      let eof = false;
      afterWrite = () => {
        if (duration <= 0) duration = recorder.duration;
        if (duration > 0 && !options.bufferOverridden && bufferTime < duration * 1000) {
          bufferTime = Math.trunc(duration * 1000) + 5000;
          log.log(
            LogLevel.Debug,
            `Detected that buffer time is less than duration, resetting to: ${bufferTime}ms`,
          );
          session.updateBufferMs(bufferTime);
        }
        percent = progress.update(sink.size, recorder.timestamp, duration);
      };
      try {
        session.releaseMedia();
        if (carried !== undefined) {
          const err = carried;
          carried = undefined;
          throw err;
        }
        const result = await client.pump(() => interrupt.requested, flushIfDue);
        eof = result === "eof";
      } catch (err) {
        if (writeError !== undefined) return failedWriting(writeError, log);
        if (err instanceof TimeoutError) timedOut = true;
        else if (!interrupt.requested) readError = err;
      }
      // Why the stream stopped, as RTMP_ReadPacket logs it. A failed read (an error, an end of
      // stream) ends Download like the end of the stream does: it is not in itself incomplete.
      // A signal cuts the read short too (rtmpdump: recv fails with EINTR).
      if (readError !== undefined) log.log(LogLevel.Error, describeReadError(readError));
      else if (eof || timedOut || interrupt.requested) {
        log.log(LogLevel.Error, readFailure(session));
      }
      try {
        // A timed-out VOD is toggled or reconnected below and its media go on into the same
        // recorder, so it is finished only when the stream really ends.
        if (!timedOut || options.live) recorder.finish(sink.push);
        sink.flush();
      } catch (err) {
        return failedWriting(err, log);
      }
      if (duration <= 0) duration = recorder.duration;
      percent = progress.finish(sink.size, recorder.timestamp, duration);

      const incomplete = (duration > 0 && percent < 99.9) || interrupt.requested || timedOut;
      let status: number = incomplete ? Exit.Incomplete : Exit.Success;
      // A signal after the timeout ends it here: the transport is closed already.
      if (!(status === Exit.Incomplete && timedOut && !options.live) || interrupt.requested) {
        return finish(status, percent, log);
      }

      // A receive timeout on a VOD: toggle the stream, then one reconnect (rtmpdump's loop).
      if (retried) {
        log.log(LogLevel.Error, "Failed to resume the stream\n\n");
        return finish(Exit.Incomplete, percent, log);
      }
      log.log(LogLevel.Info, "Connection timed out, trying to resume.\n\n");
      if (session.pausing === 3) {
        retried = true;
        seekMs = session.pauseStamp;
        if (stopMs > 0 && stopMs <= seekMs) {
          log.printf(ALREADY_COMPLETED);
          return finish(Exit.Success, percent, log);
        }
        session.reconnectStream(seekMs);
        await client.flush();
        session.holdMedia(); // until "Resuming download at" is printed
        try {
          const result = await client.pump(() => session.playing);
          if (result !== "done") {
            if (result === "eof") log.log(LogLevel.Error, readFailure(session));
            log.log(LogLevel.Error, "Failed to resume the stream\n\n");
            return finish(Exit.Failed, percent, log);
          }
        } catch (err) {
          if (!session.playing) {
            log.log(
              LogLevel.Error,
              err instanceof TimeoutError ? readFailure(session) : describeReadError(err),
            );
            log.log(LogLevel.Error, "Failed to resume the stream\n\n");
            status = err instanceof TimeoutError ? Exit.Incomplete : Exit.Failed;
            return finish(status, percent, log);
          }
          carried = err; // as after the first play: the failure belongs to the download
        }
      } else {
        session.markPauseStamp();
        session.sendPause(true, session.pauseStamp);
        session.pausing = 1;
        await client.flush();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          interrupt.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        interrupt.wake = undefined;
        if (interrupt.requested) return finish(Exit.Incomplete, percent, log);
        session.sendPause(false, session.pauseStamp);
        session.pausing = 3;
        await client.flush();
        seekMs = session.pauseStamp;
      }
      resumed = true;
    }
  } finally {
    await client.close();
  }
}

function finish(status: number, percent: number, log: Logger): number {
  if (status === Exit.Success) log.printf(DOWNLOAD_COMPLETE);
  else if (status === Exit.Incomplete) log.printf(formatDownloadIncomplete(percent));
  return status;
}

function failedWriting(err: unknown, log: Logger): number {
  log.log(LogLevel.Error, `Download: Failed writing, exiting! ${oneLine(err)}`);
  return Exit.Failed;
}

function describeReadError(err: unknown): string {
  return `RTMP_ReadPacket, ${oneLine(err)}`;
}

/** librtmp's words for a read that got nothing (end of stream, timeout), by where it stopped. */
function readFailure(session: ClientSession): string {
  const length = session.bodyInProgress;
  return length < 0
    ? "RTMP_ReadPacket, failed to read RTMP packet header"
    : `RTMP_ReadPacket, failed to read RTMP packet body. len: ${length}`;
}
