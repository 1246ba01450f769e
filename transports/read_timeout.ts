/**
 * A receive timeout for any transport (rtmpdump's `-m`): a read that gets no bytes within the
 * limit rejects with {@linkcode TimeoutError}, and the underlying read stays pending so the
 * next call picks it up (as a socket with SO_RCVTIMEO would).
 *
 * @module
 */

import { TimeoutError } from "./transport_error.ts";
import type { RemoteAddr, Transport } from "./transport.ts";

/** Wraps a transport so that reads time out after `timeoutMs` (0 = never). */
export class ReadTimeoutTransport implements Transport {
  #inner: Transport;
  #pending: Promise<Uint8Array | null> | undefined;
  /** Milliseconds a read may wait; 0 disables the timeout. */
  timeoutMs: number;

  /** Wraps `inner`. */
  constructor(inner: Transport, timeoutMs: number) {
    this.#inner = inner;
    this.timeoutMs = timeoutMs;
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** Reads, rejecting with TimeoutError when nothing arrives in time. */
  async read(): Promise<Uint8Array | null> {
    const pending = this.#pending ?? this.#inner.read();
    this.#pending = pending;
    if (this.timeoutMs <= 0) {
      try {
        return await pending;
      } finally {
        this.#pending = undefined;
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
    });
    try {
      const result = await Promise.race([pending, timeout]);
      if (result === "timeout") {
        throw new TimeoutError(`No data received for ${this.timeoutMs / 1000} s`);
      }
      this.#pending = undefined;
      return result;
    } catch (err) {
      if (!(err instanceof TimeoutError)) this.#pending = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes through. */
  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    this.#pending?.catch(() => {});
    return this.#inner.close();
  }
}
