/**
 * Plays an FLV file to one stream of a connection, the way FMS and nginx-rtmp serve recorded
 * streams: Play.Reset/Play.Start, the file's tags with their own timestamps, paced by the
 * client's buffer length, then StreamEOF, onPlayStatus Play.Complete and Play.Stop.
 *
 * @module
 */

import { FlvReader, type FlvTag, FlvTagType } from "../flv/mod.ts";
import { UserControlEvent } from "../message/mod.ts";
import { inspectVideo } from "./inspect_media.ts";
import type { ConnectionOutput } from "./server_connection.ts";
import type { VodFile } from "./vod_file.ts";

/** Bytes read from the file at a time. */
export const VOD_READ_BLOCK = 1024 * 1024;
/** Queued bytes above which the player waits for the connection to drain … */
export const VOD_HIGH_WATER = 1024 * 1024;
/** … down to this many. */
export const VOD_LOW_WATER = 256 * 1024;
/**
 * Sent ahead of real time on top of the client's buffer length (nginx-rtmp adds the same), so
 * the client's buffer fills at the start instead of draining.
 */
export const VOD_BUFFER_ADDON_MS = 1000;
/** Longest single sleep while pacing, so state changes are noticed promptly. */
const MAX_PACING_SLEEP_MS = 500;

/** An FLV header with no flags and PreviousTagSize0, fed before bytes read from any offset. */
const SYNTHETIC_FLV_HEADER = new Uint8Array([0x46, 0x4c, 0x56, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0]);

/** Options of a {@linkcode VodPlayer}. */
export interface VodPlayerOptions {
  /** The connection to play on. */
  output: ConnectionOutput;
  /** The message stream id. */
  streamId: number;
  /** The name the client asked for (for status descriptions). */
  name: string;
  /** The open file; the player closes it when it ends. */
  file: VodFile;
  /** play's start in ms; above 0, playback starts at the keyframe at or before it. */
  start: number;
  /** play's len in ms; above 0, playback stops once that much media was sent. */
  duration: number;
  /** The client's current buffer length for the stream, in ms. */
  bufferMs: () => number;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
}

/** Where a playback run starts and how its timestamps are written. */
interface Run {
  /** File timestamp of the start point (a keyframe). */
  at: number;
  /**
   * Subtracted from file timestamps: the start point's timestamp for play with a start (FMS
   * restarts timestamps at 0, which rtmpdump's --start and --resume rely on), 0 after seek.
   */
  base: number;
}

/** Plays one file to one stream. */
export class VodPlayer {
  readonly #o: VodPlayerOptions;
  readonly #now: () => number;
  #generation = 0;
  #stopped = false;
  #paused = false;
  #pausedAt = 0;
  #pending: Run | undefined;
  #wake: (() => void) | undefined;
  #receiveAudio = true;
  #receiveVideo = true;
  #videoNeedsKeyframe = false;
  /** Media bytes queued for the client. */
  bytesSent = 0;
  /** Pacing: wall clock and stream time of the first tag of the current run. */
  #epoch = -1;
  #epochTimestamp = 0;

