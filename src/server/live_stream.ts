/**
 * A live stream: one publisher, any number of players, and what a player joining late needs —
 * the metadata (`@setDataFrame onMetaData`, kept as onMetaData), the latest sequence header of
 * each track (AVC/AAC and Enhanced RTMP) and the current group of pictures.
 *
 * @module
 */

import { sharePayload } from "../chunk/chunk_encoder.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { MessageType } from "../message/mod.ts";
import { inspectAudio, inspectVideo, type MediaInfo } from "./inspect_media.ts";
import type { LivePlayer } from "./live_player.ts";
import type { ConnectionOutput } from "./server_connection.ts";

/** Most distinct tracks whose sequence headers are kept. */
export const MAX_CACHED_SEQUENCE_HEADERS = 16;

const AMF0_STRING = 0x02;
const AMF0_LONG_STRING = 0x0c;
const SET_DATA_FRAME = "@setDataFrame";
const CLEAR_DATA_FRAME = "@clearDataFrame";
const ON_METADATA = "onMetaData";

/** Who publishes a stream. */
export interface LivePublisher {
  /** The publisher's connection. */
  output: ConnectionOutput;
  /** The message stream it publishes on. */
  streamId: number;
}

/** Options of a {@linkcode LiveStream}. */
export interface LiveStreamOptions {
  /**
   * Most bytes of the current group of pictures kept for joining players. A longer GOP is not
   * cached: players joining then wait for the next keyframe.
   */
  gopCacheBytes: number;
}

/** A live stream under one APP/NAME key. */
export class LiveStream {
  /** "APP/NAME". */
  readonly key: string;
  readonly #options: LiveStreamOptions;
  /** The publisher, while one is publishing. */
  publisher: LivePublisher | undefined;
  /** Everyone playing the stream. */
  readonly players: Set<LivePlayer> = new Set();
  /** The last onMetaData body (AMF0 "onMetaData", values), without @setDataFrame. */
  metadata: Uint8Array | undefined;
  readonly #sequenceHeaders = new Map<string, RtmpMessage>();
  #gop: RtmpMessage[] = [];
  #gopBytes = 0;
  /** True when #gop starts at a keyframe and holds everything since. */
  #gopValid = false;
  #hasVideo = false;
  /** Messages relayed since publishing started. */
  messagesIn = 0;

  /** Creates an empty stream. */
  constructor(key: string, options: LiveStreamOptions) {
    this.key = key;
    this.#options = options;
  }

  /** True when nobody publishes or plays: the stream can be forgotten. */
  get idle(): boolean {
    return this.publisher === undefined && this.players.size === 0;
  }

  /** Whether video was seen since publishing started. */
  get hasVideo(): boolean {
    return this.#hasVideo;
  }

  /** Starts publishing: players already waiting get PublishNotify. */
  startPublishing(publisher: LivePublisher): void {
    this.publisher = publisher;
    this.#reset();
    for (const player of this.players) player.published();
  }

  /** Stops publishing: players get StreamEOF and UnpublishNotify and stay subscribed. */
  stopPublishing(): void {
    this.publisher = undefined;
    this.#reset();
    for (const player of this.players) player.unpublished();
  }

