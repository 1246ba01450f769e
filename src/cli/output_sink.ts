/**
 * The downloader's output: copies the pieces of FLV tags into one reusable 1 MiB buffer and
 * writes it with a single `write` when it fills, cutting only at tag boundaries, so the file
 * only ever grows by whole tags. (One memcpy per byte is far cheaper than handing the OS many
 * small buffers, and keeps memory flat: received payloads are garbage as soon as they are copied.)
 *
 * @module
 */

import { type ByteWriter, writeAll } from "./runtime_io.ts";

/** Size of the output buffer. */
export const OUTPUT_BUFFER_BYTES = 1024 * 1024;

/** Collected bytes that are written at the next {@linkcode OutputSink.flushIfDue}. */
const FLUSH_BYTES = 256 * 1024;
/** Longest time whole tags wait in the buffer (live streams to a pipe). */
const FLUSH_MS = 100;

/** Writes FLV output to a file descriptor (a file or stdout). */
export class OutputSink {
  readonly #out: ByteWriter;
  #buffer = new Uint8Array(OUTPUT_BUFFER_BYTES);
  /** Bytes in the buffer. */
  #used = 0;
  /** End of the last whole tag in the buffer. */
  #committed = 0;
  #lastWrite = 0;
  /** Bytes handed to the OS so far (plus `initialSize`). */
  written: number;

  /** Writes to `out`; `initialSize` is where the file already ends (resume). */
  constructor(out: ByteWriter, initialSize = 0) {
    this.#out = out;
    this.written = initialSize;
  }

  /** Appends a piece of the current tag (copied at once; the caller may reuse it). */
  readonly push = (piece: Uint8Array): void => {
    if (this.#used + piece.length > this.#buffer.length) this.#makeRoom(piece.length);
    this.#buffer.set(piece, this.#used);
    this.#used += piece.length;
  };

  /**
   * The file was cut to `size` bytes (a resumed download going on after its last whole tag):
   * writes follow them. Only while nothing is collected.
   */
  resetTo(size: number): void {
    if (this.#used !== 0) throw new Error("Cannot reset the output: bytes are still collected");
    this.written = size;
  }

  /** Total bytes including those not yet written. */
  get size(): number {
    return this.written + this.#used;
  }

  /** Marks a tag boundary: everything pushed so far is whole tags. */
  commit(): void {
    this.#committed = this.#used;
  }

  /**
   * Writes what is collected when there is enough of it or it has waited long enough, so a slow
   * live stream still reaches a pipe promptly. Call after each network read.
   */
  flushIfDue(now = performance.now()): void {
    if (
      this.#committed >= FLUSH_BYTES || (this.#committed > 0 && now - this.#lastWrite >= FLUSH_MS)
    ) {
      this.#writeCommitted();
      this.#lastWrite = now;
    }
  }

  /** Writes every whole tag collected. Throws the OS error (disk full, closed pipe …). */
  flush(): void {
    this.commit();
    this.#writeCommitted();
  }

  #writeCommitted(): void {
    const n = this.#committed;
    if (n === 0) return;
    writeAll(this.#out, this.#buffer.subarray(0, n));
    this.written += n;
    this.#buffer.copyWithin(0, n, this.#used);
    this.#used -= n;
    this.#committed = 0;
  }

  #makeRoom(incoming: number): void {
    this.#writeCommitted();
    const need = this.#used + incoming;
    if (need > this.#buffer.length) {
      // One tag larger than the buffer (a huge keyframe): grow to fit it, within the chunk
      // layer's message limit.
      const bigger = new Uint8Array(Math.max(need, this.#buffer.length * 2));
      bigger.set(this.#buffer.subarray(0, this.#used));
      this.#buffer = bigger;
    }
  }
}
