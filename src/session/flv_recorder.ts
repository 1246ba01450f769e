/**
 * Turns the media messages received after `play` into rtmpdump's FLV output, byte for byte
 * (librtmp `RTMP_Read` / `Read_1_Packet`, rtmp.c).
 *
 * @module
 */

import type { AmfValue } from "../amf/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import {
  encodeFlvHeader,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvError,
  readFlvTagDataSize,
  readFlvTagTimestamp,
  readUint32,
  writeFlvTagHeader,
  writePreviousTagSize,
} from "../flv/mod.ts";
import { decodeLibrtmpAmf0 } from "./decode_librtmp_amf0.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";
import { inspectMetadata, isOnMetaData } from "./metadata_info.ts";

/** RTMP message typeIds the recorder writes. */
const TYPE_AUDIO = 8;
const TYPE_VIDEO = 9;
const TYPE_DATA_AMF0 = 18;
const TYPE_AGGREGATE = 22;

/** librtmp's `dataType` bits, which become the FLV header flags. */
const FLAG_VIDEO = 0x01;
const FLAG_AUDIO = 0x04;
const FLAGS_AUDIO_AND_VIDEO = FLAG_AUDIO | FLAG_VIDEO;

/** Video bodies of at most this many bytes are dropped (e.g. an AVC end of sequence). */
export const MAX_DROPPED_VIDEO_SIZE = 5;
/** Audio bodies of at most this many bytes are dropped. */
export const MAX_DROPPED_AUDIO_SIZE = 1;
/** librtmp's HEADERBUF: bytes (FLV header included) held back while the header flags are unknown. */
export const HEADER_BUFFER_SIZE = 128 * 1024;

/** Size of the FLV header plus PreviousTagSize0. */
const FLV_FILE_HEADER_SIZE = 13;
/** Bytes of fresh tag headers and back-pointers carved out of one slab. */
const SLAB_SIZE = 16 * 1024;

/**
 * Decides what of a media message is written while resuming (librtmp's RTMP_READ_RESUME
 * matching, rtmpdump `--resume`). Called for each audio, video, onMetaData and aggregate message
 * that passed the size checks, before it is written. Returns the body to write (the payload,
 * or for an aggregate a suffix of it starting at a sub-tag), or `undefined` to ignore the
 * message; throws to abort the download.
 */
export type FlvResumeFilter = (message: RtmpMessage) => Uint8Array | undefined;

/** Options of {@linkcode FlvRecorder}. */
export interface FlvRecorderOptions {
  /** nResumeTS: offset in ms added to every written timestamp (the --start / resume offset). */
  resumeTimestamp?: number;
  /**
   * librtmp presets `m_read.timestamp` with the start time; when nonzero no header buffering
   * happens and the header flags byte is 0 (rtmpdump's verified --start behaviour).
   */
  initialTimestamp?: number;
  /** Live stream: {@linkcode FlvRecorder.timestamp} follows the raw RTMP timestamps. */
  live?: boolean;
  /** Do not write the 13-byte FLV header (resume mode). */
  noHeader?: boolean;
  /**
   * Called with the decoded values of every onMetaData that librtmp would accept, whether it
   * arrives as a data message or inside an aggregate (for the CLI's metadata dump).
   */
  onMetadata?: (values: AmfValue[]) => void;
  /** Resume matching; see {@linkcode FlvResumeFilter}. */
  resumeFilter?: FlvResumeFilter;
  /**
   * Called for every tag written (each sub-tag of an aggregate), with its type, the timestamp
   * it is written with and its body (valid during the call only), before its pieces go out.
   */
  onTag?: (type: number, timestamp: number, data: Uint8Array) => void;
  /**
   * What {@linkcode FlvRecorder.finish} does with output still held back for the header flags.
   * `false` (default, rtmpdump's behaviour): it is discarded, as librtmp frees its header buffer
   * when the stream ends before buffering completed. `true`: it is written.
   */
  flushHeaderBufferOnFinish?: boolean;
  /**
   * Message payloads are only valid during `push` (a chunk decoder with transient payloads):
   * whatever is held back for the header flags is copied. Pieces handed to `out` are then also
   * only valid during the call.
   */
  transientPayloads?: boolean;
  /** Where dropped audio and video messages are reported (librtmp's DEBUG lines). */
  log?: LogSink;
}

/** Receives output pieces; see {@linkcode FlvRecorder.push}. */
export type FlvPieceSink = (piece: Uint8Array) => void;