  /** Prepares playback; {@linkcode run} plays. */
  constructor(options: VodPlayerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True once stopped or the connection closed. */
  get stopped(): boolean {
    return this.#stopped || this.#o.output.closed;
  }

  /**
   * Plays until the end of the file (then waits for a seek or stop), a stop, or the connection
   * closing. Sends Play.Start first. Never rejects; closes the file at the end.
   */
  async run(): Promise<void> {
    const { output, streamId, name, file } = this.#o;
    try {
      output.session.beginPlay(streamId, name, { reset: true, recorded: true });
      output.flush();
      const start = this.#o.start > 0 ? this.#o.start : 0;
      let run: Run = { at: start, base: -1 };
      while (!this.stopped) {
        const generation = this.#generation;
        const ended = await this.#play(run, generation);
        if (this.stopped) break;
        if (ended) {
          output.session.endPlay(streamId, name, 0, this.bytesSent);
          output.flush();
          while (!this.stopped && this.#generation === generation) await this.#waitChange();
          if (this.stopped) break;
        }
        run = this.#pending ?? run;
        this.#pending = undefined;
      }
    } finally {
      await file.close();
    }
  }

  /** Stops playback (closeStream, deleteStream, a new play, the connection closing). */
  stop(): void {
    this.#stopped = true;
    this.#changed();
  }

  /** Seeks to `ms`: playback restarts at the keyframe at or before it, timestamps as in the file. */
  seek(ms: number): void {
    const session = this.#o.output.session;
    const streamId = this.#o.streamId;
    session.sendStreamEvent(UserControlEvent.StreamEOF, streamId);
    session.sendStatus(streamId, {
      level: "status",
      code: "NetStream.Seek.Notify",
      description: `Seeking ${Math.max(0, Math.trunc(ms))} (stream ID: ${streamId}).`,
      details: this.#o.name,
    });
    session.sendStreamEvent(UserControlEvent.StreamBegin, streamId);
    this.#o.output.flush();
    this.#pending = { at: Math.max(0, ms), base: 0 };
    this.#paused = false;
    this.#generation++;
    this.#changed();
  }

  /** Pauses or resumes where it stopped (nginx-rtmp's behaviour; `position` is not used). */
  pause(paused: boolean): void {
    if (paused === this.#paused) return;
    const session = this.#o.output.session;
    session.sendStatus(this.#o.streamId, {
      level: "status",
      code: paused ? "NetStream.Pause.Notify" : "NetStream.Unpause.Notify",
      description: `${paused ? "Pausing" : "Unpausing"} ${this.#o.name}.`,
      details: this.#o.name,
    });
    this.#o.output.flush();
    this.#paused = paused;
    if (paused) {
      this.#pausedAt = this.#now();
    } else if (this.#epoch >= 0) {
      this.#epoch += this.#now() - this.#pausedAt;
    }
    this.#changed();
  }

  /** `receiveAudio`: whether audio is sent. */
  setReceiveAudio(enabled: boolean): void {
    this.#receiveAudio = enabled;
  }

  /** `receiveVideo`: whether video is sent; re-enabled video starts at a keyframe. */
  setReceiveVideo(enabled: boolean): void {
    if (enabled && !this.#receiveVideo) this.#videoNeedsKeyframe = true;
    this.#receiveVideo = enabled;
  }

  /** Wakes the run loop after a state change (the buffer length, pause, seek or stop). */
  notify(): void {
    this.#changed();
  }

  /** Plays one run; true when the file (or len) ended, false when interrupted. */
  async #play(run: Run, generation: number): Promise<boolean> {
    const { file, output } = this.#o;
    const point = await file.startPoint(run.at);
    const base = run.base < 0 ? point.timestamp : run.base;
    const interrupted = () => this.stopped || this.#generation !== generation;
    const prelude: FlvTag[] = [];
    if (point.offset !== file.firstTagOffset) {
      const metadata = await file.metadata();
      if (metadata !== null) prelude.push({ ...metadata, timestamp: point.timestamp });
      for (const header of point.sequenceHeaders) {
        prelude.push({ ...header, timestamp: point.timestamp });
      }
    }
    this.#epoch = -1;
    const limit = this.#o.duration > 0 ? this.#o.duration : Infinity;
    const reader = new FlvReader({ lenient: true });
    reader.push(SYNTHETIC_FLV_HEADER, () => {});
    let offset = point.offset;
    let tags = prelude;
    for (;;) {
      for (const tag of tags) {
        const timestamp = Math.max(0, tag.timestamp - base);
        for (;;) {
          if (interrupted()) return false;
          if (this.#paused) {
            output.flush();
            await this.#waitChange();
            continue;
          }
          if (this.#epoch < 0) {
            this.#epoch = this.#now();
            this.#epochTimestamp = timestamp;
          }
          const ahead = timestamp - this.#epochTimestamp - (this.#now() - this.#epoch) -
            this.#o.bufferMs() - VOD_BUFFER_ADDON_MS;
          if (ahead <= 0) break;
          output.flush();
          await this.#sleep(Math.min(ahead, MAX_PACING_SLEEP_MS));
        }
        if (timestamp - this.#epochTimestamp > limit) return true;
        this.#send(tag, timestamp);
        if (output.queuedBytes > VOD_HIGH_WATER) {
          output.flush();
          await this.#race(output.waitForDrain(VOD_LOW_WATER));
        }
      }
      output.flush();
      if (offset >= file.size) return true;
      const block = await file.readAt(offset, VOD_READ_BLOCK);
      if (block.length === 0) return true;
      offset += block.length;
      tags = [];
      reader.push(block, (tag) => tags.push(tag));
    }
  }

  #send(tag: FlvTag, timestamp: number): void {
    const type = tag.type;
    if (type === FlvTagType.Audio) {
      if (!this.#receiveAudio) return;
    } else if (type === FlvTagType.Video) {
      if (!this.#receiveVideo) return;
      if (this.#videoNeedsKeyframe) {
        const info = inspectVideo(tag.data);
        if (!info.keyframe && !info.sequenceHeader) return;
        this.#videoNeedsKeyframe = false;
      }
    } else if (type !== FlvTagType.Script) {
      return;
    }
    this.#o.output.session.sendMedia(this.#o.streamId, type, timestamp, tag.data);
    this.bytesSent += tag.data.length;
  }

  #changed(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #waitChange(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return this.#race(slept).finally(() => clearTimeout(timer));
  }

  /** Waits for `promise` or a state change, whichever comes first. */
  #race(promise: Promise<void>): Promise<void> {
    return Promise.race([promise, this.#waitChange()]);
  }
}
