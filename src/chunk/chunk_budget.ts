/**
 * A byte budget that several chunk decoders draw from, so that one limit bounds the partial
 * messages of every connection of a server.
 *
 * @module
 */

/**
 * Bytes that decoders sharing this object may hold in buffers of partially received messages
 * (and, with transient payloads, in the buffers they reuse). A decoder reserves bytes as message
 * bytes actually arrive and its buffers grow, and gives them back when a message completes, is
 * dropped, or the decoder is closed; a decoder that cannot reserve what it needs throws
 * {@linkcode ChunkError}, so the connection it belongs to fails instead of the process growing.
 *
 * The limit may be changed at any time; lowering it below what is held makes later reservations
 * fail until enough is released. Other holders of memory may share the budget through
 * {@linkcode ChunkBudget.tryReserve} and {@linkcode ChunkBudget.release}.
 *
 * @example
 * ```ts
 * import { ChunkBudget, ChunkDecoder } from "./mod.ts";
 * // Every connection of a server shares 64 MiB for partial messages.
 * const budget = new ChunkBudget(64 * 1024 * 1024);
 * const first = new ChunkDecoder({ budget });
 * const second = new ChunkDecoder({ budget });
 * // ... when a connection ends:
 * first.close();
 * second.close();
 * console.assert(budget.used === 0);
 * ```
 */
export class ChunkBudget {
  #limit: number;
  #used = 0;

  /** Creates a budget of `limit` bytes (a non-negative integer, or `Infinity`). */
  constructor(limit: number) {
    this.#limit = checkLimit(limit);
  }

  /** The most bytes that may be held at once. */
  get limit(): number {
    return this.#limit;
  }

  set limit(limit: number) {
    this.#limit = checkLimit(limit);
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Bytes that may still be reserved (0 when the limit was lowered below what is held). */
  get available(): number {
    return Math.max(0, this.#limit - this.#used);
  }

  /** Reserves `bytes` if they fit under the limit; returns whether they did. */
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.#limit) return false;
    this.#used += bytes;
    return true;
  }

  /** Gives back `bytes` reserved earlier. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

function checkLimit(limit: number): number {
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) {
    throw new RangeError(`Cannot set the chunk budget to ${limit}: not a byte count`);
  }
  return limit;
}