const PHASE_START = 0;
const PHASE_BUFFERING = 1;
const PHASE_STREAMING = 2;
const PHASE_FINISHED = 3;

/**
 * rtmpdump's FLV writer.
 *
 * Behaviour (librtmp 2.4, `RTMP_Read` and `Read_1_Packet`):
 * - The 13-byte header is held back, with the tags after it, until a message is written whose
 *   timestamp ({@linkcode FlvRecorder.timestamp}) is nonzero, or both audio and video were seen,
 *   or {@linkcode HEADER_BUFFER_SIZE} would overflow; its flags byte is then the audio (0x04) /
 *   video (0x01) bits collected so far, from audio and video messages (dropped ones included),
 *   aggregate sub-tags and "video…"/"audio…" names in an onMetaData **object** (not ECMA array).
 *   With a nonzero `initialTimestamp` nothing is held back and the flags byte is 0.
 * - Written: audio (8), video (9), data (18) only when it is an onMetaData librtmp can decode
 *   (each one, with its original body), aggregates (22). Dropped: empty messages, video of at
 *   most 5 bytes, audio of at most 1 byte, every other type.
 * - A tag's timestamp is `resumeTimestamp + message timestamp` (mod 2^32); the first tag keeps
 *   its own timestamp, nothing is rebased to 0.
 * - Aggregates are written as their sub-tags, re-stamped by `message timestamp − first sub-tag
 *   timestamp + resumeTimestamp`, with wrong PreviousTagSize values rewritten and a missing last
 *   one appended. A sub-tag that overruns the message, or trailing bytes that cannot hold a
 *   sub-tag header, throw {@linkcode FlvError} before anything of the message is written
 *   (librtmp writes such a message through unchanged, leaving a corrupt file). A sub-tag cut
 *   inside its PreviousTagSize gets a full one and the 1–3 cut bytes are left out (librtmp
 *   writes that many bytes of stale memory after it).
 * - BUFX state-3 dropping and resume matching are not done here (the session's job; resume
 *   matching plugs in as {@linkcode FlvRecorderOptions.resumeFilter}).
 *
 * Output contract: `push` and `finish` hand the output to `out` as pieces — the FLV header,
 * fresh 11-byte tag headers and 4-byte back-pointers, and subarrays of the message payloads
 * (never copied). The recorder never mutates a piece after handing it out nor a message
 * payload, so pieces stay valid as long as the payload's memory does; all pieces of a tag are
 * handed out within one call.
 *
 * @example
 * ```ts
 * import { FlvRecorder } from "./flv_recorder.ts";
 *
 * const recorder = new FlvRecorder();
 * const pieces: Uint8Array[] = [];
 * const out = (piece: Uint8Array) => pieces.push(piece);
 * const message = (typeId: number, timestamp: number, payload: number[]) => ({
 *   csid: 4, typeId, timestamp, messageStreamId: 1, payload: new Uint8Array(payload),
 * });
 * recorder.push(message(8, 0, [0xaf, 0x00, 0x12, 0x10]), out); // held back: flags unknown
 * recorder.push(message(9, 0, [0x17, 0x00, 0, 0, 0, 0x01]), out); // audio and video seen
 * if (pieces[0][4] !== 0x05) throw new Error("flags should be audio + video");
 * recorder.finish(out);
 * if (recorder.bytesWritten !== 13 + (11 + 4 + 4) + (11 + 6 + 4)) throw new Error("unexpected size");
 * ```
 */
export class FlvRecorder {
  #resumeTimestamp: number;
  readonly #live: boolean;
  readonly #onMetadata: ((values: AmfValue[]) => void) | undefined;
  readonly #resumeFilter: FlvResumeFilter | undefined;
  readonly #flushOnFinish: boolean;
  readonly #onTag: ((type: number, timestamp: number, data: Uint8Array) => void) | undefined;
  #phase: number;
  #timestamp: number;
  /** {@linkcode timestamp} without the offset: what librtmp's header buffering looks at. */
  #messageTimestamp = 0;
  #dataType = 0;
  #duration = 0;
  #bytesWritten = 0;
  /** Pieces held back while buffering for the header flags. */
  #held: Uint8Array[] = [];
  /** Bytes of {@linkcode #held}. */
  #heldBytes = 0;
  /** Room left in librtmp's header buffer. */
  #headerBufferLeft = HEADER_BUFFER_SIZE - FLV_FILE_HEADER_SIZE;
  #slab = new Uint8Array(SLAB_SIZE);
  #slabUsed = 0;

  readonly #transient: boolean;
  readonly #log: LogSink;

