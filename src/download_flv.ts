/**
 * The library's one-call downloader: connect to an RTMP URL, play it and receive the stream as
 * FLV bytes exactly as rtmpdump would write them. It runs the same {@linkcode Downloader} as the
 * command line, so it has the same features: the timeout toggle and reconnect, the digest
 * handshake, connect extras, subscribe, resume, start and stop, live reconnects, redirects.
 *
 * @module
 */

import type { AmfValue } from "./amf/types.ts";
import type { DownloaderEvents, DownloadOutcome } from "./download/download_events.ts";
import type { ResumeFile } from "./download/download_output.ts";
import { Downloader, type ReconnectPolicy } from "./download/downloader.ts";
import { ConnectionFailure, type ConnectionOpener } from "./download/open_connection.ts";
import { LogLevel, type LogSink } from "./session/log.ts";
import { buildTcUrl } from "./url/build_tc_url.ts";
import { defaultPort } from "./url/protocol.ts";
import { parseRtmpUrl } from "./url/parse_rtmp_url.ts";
import type { RtmpeType } from "./handshake/mod.ts";
import { isEncrypted, type TlsOptions } from "../transports/stack.ts";
import { decodeSecureToken } from "./auth/secure_token.ts";
import type { SwfInfo } from "./swf/swf_hash.ts";
import { swfVerificationResponse } from "./swf/swf_verification.ts";

/** rtmpdump's default client buffer: 10 hours, so servers send as fast as they can. */
export const DOWNLOAD_BUFFER_MS = 36_000_000;
/** Reconnects of a live stream after a drop, by default. */
export const DEFAULT_LIVE_RECONNECTS = 5;
/** rtmpdump's default flashVer. */
const DEFAULT_FLASH_VER = "LNX 10,0,32,18";
const DEFAULT_TIMEOUT_MS = 30_000;

/** Options for {@linkcode downloadFlv}. */
export interface DownloadFlvOptions {
  /** Play a live stream (start −1000, FCSubscribe). */
  live?: boolean;
  /** Start this many ms into the stream (rtmpdump `--start`). */
  seekMs?: number;
  /** Stop at this position (ms); asked of the server and enforced here (rtmpdump `--stop`). */
  stopMs?: number;
  /** Client buffer length announced to the server (default 10 hours). */
  bufferMs?: number;
  /** Receive timeout in ms (default 30000; 0 = none). */
  timeoutMs?: number;
  /** connect's flashVer (default rtmpdump's "LNX 10,0,32,18"). */
  flashVer?: string;
  /** connect's swfUrl. */
  swfUrl?: string;
  /** connect's pageUrl. */
  pageUrl?: string;
  /** connect's tcUrl (default built from the URL, as rtmpdump does). */
  tcUrl?: string;
  /** Overrides the app and playpath parsed from the URL. */
  app?: string;
  /** Overrides the playpath parsed from the URL. */
  playpath?: string;
  /** Extra connect arguments (rtmpdump `--conn`). */
  conn?: AmfValue[];
  /** rtmpdump `--auth`: Boolean true and this string after the connect object. */
  auth?: string;
  /** FCSubscribe target (live streams subscribe to the playpath without it). */
  subscribe?: string;
  /** Send set_playlist before play. */
  playlist?: boolean;
  /** Justin.tv usher token. */
  usherToken?: string;
  /**
   * The player SWF's hash and size, for servers that verify it (rtmpdump `-w`/`-x`; get them
   * with `hashSwf` or `resolveSwfInfo`). The handshake then defaults to "fp9".
   */
  swf?: SwfInfo;
  /** SecureToken key (rtmpdump `-T`): a connect `secureToken` is answered with it. */
  secureToken?: string;
  /** No BUFX pause/unpause speed-up (rtmpdump `--realtime`). */
  realtime?: boolean;
  /**
   * The handshake: "rtmpe" (encrypted; RC4 after it) by default for rtmpe:// and rtmpte://,
   * "plain" otherwise; "fp9" is the digest handshake servers that verify the SWF need; "rtmpe"
   * over an rtmp:// URL encrypts a plain TCP connection.
   */
  handshake?: "plain" | "fp9" | "rtmpe";
  /** With the "rtmpe" handshake: the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /** SOCKS4 proxy `host:port`. */
  socks?: string;
  /** A proxy URL (`socks4://`, `socks4a://`, `socks5://[user:pass@]`, `http://`). */
  proxy?: string;
  /**
   * TLS for rtmps:// (and rtmpts://): certificates are verified with SNI by default; `caFile`
   * trusts a PEM file's authorities, `insecure` skips verification, `serverName` names the
   * certificate to expect.
   */
  tls?: TlsOptions;
  /**
   * Reconnects after a drop: a number of attempts or a policy. Default
   * {@linkcode DEFAULT_LIVE_RECONNECTS} for live streams, none for recorded ones.
   */
  reconnect?: number | ReconnectPolicy;
  /** A partly downloaded file to continue; `write` then receives what follows its kept part. */
  resume?: ResumeFile & { skip?: number };
  /**
   * Redirects followed at most (default 5). `auth`, `conn`, `secureToken` and `usherToken` go to
   * a redirect target only on the same host and port, with no less protection.
   */
  maxRedirects?: number;
  /** Receives the engine's log lines (librtmp levels). */
  log?: LogSink;
  /** Called with each onMetaData's values. */
  onMetadata?: (values: AmfValue[]) => void;
  /** Progress and state callbacks. */
  events?: DownloaderEvents;
  /** Opens connections (transport, handshake, connect); default the transport registry. */
  open?: ConnectionOpener;
  /** Stops the download; what was received so far stays whole. */
  signal?: AbortSignal;
}

