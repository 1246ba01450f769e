/**
 * The server session engine: the NetConnection and NetStream side of one client connection, as
 * FMS, nginx-rtmp and librtmp's rtmpsrv answer it (librtmp-facts §9.2, ffmpeg-rtmp-facts §1.4).
 *
 * Sans-I/O: feed it the bytes that follow the handshake with {@linkcode ServerSession.receive},
 * send what {@linkcode ServerSession.takeOutput} returns. Requests that need a decision
 * (connect, play, publish) and stream events come out through the `onEvent` callback,
 * synchronously and in order; the server core answers with the methods of this class.
 *
 * @module
 */

import { AmfEcmaArray, AmfObject, type AmfValue } from "../amf/types.ts";
import { encodeAmf0 } from "../amf/mod.ts";
import {
  ChunkDecoder,
  type ChunkDecoderOptions,
  ChunkEncoder,
  type RtmpMessage,
} from "../chunk/mod.ts";
import {
  type CommandMessage,
  decodeAcknowledgement,
  decodeCommand,
  decodeSetPeerBandwidth,
  decodeUserControl,
  decodeWindowAckSize,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeUserControl,
  encodeWindowAckSize,
  MessageError,
  MessageType,
  PeerBandwidthLimit,
  type UserControl,
  UserControlEvent,
} from "../message/mod.ts";
import { SessionError } from "./session_error.ts";
import type { ServerSessionEvent } from "./server_session_event.ts";

/** Outgoing chunk size announced right after connect. */
export const DEFAULT_SERVER_CHUNK_SIZE = 4096;
/** Window Acknowledgement Size the server announces (librtmp's and FMS's value). */
export const DEFAULT_SERVER_WINDOW_ACK_SIZE = 2_500_000;
/** Set Peer Bandwidth the server announces (limit type dynamic). */
export const DEFAULT_SERVER_PEER_BANDWIDTH = 2_500_000;
/** `fmsVer` of the connect reply (rtmpsrv's value). */
export const SERVER_FMS_VERSION = "FMS/3,5,1,525";
/** `capabilities` of the connect reply. */
export const SERVER_CAPABILITIES = 31;
/** Most message streams one connection may create. */
export const DEFAULT_MAX_STREAMS = 64;

/** Chunk streams the server sends on (nginx-rtmp's layout). */
export const ServerCsid = {
  /** Protocol control, user control, acknowledgements. */
  Control: 2,
  /** Replies on the NetConnection (_result, _error, onBWDone). */
  Command: 3,
  /** NetStream status and data messages (onStatus, onMetaData, |RtmpSampleAccess). */
  Status: 5,
  /** Audio. */
  Audio: 6,
  /** Video and aggregates. */
  Video: 7,
} as const;

/** An onStatus info object: level, code, description and any extra properties. */
export interface StatusInfo {
  /** "status", "warning" or "error" (clients treat "error" as fatal). */
  level: "status" | "warning" | "error";
  /** The status code, such as NetStream.Play.Start. */
  code: string;
  /** A human-readable description. */
  description: string;
  /** Extra properties (details, clientid, …). */
  [key: string]: AmfValue;
}

/** Options of a {@linkcode ServerSession}. */
export interface ServerSessionOptions {
  /** Receives requests and stream events, synchronously and in order. */
  onEvent: (event: ServerSessionEvent) => void;
  /** Outgoing chunk size announced after connect (default 4096). */
  chunkSize?: number;
  /** Window Acknowledgement Size announced after connect (default 2,500,000). */
  windowAckSize?: number;
  /** Set Peer Bandwidth announced after connect (default 2,500,000, dynamic). */
  peerBandwidth?: number;
  /** Most message streams a client may create (default 64). */
  maxStreams?: number;
  /** Limits of the chunk decoder (maximum message size and bytes in flight). */
  decoder?: ChunkDecoderOptions;
}

/** What a message stream is doing. */
export type NetStreamState = "idle" | "playing" | "publishing";