  /** Creates a recorder; see {@linkcode FlvRecorderOptions}. */
  constructor(options: FlvRecorderOptions = {}) {
    this.#resumeTimestamp = checkU32("resumeTimestamp", options.resumeTimestamp ?? 0);
    this.#timestamp = checkU32("initialTimestamp", options.initialTimestamp ?? 0);
    this.#live = options.live ?? false;
    this.#onMetadata = options.onMetadata;
    this.#resumeFilter = options.resumeFilter;
    this.#onTag = options.onTag;
    this.#flushOnFinish = options.flushHeaderBufferOnFinish ?? false;
    this.#transient = options.transientPayloads ?? false;
    this.#log = options.log ?? silentLog;
    this.#phase = options.noHeader ? PHASE_STREAMING : PHASE_START;
  }

  /**
   * librtmp's `m_read.timestamp`: the last written timestamp for VOD (resume offset included),
   * the raw RTMP timestamp for live. Drives progress and the resume point.
   */
  get timestamp(): number {
    return this.#timestamp;
  }

  /**
   * nResumeTS: the offset in ms added to the timestamps of the messages pushed from now on. A
   * downloader that continues a recording on a new connection sets it so that the new stream's
   * timestamps carry on where the file stands.
   */
  get timestampOffset(): number {
    return this.#resumeTimestamp;
  }

  set timestampOffset(offset: number) {
    this.#resumeTimestamp = checkU32("timestampOffset", offset);
  }

  /** Duration in seconds from the last onMetaData that had one (0 if none). */
  get duration(): number {
    return this.#duration;
  }

  /** librtmp's `dataType`: the audio (0x04) / video (0x01) bits collected so far. */
  get flags(): number {
    return this.#dataType;
  }

  /** FLV bytes handed to `out` so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /**
   * FLV bytes held back while the header flags are unknown, the header included: what librtmp
   * would already have handed out when it does not buffer (`--start`). 0 once written.
   */
  get bytesHeld(): number {
    return this.#heldBytes > 0 ? FLV_FILE_HEADER_SIZE + this.#heldBytes : 0;
  }

