/**
 * The file side of a download: the FLV recorder, the output, what was written (the recording's
 * tail), `--stop`, and the continuation that decides what of a new stream belongs in the file.
 * A {@linkcode Downloader} hands it each media message of the current session; it survives
 * reconnects, so every connection of a download records into the same recording.
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { FlvError } from "../flv/flv_error.ts";
import { FLV_TAG_HEADER_SIZE, readFlvTagDataSize, readFlvTagTimestamp } from "../flv/mod.ts";
import { FlvRecorder } from "../session/flv_recorder.ts";
import { LogLevel, type LogSink } from "../session/log.ts";
import type { Continuation, ReceivedTag } from "./continuation.ts";
import type { DownloadOutput, ResumeFile } from "./download_output.ts";
import { LiveJoin, type LiveJoinResult } from "./live_join.ts";
import { RecordingTail } from "./recording_tail.ts";
import type { ResumePlan } from "./resume_plan.ts";
import { StreamSplice } from "./stream_splice.ts";

/** Options of a {@linkcode Recording}. */
export interface RecordingOptions {
  /** Where the FLV goes. */
  output: DownloadOutput;
  /** A live stream: the read timestamp follows the server's timestamps (librtmp). */
  live: boolean;
  /** rtmpdump's start offset (`--start`) added to the stream's timestamps. */
  offsetMs: number;
  /** Stop position in ms, enforced on what is written (0: none). */
  stopMs: number;
  /** Payloads are only valid during a push (the chunk decoder reuses them). */
  transientPayloads: boolean;
  /** The engine's log. */
  log: LogSink;
  /** Each onMetaData the recorder accepts, decoded. */
  onMetadata?: (values: AmfValue[]) => void;
}

/** What {@linkcode Recording.push} did with a message. */
export type PushResult =
  | "written" // the output grew
  | "none" // nothing written (held back, skipped, dropped)
  | "stop" // the stop position was reached: nothing more is written
  | "restart"; // the stream started past what the file has: play again from the start

/** One download's FLV file and how the current stream continues it. */
export class Recording {
  readonly #o: RecordingOptions;
  #recorder: FlvRecorder;
  #tail = new RecordingTail();
  #continuation: Continuation | undefined;
  /** Pieces the recorder produced for the current message while a continuation is active. */
  #collected: Uint8Array[] = [];
  #resumed = false;
  /** Cuts the resumed file before its first new byte (once). */
  #beforeFirstWrite: (() => void) | undefined;
  #piecesWritten = 0;
  /** Timestamp of the last tag written, in file time (-1 before any). */
  #lastWritten = -1;
  #stopReached = false;
  #restartRequested = false;
  /** The error of a failed write, when a push threw it. */
  writeError: unknown;

  /** Starts an empty recording. */
  constructor(options: RecordingOptions) {
    this.#o = options;
    this.#recorder = this.#newRecorder();
  }

  /**
   * Continues `file`, as `plan` describes it: nothing is written before the stream repeats the
   * file's last tags; then the file is cut after its last whole tag and the rest follows.
   */
  resumeFile(file: ResumeFile, plan: ResumePlan): void {
    this.#resumed = true;
    this.#tail = RecordingTail.fromFile(plan.tags, plan.audioOnly);
    this.#lastWritten = plan.tags[plan.tags.length - 1].timestamp;
    this.#beforeFirstWrite = () => file.truncate(plan.keepLength);
    this.#recorder = this.#newRecorder();
    this.#continuation = new StreamSplice(plan.tags, plan.seekMs);
    this.#recorder.timestampOffset = 0;
  }

  /** A file that holds nothing worth keeping (a header without tags): it is cut to nothing. */
  replaceFile(file: ResumeFile): void {
    if (file.size > 0) this.#beforeFirstWrite = () => file.truncate(0);
  }

  /** Whether the file holds anything of this recording (a resumed file, or tags written). */
  get hasWritten(): boolean {
    return this.#resumed || this.#piecesWritten > 0;
  }

  /**
   * Bytes of this recording so far, counting those the recorder holds back while it learns the
   * header flags (the output's size once nothing is held).
   */
  get bytesRecorded(): number {
    return this.#o.output.size + this.#recorder.bytesHeld;
  }

  /** Timestamp of the last tag written, in file time (-1 before any). */
  get lastWritten(): number {
    return this.#lastWritten;
  }

  /** The recorder's read timestamp (the server's timestamps for live streams). */
  get recorderTimestamp(): number {
    return this.#recorder.timestamp;
  }

  /** Duration from the stream's metadata in seconds (0 when unknown). */
  get duration(): number {
    return this.#recorder.duration;
  }

  /** True while the current stream is being matched against the file (a resume). */
  get splicing(): boolean {
    return this.#continuation instanceof StreamSplice;
  }

  /** True while a live stream that went away is waited for. */
  get joiningLive(): boolean {
    return this.#continuation instanceof LiveJoin;
  }

  /** Stop position reached. */
  get stopReached(): boolean {
    return this.#stopReached;
  }

  /** The last push asked for play from the start (cleared by {@linkcode continueRecorded}). */
  get restartRequested(): boolean {
    return this.#restartRequested;
  }

  /**
   * The next stream continues this recorded (VOD) file from its last resume point, matched by
   * content; returns where play should start (`seekMs` when nothing places it).
   */
  continueRecorded(seekMs: number, from?: number): number {
    this.#restartRequested = false;
    if (!this.hasWritten) {
      this.#startOver();
      return seekMs;
    }
    const tags = this.#tail.tags;
    if (tags.length === 0) return seekMs; // no resume point known: the stream's own timestamps
    const start = from ?? tags[0].timestamp;
    this.#continuation = new StreamSplice(tags.slice(), start);
    this.#recorder.timestampOffset = 0;
    return start;
  }

