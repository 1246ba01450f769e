/**
 * The client session engine: NetConnection and NetStream state for playing a stream, as
 * librtmp's RTMP_ConnectStream / RTMP_ClientPacket / HandleInvoke do it.
 *
 * Sans-I/O: feed it the bytes that follow the handshake with {@linkcode ClientSession.receive},
 * send what {@linkcode ClientSession.takeOutput} returns. Media after `play` arrives through the
 * handler's `onMedia`, synchronously, in order.
 *
 * @module
 */

import { AmfObject, type AmfValue } from "../amf/types.ts";
import { decodeAmf0, encodeAmf0 } from "../amf/mod.ts";
import { ChunkDecoder, type ChunkDecoderOptions, ChunkEncoder } from "../chunk/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import {
  aggregateTags,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAcknowledgement,
  encodeUserControl,
  encodeWindowAckSize,
  MessageType,
  UserControlEvent,
} from "../message/mod.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";

/** librtmp's default Window Acknowledgement Size and Set Peer Bandwidth values. */
export const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;
/** Connect object's `capabilities`, `audioCodecs`, `videoCodecs`, `videoFunction` (librtmp). */
export const CONNECT_DEFAULTS = {
  capabilities: 15,
  audioCodecs: 3191,
  videoCodecs: 252,
  videoFunction: 1,
} as const;
/** SetBufferLength sent on stream 0 right after connect, in ms. */
export const CONNECT_BUFFER_MS = 300;
/** play's start argument for live streams. */
export const LIVE_START = -1000;

/** Chunk streams the client sends on (librtmp's choices). */
const CSID_CONTROL = 2;
const CSID_COMMAND = 3;
const CSID_STREAM = 8;

/** What to connect to and play. Field names follow librtmp's options. */
export interface ClientSessionOptions {
  app: string;
  tcUrl?: string;
  swfUrl?: string;
  pageUrl?: string;
  flashVer?: string;
  /** rtmpdump `--auth`: appended as Boolean true + String after the connect object. */
  auth?: string;
  /** rtmpdump `--conn` items, appended after the connect object (and auth). */
  conn?: AmfValue[];
  /** Sent only when nonzero, as librtmp does. */
  objectEncoding?: number;
  playpath: string;
  live?: boolean;
  /** FCSubscribe target; for live streams the playpath is used when absent. */
  subscribe?: string;
  /** Send `set_playlist` before `play`. */
  playlist?: boolean;
  /** play's start in ms (0 = from the beginning). */
  seekMs?: number;
  /** Stop offset in ms: play's len = stop − seek when nonzero. */
  stopMs?: number;
  /** Client buffer length announced with SetBufferLength after play, in ms. */
  bufferMs?: number;
  /** The pause/unpause speed-up on BufferEmpty (librtmp's RTMP_LF_BUFX). */
  bufx?: boolean;
  /** Justin.tv usher token. */
  usherToken?: string;
  /** Log sink (librtmp levels). */
  log?: LogSink;
  /** Limits for the chunk decoder. */
  decoder?: ChunkDecoderOptions;
}

/** Why the session ended. */
export type CloseReason =
  | "complete" // Play.Complete / Play.Stop / UnpublishNotify / onFCUnsubscribe
  | "failed" // NetStream.Failed, Play.Failed, StreamNotFound, Connect.InvalidApp
  | "server-close" // the server invoked `close`
  | "local"; // closed by the caller

/** Callbacks of the session. */
export interface ClientSessionHandler {
  /** Audio, video, data and aggregate messages received while playing. */
  onMedia(message: RtmpMessage): void;
  /** Every onStatus the server sends (code, level and the whole info object). */
  onStatus?(code: string, level: string, info: AmfValue): void;
}

/** The client side of one RTMP connection, playing one stream. */
export class ClientSession {
  readonly #opts: ClientSessionOptions;
  readonly #handler: ClientSessionHandler;
  readonly #log: LogSink;
  readonly #decoder: ChunkDecoder;
  readonly #encoder = new ChunkEncoder();
  readonly #onMessage = (m: RtmpMessage) => this.#handleMessage(m);

