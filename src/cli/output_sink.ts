/**
 * The downloader's output: collects the pieces of whole FLV tags without copying them and writes
 * them with one `writev` per ~1 MiB, so the file only ever grows by whole tags.
 *
 * @module
 */

import { writeSync, writevSync } from "node:fs";

/** Bytes collected before a write. */
export const OUTPUT_BATCH_BYTES = 1024 * 1024;
/** Pieces per writev call (below the usual IOV_MAX of 1024). */
const MAX_IOVECS = 512;

/** Writes FLV output to a file descriptor (a file or stdout). */
export class OutputSink {
  readonly #fd: number;
  #pieces: Uint8Array[] = [];
  #pending = 0;
  /** Bytes handed to the OS so far (plus `initialSize`). */
  written: number;

  /** Writes to `fd`; `initialSize` is where the file already ends (resume). */
  constructor(fd: number, initialSize = 0) {
    this.#fd = fd;
    this.written = initialSize;
  }

  /** Appends a piece; it must not be modified afterwards. */
  readonly push = (piece: Uint8Array): void => {
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.#pending += piece.length;
  };

  /** Total bytes including those not yet written. */
  get size(): number {
    return this.written + this.#pending;
  }

  /** Call at a tag boundary: writes out when enough has been collected. */
  commit(): void {
    if (this.#pending >= OUTPUT_BATCH_BYTES || this.#pieces.length >= MAX_IOVECS) this.flush();
  }

  /** Writes everything collected. Throws the OS error (e.g. disk full, closed pipe). */
  flush(): void {
    let pieces = this.#pieces;
    this.#pieces = [];
    this.#pending = 0;
    while (pieces.length > 0) {
      const batch = pieces.length > MAX_IOVECS ? pieces.slice(0, MAX_IOVECS) : pieces;
      const total = batch.reduce((n, p) => n + p.length, 0);
      let done = batch.length === 1
        ? writeAll(this.#fd, batch[0])
        : retrying(() => writevSync(this.#fd, batch));
      this.written += done;
      if (done < total) {
        // Short write: finish this batch piece by piece.
        for (const p of batch) {
          if (done >= p.length) {
            done -= p.length;
            continue;
          }
          this.written += writeAll(this.#fd, p.subarray(done));
          done = 0;
        }
      }
      pieces = pieces.length > MAX_IOVECS ? pieces.slice(MAX_IOVECS) : [];
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let off = 0;
  while (off < bytes.length) off += retrying(() => writeSync(fd, bytes, off, bytes.length - off));
  return bytes.length;
}

/** Retries a write that fails with EAGAIN (a non-blocking pipe that is full). */
function retrying(write: () => number): number {
  for (;;) {
    try {
      return write();
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
