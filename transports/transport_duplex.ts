/**
 * A {@linkcode Transport} seen as a `node:stream` Duplex, so that `node:tls` can run over any
 * stack below it (a Deno socket, a proxy connection with bytes already read), not only over a
 * `node:net` socket. Reads are pulled from the transport only while the stream wants data, so
 * back-pressure passes through.
 *
 * @module
 */

import type { Transport } from "./transport.ts";

type Duplex = import("node:stream").Duplex;

/** Wraps `transport` in a Duplex; destroying the Duplex closes the transport. */
export async function transportToDuplex(transport: Transport): Promise<Duplex> {
  const { Duplex } = await import("node:stream");
  let pulling = false;
  let ended = false;
  const duplex: Duplex = new Duplex({
    read() {
      if (pulling || ended) return;
      pulling = true;
      void pull();
    },
    write(chunk: Uint8Array, _encoding, callback) {
      transport.write(chunk).then(() => callback(), (err) => callback(err));
    },
    final(callback) {
      // A transport cannot half-close; the layer above closes it when it is done.
      callback();
    },
    destroy(err, callback) {
      ended = true;
      transport.close().then(() => callback(err), () => callback(err));
    },
  });

  async function pull(): Promise<void> {
    try {
      for (;;) {
        const data = await transport.read();
        if (ended) return;
        if (data === null) {
          ended = true;
          duplex.push(null);
          return;
        }
        // The transport reuses its buffer after the next read: hand the stream a copy.
        if (!duplex.push(data.slice())) return;
      }
    } catch (err) {
      if (!ended) duplex.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      pulling = false;
    }
  }

  return duplex;
}