/** Where the NetConnection is. */
type ConnectionState = "awaiting-connect" | "connecting" | "connected" | "rejected";

/** Media typeIds a publishing stream may send. */
const PUBLISHED_TYPES: ReadonlySet<number> = new Set([
  MessageType.Audio,
  MessageType.Video,
  MessageType.DataAmf0,
  MessageType.DataAmf3,
  MessageType.Aggregate,
]);

const U32_RANGE = 0x1_0000_0000;

/**
 * The server side of one RTMP connection.
 *
 * It answers by itself what needs no policy: the protocol control messages, `createStream`,
 * `deleteStream`/`closeStream`, `releaseStream`, `FCPublish`/`FCUnpublish`, `FCSubscribe`,
 * pings, `_checkbw`, and acknowledgements (it sends one each time the bytes received pass the
 * window the client announced). Everything else becomes an event.
 *
 * @example
 * ```ts
 * import { ServerSession } from "./server_session.ts";
 * const session = new ServerSession({
 *   onEvent(event) {
 *     if (event.type === "connect") session.acceptConnect(event.transactionId);
 *   },
 * });
 * // session.receive(bytesAfterHandshake); transport.write(session.takeOutput());
 * ```
 */
export class ServerSession {
  readonly #onEvent: (event: ServerSessionEvent) => void;
  readonly #decoder: ChunkDecoder;
  readonly #encoder = new ChunkEncoder();
  readonly #chunkSize: number;
  readonly #windowAckSize: number;
  readonly #peerBandwidth: number;
  readonly #maxStreams: number;
  readonly #onMessage = (message: RtmpMessage) => this.#handleMessage(message);
  readonly #streams = new Map<number, NetStreamState>();
  readonly #publishedNames = new Map<number, string>();
  #nextStreamId = 1;
  #state: ConnectionState = "awaiting-connect";
  #objectEncoding = 0;
  #closed = false;

  /** Bytes received, handshake included. */
  bytesIn = 0;
  #bytesInAcked = 0;
  /** Window the client announced (type 5); 0 until it does, and no acknowledgements until then. */
  clientWindowAckSize = 0;
  /** Bytes the client last acknowledged. */
  bytesAcknowledged = 0;
  /** The connect request's `app`, once connect arrived. */
  app = "";
  /** The connect request's `tcUrl`, once connect arrived. */
  tcUrl = "";

  /** Creates the session of one connection whose handshake is done. */
  constructor(options: ServerSessionOptions) {
    this.#onEvent = options.onEvent;
    this.#decoder = new ChunkDecoder(options.decoder);
    this.#chunkSize = options.chunkSize ?? DEFAULT_SERVER_CHUNK_SIZE;
    this.#windowAckSize = options.windowAckSize ?? DEFAULT_SERVER_WINDOW_ACK_SIZE;
    this.#peerBandwidth = options.peerBandwidth ?? DEFAULT_SERVER_PEER_BANDWIDTH;
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  }

  /**
   * The decoder of what the client sends. Its limits may be changed at any time (a server
   * allows only small messages until connect succeeds); {@linkcode ServerSession.close} closes
   * it, which gives its bytes back to a shared budget.
   */
  get decoder(): ChunkDecoder {
    return this.#decoder;
  }

  /** True once connect was accepted. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** True after {@linkcode ServerSession.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Encoded bytes waiting for {@linkcode ServerSession.takeOutput}. */
  get pendingBytes(): number {
    return this.#encoder.pendingBytes;
  }

  /** True when output is waiting. */
  get hasOutput(): boolean {
    return this.#encoder.pendingBytes > 0;
  }

  /** The state of a message stream, or undefined when it was never created. */
  streamState(streamId: number): NetStreamState | undefined {
    return this.#streams.get(streamId);
  }

