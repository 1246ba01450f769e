/**
 * A transport that first hands out bytes already read from the one below (what arrived after
 * a proxy's reply in the same packet), then reads through.
 *
 * @module
 */

import type { RemoteAddr, Transport } from "./transport.ts";

/**
 * `inner` with `prefix` read first, or `inner` itself when there is nothing to hand out (so a
 * TCP connection stays a TCP connection that TLS can take over).
 */
export function withPrefix(inner: Transport, prefix: Uint8Array): Transport {
  return prefix.length === 0 ? inner : new PrefixedTransport(inner, prefix);
}

/** A transport whose first read returns `prefix`. */
export class PrefixedTransport implements Transport {
  #inner: Transport;
  #prefix: Uint8Array | undefined;
  #closed = false;

  /** Wraps `inner`; `prefix` is kept as given (the caller hands it over). */
  constructor(inner: Transport, prefix: Uint8Array) {
    this.#inner = inner;
    this.#prefix = prefix.length > 0 ? prefix : undefined;
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** The prefix first, then the inner transport's reads. */
  read(): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.resolve(null);
    const prefix = this.#prefix;
    if (prefix !== undefined) {
      this.#prefix = undefined;
      return Promise.resolve(prefix);
    }
    return this.#inner.read();
  }

  /** Writes through. */
  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    this.#closed = true;
    this.#prefix = undefined;
    return this.#inner.close();
  }
}