  #numInvokes = 0;
  #calls: { name: string; transactionId: number }[] = [];
  #bwCheckCounter = 0;
  #windowAckSent = false;

  /** Bytes received so far, handshake included (for acknowledgements). */
  bytesIn = 0;
  #bytesInSent = 0;
  /** Peer bandwidth (type 6) — the acknowledgement interval is a tenth of it. */
  clientBandwidth = DEFAULT_WINDOW_ACK_SIZE;
  /** Window acknowledgement size announced by the server (type 5), echoed after connect. */
  serverBandwidth = DEFAULT_WINDOW_ACK_SIZE;

  /** Message stream id from createStream, −1 before. */
  streamId = -1;
  /** True once Play.Start (or play's _result, or PublishNotify) arrived. */
  playing = false;
  /** Set when the session ended, with the reason. */
  closeReason: CloseReason | undefined;
  /** The last status code received (e.g. "NetStream.Play.StreamNotFound"). */
  lastStatus: string | undefined;

  /** BUFX pause state (librtmp's m_pausing: 0 none, 1 paused, 2 EOF seen, 3 unpaused). */
  pausing = 0;
  /** Timestamp the stream was paused at. */
  pauseStamp = 0;
  /** Timestamp of the last media message (not updated while pausing). */
  mediaStamp = 0;
  #mediaCsid = 0;
  #lastTimestamp = new Map<number, number>();
  #held: RtmpMessage[] | undefined;

  /** Creates a session; call {@linkcode connect} to queue the connect command. */
  constructor(options: ClientSessionOptions, handler: ClientSessionHandler) {
    this.#opts = options;
    this.#handler = handler;
    this.#log = options.log ?? silentLog;
    this.#decoder = new ChunkDecoder(options.decoder);
  }

  /**
   * Holds media back instead of delivering it (until {@linkcode releaseMedia}), so a caller that
   * waits for play to start can report that before the first media of the same read is handled.
   * What is held is at most what one received buffer completed.
   */
  holdMedia(): void {
    this.#held ??= [];
  }

  /** Delivers held media in order and stops holding. */
  releaseMedia(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held) { for (const m of held) this.#handler.onMedia(m); }
  }

  /** Declared length of the message whose chunk body is being received; -1 between chunks. */
  get bodyInProgress(): number {
    return this.#decoder.bodyInProgress;
  }

  /** True until the session was closed. */
  get connected(): boolean {
    return this.closeReason === undefined;
  }

  /** Queues the connect command (csid 3, fmt 0, transaction 1). */
  connect(): void {
    const o = this.#opts;
    const obj = new AmfObject();
    obj.set("app", o.app);
    if (o.flashVer) obj.set("flashVer", o.flashVer);
    if (o.swfUrl) obj.set("swfUrl", o.swfUrl);
    if (o.tcUrl) obj.set("tcUrl", o.tcUrl);
    obj.set("fpad", false);
    obj.set("capabilities", CONNECT_DEFAULTS.capabilities);
    obj.set("audioCodecs", CONNECT_DEFAULTS.audioCodecs);
    obj.set("videoCodecs", CONNECT_DEFAULTS.videoCodecs);
    obj.set("videoFunction", CONNECT_DEFAULTS.videoFunction);
    if (o.pageUrl) obj.set("pageUrl", o.pageUrl);
    if (o.objectEncoding) obj.set("objectEncoding", o.objectEncoding);
    const extra: AmfValue[] = [];
    if (o.auth) extra.push(true, o.auth);
    if (o.conn) extra.push(...o.conn);
    this.#invoke("connect", [obj, ...extra], { csid: CSID_COMMAND, forceFull: true });
  }

  /** Feeds received bytes; handles everything they complete. Throws on protocol errors. */
  receive(data: Uint8Array): void {
    this.bytesIn += data.length;
    if (this.closeReason !== undefined) return;
    this.#decoder.push(data, this.#onMessage);
    this.#maybeAcknowledge();
  }

  /** Counts bytes received outside `receive` (the handshake), as librtmp's counter does. */
  countBytes(n: number): void {
    this.bytesIn += n;
  }