  /**
   * Feeds bytes received after the handshake and handles every message they complete. Throws
   * {@linkcode SessionError} when a message breaks the protocol (a malformed control message or
   * command; the lower layer's error is its `cause`) and the chunk layer's `ChunkError` when the
   * chunk stream does; the connection should then be closed. Errors thrown by `onEvent` pass
   * through unchanged.
   */
  receive(data: Uint8Array): void {
    this.bytesIn += data.length;
    if (this.#closed) return;
    this.#decoder.push(data, this.#onMessage);
    this.#maybeAcknowledge();
  }

  /** Counts bytes received outside `receive` (the handshake) toward acknowledgements. */
  countBytes(count: number): void {
    this.bytesIn += count;
  }

  /** All bytes to send now (possibly empty); the caller owns them. */
  takeOutput(): Uint8Array {
    return this.#encoder.takeOutput();
  }

  /**
   * Hands back an output of {@linkcode ServerSession.takeOutput} once it was written and nothing
   * reads it any more: its memory then serves a later output (of this or another connection)
   * instead of a fresh buffer for every write.
   */
  releaseOutput(output: Uint8Array): void {
    this.#encoder.releaseOutput(output);
  }

  /**
   * Ends the session: every playing or publishing stream gets a `closeStream` event with reason
   * "session", and the decoder drops its partial messages. Output queued before stays available.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.close();
    for (const [streamId, state] of this.#streams) {
      if (state !== "idle") this.#onEvent({ type: "closeStream", streamId, reason: "session" });
    }
    this.#streams.clear();
    this.#publishedNames.clear();
  }

  // ---- answers to requests ----

  /**
   * Accepts connect: Window Acknowledgement Size, Set Peer Bandwidth, Set Chunk Size, the
   * `_result` with fmsVer/capabilities/mode and NetConnection.Connect.Success, then `onBWDone`.
   * `properties` are added to the reply's properties object (Enhanced RTMP capabilities).
   */
  acceptConnect(transactionId: number, properties: Record<string, AmfValue> = {}): void {
    if (this.#state !== "connecting") {
      throw new SessionError("Cannot accept connect: no connect request is pending");
    }
    this.#state = "connected";
    this.#write(encodeWindowAckSize(this.#windowAckSize, { csid: ServerCsid.Control }));
    this.#write(
      encodeSetPeerBandwidth(this.#peerBandwidth, PeerBandwidthLimit.Dynamic, {
        csid: ServerCsid.Control,
      }),
    );
    this.#write(encodeSetChunkSize(this.#chunkSize, { csid: ServerCsid.Control }));
    this.#encoder.chunkSize = this.#chunkSize;
    const props = new AmfObject();
    props.set("fmsVer", SERVER_FMS_VERSION);
    props.set("capabilities", SERVER_CAPABILITIES);
    props.set("mode", 1);
    for (const [key, value] of Object.entries(properties)) props.set(key, value);
    const data = new AmfEcmaArray();
    data.set("version", SERVER_FMS_VERSION.slice(SERVER_FMS_VERSION.indexOf("/") + 1));
    const info = new AmfObject();
    info.set("level", "status");
    info.set("code", "NetConnection.Connect.Success");
    info.set("description", "Connection succeeded.");
    info.set("objectEncoding", this.#objectEncoding);
    info.set("data", data);
    this.#command(ServerCsid.Command, 0, "_result", transactionId, props, [info]);
    this.#command(ServerCsid.Command, 0, "onBWDone", 0, null, []);
  }