  /**
   * Feeds one message received after play. Audio (8), video (9), data (18) and aggregate (22)
   * messages are considered; anything else is ignored.
   *
   * @throws {FlvError} for an aggregate whose sub-tags do not fit its body; nothing of that
   * message is written and the recorder stays usable.
   */
  push(message: RtmpMessage, out: FlvPieceSink): void {
    if (this.#phase === PHASE_FINISHED) {
      throw new Error("Cannot record message: the FLV recorder is finished");
    }
    if (this.#phase === PHASE_START) this.#start(out);
    const payload = message.payload;
    const typeId = message.typeId;
    if (payload.length === 0) return;
    switch (typeId) {
      case TYPE_AUDIO:
        this.#dataType |= FLAG_AUDIO;
        if (payload.length <= MAX_DROPPED_AUDIO_SIZE) {
          this.#log(LogLevel.Debug, `ignoring too small audio packet: size: ${payload.length}`);
          return this.#ignored(out);
        }
        break;
      case TYPE_VIDEO:
        this.#dataType |= FLAG_VIDEO;
        if (payload.length <= MAX_DROPPED_VIDEO_SIZE) {
          this.#log(LogLevel.Debug, `ignoring too small video packet: size: ${payload.length}`);
          return this.#ignored(out);
        }
        break;
      case TYPE_DATA_AMF0:
        if (!this.#handleMetadata(payload)) return;
        break;
      case TYPE_AGGREGATE:
        this.#scanAggregateMetadata(payload);
        break;
      default:
        return;
    }
    let body = payload;
    if (this.#resumeFilter !== undefined) {
      const filtered = this.#resumeFilter(message);
      if (filtered === undefined) return this.#ignored(out);
      body = filtered;
    }
    if (typeId === TYPE_AGGREGATE) {
      this.#writeAggregate(message, body, out);
    } else {
      this.#writeTag(message, body, out);
    }
  }

  /**
   * Ends the stream. If the header was still held back, what happens follows
   * {@linkcode FlvRecorderOptions.flushHeaderBufferOnFinish}; with a nonzero
   * `initialTimestamp` and no message pushed, the header alone is written (as librtmp does).
   * Further pushes throw.
   */
  finish(out: FlvPieceSink): void {
    if (this.#phase === PHASE_START) this.#start(out);
    if (this.#phase === PHASE_BUFFERING) {
      if (this.#flushOnFinish) this.#flushHeld(out);
      this.#held = [];
      this.#heldBytes = 0;
    }
    this.#phase = PHASE_FINISHED;
  }

  /** The first read: either start holding back output, or write the header now. */
  #start(out: FlvPieceSink): void {
    if (this.#timestamp === 0) {
      this.#phase = PHASE_BUFFERING;
    } else {
      this.#phase = PHASE_STREAMING;
      this.#emit(encodeFlvHeader(this.#dataType), out);
    }
  }

  /** librtmp HandleMetadata: true when the body is an onMetaData it can decode. */
  #handleMetadata(body: Uint8Array): boolean {
    if (!isOnMetaData(body)) return false;
    const values = decodeLibrtmpAmf0(body);
    if (values === undefined) return false;
    const info = inspectMetadata(values);
    if (info.hasDuration) this.#duration = info.duration;
    this.#dataType |= info.flags;
    this.#onMetadata?.(values);
    return true;
  }

  /** librtmp's metadata scan of an aggregate: sub-tags with a complete back-pointer only. */
  #scanAggregateMetadata(body: Uint8Array): void {
    const length = body.length;
    let pos = 0;
    while (pos + FLV_TAG_HEADER_SIZE < length) {
      const dataSize = readFlvTagDataSize(body, pos);
      const dataStart = pos + FLV_TAG_HEADER_SIZE;
      if (dataStart + dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE > length) break;
      if (body[pos] === TYPE_DATA_AMF0) {
        this.#handleMetadata(body.subarray(dataStart, dataStart + dataSize));
      }
      pos = dataStart + dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE;
    }
  }

  #writeTag(message: RtmpMessage, body: Uint8Array, out: FlvPieceSink): void {
    const size = body.length;
    const timestamp = (this.#resumeTimestamp + message.timestamp) >>> 0;
    const header = this.#alloc(FLV_TAG_HEADER_SIZE);
    writeFlvTagHeader(header, 0, message.typeId, size, timestamp);
    const backPointer = this.#alloc(FLV_PREVIOUS_TAG_SIZE_SIZE);
    writePreviousTagSize(backPointer, 0, FLV_TAG_HEADER_SIZE + size);
    this.#timestamp = this.#live ? message.timestamp : timestamp;
    this.#messageTimestamp = this.#live
      ? message.timestamp
      : (timestamp - this.#resumeTimestamp) >>> 0;
    this.#onTag?.(message.typeId, timestamp, body);
    const total = FLV_TAG_HEADER_SIZE + size + FLV_PREVIOUS_TAG_SIZE_SIZE;
    this.#written([header, body, backPointer], total, total, out);
  }

  #writeAggregate(message: RtmpMessage, body: Uint8Array, out: FlvPieceSink): void {
    const length = body.length;
    if (length === 0) return this.#ignored(out);
    checkAggregate(body);
    const pieces: Uint8Array[] = [];
    let total = 0;
    /** Start of the run of unchanged body bytes not yet added to `pieces`. */
    let runStart = 0;
    const addRun = (end: number) => {
      if (end > runStart) {
        pieces.push(body.subarray(runStart, end));
        total += end - runStart;
      }
    };
    const delta = (message.timestamp - readFlvTagTimestamp(body, 0) + this.#resumeTimestamp) >>>
      0;
    let lastTimestamp = 0;
    let pos = 0;
    while (pos + FLV_TAG_HEADER_SIZE < length) {
      const type = body[pos];
      if (type === TYPE_AUDIO) this.#dataType |= FLAG_AUDIO;
      else if (type === TYPE_VIDEO) this.#dataType |= FLAG_VIDEO;
      const dataSize = readFlvTagDataSize(body, pos);
      const dataEnd = pos + FLV_TAG_HEADER_SIZE + dataSize;
      lastTimestamp = (readFlvTagTimestamp(body, pos) + delta) >>> 0;
      if (delta !== 0) {
        addRun(pos);
        const header = this.#alloc(FLV_TAG_HEADER_SIZE);
        header.set(body.subarray(pos, pos + FLV_TAG_HEADER_SIZE));
        header[4] = lastTimestamp >>> 16;
        header[5] = lastTimestamp >>> 8;
        header[6] = lastTimestamp;
        header[7] = lastTimestamp >>> 24;
        pieces.push(header);
        total += FLV_TAG_HEADER_SIZE;
        runStart = pos + FLV_TAG_HEADER_SIZE;
      }
      this.#onTag?.(type, lastTimestamp, body.subarray(pos + FLV_TAG_HEADER_SIZE, dataEnd));
      const tagSize = FLV_TAG_HEADER_SIZE + dataSize;
      const backPointerEnd = dataEnd + FLV_PREVIOUS_TAG_SIZE_SIZE;
      if (backPointerEnd > length || readUint32(body, dataEnd) !== tagSize) {
        // Missing (possibly cut) or wrong PreviousTagSize: write the right one.
        addRun(dataEnd);
        const backPointer = this.#alloc(FLV_PREVIOUS_TAG_SIZE_SIZE);
        writePreviousTagSize(backPointer, 0, tagSize);
        pieces.push(backPointer);
        total += FLV_PREVIOUS_TAG_SIZE_SIZE;
        runStart = Math.min(backPointerEnd, length);
      }
      pos = backPointerEnd;
    }
    addRun(length);
    this.#timestamp = this.#live ? message.timestamp : lastTimestamp;
    this.#messageTimestamp = this.#live
      ? message.timestamp
      : (lastTimestamp - this.#resumeTimestamp) >>> 0;
    this.#written(pieces, total, length, out);
  }

  /** A media message librtmp read but did not write (Read_1_Packet returned 0). */
  #ignored(out: FlvPieceSink): void {
    if (this.#phase === PHASE_BUFFERING && this.#dataType === FLAGS_AUDIO_AND_VIDEO) {
      this.#flushHeld(out);
    }
  }

  /**
   * A message was turned into `pieces` (`total` bytes; librtmp sized its buffer check with
   * `checkedSize`). Writes them, or holds them back while the header flags are unknown.
   */
  #written(pieces: Uint8Array[], total: number, checkedSize: number, out: FlvPieceSink): void {
    if (this.#phase !== PHASE_BUFFERING) {
      for (const piece of pieces) this.#emit(piece, out);
      return;
    }
    if (this.#transient) { for (const piece of pieces) this.#held.push(piece.slice()); }
    else for (const piece of pieces) this.#held.push(piece);
    this.#heldBytes += total;
    if (checkedSize + FLV_PREVIOUS_TAG_SIZE_SIZE > this.#headerBufferLeft) {
      // librtmp's header buffer would overflow: it gives up buffering after this message.
      this.#flushHeld(out);
      return;
    }
    this.#headerBufferLeft -= total;
    // librtmp looks at the written timestamp, which is the message's when no offset is added;
    // with an offset (--start, where librtmp does not buffer at all) the message's timestamp
    // tells whether the stream has got past its start.
    if (this.#dataType === FLAGS_AUDIO_AND_VIDEO || this.#messageTimestamp !== 0) {
      this.#flushHeld(out);
    }
  }

  /** Ends header buffering: the header with the flags known now, then the held pieces. */
  #flushHeld(out: FlvPieceSink): void {
    this.#phase = PHASE_STREAMING;
    this.#emit(encodeFlvHeader(this.#dataType), out);
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const piece of held) this.#emit(piece, out);
  }

