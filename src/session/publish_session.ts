/**
 * The publishing client engine: connect, releaseStream, FCPublish, createStream,
 * publish(name, "live"), then FLV tags as messages on chunk stream 4, and FCUnpublish +
 * deleteStream at the end, as librtmp's publish mode does it (librtmp-facts §5.7).
 *
 * Sans-I/O: feed it the bytes after the handshake with {@linkcode PublishSession.receive}, send
 * what {@linkcode PublishSession.takeOutput} returns.
 *
 * @module
 */

import { AmfObject, type AmfValue } from "../amf/types.ts";
import { decodeAmf0, encodeAmf0 } from "../amf/mod.ts";
import { ChunkDecoder, type ChunkDecoderOptions, ChunkEncoder } from "../chunk/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import type { FlvTag } from "../flv/mod.ts";
import {
  CSID,
  decodeUserControl,
  decodeWindowAckSize,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeUserControl,
  MessageError,
  MessageType,
  UserControlEvent,
} from "../message/mod.ts";
import { propString, propValue } from "./client_session.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";

/** `flashVer` a publisher sends unless told otherwise (what FMLE sends; servers know it). */
export const DEFAULT_PUBLISH_FLASH_VER = "FMLE/3.0 (compatible; FMSc/1.0)";
/** Outgoing chunk size announced after the handshake (librtmp keeps 128; ffmpeg and OBS raise it). */
export const DEFAULT_PUBLISH_CHUNK_SIZE = 4096;

/** The string every data tag is prefixed with when published (librtmp, ffmpeg, OBS). */
const SET_DATA_FRAME = encodeAmf0("@setDataFrame");
const SET_DATA_FRAME_NAME = "@setDataFrame";

/** Where the publish session is. */
export type PublishState = "connecting" | "publishing" | "failed" | "closed";

/** What to connect to and publish. */
export interface PublishSessionOptions {
  /** The connect object's `app`. */
  app: string;
  /** The stream name to publish (publish's first argument). */
  playpath: string;
  /** The connect object's `tcUrl`. */
  tcUrl?: string;
  /** The connect object's `swfUrl`. */
  swfUrl?: string;
  /** The connect object's `pageUrl`. */
  pageUrl?: string;
  /** Default {@linkcode DEFAULT_PUBLISH_FLASH_VER}. */
  flashVer?: string;
  /** Outgoing chunk size; default 4096. 128 keeps librtmp's (no Set Chunk Size sent). */
  chunkSize?: number;
  /** publish's second argument: "live" (default), "record" or "append". */
  publishType?: string;
  /** Receives the session's log lines. */
  log?: LogSink;
  /** Limits of the chunk decoder for what the server sends. */
  decoder?: ChunkDecoderOptions;
}

/** The client side of one publishing connection. */
export class PublishSession {
  readonly #options: PublishSessionOptions;
  readonly #log: LogSink;
  readonly #decoder: ChunkDecoder;
  readonly #encoder = new ChunkEncoder();
  readonly #pending = new Map<number, string>();
  readonly #onMessage = (message: RtmpMessage) => this.#handleMessage(message);
  #transactionId = 0;
  #bytesInAcked = 0;
  #serverWindow = 0;

  /** Where the session is. */
  state: PublishState = "connecting";
  /** Message stream id from createStream, 0 before. */
  streamId = 0;
  /** Why the session failed: the status code (or `_error` code) the server sent. */
  failure: string | undefined;
  /** The server's description of the failure. */
  failureDescription: string | undefined;
  /**
   * Where the server redirects to: the `ex.redirect` of a NetConnection.Connect.Rejected
   * `_error` for connect (the publisher follows it).
   */
  redirect: string | undefined;
  /** Bytes received, handshake included. */
  bytesIn = 0;

  /** Creates a session; call {@linkcode connect} to queue the connect command. */
  constructor(options: PublishSessionOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLog;
    this.#decoder = new ChunkDecoder(options.decoder);
  }

  /** Encoded bytes waiting for {@linkcode takeOutput}. */
  get pendingBytes(): number {
    return this.#encoder.pendingBytes;
  }