/** What a download ended with. */
export interface DownloadFlvResult extends DownloadOutcome {
  /** Timestamp of the last tag written (ms); the same as `timestampMs`. */
  timestamp: number;
}

/**
 * Downloads `url` and hands the FLV to `write` in pieces; each call of `write` receives whole
 * tags. Resolves to the outcome (`status` "complete", "incomplete" or "failed", and why) once
 * the stream ended; rejects with the layer's error when no connection could be made (a
 * ConnectError, HandshakeError or TimeoutError), and with a TypeError for a URL without host
 * or playpath and for settings the stack cannot use (a proxy URL that does not parse, an
 * unreadable CA file).
 *
 * @example
 * ```ts ignore
 * import { downloadFlv } from "./download_flv.ts";
 * const chunks: Uint8Array[] = [];
 * const result = await downloadFlv("rtmp://127.0.0.1/vod/sample.flv", (b) => {
 *   chunks.push(b.slice());
 * });
 * console.log(result.status, result.reason, result.bytes);
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
  const live = options.live ?? false;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const reconnect = typeof options.reconnect === "number"
    ? { attempts: options.reconnect }
    : options.reconnect ?? (live ? { attempts: DEFAULT_LIVE_RECONNECTS } : undefined);

  const output = new PieceCollector(write, options.resume?.size ?? 0);
  const resume = options.resume;
  const downloader = new Downloader({
    connection: {
      protocol: parsed.protocol,
      host: parsed.host,
      port,
      socks: options.socks,
      proxy: options.proxy,
      tls: options.tls,
      connectTimeoutMs: timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS,
      receiveTimeoutMs: timeoutMs,
      handshake: options.handshake ??
        (isEncrypted(parsed.protocol) ? "rtmpe" : options.swf ? "fp9" : "plain"),
      rtmpeType: options.rtmpeType,
      swfVerification: options.swf &&
        ((key: Uint8Array) => swfVerificationResponse(options.swf!, key)),
    },
    session: {
      app,
      tcUrl: options.tcUrl ?? buildTcUrl(parsed.protocol, parsed.host, port, app),
      flashVer: options.flashVer ?? DEFAULT_FLASH_VER,
      swfUrl: options.swfUrl,
      pageUrl: options.pageUrl,
      conn: options.conn,
      auth: options.auth,
      playpath,
      live,
      subscribe: options.subscribe,
      playlist: options.playlist,
      usherToken: options.usherToken,
      secureToken: options.secureToken === undefined
        ? undefined
        : (challenge: string) => secureTokenAnswer(challenge, options.secureToken!, options.log),
      bufx: !live && !options.realtime,
    },
    live,
    startMs: options.seekMs,
    stopMs: options.stopMs,
    playStopMs: options.stopMs,
    bufferMs: options.bufferMs ?? DOWNLOAD_BUFFER_MS,
    bufferOverridden: options.bufferMs !== undefined,
    output,
    resume: resume === undefined ? undefined : {
      skip: resume.skip ?? 0,
      file: {
        get size() {
          return resume.size;
        },
        read: (offset, length) => resume.read(offset, length),
        truncate(length) {
          resume.truncate(length);
          output.resetTo(length);
        },
      },
    },
    reconnect,
    maxRedirects: options.maxRedirects,
    open: options.open,
    log: options.log,
    events: {
      ...options.events,
      metadata: (values) => {
        options.onMetadata?.(values);
        options.events?.metadata?.(values);
      },
    },
  });
  const outcome = await downloader.run(options.signal);
  if (outcome.status === "no-connect") {
    const error = outcome.error;
    throw error instanceof ConnectionFailure ? error.cause : error;
  }
  return { ...outcome, timestamp: outcome.timestampMs };
}

/** Collects a tag's pieces and hands whole tags to the caller's `write`. */
class PieceCollector {
  readonly #write: (bytes: Uint8Array) => void | Promise<void>;
  #pieces: Uint8Array[] = [];
  #pending = 0;
  #committed = 0;
  #written: number;

  constructor(write: (bytes: Uint8Array) => void | Promise<void>, initialSize: number) {
    this.#write = write;
    this.#written = initialSize;
  }

  readonly push = (piece: Uint8Array): void => {
    this.#pieces.push(piece.slice());
    this.#pending += piece.length;
  };

  commit(): void {
    this.#committed = this.#pieces.length;
  }

  get size(): number {
    return this.#written + this.#pending;
  }

  resetTo(size: number): void {
    this.#written = size;
  }

  flushIfDue(): Promise<void> {
    return this.flush();
  }

  async flush(): Promise<void> {
    const count = this.#committed;
    if (count === 0) return;
    const take = this.#pieces.splice(0, count);
    this.#committed = 0;
    const out = concat(take);
    this.#pending -= out.length;
    this.#written += out.length;
    await this.#write(out);
  }
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0];
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

/** The decrypted SecureToken, or undefined (nothing sent, logged) when it is not hex. */
function secureTokenAnswer(
  challenge: string,
  key: string,
  log: LogSink | undefined,
): Uint8Array | undefined {
  try {
    return decodeSecureToken(challenge, key);
  } catch (err) {
    log?.(LogLevel.Error, (err as Error).message);
    return undefined;
  }
}
