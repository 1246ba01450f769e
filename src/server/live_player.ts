/**
 * One player of a live stream: what it has been sent, what it wants (receiveAudio,
 * receiveVideo, pause) and the bounded queue policy that keeps a slow player from holding the
 * server's memory.
 *
 * @module
 */

import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { MessageType, UserControlEvent } from "../message/mod.ts";
import type { ConnectionOutput } from "./server_connection.ts";
import type { MediaInfo } from "./inspect_media.ts";

/** Options of a {@linkcode LivePlayer}. */
export interface LivePlayerOptions {
  /**
   * Most bytes the player's connection may have queued. Past half of it, video is dropped up to
   * the next keyframe that finds the queue below half again; past all of it, the player is
   * disconnected.
   */
  queueLimit: number;
  /**
   * How far behind (in stream time) a player may fall while it loses frames before it is
   * disconnected; default {@linkcode DEFAULT_PLAYER_MAX_LAG_MS}.
   */
  maxLagMs?: number;
  /** Called when frames were dropped for this player (count of this drop). */
  onDrop?: (player: LivePlayer, count: number) => void;
  /** Called when the player is disconnected for falling behind. */
  onFallBehind?: (player: LivePlayer, queued: number) => void;
}

/** Default {@linkcode LivePlayerOptions.maxLagMs}: ten seconds of lost video. */
export const DEFAULT_PLAYER_MAX_LAG_MS = 10_000;

/** Why a video frame is held back: the player is not at a decodable point yet. */
const WaitReason = { None: 0, Start: 1, Congestion: 2 } as const;
type WaitReason = typeof WaitReason[keyof typeof WaitReason];

/** A player subscribed to a live stream. */
export class LivePlayer {
  /** The connection the player is on. */
  readonly output: ConnectionOutput;
  /** Its message stream id. */
  readonly streamId: number;
  /** The name it asked for. */
  readonly name: string;
  readonly #options: LivePlayerOptions;
  #wait: WaitReason = WaitReason.Start;
  /** Stream time when the player started losing frames, or -1. */
  #congestedSince = -1;
  /** Whether the player wants audio (`receiveAudio`). */
  receiveAudio = true;
  /** Whether the player wants video (`receiveVideo`). */
  receiveVideo = true;
  #paused = false;
  /** Frames dropped because the player was too slow. */
  droppedFrames = 0;
  /** Media bytes queued for the player. */
  bytesSent = 0;

  /** Creates a player on `output`'s stream `streamId`. */
  constructor(
    output: ConnectionOutput,
    streamId: number,
    name: string,
    options: LivePlayerOptions,
  ) {
    this.output = output;
    this.streamId = streamId;
    this.name = name;
    this.#options = options;
  }

  /** True while the player waits for a keyframe before it gets video again. */
  get waitingForKeyframe(): boolean {
    return this.#wait !== WaitReason.None;
  }

  /** Makes the next video frame sent be a keyframe (a new publisher, a join without a GOP). */
  waitForKeyframe(): void {
    this.#wait = WaitReason.Start;
  }

  /** Pauses (nothing is sent) or resumes (from the next keyframe). */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.#wait = WaitReason.Start;
  }

  /** Enables or disables video; re-enabled video starts at a keyframe. */
  setReceiveVideo(enabled: boolean): void {
    if (enabled && !this.receiveVideo) this.#wait = WaitReason.Start;
    this.receiveVideo = enabled;
  }

  /**
   * Sends a message that must reach the player whatever its queue (metadata, sequence headers,
   * status), unless the queue is over the limit, which disconnects it.
   */
  sendEssential(message: RtmpMessage): void {
    if (this.#overLimit(message.payload.length)) return;
    this.#send(message);
  }

  /**
   * Relays one message of the stream. `info` describes audio and video (undefined for data and
   * aggregates). Returns false when the player was disconnected.
   */
  relay(message: RtmpMessage, info: MediaInfo | undefined, streamHasVideo: boolean): boolean {
    const output = this.output;
    if (output.closed) return false;
    if (this.#paused) return true;
    const type = message.typeId;
    if (info?.sequenceHeader) {
      if (type === MessageType.Video ? !this.receiveVideo : !this.receiveAudio) return true;
      if (this.#overLimit(message.payload.length)) return false;
      this.#send(message);
      return true;
    }
    if (type === MessageType.Video) {
      if (!this.receiveVideo) return true;
      const queued = output.queuedBytes;
      const congested = queued > this.#options.queueLimit / 2;
      if (this.#wait === WaitReason.None && !info?.keyframe && congested) {
        this.#wait = WaitReason.Congestion;
        this.#congestedSince = message.timestamp;
      }
      if (this.#wait !== WaitReason.None) {
        if (!info?.keyframe || congested) {
          if (this.#wait === WaitReason.Congestion) {
            this.#dropped(1);
            const lag = (message.timestamp - this.#congestedSince) >>> 0;
            if (lag > (this.#options.maxLagMs ?? DEFAULT_PLAYER_MAX_LAG_MS) && lag < 0x80000000) {
              this.#disconnect(queued);
              return false;
            }
          }
          return true;
        }
        this.#wait = WaitReason.None;
        this.#congestedSince = -1;
      }
    } else if (type === MessageType.Audio) {
      if (!this.receiveAudio) return true;
      // A joining player starts with video: audio waits with it.
      if (this.#wait === WaitReason.Start && streamHasVideo && this.receiveVideo) return true;
    }
    if (this.#overLimit(message.payload.length)) return false;
    this.#send(message);
    return true;
  }

  /** Tells the player the publisher stopped: StreamEOF and NetStream.Play.UnpublishNotify. */
  unpublished(): void {
    const session = this.output.session;
    if (this.output.closed) return;
    session.sendStreamEvent(UserControlEvent.StreamEOF, this.streamId);
    session.sendStatus(this.streamId, {
      level: "status",
      code: "NetStream.Play.UnpublishNotify",
      description: `${this.name} is now unpublished.`,
      details: this.name,
    });
    this.#wait = WaitReason.Start;
    this.output.flush();
  }

  /**
   * Tells the player a publisher started: StreamBegin and NetStream.Play.PublishNotify. The
   * player then gets the stream from its first message, as nginx-rtmp sends it (a publisher
   * starts at a keyframe; audio before it is not held back).
   */
  published(): void {
    const session = this.output.session;
    if (this.output.closed) return;
    session.sendStreamEvent(UserControlEvent.StreamBegin, this.streamId);
    session.sendStatus(this.streamId, {
      level: "status",
      code: "NetStream.Play.PublishNotify",
      description: `${this.name} is now published.`,
      details: this.name,
    });
    this.#wait = WaitReason.None;
    this.#congestedSince = -1;
    this.output.flush();
  }

  #overLimit(size: number): boolean {
    const queued = this.output.queuedBytes;
    if (queued + size <= this.#options.queueLimit) return false;
    this.#disconnect(queued);
    return true;
  }

  #disconnect(queued: number): void {
    if (this.output.closed) return;
    this.#options.onFallBehind?.(this, queued);
    this.output.close(`player fell behind: ${queued} bytes queued`);
  }

  #send(message: RtmpMessage): void {
    this.output.session.sendMedia(
      this.streamId,
      message.typeId,
      message.timestamp,
      message.payload,
    );
    this.bytesSent += message.payload.length;
    this.output.flush();
  }

  #dropped(count: number): void {
    this.droppedFrames += count;
    this.#options.onDrop?.(this, count);
  }
}