  /** Rejects connect with `_error` NetConnection.Connect.Rejected; close the connection after. */
  rejectConnect(transactionId: number, description = "Connection rejected."): void {
    if (this.#state !== "connecting") {
      throw new SessionError("Cannot reject connect: no connect request is pending");
    }
    this.#state = "rejected";
    this.#command(ServerCsid.Command, 0, "_error", transactionId, null, [{
      level: "error",
      code: "NetConnection.Connect.Rejected",
      description,
    }]);
  }

  /**
   * Starts playback on a stream: StreamBegin (unless `begin` is false: a live stream nobody
   * publishes yet), Play.Reset (when `reset`), Play.Start, and the `|RtmpSampleAccess` data
   * message; StreamIsRecorded first for recorded streams.
   */
  beginPlay(
    streamId: number,
    name: string,
    options: { reset?: boolean; recorded?: boolean; begin?: boolean } = {},
  ): void {
    this.#streams.set(streamId, "playing");
    if (options.recorded) {
      this.#write(encodeUserControl(UserControlEvent.StreamIsRecorded, [streamId], CONTROL));
    }
    if (options.begin ?? true) {
      this.#write(encodeUserControl(UserControlEvent.StreamBegin, [streamId], CONTROL));
    }
    if (options.reset ?? true) {
      this.sendStatus(streamId, {
        level: "status",
        code: "NetStream.Play.Reset",
        description: `Playing and resetting ${name}.`,
        details: name,
      });
    }
    this.sendStatus(streamId, {
      level: "status",
      code: "NetStream.Play.Start",
      description: `Started playing ${name}.`,
      details: name,
    });
    this.sendData(streamId, encodeAmf0("|RtmpSampleAccess", true, true));
  }

  /** Refuses play with an error status (NetStream.Play.StreamNotFound by default). */
  rejectPlay(
    streamId: number,
    name: string,
    code = "NetStream.Play.StreamNotFound",
    description = `Failed to play ${name}; stream not found.`,
  ): void {
    this.sendStatus(streamId, { level: "error", code, description, details: name });
  }

  /**
   * Ends playback of a recorded stream as FMS and nginx-rtmp do: StreamEOF, `onPlayStatus`
   * NetStream.Play.Complete (a data message), then onStatus NetStream.Play.Stop.
   */
  endPlay(streamId: number, name: string, durationMs = 0, bytes = 0): void {
    this.#write(encodeUserControl(UserControlEvent.StreamEOF, [streamId], CONTROL));
    this.sendData(
      streamId,
      encodeAmf0("onPlayStatus", {
        code: "NetStream.Play.Complete",
        level: "status",
        duration: durationMs / 1000,
        bytes,
      }),
    );
    this.sendStatus(streamId, {
      level: "status",
      code: "NetStream.Play.Stop",
      description: `Stopped playing ${name}.`,
      details: name,
    });
    if (this.#streams.has(streamId)) this.#streams.set(streamId, "idle");
  }

  /** Accepts publish: onStatus NetStream.Publish.Start; media on the stream becomes events. */
  acceptPublish(streamId: number, name: string): void {
    this.#streams.set(streamId, "publishing");
    this.#publishedNames.set(streamId, name);
    this.#write(encodeUserControl(UserControlEvent.StreamBegin, [streamId], CONTROL));
    this.sendStatus(streamId, {
      level: "status",
      code: "NetStream.Publish.Start",
      description: `${name} is now published.`,
      details: name,
    });
  }

  /** Refuses publish with an error status (NetStream.Publish.BadName by default). */
  rejectPublish(
    streamId: number,
    name: string,
    code = "NetStream.Publish.BadName",
    description = `${name} is already being published.`,
  ): void {
    this.sendStatus(streamId, { level: "error", code, description, details: name });
  }

  /** Answers getStreamLength with a duration in seconds. */
  replyStreamLength(transactionId: number, seconds: number): void {
    this.#command(ServerCsid.Command, 0, "_result", transactionId, null, [seconds]);
  }

  // ---- sending ----

  /** Sends `onStatus` (transaction 0, null, info) on a stream. */
  sendStatus(streamId: number, info: StatusInfo): void {
    this.#command(ServerCsid.Status, streamId, "onStatus", 0, null, [info]);
  }

  /** Sends `_result` on the NetConnection. */
  sendResult(transactionId: number, commandObject: AmfValue, ...args: AmfValue[]): void {
    this.#command(ServerCsid.Command, 0, "_result", transactionId, commandObject, args);
  }

  /** Sends a User Control event with a stream id (StreamBegin, StreamEOF, StreamDry, …). */
  sendStreamEvent(event: number, streamId: number): void {
    this.#write(encodeUserControl(event, [streamId], CONTROL));
  }

  /**
   * Asks the client for SWF verification (User Control 0x1A, request type 0); its answer comes
   * back as a "swfVerification" event.
   */
  requestSwfVerification(): void {
    this.#write(encodeUserControl(UserControlEvent.SwfVerifyRequest, [0], CONTROL));
  }

  /** Sends a PingRequest; the client's answer comes back as a "pingResponse" event. */
  sendPing(value: number): void {
    this.#write(encodeUserControl(UserControlEvent.PingRequest, [value >>> 0], CONTROL));
  }

  /** Sends an AMF0 data message (an encoded body such as onMetaData) on a stream. */
  sendData(streamId: number, payload: Uint8Array, timestamp = 0): void {
    this.#encoder.write({
      csid: ServerCsid.Status,
      typeId: MessageType.DataAmf0,
      timestamp,
      messageStreamId: streamId,
      payload,
    });
  }

  /**
   * Sends one media message on a stream: audio on csid 6, video and aggregates on csid 7, data
   * messages on csid 5. The payload is copied into the output.
   */
  sendMedia(streamId: number, typeId: number, timestamp: number, payload: Uint8Array): void {
    this.#encoder.write({
      csid: typeId === MessageType.Audio
        ? ServerCsid.Audio
        : typeId === MessageType.DataAmf0 || typeId === MessageType.DataAmf3
        ? ServerCsid.Status
        : ServerCsid.Video,
      typeId,
      timestamp: timestamp >>> 0,
      messageStreamId: streamId,
      payload,
    });
  }

  // ---- incoming ----

  #handleMessage(message: RtmpMessage): void {
    if (this.#closed) return;
    switch (message.typeId) {
      case MessageType.SetChunkSize:
      case MessageType.Abort:
        return; // applied by the decoder
      case MessageType.Acknowledgement:
        this.bytesAcknowledged = decodeControl(decodeAcknowledgement, message.payload);
        this.#onEvent({ type: "acknowledgement", bytes: this.bytesAcknowledged });
        return;
      case MessageType.WindowAckSize:
        this.clientWindowAckSize = decodeControl(decodeWindowAckSize, message.payload);
        return;
      case MessageType.SetPeerBandwidth:
        decodeControl(decodeSetPeerBandwidth, message.payload); // checked, not enforced (as ffmpeg)
        return;
      case MessageType.UserControl:
        this.#handleUserControl(decodeControl(decodeUserControl, message.payload), message.payload);
        return;
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        this.#handleCommand(message);
        return;
    }
    if (PUBLISHED_TYPES.has(message.typeId)) {
      const streamId = message.messageStreamId;
      if (this.#streams.get(streamId) === "publishing") {
        this.#onEvent({ type: "media", streamId, message });
      } else {
        this.#warn(`Ignoring message type ${message.typeId} on stream ${streamId}: not publishing`);
      }
      return;
    }
    this.#warn(`Ignoring message type ${message.typeId}`);
  }

  #handleUserControl(control: UserControl, payload: Uint8Array): void {
    switch (control.event) {
      case UserControlEvent.SetBufferLength:
        this.#onEvent({
          type: "bufferLength",
          streamId: control.streamId!,
          bufferMs: control.value!,
        });
        return;
      case UserControlEvent.PingRequest:
        this.#write(
          encodeUserControl(UserControlEvent.PingResponse, [control.value!], CONTROL),
        );
        return;
      case UserControlEvent.PingResponse:
        this.#onEvent({ type: "pingResponse", value: control.value! });
        return;
      case UserControlEvent.SwfVerifyResponse:
        this.#onEvent({ type: "swfVerification", data: payload.slice(2) });
        return;
    }
  }

  #handleCommand(message: RtmpMessage): void {
    let command: CommandMessage;
    try {
      command = decodeCommand(message);
    } catch (err) {
      throw new SessionError(
        `Cannot handle command: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const { name, transactionId, args } = command;
    const streamId = message.messageStreamId;
    if (name === "connect") {
      this.#handleConnect(command);
      return;
    }
    if (this.#state !== "connected") {
      this.#warn(`Ignoring ${name}: the connection is not connected`);
      return;
    }
    switch (name) {
      case "createStream":
        this.#createStream(transactionId);
        return;
      case "deleteStream":
        this.#endStream(toStreamId(args[0]), "deleteStream", true);
        return;
      case "closeStream":
        this.#endStream(streamId, "closeStream", false);
        return;
      case "releaseStream":
        this.#optionalResult(transactionId);
        return;
      case "FCPublish":
        this.#command(ServerCsid.Command, 0, "onFCPublish", 0, null, [{
          code: "NetStream.Publish.Start",
          description: stringArg(args[0]),
        }]);
        this.#optionalResult(transactionId);
        return;
      case "FCUnpublish":
        this.#fcUnpublish(stringArg(args[0]));
        this.#command(ServerCsid.Command, 0, "onFCUnpublish", 0, null, [{
          code: "NetStream.Unpublish.Success",
          description: stringArg(args[0]),
        }]);
        this.#optionalResult(transactionId);
        return;
      case "FCSubscribe":
        this.#command(ServerCsid.Command, 0, "onFCSubscribe", 0, null, [{
          code: "NetStream.Play.Start",
          description: stringArg(args[0]),
        }]);
        return;
      case "FCUnsubscribe":
        return;
      case "getStreamLength":
        this.#onEvent({ type: "getStreamLength", transactionId, name: stringArg(args[0]) });
        return;
      case "_checkbw":
      case "_result":
      case "_error":
        return;
      case "ping":
        this.#command(ServerCsid.Command, 0, "pong", transactionId, null, []);
        return;
      case "play":
        this.#ensureStream(streamId, name);
        this.#onEvent({
          type: "play",
          streamId,
          transactionId,
          name: stringArg(args[0]),
          start: numberArg(args[1], -2000),
          duration: numberArg(args[2], -1),
          reset: args[3] === undefined ? true : args[3] !== false,
        });
        return;
      case "publish":
        this.#ensureStream(streamId, name);
        this.#onEvent({
          type: "publish",
          streamId,
          transactionId,
          name: stringArg(args[0]),
          publishType: typeof args[1] === "string" ? args[1] : "live",
        });
        return;
      case "pause":
        this.#onEvent({
          type: "pause",
          streamId,
          pause: args[0] !== false,
          position: numberArg(args[1], 0),
        });
        return;
      case "seek":
        this.#onEvent({ type: "seek", streamId, position: numberArg(args[0], 0) });
        return;
      case "receiveAudio":
      case "receiveVideo":
        this.#onEvent({ type: name, streamId, enabled: args[0] !== false });
        return;
      default:
        this.#onEvent({
          type: "command",
          streamId,
          name,
          transactionId,
          commandObject: command.commandObject,
          args,
        });
    }
  }

  #handleConnect(command: CommandMessage): void {
    if (this.#state !== "awaiting-connect") {
      this.#warn("Ignoring a second connect");
      return;
    }
    this.#state = "connecting";
    const object = command.commandObject instanceof AmfObject
      ? command.commandObject
      : toAmfObject(command.commandObject);
    const app = object.get("app");
    const tcUrl = object.get("tcUrl");
    const objectEncoding = object.get("objectEncoding");
    this.app = typeof app === "string" ? app : "";
    this.tcUrl = typeof tcUrl === "string" ? tcUrl : "";
    this.#objectEncoding = typeof objectEncoding === "number" ? objectEncoding : 0;
    this.#onEvent({
      type: "connect",
      transactionId: command.transactionId,
      app: this.app,
      tcUrl: this.tcUrl,
      objectEncoding: this.#objectEncoding,
      commandObject: object,
      args: command.args,
    });
  }

  #createStream(transactionId: number): void {
    if (this.#streams.size >= this.#maxStreams) {
      this.#command(ServerCsid.Command, 0, "_error", transactionId, null, [{
        level: "error",
        code: "NetConnection.Call.Failed",
        description: `Too many streams (limit ${this.#maxStreams}).`,
      }]);
      return;
    }
    while (this.#streams.has(this.#nextStreamId)) this.#nextStreamId++;
    const streamId = this.#nextStreamId++;
    this.#streams.set(streamId, "idle");
    this.#command(ServerCsid.Command, 0, "_result", transactionId, null, [streamId]);
    this.#onEvent({ type: "createStream", streamId });
  }

  /** Accepts play/publish on a message stream id the client did not create (old clients). */
  #ensureStream(streamId: number, command: string): void {
    if (this.#streams.has(streamId)) return;
    if (this.#streams.size >= this.#maxStreams) {
      throw new SessionError(`Cannot ${command} on stream ${streamId}: too many streams`);
    }
    this.#streams.set(streamId, "idle");
  }

  #endStream(streamId: number, reason: "deleteStream" | "closeStream", remove: boolean): void {
    const state = this.#streams.get(streamId);
    if (state === undefined) return;
    this.#publishedNames.delete(streamId);
    if (state !== "idle") this.#onEvent({ type: "closeStream", streamId, reason });
    if (remove) this.#streams.delete(streamId);
    else this.#streams.set(streamId, "idle");
  }

  /** FCUnpublish names the stream: ends the stream publishing under that name. */
  #fcUnpublish(name: string): void {
    for (const [streamId, state] of this.#streams) {
      if (state === "publishing" && this.#publishedNames.get(streamId) === name) {
        this.#streams.set(streamId, "idle");
        this.#publishedNames.delete(streamId);
        this.#onEvent({ type: "closeStream", streamId, reason: "FCUnpublish" });
      }
    }
  }

  #optionalResult(transactionId: number): void {
    if (transactionId > 0) {
      this.#command(ServerCsid.Command, 0, "_result", transactionId, null, [undefined]);
    }
  }

  // ---- outgoing ----

  #command(
    csid: number,
    streamId: number,
    name: string,
    transactionId: number,
    commandObject: AmfValue,
    args: AmfValue[],
  ): void {
    this.#encoder.write({
      csid,
      typeId: MessageType.CommandAmf0,
      timestamp: 0,
      messageStreamId: streamId,
      payload: encodeAmf0(name, transactionId, commandObject, ...args),
    });
  }

  #write(message: RtmpMessage): void {
    this.#encoder.write(message);
  }

  #maybeAcknowledge(): void {
    const window = this.clientWindowAckSize;
    if (window > 0 && this.bytesIn - this.#bytesInAcked >= window) {
      this.#bytesInAcked = this.bytesIn;
      this.#write(encodeAcknowledgement(this.bytesIn % U32_RANGE, CONTROL));
    }
  }

  #warn(message: string): void {
    this.#onEvent({ type: "warning", message });
  }
}

const CONTROL = { csid: ServerCsid.Control } as const;

/** Decodes a control message's payload; one that is malformed is the client's protocol error. */
function decodeControl<T>(decode: (payload: Uint8Array) => T, payload: Uint8Array): T {
  try {
    return decode(payload);
  } catch (err) {
    if (err instanceof MessageError) throw new SessionError(err.message, { cause: err });
    throw err;
  }
}

function stringArg(value: AmfValue): string {
  return typeof value === "string" ? value : "";
}

function numberArg(value: AmfValue, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function toStreamId(value: AmfValue): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : -1;
}

function toAmfObject(value: AmfValue): AmfObject {
  const object = new AmfObject();
  if (value instanceof Map) {
    for (const [key, v] of value) object.set(key, v);
  } else if (
    value !== null && typeof value === "object" && !Array.isArray(value) &&
    !(value instanceof Uint8Array) && Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const [key, v] of Object.entries(value)) object.set(key, v as AmfValue);
  }
  return object;
}
