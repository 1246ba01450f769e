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
import { formatFixed } from "./format_fixed.ts";
import { hexLines } from "./hex_dump.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";
import { PacketLog, type ReadEnd } from "./packet_log.ts";

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
export const LIVE_START: number = -1000;

/**
 * Where the stream stands in a pause/unpause cycle (librtmp's `m_pausing`): the BUFX speed-up on
 * BufferEmpty and the toggle after a receive timeout (RTMP_ToggleStream) both pause, then
 * unpause; after the unpause the server sends again what was already received, and media up to
 * the pause point are dropped.
 */
export const PauseState = {
  /** Not paused (librtmp 0). */
  None: "none",
  /** pause(true) was sent (librtmp 1). */
  Paused: "paused",
  /** Paused, and the server's StreamEOF arrived (librtmp 2). */
  PausedAtEnd: "paused-at-end",
  /** pause(false) was sent; media up to the pause point are dropped (librtmp 3). */
  Unpaused: "unpaused",
} as const;

/** One of {@linkcode PauseState}'s values. */
export type PauseState = typeof PauseState[keyof typeof PauseState];

/** Highest SWF verification request type librtmp answers. */
const MAX_SWF_VERIFY_TYPE = 1;

/** Chunk streams the client sends on (librtmp's choices). */
const CSID_CONTROL = 2;
const CSID_COMMAND = 3;
const CSID_STREAM = 8;

/** What to connect to and play. Field names follow librtmp's options. */
export interface ClientSessionOptions {
  /** connect's `app` (always sent, may be empty). */
  app: string;
  /** connect's `tcUrl` (sent when given). */
  tcUrl?: string;
  /** connect's `swfUrl` (sent when given). */
  swfUrl?: string;
  /** connect's `pageUrl` (sent when given). */
  pageUrl?: string;
  /** connect's `flashVer` (sent when given). */
  flashVer?: string;
  /** rtmpdump `--auth`: appended as Boolean true + String after the connect object. */
  auth?: string;
  /** rtmpdump `--conn` items, appended after the connect object (and auth). */
  conn?: AmfValue[];
  /** Sent only when nonzero, as librtmp does. */
  objectEncoding?: number;
  /** The stream to play. */
  playpath: string;
  /** A live stream: play starts at −1000 and FCSubscribe is sent. */
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
  /**
   * SecureToken (rtmpdump `--token`): given the `secureToken` challenge found in connect's
   * `_result`, returns the answer sent as `secureTokenResponse` (librtmp decrypts it with XXTEA
   * and the token as key), or undefined to send nothing. Bytes are sent as they are, as the
   * AMF string's contents (librtmp sends the decrypted bytes, which need not be UTF-8).
   */
  secureToken?: (challenge: string) => string | Uint8Array | undefined;
  /**
   * End the session on NetStream.Play.UnpublishNotify (librtmp's behaviour, the default). A
   * recorder that waits for the publisher to come back sets it to false: the session then stays
   * open and media go on after the next PublishNotify.
   */
  endOnUnpublish?: boolean;
  /**
   * Log sink (librtmp levels and words: rtmpdump `--verbose` shows DEBUG, `--debug` adds the
   * DEBUG2 packet dumps, built only when the sink's level asks for them).
   */
  log?: LogSink;
  /** The socket's number as the packet dumps show it (librtmp logs `fd=N`); default 0. */
  logDescriptor?: number;
  /** Limits for the chunk decoder. */
  decoder?: ChunkDecoderOptions;
}

/** Why the session ended. */
export type CloseReason =
  | "complete" // Play.Complete / Play.Stop / UnpublishNotify / onFCUnsubscribe
  | "failed" // NetStream.Failed, Play.Failed, StreamNotFound, Connect.InvalidApp
  | "server-close" // the server invoked `close`
  | "redirect" // connect was rejected with a redirect target (see `redirect`)
  | "local"; // closed by the caller

