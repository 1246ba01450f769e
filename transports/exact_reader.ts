/**
 * Reads replies of known length from a transport during a negotiation (a SOCKS reply): exactly
 * the bytes asked for, however the network splits them, keeping what arrived beyond them for
 * the layer that takes the connection over. It never holds more than the bytes asked for plus
 * one read of the transport below.
 *
 * @module
 */

import type { Transport } from "./transport.ts";

/** Reads exact byte counts from a transport. */
export class ExactReader {
  #transport: Transport;
  #held: Uint8Array = new Uint8Array(0);
  /** Bytes received so far (for messages about short replies). */
  received = 0;

  /** Reads from `transport`. */
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * The next `length` bytes (a copy the caller keeps), or null when the stream ends first.
   * Rejects when the transport's read rejects.
   */
  async read(length: number): Promise<Uint8Array | null> {
    while (this.#held.length < length) {
      const data = await this.#transport.read();
      if (data === null) return null;
      this.received += data.length;
      const joined = new Uint8Array(this.#held.length + data.length);
      joined.set(this.#held);
      joined.set(data, this.#held.length);
      this.#held = joined;
    }
    const out = this.#held.slice(0, length);
    this.#held = this.#held.subarray(length);
    return out;
  }

  /** The bytes that arrived beyond what was read (for the next layer). */
  leftover(): Uint8Array {
    return this.#held;
  }
}
