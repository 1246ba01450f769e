import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { Rc4 } from "../../src/crypto/rc4.ts";
import { createPipe } from "../../transports/pipe.ts";
import { RC4_SCRATCH_LIMIT, Rc4Transport } from "../../transports/rc4_transport.ts";
import { connectTcp } from "../../transports/tcp.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import type { RemoteAddr, Transport } from "../../transports/transport.ts";
import { patternBytes, transportConformance, type TransportPair } from "./_conformance.ts";

const KEY_A = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const KEY_B = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);

/** Wraps two connected transports as the two ends of an RTMPE connection. */
function encryptedPair(client: Transport, server: Transport): [Rc4Transport, Rc4Transport] {
  return [
    new Rc4Transport(client, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) }),
    new Rc4Transport(server, { encrypt: new Rc4(KEY_B), decrypt: new Rc4(KEY_A) }),
  ];
}

transportConformance("rc4 over the in-memory pipe", () => {
  const [client, server] = encryptedPair(...createPipe());
  return Promise.resolve({
    client,
    server,
    dispose: async () => {
      await client.close();
      await server.close();
    },
  });
}, { maxBufferedBytes: 2 * 1024 * 1024 });

transportConformance("rc4 over tcp", async (): Promise<TransportPair> => {
  const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a connection arrived");
  })();
  const [client, server] = encryptedPair(
    await connectTcp("127.0.0.1", listener.addr.port),
    await accepted,
  );
  return {
    client,
    server,
    dispose: async () => {
      await client.close();
      await server.close();
      await listener.close();
    },
  };
});

/** A transport that records what is written to it and hands out queued reads. */
class RecordingTransport implements Transport {
  readonly writes: Uint8Array[] = [];
  readonly copies: Uint8Array[] = [];
  reads: Uint8Array[] = [];
  closed = 0;
  #pending: (() => void)[] = [];
  hold = false;
  readonly remoteAddr: RemoteAddr = { hostname: "192.0.2.1", port: 1935 };

  read(): Promise<Uint8Array | null> {
    return Promise.resolve(this.reads.shift() ?? null);
  }

  write(data: Uint8Array): Promise<void> {
    this.writes.push(data);
    this.copies.push(data.slice());
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve) => this.#pending.push(resolve));
  }

  release(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const resolve of pending) resolve();
  }

  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const copy = data.slice();
  new Rc4(key).process(copy);
  return copy;
}

Deno.test("Rc4Transport decrypts reads in place, in the buffer the layer below returned", async () => {
  const inner = new RecordingTransport();
  const plain = patternBytes(3000, 1);
  const cipher = rc4(KEY_B, plain);
  const first = cipher.slice(0, 1000);
  const second = cipher.slice(1000);
  inner.reads = [first, second];
  const transport = new Rc4Transport(inner, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) });
  const a = await transport.read();
  strictEqual(a, first, "the same view, decrypted in place");
  deepStrictEqual(a, plain.subarray(0, 1000));
  const b = await transport.read();
  strictEqual(b, second);
  deepStrictEqual(b, plain.subarray(1000));
  strictEqual(await transport.read(), null);
});

Deno.test("Rc4Transport encrypts writes without touching the caller's bytes or allocating each time", async () => {
  const inner = new RecordingTransport();
  const transport = new Rc4Transport(inner, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) });
  const plain = patternBytes(5000, 2);
  // The scratch grows to the first write's size (rounded up to a power of two), then serves
  // every write up to that size.
  const pieces = [plain.subarray(0, 2900), plain.subarray(2900, 3000), plain.subarray(3000)];
  for (const piece of pieces) {
    const before = piece.slice();
    await transport.write(piece);
    deepStrictEqual(piece, before, "the caller's bytes are unchanged");
  }
  deepStrictEqual(concat(inner.copies), rc4(KEY_A, plain));
  const buffers = new Set(inner.writes.map((write) => write.buffer));
  strictEqual(buffers.size, 1, "one scratch buffer served every sequential write");
});

Deno.test("Rc4Transport keeps the keystream in call order when writes overlap", async () => {
  const inner = new RecordingTransport();
  inner.hold = true;
  const transport = new Rc4Transport(inner, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) });
  const plain = patternBytes(900, 3);
  const pending = [0, 300, 600].map((at) => transport.write(plain.subarray(at, at + 300)));
  strictEqual(inner.writes.length, 3, "each write reached the layer below at once");
  notStrictEqual(inner.writes[0].buffer, inner.writes[1].buffer, "a busy scratch is not reused");
  inner.release();
  await Promise.all(pending);
  deepStrictEqual(concat(inner.copies), rc4(KEY_A, plain));
});

Deno.test("Rc4Transport gives a write longer than the scratch limit a buffer of its own", async () => {
  const inner = new RecordingTransport();
  const transport = new Rc4Transport(inner, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) });
  const plain = patternBytes(RC4_SCRATCH_LIMIT + 10, 4);
  await transport.write(plain.subarray(0, 10));
  await transport.write(plain.subarray(10));
  await transport.write(new Uint8Array(0));
  ok(inner.writes[1].length === RC4_SCRATCH_LIMIT);
  notStrictEqual(inner.writes[0].buffer, inner.writes[1].buffer);
  deepStrictEqual(concat(inner.copies), rc4(KEY_A, plain));
});

Deno.test("Rc4Transport passes close and the remote address through", async () => {
  const inner = new RecordingTransport();
  const transport = new Rc4Transport(inner, { encrypt: new Rc4(KEY_A), decrypt: new Rc4(KEY_B) });
  deepStrictEqual(transport.remoteAddr, { hostname: "192.0.2.1", port: 1935 });
  await transport.close();
  await transport.close();
  strictEqual(inner.closed, 2);
});

Deno.test("Rc4Transport pairs carry any split of bytes both ways", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 4096 }),
      async (sizes, readSize) => {
        const [client, server] = encryptedPair(...createPipe({ readSize }));
        const total = sizes.reduce((sum, n) => sum + n, 0);
        const plain = patternBytes(total, total + 5);
        let at = 0;
        for (const size of sizes) {
          await client.write(plain.subarray(at, at + size));
          at += size;
        }
        await client.close();
        const received: Uint8Array[] = [];
        for (let data = await server.read(); data !== null; data = await server.read()) {
          received.push(data.slice());
        }
        deepStrictEqual(concat(received), plain);
        await server.close();
      },
    ),
    { numRuns: 40 },
  );
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
