/**
 * What a downloader remembers of the tags it has written, so that a recording can be continued
 * on a new stream: the fingerprints of the tags since the last resume point (for recorded
 * streams), the last timestamps, the frame step, and the last sequence headers and metadata
 * (for live streams, which are not sent again when unchanged).
 *
 * @module
 */

import { fingerprintTag, isResumeKeyframe, type TagFingerprint } from "./tag_fingerprint.ts";

/** Fingerprints kept at most (a stream without keyframes for this long has no resume point). */
export const MAX_TAIL_TAGS = 100_000;
/** Frame step assumed before two frames of one kind were seen, in ms. */
export const DEFAULT_FRAME_STEP_MS = 40;
/** Frame steps above this are gaps, not steps. */
const MAX_FRAME_STEP_MS = 1000;

const TYPE_AUDIO = 8;
const TYPE_VIDEO = 9;
const TYPE_SCRIPT = 18;

/** Whether a tag body is a codec configuration record (sequence header) rather than a frame. */
export function isSequenceHeader(type: number, data: Uint8Array): boolean {
  if (data.length < 2) return false;
  if (type === TYPE_VIDEO) {
    // Enhanced RTMP: IsExHeader bit, PacketType SequenceStart (0) in the low nibble.
    if ((data[0] & 0x80) !== 0) return (data[0] & 0x0f) === 0;
    const codec = data[0] & 0x0f;
    return (codec === 7 || codec === 12) && data[1] === 0;
  }
  if (type === TYPE_AUDIO) {
    const format = data[0] >> 4;
    if (format === 9) return (data[0] & 0x0f) === 0; // Enhanced RTMP audio: SequenceStart
    return format === 10 && data[1] === 0;
  }
  return false;
}

/** The tags a download has written, as far as continuing it needs them. */
export class RecordingTail {
  #tags: TagFingerprint[] = [];
  #videoSeen = false;
  #lastTimestamp = -1;
  #lastByType = new Map<number, number>();
  #step = DEFAULT_FRAME_STEP_MS;
  #sequenceHeaders = new Map<number, Uint8Array>();
  #metadata: Uint8Array | undefined;

  /**
   * Starts from a file's last tags (anchor first), as a resumed download does; `lastTimestamp`
   * is the file's last tag's timestamp.
   */
  static fromFile(tags: TagFingerprint[], audioOnly: boolean): RecordingTail {
    const tail = new RecordingTail();
    tail.#tags = tags.slice();
    tail.#videoSeen = !audioOnly;
    for (const tag of tags) tail.#noteTimestamp(tag.type, tag.timestamp);
    return tail;
  }

  /** Records a written tag: `data` is only read during the call. */
  add(type: number, timestamp: number, data: Uint8Array): void {
    const fingerprint = fingerprintTag(type, timestamp, data);
    if (type === TYPE_VIDEO) this.#videoSeen = true;
    const anchor = this.#videoSeen ? isResumeKeyframe(fingerprint) : type === TYPE_AUDIO;
    if (anchor) {
      this.#tags = [fingerprint];
    } else if (this.#tags.length > 0) {
      if (this.#tags.length >= MAX_TAIL_TAGS) this.#tags = [];
      else this.#tags.push(fingerprint);
    }
    if (type === TYPE_SCRIPT) {
      this.#metadata = data.slice();
    } else if (isSequenceHeader(type, data)) {
      this.#sequenceHeaders.set(type, data.slice());
    } else {
      this.#noteTimestamp(type, timestamp);
    }
  }

  /** The tags from the last resume point (first) to the last written, or empty when none. */
  get tags(): readonly TagFingerprint[] {
    return this.#tags;
  }

  /** Timestamp of the last audio or video frame written, -1 before any. */
  get lastTimestamp(): number {
    return this.#lastTimestamp;
  }

  /** The interval between the last two frames of one kind (video preferred), in ms. */
  get frameStep(): number {
    return this.#step;
  }

  /** The last sequence header written for a tag type (8 or 9). */
  sequenceHeader(type: number): Uint8Array | undefined {
    return this.#sequenceHeaders.get(type);
  }

  /** The body of the last script data (onMetaData) tag written. */
  get metadata(): Uint8Array | undefined {
    return this.#metadata;
  }

  #noteTimestamp(type: number, timestamp: number): void {
    if (type !== TYPE_AUDIO && type !== TYPE_VIDEO) return;
    const previous = this.#lastByType.get(type);
    if (previous !== undefined && (type === TYPE_VIDEO || !this.#lastByType.has(TYPE_VIDEO))) {
      const step = timestamp - previous;
      if (step > 0 && step <= MAX_FRAME_STEP_MS) this.#step = step;
    }
    this.#lastByType.set(type, timestamp);
    if (timestamp > this.#lastTimestamp) this.#lastTimestamp = timestamp;
  }
}
