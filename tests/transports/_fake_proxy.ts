/**
 * A scripted fake proxy for dialer tests: the dialer under test gets one end of an in-memory
 * pipe from the `below` dialer made here, and a script plays the proxy on the other end, reading
 * exactly what it expects and answering in pieces the test chooses.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Dialer, DialTarget } from "../../transports/dialer.ts";
import { createPipe } from "../../transports/pipe.ts";
import type { Transport } from "../../transports/transport.ts";

/** The proxy's end of the connection, with helpers for scripts. */
export class ProxyEnd {
  readonly transport: Transport;
  #held: Uint8Array = new Uint8Array(0);

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Reads exactly `length` bytes (null when the client closed first). */
  async read(length: number): Promise<Uint8Array | null> {
    while (this.#held.length < length) {
      const data = await this.transport.read();
      if (data === null) return null;
      const joined = new Uint8Array(this.#held.length + data.length);
      joined.set(this.#held);
      joined.set(data, this.#held.length);
      this.#held = joined;
    }
    const out = this.#held.slice(0, length);
    this.#held = this.#held.subarray(length);
    return out;
  }

  /** Reads `expected.length` bytes and checks they are `expected`. */
  async expect(expected: Uint8Array | number[], what: string): Promise<void> {
    const want = expected instanceof Uint8Array ? expected : new Uint8Array(expected);
    const got = await this.read(want.length);
    assertEquals(got === null ? null : [...got], [...want], what);
  }

  /** Sends `bytes` in pieces ending at the offsets of `cuts` (sorted, inside the bytes). */
  async send(bytes: Uint8Array | number[], cuts: number[] = []): Promise<void> {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    let start = 0;
    for (const cut of [...cuts, data.length]) {
      if (cut <= start) continue;
      await this.transport.write(data.slice(start, cut));
      // Let the client see each piece on its own.
      await new Promise((resolve) => setTimeout(resolve, 0));
      start = cut;
    }
  }

  /** True when the client closed its end (a read ends). */
  async clientClosed(): Promise<boolean> {
    for (;;) {
      const data = await this.transport.read().catch(() => null);
      if (data === null) return true;
    }
  }
}

/** A `below` dialer for one connection, and what happened to it. */
export interface FakeProxy {
  /** Pass this to the dialer under test. */
  below: Dialer;
  /** Where the dialer under test asked `below` to connect, per call. */
  dialed: DialTarget[];
  /** Resolves to the script's result once it has run. */
  done: Promise<void>;
}

/**
 * A fake proxy running `script` on the proxy's end of the first connection made through
 * `below`. A later connection fails.
 */
export function fakeProxy(script: (proxy: ProxyEnd) => Promise<void>): FakeProxy {
  const dialed: DialTarget[] = [];
  let run: ((proxy: ProxyEnd) => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    run = (proxy) => script(proxy).then(resolve, reject);
  });
  const below: Dialer = (target) => {
    dialed.push(target);
    if (dialed.length > 1) return Promise.reject(new Error("the fake proxy takes one connection"));
    const [client, server] = createPipe({
      remoteAddr: { hostname: target.host, port: target.port },
    });
    run!(new ProxyEnd(server));
    return Promise.resolve(client);
  };
  return { below, dialed, done };
}

/** Bytes of a string. */
export function ascii(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}
