/**
 * Output buffers for chunk encoders, handed out by size class and taken back once their bytes
 * were written, so a server encoding for many connections does not allocate (and collect) a
 * buffer per write.
 *
 * @module
 */

/** Smallest buffer handed out. */
export const MIN_POOLED_BUFFER_BYTES = 4096;

/** Options of a {@linkcode BufferPool}. */
export interface BufferPoolOptions {
  /**
   * Most bytes kept in free buffers; a buffer given back beyond it is left to the garbage
   * collector. Default {@linkcode DEFAULT_MAX_POOLED_BYTES}.
   */
  maxPooledBytes?: number;
}

/**
 * Default {@linkcode BufferPoolOptions.maxPooledBytes}: 64 MiB, which holds one output per
 * player in flight for 800 players of a 4 Mb/s stream (up to 64 KiB each), so a live server at
 * that scale takes every output from the pool.
 */
export const DEFAULT_MAX_POOLED_BYTES = 64 * 1024 * 1024;

/**
 * Buffers with power-of-two capacities (4 KiB and up). {@linkcode BufferPool.take} hands one
 * out; {@linkcode BufferPool.give} takes it back (or any view of it) once nothing uses its bytes
 * any more. Buffers not given back are simply collected; giving back a buffer the pool did not
 * hand out, or one twice, does nothing. Past the limit of free bytes, a buffer given back
 * replaces larger free ones, or is left to the garbage collector.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 *
 * const pool = new BufferPool();
 * const buffer = pool.take(10_000); // 16 KiB
 * pool.give(buffer.subarray(0, 10_000));
 * console.assert(pool.take(16_000) === buffer);
 * ```
 */
export class BufferPool {
  readonly #maxPooledBytes: number;
  /** Free buffers by size class (log2 of the capacity). */
  readonly #free: Uint8Array[][] = [];
  /** Buffers handed out and not given back, by their memory. */
  readonly #lent = new WeakMap<ArrayBufferLike, Uint8Array>();
  #pooledBytes = 0;

  /** Creates an empty pool. */
  constructor(options: BufferPoolOptions = {}) {
    this.#maxPooledBytes = options.maxPooledBytes ?? DEFAULT_MAX_POOLED_BYTES;
  }

  /** Bytes held in free buffers. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  /** A buffer of at least `minBytes` (its whole capacity is usable), free or new. */
  take(minBytes: number): Uint8Array {
    const sizeClass = sizeClassOf(minBytes);
    let buffer = this.#free[sizeClass]?.pop();
    if (buffer === undefined) buffer = new Uint8Array(2 ** sizeClass);
    else this.#pooledBytes -= buffer.byteLength;
    this.#lent.set(buffer.buffer, buffer);
    return buffer;
  }

  /** Takes back a buffer from {@linkcode BufferPool.take}, or a view of one. */
  give(bytes: Uint8Array): void {
    const buffer = this.#lent.get(bytes.buffer);
    if (buffer === undefined) return;
    this.#lent.delete(bytes.buffer);
    const sizeClass = Math.log2(buffer.byteLength);
    // Over the limit, larger free buffers make room for smaller ones: the common outputs are
    // small, and one burst of large ones must not keep them out.
    while (this.#pooledBytes + buffer.byteLength > this.#maxPooledBytes) {
      if (!this.#dropLargerThan(sizeClass)) return;
    }
    (this.#free[sizeClass] ??= []).push(buffer);
    this.#pooledBytes += buffer.byteLength;
  }

  /** Drops one free buffer of the largest class above `sizeClass`; false when there is none. */
  #dropLargerThan(sizeClass: number): boolean {
    for (let c = this.#free.length - 1; c > sizeClass; c--) {
      const dropped = this.#free[c]?.pop();
      if (dropped !== undefined) {
        this.#pooledBytes -= dropped.byteLength;
        return true;
      }
    }
    return false;
  }
}

/** The size class (log2 of the capacity) for `bytes`. */
function sizeClassOf(bytes: number): number {
  const wanted = Math.max(bytes, MIN_POOLED_BUFFER_BYTES);
  return Math.ceil(Math.log2(wanted));
}