  /** Bytes to send now (possibly empty). */
  takeOutput(): Uint8Array {
    return this.#encoder.takeOutput();
  }

  /** True when output is waiting. */
  get hasOutput(): boolean {
    return this.#encoder.pendingBytes > 0;
  }

  /** Sends pause (true) or unpause (false) at `ms` on csid 8 (librtmp RTMP_SendPause). */
  sendPause(pause: boolean, ms: number): void {
    this.#invoke("pause", [null, pause, ms], { csid: CSID_STREAM, messageStreamId: this.streamId });
  }

  /** Records the current media timestamp as the pause point (librtmp RTMP_Pause's bookkeeping). */
  markPauseStamp(): void {
    this.pauseStamp = this.#mediaCsid ? this.#lastTimestamp.get(this.#mediaCsid) ?? 0 : 0;
  }

  /** Announces a new client buffer length on the current stream (RTMP_UpdateBufferMS). */
  updateBufferMs(ms: number): void {
    this.#opts.bufferMs = ms;
    this.#userControl(UserControlEvent.SetBufferLength, this.streamId, ms);
  }

  /** Starts over on this connection: deleteStream, then createStream and play from `seekMs`. */
  reconnectStream(seekMs: number): void {
    this.#deleteStream();
    this.#opts.seekMs = seekMs;
    this.playing = false;
    this.#invoke("createStream", [null], { csid: CSID_COMMAND });
  }

  /** Closes the session locally: deleteStream if a stream is open (RTMP_Close). */
  close(reason: CloseReason = "local"): void {
    if (this.closeReason !== undefined) return;
    this.#deleteStream();
    this.closeReason = reason;
  }