/** Callbacks of the session. */
export interface ClientSessionHandler {
  /** Audio, video, data and aggregate messages received while playing. */
  onMedia(message: RtmpMessage): void;
  /** Every onStatus the server sends (code, level and the whole info object). */
  onStatus?(code: string, level: string, info: AmfValue): void;
  /**
   * The server's StreamBegin (0) and StreamEOF (1) user control events, with the stream id. A
   * live server sends StreamEOF when the publisher leaves and StreamBegin when one arrives.
   */
  onStreamEvent?(event: number, streamId: number): void;
}

/** The client side of one RTMP connection, playing one stream. */
export class ClientSession {
  readonly #opts: ClientSessionOptions;
  readonly #handler: ClientSessionHandler;
  readonly #log: LogSink;
  /** Packet dumps (DEBUG2) and object dumps (DEBUG). */
  readonly #packetLog: PacketLog;
  /** Output taken from the encoder early to dump it (packet dumps only). */
  #dumped: Uint8Array[] = [];
  readonly #decoder: ChunkDecoder;
  readonly #encoder = new ChunkEncoder();
  readonly #onMessage = (m: RtmpMessage) => this.#handleMessage(m);

  #numInvokes = 0;
  #calls: { name: string; transactionId: number }[] = [];
  #bwCheckCounter = 0;
  #windowAckSent = false;

  /** Bytes received so far, handshake included (for acknowledgements). */
  bytesIn: number = 0;
  #bytesInSent = 0;
  /** Peer bandwidth (type 6) — the acknowledgement interval is a tenth of it. */
  clientBandwidth: number = DEFAULT_WINDOW_ACK_SIZE;
  /** Window acknowledgement size announced by the server (type 5), echoed after connect. */
  serverBandwidth: number = DEFAULT_WINDOW_ACK_SIZE;

  /** Message stream id from createStream, −1 before. */
  streamId: number = -1;
  /** True once Play.Start (or play's _result, or PublishNotify) arrived. */
  playing = false;
  /** Set when the session ended, with the reason. */
  closeReason: CloseReason | undefined;
  /** The last status code received (e.g. "NetStream.Play.StreamNotFound"). */
  lastStatus: string | undefined;

  /** Where the stream stands in a pause/unpause cycle (BUFX or the timeout toggle). */
  pauseState: PauseState = PauseState.None;
  /**
   * Where the server redirects to: the `ex.redirect` of a NetConnection.Connect.Rejected
   * `_error` for connect (set when the session closes with reason "redirect").
   */
  redirect: string | undefined;
  /** Timestamp the stream was paused at. */
  pauseStamp = 0;
  /** Timestamp of the last media message (not updated while pausing). */
  mediaStamp = 0;
  #mediaCsid = 0;
  #lastTimestamp = new Map<number, number>();
  /** Messages (and, with packet dumps, their log lines) held after Play.Start. */
  #held: (RtmpMessage | HeldLines)[] | undefined;
  /** Body of the 0x1B answer after its event type (42 bytes), once known. */
  #swfVerifyResponse: Uint8Array | undefined;

  /** Creates a session; call {@linkcode connect} to queue the connect command. */
  constructor(options: ClientSessionOptions, handler: ClientSessionHandler) {
    this.#opts = options;
    this.#handler = handler;
    this.#log = options.log ?? silentLog;
    this.#packetLog = new PacketLog(this.#log, options.logDescriptor);
    this.#decoder = new ChunkDecoder(
      this.#packetLog.objects
        ? { ...options.decoder, onChunk: (header, body) => this.#dumpChunk(header, body) }
        : options.decoder,
    );
  }

  /**
   * Once play has started, holds back every message that follows it (until
   * {@linkcode releaseHeld}), so a caller that waits for play to start can report that before
   * anything else of the same read is handled — as librtmp, which reads one message at a time,
   * returns from RTMP_ConnectStream at Play.Start. What is held is at most what one received
   * buffer completed.
   */
  holdAfterStart(): void {
    this.#held ??= [];
  }