  #emit(piece: Uint8Array, out: FlvPieceSink): void {
    this.#bytesWritten += piece.length;
    out(piece);
  }

  /** A small fresh region for a tag header or back-pointer; never handed out twice. */
  #alloc(size: number): Uint8Array {
    if (this.#slabUsed + size > SLAB_SIZE) {
      this.#slab = new Uint8Array(SLAB_SIZE);
      this.#slabUsed = 0;
    }
    const start = this.#slabUsed;
    this.#slabUsed = start + size;
    return this.#slab.subarray(start, start + size);
  }
}

/** Checks that every sub-tag of an aggregate fits its body (librtmp's overrun check, made fatal). */
function checkAggregate(body: Uint8Array): void {
  const length = body.length;
  let pos = 0;
  while (pos + FLV_TAG_HEADER_SIZE < length) {
    const dataSize = readFlvTagDataSize(body, pos);
    const dataEnd = pos + FLV_TAG_HEADER_SIZE + dataSize;
    if (dataEnd > length) {
      throw new FlvError(
        `Cannot record aggregate message: sub-tag at byte ${pos} declares ${dataSize} bytes ` +
          `but only ${length - pos - FLV_TAG_HEADER_SIZE} follow its header`,
      );
    }
    pos = dataEnd + FLV_PREVIOUS_TAG_SIZE_SIZE;
  }
  if (pos < length) {
    throw new FlvError(
      `Cannot record aggregate message: ${length - pos} trailing bytes at byte ${pos} ` +
        `cannot hold a sub-tag`,
    );
  }
}

function checkU32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot create FLV recorder: ${name} ${value} is not a u32`);
  }
  return value;
}
