/**
 * Continues a recorded (VOD) stream's file on a new play: finds, in what the server sends, the
 * run of tags the file ends with (from its resume point on), by content, and writes what
 * follows. The server may restart timestamps at the seek point (FMS), keep the file's own
 * timestamps and start at a later keyframe (nginx-rtmp with a keyframe index), or ignore the
 * seek and send from the start (nginx-rtmp without one): the offset between its time and the
 * file's is measured where the runs line up, so the finished file is the one an uninterrupted
 * download writes.
 *
 * @module
 */

import type { Continuation, ContinuationRequest, ReceivedTag, TagWriter } from "./continuation.ts";
import { fingerprintTag, sameContent, type TagFingerprint } from "./tag_fingerprint.ts";

/**
 * A stream that reaches this far past the resume point (in its own time) without having sent it
 * started later than the file ends: it is played again from the start.
 */
export const SKIPPED_PAST_MARGIN_MS = 1000;
/**
 * A server that restarts timestamps at the seek point sends the resume tag among its first tags
 * (after metadata and sequence headers); later, only a tag at the file's own timestamp can be
 * it. This keeps a repeated body (silence, a still picture) from lining up in the wrong place.
 */
export const RESTART_WINDOW_TAGS = 32;

/** Matches a stream against the tags a file ends with. */
export class StreamSplice implements Continuation {
  readonly #expected: readonly TagFingerprint[];
  readonly #seekMs: number;
  /** Received tags since the candidate match began (only fingerprints). */
  #run: TagFingerprint[] = [];
  #base = 0;
  #offset: number | undefined;
  /** Tags skipped so far. */
  skipped = 0;
  /** Tags received so far. */
  #received = 0;

  /**
   * `expected`: the file's tags from its resume point (first) to its last whole tag, with the
   * file's timestamps. `seekMs`: where play was asked to start.
   */
  constructor(expected: readonly TagFingerprint[], seekMs: number) {
    if (expected.length === 0) throw new RangeError("Cannot splice a stream: no tags to match");
    this.#expected = expected;
    this.#seekMs = seekMs;
  }

  /** The offset from the server's timestamps to the file's, once the runs lined up. */
  get offset(): number | undefined {
    return this.#offset;
  }

  /** True once the file's last tag was found in the stream. */
  get joined(): boolean {
    return this.#offset !== undefined;
  }

  /** See {@linkcode Continuation.offer}. */
  offer(tag: ReceivedTag, write: TagWriter): ContinuationRequest {
    if (this.#offset !== undefined) {
      write(tag, (tag.timestamp + this.#offset) >>> 0);
      return undefined;
    }
    this.skipped++;
    this.#received++;
    return this.#match(fingerprintTag(tag.type, tag.timestamp, tag.data), this.#received);
  }

  /** `index`: the received tag's position in the stream (1 for the first). */
  #match(received: TagFingerprint, index: number): ContinuationRequest {
    const expected = this.#expected;
    if (this.#run.length > 0) {
      const want = expected[this.#run.length];
      if (
        sameContent(received, want) &&
        ((received.timestamp - this.#base) >>> 0) === want.timestamp
      ) {
        this.#run.push(received);
        if (this.#run.length === expected.length) this.#join();
        return undefined;
      }
      // Not this run after all: look for a start among what came after its first tag (the
      // replayed tags are fewer than a whole run, so none of them completes one).
      const replay = this.#run.slice(1);
      const first = index - this.#run.length;
      this.#run = [];
      replay.forEach((earlier, i) => this.#match(earlier, first + 1 + i));
      if (this.#run.length > 0) return this.#match(received, index);
    }
    return this.#search(received, index);
  }

  #search(received: TagFingerprint, index: number): ContinuationRequest {
    const anchor = this.#expected[0];
    const plausible = index <= RESTART_WINDOW_TAGS || received.timestamp === anchor.timestamp;
    if (plausible && sameContent(received, anchor)) {
      this.#base = received.timestamp - anchor.timestamp;
      this.#run = [received];
      if (this.#expected.length === 1) this.#join();
      return undefined;
    }
    if (this.#seekMs > 0 && received.timestamp > anchor.timestamp + SKIPPED_PAST_MARGIN_MS) {
      return "restart";
    }
    return undefined;
  }

  #join(): void {
    this.#offset = (-this.#base) >>> 0;
    this.#run = [];
  }
}