  /** Handles the held messages in order (media reach `onMedia`) and stops holding. */
  releaseHeld(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) return;
    for (const m of held) {
      if (m instanceof HeldLines) {
        for (const [level, line] of m.lines) this.#log(level, line);
        continue;
      }
      try {
        this.#handleMessage(m);
      } catch (err) {
        if (err !== SESSION_CLOSED) throw err;
        return;
      }
    }
  }

  /** Transactions waiting for a `_result` (bounded: nothing a server sends adds to them). */
  get pendingCalls(): number {
    return this.#calls.length;
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

  /**
   * Feeds received bytes; handles everything they complete. Throws on protocol errors. Once the
   * session has closed (Play.Stop, a failure, the server's `close`) nothing more is parsed,
   * whether the bytes came in the same read as the message that closed it or in a later one:
   * librtmp closes the connection there and reads no further.
   */
  receive(data: Uint8Array): void {
    this.bytesIn += data.length;
    if (this.closeReason !== undefined) return;
    try {
      this.#decoder.push(data, this.#onMessage);
    } catch (err) {
      if (err !== SESSION_CLOSED) throw err;
    }
    this.#maybeAcknowledge();
  }

  /**
   * Sets the answer to the server's SWF verification request (user control 0x1A): the 42 bytes
   * that follow the event type in librtmp's 0x1B message (`01 01`, the SWF size twice, the
   * HMAC of the SWF hash keyed with the last 32 bytes of S1). Without it the request is logged
   * and ignored, as librtmp does without `--swfVfy`.
   */
  setSwfVerifyResponse(body: Uint8Array): void {
    this.#swfVerifyResponse = body;
  }

  /** Counts bytes received outside `receive` (the handshake), as librtmp's counter does. */
  countBytes(n: number): void {
    this.bytesIn += n;
  }

  /** Bytes to send now (possibly empty). */
  takeOutput(): Uint8Array {
    if (this.#dumped.length === 0) return this.#encoder.takeOutput();
    const parts = [...this.#dumped, this.#encoder.takeOutput()];
    this.#dumped = [];
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /** True when output is waiting. */
  get hasOutput(): boolean {
    return this.#dumped.length > 0 || this.#encoder.pendingBytes > 0;
  }

  /**
   * Logs what librtmp logs when a read gets nothing more (rtmpdump's RTMP_ReadPacket, ReadN and
   * RTMPSockBuf_Fill), up to the error line, which the caller logs with {@linkcode readFailure}
   * once it has closed the stream: the start of the read (DEBUG2) when it stopped between
   * chunks, and for a receive timeout, a reset or a signal the failed `recv` (DEBUG).
   */
  logReadEnd(end: ReadEnd): void {
    this.#packetLog.logReadEnd(end, this.#decoder.bodyInProgress < 0);
  }

  /** librtmp's error line for a read that got nothing more, by where the stream stopped. */
  readFailure(): string {
    const length = this.#decoder.bodyInProgress;
    return length < 0
      ? "RTMP_ReadPacket, failed to read RTMP packet header"
      : `RTMP_ReadPacket, failed to read RTMP packet body. len: ${length}`;
  }

  /** Sends pause (true) or unpause (false) at `ms` on csid 8 (librtmp RTMP_SendPause). */
  sendPause(pause: boolean, ms: number): void {
    this.#log(LogLevel.Debug, `RTMP_SendPause, ${pause ? 1 : 0}, pauseTime=${ms | 0}`);
    this.#invoke("pause", [null, pause, ms], { csid: CSID_STREAM, messageStreamId: this.streamId });
  }

  /** Records the current media timestamp as the pause point (librtmp RTMP_Pause's bookkeeping). */
  markPauseStamp(): void {
    this.pauseStamp = this.#mediaCsid ? this.#lastTimestamp.get(this.#mediaCsid) ?? 0 : 0;
  }

  /**
   * The first half of librtmp's RTMP_ToggleStream (after a receive timeout): records the pause
   * point and sends pause(true) there. The caller waits (librtmp sleeps a second), then calls
   * {@linkcode unpauseAfterToggle}.
   */
  pauseForToggle(): void {
    this.markPauseStamp();
    this.sendPause(true, this.pauseStamp);
    this.pauseState = PauseState.Paused;
  }

  /** The second half of the toggle: pause(false) at the pause point; resent media are dropped. */
  unpauseAfterToggle(): void {
    this.sendPause(false, this.pauseStamp);
    this.pauseState = PauseState.Unpaused;
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
    // The new stream's timestamps start anew: nothing of it is a resend of the old one.
    this.pauseState = PauseState.None;
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
    this.#write({
      csid: o.csid,
      typeId: MessageType.CommandAmf0,
      timestamp: o.timestamp ?? 0,
      messageStreamId: o.messageStreamId ?? 0,
      payload: encodeAmf0(name, txn, ...args),
    }, o.forceFull);
    this.#log(LogLevel.Debug, `Invoking ${name}`);
    if (o.queue !== false) this.#calls.push({ name, transactionId: txn });
  }

  /**
   * Queues a message; with packet dumps, logs it as librtmp's RTMP_SendPacket does: its body
   * size, then each chunk's header and body.
   */
  #write(message: RtmpMessage, forceFull = false): void {
    this.#encoder.write(message, { forceFull });
    if (!this.#packetLog.packets) return;
    const bytes = this.#encoder.takeOutput();
    this.#dumped.push(bytes);
    this.#packetLog.logSent(bytes, message.payload.length, this.#encoder.chunkSize);
  }

  /** Sends a protocol control message on csid 2 (fmt 1 unless forced to fmt 0). */
  #control(message: RtmpMessage, forceFull = false): void {
    this.#write(message, forceFull);
  }

  /** Sends a user control message on csid 2 (librtmp's RTMP_SendCtrl). */
  #userControl(event: number, ...data: number[]): void {
    this.#log(LogLevel.Debug, `sending ctrl. type: 0x${event.toString(16).padStart(4, "0")}`);
    this.#control(encodeUserControl(event, data.map((n) => n >>> 0), { csid: CSID_CONTROL }));
  }

  /** Logs a chunk as librtmp's RTMP_ReadPacket does (or holds the lines with the messages). */
  #dumpChunk(header: Uint8Array, body: Uint8Array): void {
    const lines = this.#packetLog.chunkLines(header, body);
    if (lines.length === 0) return;
    if (this.#held !== undefined && this.playing) {
      this.#held.push(new HeldLines(lines));
      return;
    }
    for (const [level, line] of lines) this.#log(level, line);
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
    if (this.closeReason !== undefined) throw SESSION_CLOSED;
    if (this.#held !== undefined && this.playing) {
      // Held past the decoder's callback: a transient payload must be copied.
      this.#held.push(
        this.#opts.decoder?.transientPayloads ? { ...m, payload: m.payload.slice() } : m,
      );
      return;
    }
    this.#lastTimestamp.set(m.csid, m.timestamp);
    if (m.payload.length === 0) return;
    switch (m.typeId) {
      case MessageType.SetChunkSize:
        // Applied by the decoder already.
        this.#log(
          LogLevel.Debug,
          `HandleChangeChunkSize, received: chunk size change to ${this.#decoder.chunkSize}`,
        );
        return;
      case MessageType.Acknowledgement:
        this.#log(LogLevel.Debug, "RTMP_ClientPacket, received: bytes read report");
        return;
      case MessageType.UserControl:
        this.#handleUserControl(m.payload);
        return;
      case MessageType.WindowAckSize:
        if (m.payload.length >= 4) this.serverBandwidth = decodeWindowAckSize(m.payload);
        this.#log(LogLevel.Debug, `HandleServerBW: server BW = ${this.serverBandwidth | 0}`);
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
        this.#log(
          LogLevel.Debug,
          // The limit type is a (signed) char in librtmp, -1 when absent.
          `HandleClientBW: client BW = ${this.clientBandwidth | 0} ${
            m.payload.length > 4 ? (m.payload[4] << 24) >> 24 : -1
          }`,
        );
        return;
      case MessageType.Audio:
      case MessageType.Video:
      case MessageType.DataAmf0:
      case MessageType.Aggregate:
        this.#handleMedia(m);
        return;
      case MessageType.CommandAmf0:
        this.#log(LogLevel.Debug, `RTMP_ClientPacket, received: invoke ${m.payload.length} bytes`);
        this.#handleInvoke(m.payload);
        return;
      case MessageType.CommandAmf3:
        this.#log(
          LogLevel.Debug,
          `RTMP_ClientPacket, flex message, size ${m.payload.length} bytes, not fully supported`,
        );
        this.#handleInvoke(m.payload.subarray(1));
        return;
      case MessageType.DataAmf3:
        this.#log(
          LogLevel.Debug,
          `RTMP_ClientPacket, flex stream send, size ${m.payload.length} bytes, not supported, ignoring`,
        );
        return;
      case MessageType.SharedObjectAmf3:
        this.#log(
          LogLevel.Debug,
          `RTMP_ClientPacket, flex shared object, size ${m.payload.length} bytes, not supported, ignoring`,
        );
        return;
      case MessageType.SharedObjectAmf0:
        this.#log(LogLevel.Debug, "RTMP_ClientPacket, shared object, not supported, ignoring");
        return;
      default:
        // Abort (2) too: librtmp does not know it.
        this.#log(
          LogLevel.Debug,
          `RTMP_ClientPacket, unknown packet type received: 0x${hex2(m.typeId)}`,
        );
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
    if (m.typeId === MessageType.DataAmf0) {
      this.#log(LogLevel.Debug, `RTMP_ClientPacket, received: notify ${m.payload.length} bytes`);
      this.#packetLog.logObject(m.payload);
    } else if (m.typeId === MessageType.Aggregate) {
      // librtmp dumps the data tags of an aggregate as it scans them for metadata.
      this.#packetLog.logAggregateObjects(m.payload);
    }
    const isAudioVideo = m.typeId === MessageType.Audio || m.typeId === MessageType.Video;
    if (isAudioVideo && !this.#mediaCsid) this.#mediaCsid = m.csid;
    if (
      this.pauseState === PauseState.None && (isAudioVideo || m.typeId === MessageType.Aggregate)
    ) {
      this.mediaStamp = isAudioVideo ? m.timestamp : lastSubTagTimestamp(m);
    }
    if (this.pauseState === PauseState.Unpaused) {
      // After an unpause the server resends what we already have.
      if (m.timestamp <= this.mediaStamp) return;
      this.pauseState = PauseState.None;
    }
    this.#handler.onMedia(m);
  }

  #handleUserControl(p: Uint8Array): void {
    const type = p.length >= 2 ? (p[0] << 8) | p[1] : -1;
    // librtmp reads the event type as a short.
    this.#log(
      LogLevel.Debug,
      `HandleCtrl, received ctrl. type: ${(type << 16) >> 16}, len: ${p.length}`,
    );
    if (p.length >= 6) {
      // The 4 bytes after the event type (a stream id or a timestamp), as librtmp reads them.
      const value = new DataView(p.buffer, p.byteOffset + 2, 4).getUint32(0);
      const shown = value | 0; // printed with %d
      switch (type) {
        case UserControlEvent.StreamBegin:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream Begin ${shown}`);
          this.#handler.onStreamEvent?.(type, value);
          break;
        case UserControlEvent.StreamEOF:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream EOF ${shown}`);
          if (this.pauseState === PauseState.Paused) this.pauseState = PauseState.PausedAtEnd;
          this.#handler.onStreamEvent?.(type, value);
          break;
        case UserControlEvent.StreamDry:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream Dry ${shown}`);
          break;
        case UserControlEvent.StreamIsRecorded:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream IsRecorded ${shown}`);
          break;
        case UserControlEvent.PingRequest:
          this.#log(LogLevel.Debug, `HandleCtrl, Ping ${shown}`);
          this.#userControl(UserControlEvent.PingResponse, value);
          break;
        case UserControlEvent.BufferEmpty:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream BufferEmpty ${shown}`);
          if (!this.#opts.bufx) break;
          if (this.pauseState === PauseState.None) {
            this.markPauseStamp();
            this.sendPause(true, this.pauseStamp);
            this.pauseState = PauseState.Paused;
          } else if (this.pauseState === PauseState.PausedAtEnd) {
            this.sendPause(false, this.pauseStamp);
            this.pauseState = PauseState.Unpaused;
          }
          break;
        case UserControlEvent.BufferReady:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream BufferReady ${shown}`);
          break;
        default:
          this.#log(LogLevel.Debug, `HandleCtrl, Stream xx ${shown}`);
      }
    }
    if (type === UserControlEvent.SwfVerifyRequest) {
      this.#log(LogLevel.Debug, "HandleCtrl, SWFVerification ping received: ");
      const requestType = p.length > 2 ? p[2] : 0;
      if (requestType <= MAX_SWF_VERIFY_TYPE && this.#swfVerifyResponse !== undefined) {
        const body = new Uint8Array(2 + this.#swfVerifyResponse.length);
        body[1] = UserControlEvent.SwfVerifyResponse;
        body.set(this.#swfVerifyResponse, 2);
        this.#log(
          LogLevel.Debug,
          `sending ctrl. type: 0x${
            UserControlEvent.SwfVerifyResponse.toString(16).padStart(4, "0")
          }`,
        );
        this.#log(LogLevel.Debug, "Sending SWFVerification response: ");
        for (const line of hexLines(body)) this.#log(LogLevel.Debug, line);
        this.#control({
          csid: CSID_CONTROL,
          typeId: MessageType.UserControl,
          timestamp: 0,
          messageStreamId: 0,
          payload: body,
        });
      } else if (requestType > MAX_SWF_VERIFY_TYPE) {
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
    this.#packetLog.logObject(body);
    const method = String(values[0]);
    const txn = typeof values[1] === "number" ? values[1] : 0;
    this.#log(LogLevel.Debug, `HandleInvoke, server invoking <${method}>`);
    switch (method) {
      case "_result":
        this.#handleResult(txn, values);
        return;
      case "onBWDone":
        // librtmp sends _checkbw without waiting for an answer: nothing is remembered, so a
        // flood of onBWDone costs output bytes, not memory.
        if (!this.#bwCheckCounter) {
          this.#invoke("_checkbw", [null], { csid: CSID_COMMAND, forceFull: true, queue: false });
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
        this.#handleError(txn, values[3]);
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
      this.#log(
        LogLevel.Debug,
        `HandleInvoke, received result id ${formatFixed(txn, 6)} without matching request`,
      );
      return;
    }
    const [{ name }] = this.#calls.splice(i, 1);
    this.#log(LogLevel.Debug, `HandleInvoke, received result for method call <${name}>`);
    const o = this.#opts;
    if (name === "connect") {
      if (o.secureToken) {
        const challenge = findStringProperty(values, "secureToken");
        const answer = challenge === undefined ? undefined : o.secureToken(challenge);
        if (typeof answer === "string") {
          this.#invoke("secureTokenResponse", [null, answer], {
            csid: CSID_COMMAND,
            transactionId: 0,
            queue: false,
          });
        } else if (answer !== undefined) {
          this.#encoder.write({
            csid: CSID_COMMAND,
            typeId: MessageType.CommandAmf0,
            timestamp: 0,
            messageStreamId: 0,
            payload: commandWithRawString("secureTokenResponse", answer),
          });
        }
      }
      if (!this.#windowAckSent) this.#sendWindowAckSize();
      this.#userControl(UserControlEvent.SetBufferLength, 0, CONNECT_BUFFER_MS);
      this.#invoke("createStream", [null], { csid: CSID_COMMAND });
      if (o.usherToken) {
        this.#log(LogLevel.Debug, `UsherToken: ${o.usherToken}`);
        this.#invoke("NetStream.Authenticate.UsherToken", [null, o.usherToken], {
          csid: CSID_COMMAND,
          queue: false,
        });
      }
      const subscribe = o.subscribe || (o.live ? o.playpath : "");
      if (subscribe) {
        this.#log(LogLevel.Debug, `FCSubscribe: ${subscribe}`);
        this.#invoke("FCSubscribe", [null, subscribe], { csid: CSID_COMMAND });
      }
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

  /**
   * An `_error` answering connect with NetConnection.Connect.Rejected and a redirect target
   * (`ex.redirect`, as FMS, Wowza and nginx-rtmp's redirect send it): the session closes with
   * reason "redirect" and {@linkcode redirect} set. librtmp ignores the target.
   */
  #handleError(txn: number, info: AmfValue): void {
    const i = this.#calls.findIndex((c) => c.transactionId === Math.trunc(txn));
    if (i < 0 || this.#calls[i].name !== "connect") return;
    if (propString(info, "code") !== "NetConnection.Connect.Rejected") return;
    const ex = propValue(info, "ex");
    const target = propString(ex, "redirect");
    if (target.length === 0) return;
    this.#calls.splice(i, 1);
    this.redirect = target;
    this.close("redirect");
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
      case "NetStream.Play.UnpublishNotify":
        if (this.#opts.endOnUnpublish === false) return;
        this.close("complete");
        return;
      case "NetStream.Play.Complete":
      case "NetStream.Play.Stop":
        this.close("complete");
        return;
      case "NetStream.Pause.Notify":
        if (
          this.pauseState === PauseState.Paused || this.pauseState === PauseState.PausedAtEnd
        ) {
          this.sendPause(false, this.pauseStamp);
          this.pauseState = PauseState.Unpaused;
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
    this.#write({
      csid: CSID_STREAM,
      typeId: MessageType.CommandAmf0,
      timestamp: 0,
      messageStreamId: this.streamId,
      payload: body,
    }, true);
    this.#log(LogLevel.Debug, "Invoking set_playlist");
    this.#calls.push({ name: "set_playlist", transactionId: 0 });
  }

  #sendPlay(): void {
    const o = this.#opts;
    const seek = o.seekMs ?? 0;
    const start = o.live ? LIVE_START : seek > 0 ? seek : 0;
    const args: AmfValue[] = [null, o.playpath, start];
    if (o.stopMs) args.push(o.stopMs - seek);
    this.#log(
      LogLevel.Debug,
      `SendPlay, seekTime=${seek | 0}, stopTime=${
        (o.stopMs ?? 0) | 0
      }, sending play: ${o.playpath}`,
    );
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

