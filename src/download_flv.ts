/**
 * The library's one-call downloader: connect to an RTMP URL, play it and receive the stream as
 * FLV bytes exactly as rtmpdump would write them. Composes the URL parser, a transport from the
 * registry, the client engine and the FLV recorder.
 *
 * @module
 */

import type { AmfValue } from "./amf/types.ts";
import { ClientSession, type CloseReason } from "./session/client_session.ts";
import { FlvRecorder } from "./session/flv_recorder.ts";
import type { LogSink } from "./session/log.ts";
import { RtmpClient } from "./session/rtmp_client.ts";
import { buildTcUrl } from "./url/build_tc_url.ts";
import { defaultPort } from "./url/protocol.ts";
import { parseRtmpUrl } from "./url/parse_rtmp_url.ts";
import { isEncrypted, openTransport } from "../transports/stack.ts";
import type { RtmpeType } from "./handshake/mod.ts";
import { ReadTimeoutTransport } from "../transports/read_timeout.ts";

/** rtmpdump's default client buffer: 10 hours, so servers send as fast as they can. */
export const DOWNLOAD_BUFFER_MS = 36_000_000;

/** Options for {@linkcode downloadFlv}. */
export interface DownloadFlvOptions {
  /** Play a live stream (start −1000, FCSubscribe). */
  live?: boolean;
  /** Start this many ms into the stream. */
  seekMs?: number;
  /** Ask the server to stop at this position (ms). */
  stopMs?: number;
  /** Client buffer length announced to the server (default 10 hours). */
  bufferMs?: number;
  /** Receive timeout in ms (default 30000; 0 = none). */
  timeoutMs?: number;
  /** connect's flashVer (default rtmpdump's "LNX 10,0,32,18"). */
  flashVer?: string;
  swfUrl?: string;
  pageUrl?: string;
  /** Overrides the tcUrl built from the URL (rtmpdump's `-t`). */
  tcUrl?: string;
  /**
   * The handshake: "rtmpe" (encrypted; RC4 after it) by default for rtmpe:// and rtmpte://,
   * "plain" otherwise. "rtmpe" over an rtmp:// URL encrypts a plain TCP connection.
   */
  handshake?: "plain" | "fp9" | "rtmpe";
  /** With the "rtmpe" handshake: the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /** Overrides the app and playpath parsed from the URL. */
  app?: string;
  playpath?: string;
  /** Extra connect arguments. */
  conn?: AmfValue[];
  /** Receives the engine's log lines (librtmp levels). */
  log?: LogSink;
  /** Called with each onMetaData's values. */
  onMetadata?: (values: AmfValue[]) => void;
  /** Stops the download; what was received so far stays whole. */
  signal?: AbortSignal;
}

/** What a download ended with. */
export interface DownloadFlvResult {
  /** Why it ended: the session's close reason, "eof" (connection ended) or "aborted". */
  reason: CloseReason | "eof" | "aborted";
  /** FLV bytes produced. */
  bytes: number;
  /** Duration from the stream's metadata in seconds (0 when unknown). */
  duration: number;
  /** Timestamp of the last tag written (ms). */
  timestamp: number;
  /** The last onStatus code the server sent (e.g. "NetStream.Play.StreamNotFound"). */
  lastStatus: string | undefined;
}

/**
 * Downloads `url` and hands the FLV to `write` in pieces; each call of `write` receives whole
 * tags. Rejects with the layer's error when connecting or playing fails.
 *
 * @example
 * ```ts ignore
 * import { downloadFlv } from "./download_flv.ts";
 * const chunks: Uint8Array[] = [];
 * const result = await downloadFlv("rtmp://127.0.0.1/vod/sample.flv", (b) => {
 *   chunks.push(b.slice());
 * });
 * console.log(result.reason, result.bytes);
 * ```
 */
export async function downloadFlv(
  url: string,
  write: (bytes: Uint8Array) => void | Promise<void>,
  options: DownloadFlvOptions = {},
): Promise<DownloadFlvResult> {
  const parsed = parseRtmpUrl(url);
  const port = parsed.port || defaultPort(parsed.protocol);
  const app = options.app ?? parsed.app;
  const playpath = options.playpath ?? parsed.playpath;
  if (!parsed.host) throw new TypeError(`Cannot download ${url}: the URL has no host`);
  if (!playpath) throw new TypeError(`Cannot download ${url}: the URL has no playpath`);

  let pieces: Uint8Array[] = [];
  const recorder = new FlvRecorder({
    resumeTimestamp: options.seekMs ?? 0,
    initialTimestamp: options.seekMs ?? 0,
    live: options.live,
    onMetadata: options.onMetadata,
  });
  const session = new ClientSession({
    app,
    tcUrl: options.tcUrl ?? buildTcUrl(parsed.protocol, parsed.host, port, app),
    flashVer: options.flashVer ?? "LNX 10,0,32,18",
    swfUrl: options.swfUrl,
    pageUrl: options.pageUrl,
    conn: options.conn,
    playpath,
    live: options.live,
    seekMs: options.seekMs,
    stopMs: options.stopMs,
    bufferMs: options.bufferMs ?? DOWNLOAD_BUFFER_MS,
    bufx: !options.live,
    log: options.log,
  }, {
    onMedia: (m) => recorder.push(m, (p) => pieces.push(p)),
  });

  const raw = await openTransport({
    protocol: parsed.protocol,
    host: parsed.host,
    port,
    connectTimeoutMs: options.timeoutMs ?? 30000,
  });
  const transport = new ReadTimeoutTransport(raw, options.timeoutMs ?? 30000);
  const client = new RtmpClient(transport, session, {
    handshake: options.handshake ?? (isEncrypted(parsed.protocol) ? "rtmpe" : "plain"),
    rtmpeType: options.rtmpeType,
    log: options.log,
  });
  const onAbort = () => transport.close();
  options.signal?.addEventListener("abort", onAbort);
  let bytes = 0;
  const drain = async () => {
    if (pieces.length === 0) return;
    const out = pieces.length === 1 ? pieces[0] : concat(pieces);
    pieces = [];
    bytes += out.length;
    await write(out);
  };
  try {
    await client.connect();
    const result = await client.pump(() => options.signal?.aborted === true, drain);
    recorder.finish((p) => pieces.push(p));
    await drain();
    const reason = options.signal?.aborted
      ? "aborted"
      : result === "closed"
      ? session.closeReason ?? "eof"
      : "eof";
    return {
      reason,
      bytes,
      duration: recorder.duration,
      timestamp: recorder.timestamp,
      lastStatus: session.lastStatus,
    };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await client.close();
  }
}

function concat(pieces: Uint8Array[]): Uint8Array {
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
