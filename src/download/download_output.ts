/**
 * Where a {@linkcode Downloader} writes the FLV, and the file it resumes.
 *
 * @module
 */

import type { FlvByteSource } from "../flv/flv_tail_scan.ts";

/** Takes the FLV a download writes. */
export interface DownloadOutput {
  /** Appends a piece of the current tag; it is only valid during the call (copy it to keep it). */
  push(piece: Uint8Array): void;
  /** Marks a tag boundary: everything pushed so far is whole tags. */
  commit(): void;
  /** Bytes in the output, including what is not written out yet. */
  readonly size: number;
  /** Writes out what is collected when enough has gathered (called after each read). */
  flushIfDue(): void | Promise<void>;
  /** Writes out every whole tag collected. Throws (rejects with) the write error. */
  flush(): void | Promise<void>;
}

/** A partly downloaded file to continue. */
export interface ResumeFile extends FlvByteSource {
  /**
   * Cuts the file to `length` bytes, so that output pushed from now on follows them. Called once,
   * just before the first new byte is written; a resume that cannot go on never calls it, so
   * the file stays as it was.
   */
  truncate(length: number): void;
}