/** Thrown inside the decoder's callback to stop parsing once the session has closed. */
const SESSION_CLOSED = Symbol("session closed");

/** Log lines held in order with the messages after Play.Start (packet dumps of their chunks). */
class HeldLines {
  constructor(readonly lines: [LogLevel, string][]) {}
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

/** A property of an AMF object, undefined when absent or not an object. */
export function propValue(obj: AmfValue, name: string): AmfValue {
  if (obj instanceof Map) return obj.get(name);
  if (obj && typeof obj === "object" && !Array.isArray(obj) && !(obj instanceof Uint8Array)) {
    return (obj as Record<string, AmfValue>)[name];
  }
  return undefined;
}

/**
 * The first string property named `name` anywhere in `values`, depth first through objects and
 * ECMA arrays (librtmp's RTMP_FindFirstMatchingProperty).
 */
function findStringProperty(values: AmfValue[], name: string, depth = 0): string | undefined {
  if (depth > MAX_PROPERTY_SEARCH_DEPTH) return undefined;
  for (const value of values) {
    if (value instanceof Map) {
      for (const [key, v] of value) {
        if (key === name && typeof v === "string") return v;
        const inner = findStringProperty([v], name, depth + 1);
        if (inner !== undefined) return inner;
      }
    }
  }
  return undefined;
}

/** Nesting searched for a property (the AMF decoder bounds depth already; this is a backstop). */
const MAX_PROPERTY_SEARCH_DEPTH = 64;

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

/** AMF0 string marker. */
const AMF0_STRING_MARKER = 0x02;
/** Longest AMF0 (short) string. */
const AMF0_MAX_STRING_LENGTH = 0xffff;

/**
 * The payload of command `name` with transaction 0, null and an AMF0 string whose contents are
 * `bytes` as they are (not re-encoded as UTF-8), cut at the short string's 65535 bytes.
 */
function commandWithRawString(name: string, bytes: Uint8Array): Uint8Array {
  const head = encodeAmf0(name, 0, null);
  const contents = bytes.subarray(0, AMF0_MAX_STRING_LENGTH);
  const payload = new Uint8Array(head.length + 3 + contents.length);
  payload.set(head);
  payload[head.length] = AMF0_STRING_MARKER;
  payload[head.length + 1] = contents.length >>> 8;
  payload[head.length + 2] = contents.length & 0xff;
  payload.set(contents, head.length + 3);
  return payload;
}
