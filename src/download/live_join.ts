/**
 * Continues a live recording after the stream came back (a reconnect, or the publisher
 * returning on the same connection): the new stream's timestamps are moved so its first frame
 * follows the last one written by one frame step, sequence headers and metadata are written
 * again only when they changed, and video waits for a keyframe, so the file plays through the
 * gap as one stream.
 *
 * @module
 */

import type { Continuation, ContinuationRequest, ReceivedTag, TagWriter } from "./continuation.ts";
import { isSequenceHeader, type RecordingTail } from "./recording_tail.ts";

const TYPE_AUDIO = 8;
const TYPE_VIDEO = 9;
const TYPE_SCRIPT = 18;
/** Headers and metadata held while waiting for the first frame, at most. */
const MAX_HELD_TAGS = 16;

/** What a joined live stream reports. */
export interface LiveJoinResult {
  /** Timestamp of the last frame written before the gap. */
  lastTimestamp: number;
  /** The timestamp the first frame after the gap was written with. */
  resumedTimestamp: number;
}

/** Joins a live stream that came back onto the file. */
export class LiveJoin implements Continuation {
  readonly #tail: RecordingTail;
  readonly #onJoined: (result: LiveJoinResult) => void;
  #held: { tag: ReceivedTag; bytes: Uint8Array }[] = [];
  #offset: number | undefined;

  /** `tail`: what was written so far; `onJoined` is told once the first frame is written. */
  constructor(tail: RecordingTail, onJoined: (result: LiveJoinResult) => void) {
    this.#tail = tail;
    this.#onJoined = onJoined;
  }

  /** See {@linkcode Continuation.offset}. */
  get offset(): number | undefined {
    return this.#offset;
  }

  /** See {@linkcode Continuation.offer}. */
  offer(tag: ReceivedTag, write: TagWriter): ContinuationRequest {
    if (this.#offset !== undefined) {
      write(tag, (tag.timestamp + this.#offset) >>> 0);
      return undefined;
    }
    const tail = this.#tail;
    if (tag.type === TYPE_SCRIPT) {
      if (!sameBytes(tail.metadata, tag.data)) this.#hold(tag);
      return undefined;
    }
    if (tag.type !== TYPE_AUDIO && tag.type !== TYPE_VIDEO) return undefined;
    if (isSequenceHeader(tag.type, tag.data)) {
      this.#held = this.#held.filter((h) => h.tag.type !== tag.type || !isHeader(h.tag));
      if (!sameBytes(tail.sequenceHeader(tag.type), tag.data)) this.#hold(tag);
      return undefined;
    }
    // Video starts at a keyframe; audio waits for it too when the stream has video.
    // Frame type 1 (bits 4–6, also under the Enhanced RTMP ExHeader bit).
    const keyframe = tag.type === TYPE_VIDEO && ((tag.data[0] >> 4) & 7) === 1;
    const hasVideo = tail.sequenceHeader(TYPE_VIDEO) !== undefined ||
      this.#held.some((h) => h.tag.type === TYPE_VIDEO);
    if (!keyframe && (tag.type === TYPE_VIDEO || hasVideo)) return undefined;

    const last = tail.lastTimestamp;
    const first = last < 0 ? tag.timestamp : last + tail.frameStep;
    this.#offset = (first - tag.timestamp) >>> 0;
    for (const held of this.#held) write({ ...held.tag, bytes: held.bytes }, first);
    this.#held = [];
    write(tag, first);
    this.#onJoined({ lastTimestamp: Math.max(last, 0), resumedTimestamp: first });
    return undefined;
  }

  #hold(tag: ReceivedTag): void {
    if (this.#held.length >= MAX_HELD_TAGS) this.#held.shift();
    const bytes = tag.bytes.slice();
    this.#held.push({
      tag: { ...tag, bytes, data: bytes.subarray(11, 11 + tag.data.length) },
      bytes,
    });
  }
}

function isHeader(tag: ReceivedTag): boolean {
  return isSequenceHeader(tag.type, tag.data);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