  /**
   * Adds a player whose Play.Start was sent: it gets the metadata, the sequence headers and the
   * cached GOP (or waits for the next keyframe).
   */
  addPlayer(player: LivePlayer): void {
    this.players.add(player);
    if (this.publisher === undefined) return;
    // Timestamp 0, as a recording starts: rtmpdump then holds its FLV header until it has seen
    // both sequence headers and sets the audio and video flags (a nonzero first timestamp
    // would make it write the header at once, with no flags).
    const start = 0;
    if (this.metadata !== undefined) {
      player.sendEssential(message(MessageType.DataAmf0, start, this.metadata));
    }
    for (const header of this.#sequenceHeaders.values()) {
      player.sendEssential({ ...header, timestamp: start });
    }
    player.waitForKeyframe();
    if (this.#gopValid) {
      for (const cached of this.#gop) {
        if (!player.relay(cached, info(cached), this.#hasVideo)) return;
      }
    }
  }

  /** Removes a player. */
  removePlayer(player: LivePlayer): void {
    this.players.delete(player);
  }

  /** Handles one message from the publisher and relays it to every player. */
  publish(input: RtmpMessage): void {
    this.messagesIn++;
    let relayed = input;
    let mediaInfo: MediaInfo | undefined;
    const type = input.typeId;
    if (type === MessageType.DataAmf0 || type === MessageType.DataAmf3) {
      const data = this.#dataMessage(input);
      if (data === undefined) return;
      relayed = data;
    } else if (type === MessageType.Video || type === MessageType.Audio) {
      mediaInfo = info(input)!;
      if (type === MessageType.Video) this.#hasVideo = true;
      if (mediaInfo.sequenceHeader) {
        this.#cacheSequenceHeader(mediaInfo.track, input);
      } else {
        this.#cacheGop(input, mediaInfo);
      }
    } else if (type === MessageType.Aggregate) {
      this.#cacheGop(input, undefined);
    }
    // Every player gets the same bytes, which are kept as they are (the GOP cache holds them):
    // the encoders chunk them once per chunk size instead of once per player.
    if (this.players.size > 1) sharePayload(relayed.payload);
    for (const player of this.players) player.relay(relayed, mediaInfo, this.#hasVideo);
  }

  /** Turns a data message into what players get; undefined for ones that are not relayed. */
  #dataMessage(input: RtmpMessage): RtmpMessage | undefined {
    // AMF3 data messages carry one leading byte before AMF0 values.
    const body = input.typeId === MessageType.DataAmf3 ? input.payload.subarray(1) : input.payload;
    const first = readAmf0String(body, 0);
    if (first === undefined) return { ...input, typeId: MessageType.DataAmf0, payload: body };
    if (first.value === CLEAR_DATA_FRAME) {
      this.metadata = undefined;
      return undefined;
    }
    let payload = body;
    let name = first.value;
    if (name === SET_DATA_FRAME) {
      payload = body.subarray(first.end);
      name = readAmf0String(payload, 0)?.value ?? "";
    }
    if (name === ON_METADATA) this.metadata = payload.slice();
    return {
      csid: input.csid,
      typeId: MessageType.DataAmf0,
      timestamp: input.timestamp,
      messageStreamId: input.messageStreamId,
      payload,
    };
  }

  #cacheSequenceHeader(track: string, input: RtmpMessage): void {
    if (
      !this.#sequenceHeaders.has(track) &&
      this.#sequenceHeaders.size >= MAX_CACHED_SEQUENCE_HEADERS
    ) {
      return;
    }
    this.#sequenceHeaders.set(track, input);
  }

  #cacheGop(input: RtmpMessage, mediaInfo: MediaInfo | undefined): void {
    if (!this.#hasVideo) return; // audio-only streams start anywhere
    if (input.typeId === MessageType.Video && mediaInfo?.keyframe) {
      this.#gop = [];
      this.#gopBytes = 0;
      this.#gopValid = true;
    }
    if (!this.#gopValid) return;
    this.#gopBytes += input.payload.length;
    if (this.#gopBytes > this.#options.gopCacheBytes) {
      this.#gop = [];
      this.#gopBytes = 0;
      this.#gopValid = false;
      return;
    }
    this.#gop.push(input);
  }

  #reset(): void {
    this.metadata = undefined;
    this.#sequenceHeaders.clear();
    this.#gop = [];
    this.#gopBytes = 0;
    this.#gopValid = false;
    this.#hasVideo = false;
  }
}

function info(message: RtmpMessage): MediaInfo | undefined {
  if (message.typeId === MessageType.Video) return inspectVideo(message.payload);
  if (message.typeId === MessageType.Audio) return inspectAudio(message.payload);
  return undefined;
}

function message(typeId: number, timestamp: number, payload: Uint8Array): RtmpMessage {
  return { csid: 0, typeId, timestamp, messageStreamId: 0, payload };
}

const utf8 = new TextDecoder();

/** Reads an AMF0 string or long string at `offset`; undefined when there is none. */
function readAmf0String(
  bytes: Uint8Array,
  offset: number,
): { value: string; end: number } | undefined {
  const marker = bytes[offset];
  let start: number;
  let length: number;
  if (marker === AMF0_STRING && offset + 3 <= bytes.length) {
    length = (bytes[offset + 1] << 8) | bytes[offset + 2];
    start = offset + 3;
  } else if (marker === AMF0_LONG_STRING && offset + 5 <= bytes.length) {
    length = ((bytes[offset + 1] << 24) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 8) |
      bytes[offset + 4]) >>> 0;
    start = offset + 5;
  } else {
    return undefined;
  }
  if (start + length > bytes.length) return undefined;
  return { value: utf8.decode(bytes.subarray(start, start + length)), end: start + length };
}