  /** True when output is waiting. */
  get hasOutput(): boolean {
    return this.#encoder.pendingBytes > 0;
  }

  /** All bytes to send now; the caller owns them. */
  takeOutput(): Uint8Array {
    return this.#encoder.takeOutput();
  }

  /**
   * The command whose reply the session waits for ("connect", "createStream", "publish"), or
   * undefined when it waits for none.
   */
  get awaiting(): string | undefined {
    if (this.state !== "connecting") return undefined;
    let last: string | undefined;
    for (const name of this.#pending.values()) last = name;
    return last;
  }

  /** Counts bytes received outside `receive` (the handshake). */
  countBytes(count: number): void {
    this.bytesIn += count;
  }

  /** Queues Set Chunk Size (unless 128) and the connect command with `type: "nonprivate"`. */
  connect(): void {
    const o = this.#options;
    const chunkSize = o.chunkSize ?? DEFAULT_PUBLISH_CHUNK_SIZE;
    if (chunkSize !== this.#encoder.chunkSize) {
      this.#encoder.write(encodeSetChunkSize(chunkSize));
      this.#encoder.chunkSize = chunkSize;
    }
    const object = new AmfObject();
    object.set("app", o.app);
    object.set("type", "nonprivate");
    object.set("flashVer", o.flashVer ?? DEFAULT_PUBLISH_FLASH_VER);
    if (o.swfUrl) object.set("swfUrl", o.swfUrl);
    if (o.tcUrl) object.set("tcUrl", o.tcUrl);
    if (o.pageUrl) object.set("pageUrl", o.pageUrl);
    this.#invoke("connect", [object], CSID.Command, 0, true);
  }

  /**
   * Feeds received bytes. Throws the chunk layer's `ChunkError` on a broken chunk stream;
   * malformed control messages and commands are logged and ignored, as librtmp does.
   */
  receive(data: Uint8Array): void {
    this.bytesIn += data.length;
    this.#decoder.push(data, this.#onMessage);
    if (this.#serverWindow > 0 && this.bytesIn - this.#bytesInAcked >= this.#serverWindow) {
      this.#bytesInAcked = this.bytesIn;
      this.#encoder.write(encodeAcknowledgement(this.bytesIn % 0x1_0000_0000));
    }
  }

  /**
   * Queues one FLV tag as a message on chunk stream 4 (librtmp's `RTMP_Write`): a full header
   * for timestamp-0 audio/video and for every data tag, `@setDataFrame` put in front of data
   * tags that lack it. Other tag types are skipped. Returns the bytes queued.
   */
  writeTag(tag: FlvTag): number {
    if (this.state !== "publishing") {
      throw new Error(`Cannot publish a tag: the session is ${this.state}`);
    }
    const type = tag.type;
    let payload = tag.data;
    let forceFull = false;
    if (type === MessageType.DataAmf0) {
      if (!startsWithString(payload, SET_DATA_FRAME_NAME)) {
        const joined = new Uint8Array(SET_DATA_FRAME.length + payload.length);
        joined.set(SET_DATA_FRAME);
        joined.set(payload, SET_DATA_FRAME.length);
        payload = joined;
      }
      forceFull = true;
    } else if (type === MessageType.Audio || type === MessageType.Video) {
      forceFull = tag.timestamp === 0;
    } else {
      return 0;
    }
    const before = this.#encoder.pendingBytes;
    this.#encoder.write({
      csid: CSID.Media,
      typeId: type,
      timestamp: tag.timestamp >>> 0,
      messageStreamId: this.streamId,
      payload,
    }, { forceFull });
    return this.#encoder.pendingBytes - before;
  }

  /** Ends publishing: FCUnpublish and deleteStream (librtmp's close in publish mode). */
  close(): void {
    if (this.state === "closed") return;
    if (this.streamId > 0) {
      this.#invoke("FCUnpublish", [null, this.#options.playpath], CSID.Command, 0, false);
      this.#invoke("deleteStream", [null, this.streamId], CSID.Command, 0, false);
    }
    this.state = "closed";
  }

  // ---- incoming ----

  #handleMessage(message: RtmpMessage): void {
    const payload = message.payload;
    switch (message.typeId) {
      case MessageType.WindowAckSize: {
        const window = this.#decodeControl(decodeWindowAckSize, payload);
        if (window !== undefined) this.#serverWindow = window;
        return;
      }
      case MessageType.UserControl: {
        const control = this.#decodeControl(decodeUserControl, payload);
        if (control?.event === UserControlEvent.PingRequest) {
          this.#encoder.write(
            encodeUserControl(UserControlEvent.PingResponse, [control.value ?? 0]),
          );
        }
        return;
      }
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        this.#handleCommand(
          message.typeId === MessageType.CommandAmf3 ? payload.subarray(1) : payload,
        );
        return;
    }
  }

  /** Decodes a control message, or logs and ignores one that is malformed (as librtmp). */
  #decodeControl<T>(decode: (payload: Uint8Array) => T, payload: Uint8Array): T | undefined {
    try {
      return decode(payload);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.#log(LogLevel.Warning, `Ignoring a malformed control message: ${err.message}`);
      return undefined;
    }
  }

  #handleCommand(body: Uint8Array): void {
    let values: AmfValue[];
    try {
      values = decodeAmf0(body);
    } catch (err) {
      this.#log(LogLevel.Warning, `Ignoring an undecodable command: ${(err as Error).message}`);
      return;
    }
    const [name, transactionId] = values;
    const txn = typeof transactionId === "number" ? transactionId : 0;
    const call = this.#pending.get(txn);
    switch (name) {
      case "_result":
        this.#pending.delete(txn);
        if (call === "connect") {
          this.#invoke("releaseStream", [null, this.#options.playpath], CSID.Command, 0, false);
          this.#invoke("FCPublish", [null, this.#options.playpath], CSID.Command, 0, false);
          this.#invoke("createStream", [null], CSID.Command, 0, true);
        } else if (call === "createStream") {
          const id = values[3];
          this.streamId = typeof id === "number" ? Math.trunc(id) : 0;
          this.#invoke(
            "publish",
            [null, this.#options.playpath, this.#options.publishType ?? "live"],
            CSID.Publish,
            this.streamId,
            true,
          );
        }
        return;
      case "_error":
        this.#pending.delete(txn);
        if (call === "connect") {
          this.redirect = propString(propValue(values[3], "ex"), "redirect") || undefined;
        }
        if (call === "connect" || call === "createStream" || call === "publish") {
          this.#fail(
            propString(values[3], "code") || "_error",
            propString(values[3], "description"),
          );
        }
        return;
      case "onStatus": {
        const info = values[3];
        const code = propString(info, "code");
        this.#log(LogLevel.Debug, `onStatus: ${code}`);
        if (code === "NetStream.Publish.Start") {
          if (this.state === "connecting") this.state = "publishing";
        } else if (propString(info, "level") === "error") {
          this.#fail(code, propString(info, "description"));
        }
        return;
      }
      case "close":
        this.#fail("close", "The server closed the connection");
        return;
    }
  }

  #fail(code: string, description: string): void {
    if (this.state === "failed" || this.state === "closed") return;
    this.state = "failed";
    this.failure = code;
    this.failureDescription = description;
    // The caller reports the failure (the publisher throws it): only debug output here.
    this.#log(
      LogLevel.Debug,
      `Publishing failed: ${code}${description ? ` (${description})` : ""}`,
    );
  }

  #invoke(
    name: string,
    args: AmfValue[],
    csid: number,
    messageStreamId: number,
    expectReply: boolean,
  ): void {
    const transactionId = ++this.#transactionId;
    this.#encoder.write({
      csid,
      typeId: MessageType.CommandAmf0,
      timestamp: 0,
      messageStreamId,
      payload: encodeAmf0(name, transactionId, ...args),
    }, { forceFull: name === "connect" || name === "publish" });
    if (expectReply) this.#pending.set(transactionId, name);
  }
}

/** Whether an AMF0 body starts with the string `text` (ASCII). */
function startsWithString(body: Uint8Array, text: string): boolean {
  if (body.length < 3 + text.length || body[0] !== 0x02) return false;
  if (((body[1] << 8) | body[2]) !== text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (body[3 + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}