  #deleteStream(): void {
    if (this.streamId > 0) {
      const id = this.streamId;
      this.streamId = 0;
      this.#invoke("deleteStream", [null, id], { csid: CSID_COMMAND, queue: false });
    }
    this.streamId = -1;
  }

  // ---- outgoing ----

  #invoke(
    name: string,
    args: AmfValue[],
    o: {
      csid: number;
      messageStreamId?: number;
      forceFull?: boolean;
      transactionId?: number;
      queue?: boolean;
      timestamp?: number;
    },
  ): void {
    const txn = o.transactionId ?? ++this.#numInvokes;
    this.#encoder.write({
      csid: o.csid,
      typeId: MessageType.CommandAmf0,
      timestamp: o.timestamp ?? 0,
      messageStreamId: o.messageStreamId ?? 0,
      payload: encodeAmf0(name, txn, ...args),
    }, { forceFull: o.forceFull });
    if (o.queue !== false) this.#calls.push({ name, transactionId: txn });
  }

  /** Sends a protocol or user control message on csid 2 (fmt 1 unless forced to fmt 0). */
  #control(message: RtmpMessage, forceFull = false): void {
    this.#encoder.write(message, { forceFull });
  }

  #userControl(event: number, ...data: number[]): void {
    this.#control(encodeUserControl(event, data.map((n) => n >>> 0), { csid: CSID_CONTROL }));
  }

  #sendWindowAckSize(): void {
    this.#windowAckSent = true;
    this.#control(encodeWindowAckSize(this.serverBandwidth, { csid: CSID_CONTROL }), true);
  }

  #maybeAcknowledge(): void {
    if (this.bytesIn > this.#bytesInSent + this.clientBandwidth / 10) {
      this.#bytesInSent = this.bytesIn;
      this.#control(encodeAcknowledgement(this.bytesIn, { csid: CSID_CONTROL }));
    }
  }

  // ---- incoming ----

  #handleMessage(m: RtmpMessage): void {
    if (this.closeReason !== undefined) return;
    this.#lastTimestamp.set(m.csid, m.timestamp);
    if (m.payload.length === 0) return;
    switch (m.typeId) {
      case MessageType.SetChunkSize:
        // Applied by the decoder already.
        this.#log(LogLevel.Debug, `received: chunk size change to ${this.#decoder.chunkSize}`);
        return;
      case MessageType.Abort:
        return;
      case MessageType.Acknowledgement:
        this.#log(LogLevel.Debug, "received: bytes read report");
        return;
      case MessageType.UserControl:
        this.#handleUserControl(m.payload);
        return;
      case MessageType.WindowAckSize:
        if (m.payload.length >= 4) this.serverBandwidth = decodeWindowAckSize(m.payload);
        this.#log(LogLevel.Debug, `server BW = ${this.serverBandwidth}`);
        if (!this.#windowAckSent && this.#calls.some((c) => c.name === "connect")) {
          // librtmp echoes the server's window size after connect's _result. Servers send it
          // ahead of _result as a small segment and then (with Nagle) hold the rest until it is
          // acknowledged, which the receiving kernel delays by up to 40 ms; answering at once
          // carries that acknowledgement and saves the wait.
          this.#sendWindowAckSize();
        }
        return;
      case MessageType.SetPeerBandwidth:
        if (m.payload.length >= 4) {
          this.clientBandwidth = decodeSetPeerBandwidth(m.payload).windowSize;
        }
        this.#log(LogLevel.Debug, `client BW = ${this.clientBandwidth}`);
        return;
      case MessageType.Audio:
      case MessageType.Video:
      case MessageType.DataAmf0:
      case MessageType.Aggregate:
        this.#handleMedia(m);
        return;
      case MessageType.CommandAmf0:
        this.#handleInvoke(m.payload);
        return;
      case MessageType.CommandAmf3:
        this.#handleInvoke(m.payload.subarray(1));
        return;
      default:
        this.#log(LogLevel.Debug, `unknown packet type received: 0x${hex2(m.typeId)}`);
    }
  }

  #handleMedia(m: RtmpMessage): void {
    if (!this.playing) {
      // librtmp drops media that arrives before play succeeded (aggregates silently).
      if (m.typeId !== MessageType.Aggregate) {
        this.#log(LogLevel.Warning, "Received FLV packet before play()! Ignoring.");
      }
      return;
    }
    const isAudioVideo = m.typeId === MessageType.Audio || m.typeId === MessageType.Video;
    if (isAudioVideo && !this.#mediaCsid) this.#mediaCsid = m.csid;
    if (!this.pausing && (isAudioVideo || m.typeId === MessageType.Aggregate)) {
      this.mediaStamp = isAudioVideo ? m.timestamp : lastSubTagTimestamp(m);
    }
    if (this.pausing === 3) {
      // After an unpause the server resends what we already have.
      if (m.timestamp <= this.mediaStamp) return;
      this.pausing = 0;
    }
    if (this.#held) {
      // Held past the decoder's callback: a transient payload must be copied.
      this.#held.push(
        this.#opts.decoder?.transientPayloads ? { ...m, payload: m.payload.slice() } : m,
      );
    } else this.#handler.onMedia(m);
  }

  #handleUserControl(p: Uint8Array): void {
    const type = p.length >= 2 ? (p[0] << 8) | p[1] : -1;
    if (p.length >= 6) {
      // The 4 bytes after the event type (a stream id or a timestamp), as librtmp reads them.
      const value = new DataView(p.buffer, p.byteOffset + 2, 4).getUint32(0);
      switch (type) {
        case UserControlEvent.StreamBegin:
          this.#log(LogLevel.Debug, `Stream Begin ${value}`);
          break;
        case UserControlEvent.StreamEOF:
          this.#log(LogLevel.Debug, `Stream EOF ${value}`);
          if (this.pausing === 1) this.pausing = 2;
          break;
        case UserControlEvent.PingRequest:
          this.#log(LogLevel.Debug, `Ping ${value}`);
          this.#userControl(UserControlEvent.PingResponse, value);
          break;
        case UserControlEvent.BufferEmpty:
          this.#log(LogLevel.Debug, `Stream BufferEmpty ${value}`);
          if (!this.#opts.bufx) break;
          if (!this.pausing) {
            this.markPauseStamp();
            this.sendPause(true, this.pauseStamp);
            this.pausing = 1;
          } else if (this.pausing === 2) {
            this.sendPause(false, this.pauseStamp);
            this.pausing = 3;
          }
          break;
        default:
          this.#log(LogLevel.Debug, `Stream event ${type} ${value}`);
      }
    }
    if (type === UserControlEvent.SwfVerifyRequest) {
      if (p.length > 2 && p[2] > 1) {
        this.#log(
          LogLevel.Error,
          `HandleCtrl: SWFVerification Type ${p[2]} request not supported! Patches welcome...`,
        );
      } else {
        this.#log(LogLevel.Error, "HandleCtrl: Ignoring SWFVerification request, use --swfVfy!");
      }
    }
  }

  #handleInvoke(body: Uint8Array): void {
    if (body.length === 0 || body[0] !== 0x02) {
      this.#log(LogLevel.Warning, "HandleInvoke, Sanity failed. no string method in invoke packet");
      return;
    }
    let values: AmfValue[];
    try {
      values = decodeAmf0(body);
    } catch (err) {
      this.#log(LogLevel.Error, "HandleInvoke, error decoding invoke packet");
      this.#log(LogLevel.Debug, String((err as Error).message));
      return;
    }
    const method = String(values[0]);
    const txn = typeof values[1] === "number" ? values[1] : 0;
    this.#log(LogLevel.Debug, `HandleInvoke, server invoking <${method}>`);
    switch (method) {
      case "_result":
        this.#handleResult(txn, values);
        return;
      case "onBWDone":
        if (!this.#bwCheckCounter) {
          this.#invoke("_checkbw", [null], { csid: CSID_COMMAND, forceFull: true, queue: true });
        }
        return;
      case "onFCSubscribe":
        return;
      case "onFCUnsubscribe":
        this.close("complete");
        return;
      case "ping":
        this.#invoke("pong", [null], {
          csid: CSID_COMMAND,
          transactionId: txn,
          queue: false,
          timestamp: 0x16 * this.#bwCheckCounter,
        });
        return;
      case "_onbwcheck":
        this.#invoke("_result", [null, this.#bwCheckCounter++], {
          csid: CSID_COMMAND,
          transactionId: txn,
          queue: false,
          timestamp: 0x16 * this.#bwCheckCounter,
        });
        return;
      case "_onbwdone":
        this.#dropCall("_checkbw");
        return;
      case "_error":
        this.#log(LogLevel.Error, "rtmp server sent error");
        return;
      case "close":
        this.#log(LogLevel.Error, "rtmp server requested close");
        this.close("server-close");
        return;
      case "onStatus":
        this.#handleStatus(values[3]);
        return;
      case "playlist_ready":
        this.#dropCall("set_playlist");
        return;
    }
  }

  #handleResult(txn: number, values: AmfValue[]): void {
    const i = this.#calls.findIndex((c) => c.transactionId === Math.trunc(txn));
    if (i < 0) {
      this.#log(LogLevel.Debug, `HandleInvoke, received result id ${txn} without matching request`);
      return;
    }
    const [{ name }] = this.#calls.splice(i, 1);
    this.#log(LogLevel.Debug, `HandleInvoke, received result for method call <${name}>`);
    const o = this.#opts;
    if (name === "connect") {
      if (!this.#windowAckSent) this.#sendWindowAckSize();
      this.#userControl(UserControlEvent.SetBufferLength, 0, CONNECT_BUFFER_MS);
      this.#invoke("createStream", [null], { csid: CSID_COMMAND });
      if (o.usherToken) {
        this.#invoke("NetStream.Authenticate.UsherToken", [null, o.usherToken], {
          csid: CSID_COMMAND,
          queue: false,
        });
      }
      if (o.subscribe) this.#invoke("FCSubscribe", [null, o.subscribe], { csid: CSID_COMMAND });
      else if (o.live) this.#invoke("FCSubscribe", [null, o.playpath], { csid: CSID_COMMAND });
    } else if (name === "createStream") {
      const id = values[3];
      this.streamId = typeof id === "number" ? Math.trunc(id) : 0;
      if (o.playlist) this.#sendPlaylist();
      this.#sendPlay();
      this.#userControl(UserControlEvent.SetBufferLength, this.streamId, o.bufferMs ?? 30000);
    } else if (name === "play" || name === "publish") {
      this.playing = true;
    }
  }

  #handleStatus(info: AmfValue): void {
    const code = propString(info, "code");
    const level = propString(info, "level");
    this.lastStatus = code;
    this.#log(LogLevel.Debug, `HandleInvoke, onStatus: ${code}`);
    this.#handler.onStatus?.(code, level, info);
    switch (code) {
      case "NetStream.Failed":
      case "NetStream.Play.Failed":
      case "NetStream.Play.StreamNotFound":
      case "NetConnection.Connect.InvalidApp":
        this.streamId = -1;
        this.close("failed");
        this.#log(LogLevel.Error, `Closing connection: ${code}`);
        return;
      case "NetStream.Play.Start":
      case "NetStream.Play.PublishNotify":
        this.playing = true;
        this.#dropCall("play");
        return;
      case "NetStream.Publish.Start":
        this.playing = true;
        this.#dropCall("publish");
        return;
      case "NetStream.Play.Complete":
      case "NetStream.Play.Stop":
      case "NetStream.Play.UnpublishNotify":
        this.close("complete");
        return;
      case "NetStream.Pause.Notify":
        if (this.pausing === 1 || this.pausing === 2) {
          this.sendPause(false, this.pauseStamp);
          this.pausing = 3;
        }
        return;
    }
  }

  #sendPlaylist(): void {
    // librtmp's set_playlist: transaction 0, an ECMA array whose count field reads 3.
    const head = encodeAmf0("set_playlist", 0, null);
    const name = new TextEncoder().encode("0");
    const value = encodeAmf0(this.#opts.playpath);
    const body = new Uint8Array(head.length + 5 + 2 + name.length + value.length + 3);
    let off = 0;
    body.set(head, off);
    off += head.length;
    body.set([0x08, 0, 0, 0, 3], off);
    off += 5;
    body.set([0, name.length], off);
    off += 2;
    body.set(name, off);
    off += name.length;
    body.set(value, off);
    off += value.length;
    body.set([0, 0, 9], off);
    this.#encoder.write({
      csid: CSID_STREAM,
      typeId: MessageType.CommandAmf0,
      timestamp: 0,
      messageStreamId: this.streamId,
      payload: body,
    }, { forceFull: true });
    this.#calls.push({ name: "set_playlist", transactionId: 0 });
  }

  #sendPlay(): void {
    const o = this.#opts;
    const seek = o.seekMs ?? 0;
    const start = o.live ? LIVE_START : seek > 0 ? seek : 0;
    const args: AmfValue[] = [null, o.playpath, start];
    if (o.stopMs) args.push(o.stopMs - seek);
    this.#invoke("play", args, {
      csid: CSID_STREAM,
      messageStreamId: this.streamId,
      forceFull: true,
    });
  }

  #dropCall(name: string): void {
    const i = this.#calls.findIndex((c) => c.name === name);
    if (i >= 0) this.#calls.splice(i, 1);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** A string property of an AMF object, "" when absent (librtmp's GetString semantics). */
export function propString(obj: AmfValue, name: string): string {
  if (obj instanceof Map) {
    const v = obj.get(name);
    return typeof v === "string" ? v : "";
  }
  if (obj && typeof obj === "object" && !Array.isArray(obj) && !(obj instanceof Uint8Array)) {
    const v = (obj as Record<string, AmfValue>)[name];
    return typeof v === "string" ? v : "";
  }
  return "";
}

/**
 * The timestamp of the last audio/video sub-tag of an aggregate (librtmp's media stamp); like
 * librtmp, a corrupt tail ends the scan instead of failing.
 */
function lastSubTagTimestamp(m: RtmpMessage): number {
  let ts = m.timestamp;
  try {
    for (const tag of aggregateTags(m.payload)) {
      if (tag.typeId === MessageType.Audio || tag.typeId === MessageType.Video) ts = tag.timestamp;
    }
  } catch { /* corrupt tail: keep what was found */ }
  return ts;
}