  /** The next media continue this live recording after a gap; `onJoined` reports the gap. */
  continueLive(onJoined: (result: LiveJoinResult) => void): void {
    if (!this.hasWritten) {
      this.#startOver();
      return;
    }
    this.#continuation = new LiveJoin(this.#tail, onJoined);
    this.#recorder.timestampOffset = 0;
  }

  /**
   * Records one media message. Throws (with {@linkcode writeError} set) when the output cannot
   * be written; a broken aggregate is logged and dropped.
   */
  push(message: RtmpMessage): PushResult {
    const output = this.#o.output;
    const before = output.size;
    const stopMs = this.#o.stopMs;
    if (stopMs > 0 && this.#continuation === undefined && isMediaOrAggregate(message.typeId)) {
      // An aggregate's first sub-tag is written with the message's timestamp.
      if (((this.#recorder.timestampOffset + message.timestamp) >>> 0) > stopMs) {
        this.#stopReached = true;
        return "stop";
      }
    }
    const sink = this.#continuation === undefined ? this.#pushPiece : this.#collectPiece;
    try {
      this.#recorder.push(message, sink);
      if (this.#continuation !== undefined) this.#continue();
    } catch (err) {
      this.#collected = [];
      if (!(err instanceof FlvError)) {
        this.writeError = err;
        throw err;
      }
      // An aggregate whose sub-tags overrun it: librtmp writes it through (a corrupt file) and
      // goes on; we drop that message and go on.
      this.#o.log(LogLevel.Error, String(err.message).split("\n")[0]);
      return "none";
    }
    output.commit();
    if (this.#restartRequested) return "restart";
    if (this.#stopReached) return "stop";
    return output.size === before ? "none" : "written";
  }

  /** Ends the recording (the recorder's end of stream). */
  finish(): void {
    this.#recorder.finish(this.#pushPiece);
  }

  #startOver(): void {
    this.#recorder = this.#newRecorder();
    this.#continuation = undefined;
  }

  #newRecorder(): FlvRecorder {
    const o = this.#o;
    return new FlvRecorder({
      resumeTimestamp: o.offsetMs,
      live: o.live,
      noHeader: this.#resumed,
      transientPayloads: o.transientPayloads,
      log: o.log,
      onMetadata: o.onMetadata,
      onTag: (type, timestamp, data) => {
        if (this.#continuation !== undefined) return;
        this.#lastWritten = timestamp;
        this.#tail.add(type, timestamp, data);
      },
    });
  }

  readonly #pushPiece = (piece: Uint8Array): void => {
    this.#piecesWritten++;
    if (this.#beforeFirstWrite) {
      const truncate = this.#beforeFirstWrite;
      this.#beforeFirstWrite = undefined;
      truncate();
    }
    this.#o.output.push(piece);
  };

  readonly #collectPiece = (piece: Uint8Array): void => {
    this.#collected.push(piece);
  };

  /** Offers the tags the recorder produced for one message to the continuation. */
  #continue(): void {
    const pieces = this.#collected;
    this.#collected = [];
    if (pieces.length === 0) return;
    const bytes = concat(pieces);
    let pos = 0;
    while (pos + FLV_TAG_HEADER_SIZE <= bytes.length) {
      const size = readFlvTagDataSize(bytes, pos);
      const end = pos + FLV_TAG_HEADER_SIZE + size + 4;
      const tag: ReceivedTag = {
        type: bytes[pos] & 0x1f,
        timestamp: readFlvTagTimestamp(bytes, pos),
        data: bytes.subarray(pos + FLV_TAG_HEADER_SIZE, pos + FLV_TAG_HEADER_SIZE + size),
        bytes: bytes.subarray(pos, end),
      };
      pos = end;
      const continuation = this.#continuation;
      if (continuation === undefined) {
        // Joined earlier in this message: the rest goes through with the offset.
        this.#writeTag(tag, (tag.timestamp + this.#recorder.timestampOffset) >>> 0);
        continue;
      }
      const request = continuation.offer(tag, (t, timestamp) => this.#writeTag(t, timestamp));
      if (request === "restart") {
        this.#restartRequested = true;
        return;
      }
      if (continuation.offset !== undefined) {
        this.#recorder.timestampOffset = continuation.offset;
        this.#continuation = undefined;
      }
    }
  }

  /** Writes a tag the continuation let through, with `timestamp`. */
  #writeTag(tag: ReceivedTag, timestamp: number): void {
    const stopMs = this.#o.stopMs;
    if (stopMs > 0 && timestamp > stopMs && (tag.type === TYPE_AUDIO || tag.type === TYPE_VIDEO)) {
      this.#stopReached = true;
      return;
    }
    const header = tag.bytes;
    header[4] = timestamp >>> 16;
    header[5] = timestamp >>> 8;
    header[6] = timestamp;
    header[7] = timestamp >>> 24;
    this.#pushPiece(tag.bytes);
    this.#lastWritten = timestamp;
    this.#tail.add(tag.type, timestamp, tag.data);
  }
}

const TYPE_AUDIO = 8;
const TYPE_VIDEO = 9;
const TYPE_AGGREGATE = 22;

function isMediaOrAggregate(typeId: number): boolean {
  return typeId === TYPE_AUDIO || typeId === TYPE_VIDEO || typeId === TYPE_AGGREGATE;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0].slice();
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
