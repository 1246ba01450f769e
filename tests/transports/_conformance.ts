/**
 * One conformance suite for every transport stack and every listener: the same byte-exact,
 * ordering, back-pressure, close and error checks, run over a pair of connected transports that
 * a factory makes (the in-memory pipe, TCP, TLS, the RTMPT tunnel, RC4, proxies, …).
 *
 * Each check is a `Deno.test` step; the factory is called once per step and its `dispose` runs
 * after it, whatever happened.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Transport } from "../../transports/transport.ts";

/** Two connected ends and how to clean up after them. */
export interface TransportPair {
  /** The end that connected (a client stack). */
  client: Transport;
  /** The end that was accepted (a listener's transport). */
  server: Transport;
  /** Closes both ends and anything the factory started (listeners, peers). */
  dispose(): Promise<void>;
}

/** What a stack is allowed to differ in. */
export interface ConformanceOptions {
  /**
   * Most bytes a writer may hand over while the peer reads nothing, before its writes wait
   * (kernel buffers, proxies and tunnels in between all hold some). Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Bytes sent each way in the byte-exact check (default 4 MiB one way, 1 MiB back). */
  volume?: number;
  /**
   * True when a write to a closed peer may keep succeeding (a tunnel whose requests are
   * answered by a proxy): only reads are checked then.
   */
  lenientWriteAfterClose?: boolean;
}

/** Deterministic pseudo-random bytes (xorshift), so a failure can be reproduced. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes `data` in pieces of pseudo-random sizes (1 byte to 96 KiB). */
async function writeInPieces(transport: Transport, data: Uint8Array, seed: number): Promise<void> {
  let x = seed >>> 0 || 7;
  let offset = 0;
  while (offset < data.length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const size = 1 + ((x >>> 0) % (96 * 1024));
    const end = Math.min(data.length, offset + size);
    await transport.write(data.subarray(offset, end));
    offset = end;
  }
}

/** Reads until `length` bytes arrived (copying each read, whose view is reused) or the end. */
async function readBytes(transport: Transport, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const data = await transport.read();
    if (data === null) break;
    assert(filled + data.length <= length, `more bytes than sent (${filled + data.length})`);
    out.set(data, filled);
    filled += data.length;
  }
  return out.subarray(0, filled);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function assertSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const at = firstDifference(actual, expected);
  assert(
    at < 0,
    `${what}: ${actual.length} of ${expected.length} bytes, first difference at ${at}`,
  );
}

/** Resolves to "timeout" after `ms` unless `promise` settles first. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms))),
  ]);
}

/** Generous bound for "does not hang" waits: far above what any step takes on a busy machine. */
const NO_HANG_MS = 60_000;

async function noHang<T>(promise: Promise<T>, what: string): Promise<T> {
  const result = await within(promise, NO_HANG_MS);
  if (result === "timeout") throw new Error(`${what}: not done within ${NO_HANG_MS / 1000} s`);
  return result;
}

/**
 * Registers the conformance suite for one stack as a `Deno.test` named `name`, with one step
 * per check.
 */
export function transportConformance(
  name: string,
  makePair: () => Promise<TransportPair>,
  options: ConformanceOptions = {},
  testOptions: { ignore?: boolean } = {},
): void {
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const volume = options.volume ?? 4 * 1024 * 1024;

  const step = (t: Deno.TestContext, what: string, body: (pair: TransportPair) => Promise<void>) =>
    t.step(what, async () => {
      const pair = await makePair();
      try {
        await body(pair);
      } finally {
        await noHang(pair.dispose(), `${name}: dispose`);
      }
    });

  Deno.test({
    name: `transport conformance: ${name}`,
    ignore: testOptions.ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      await step(t, "bytes arrive exactly and in order, both ways at once", async (pair) => {
        const up = patternBytes(volume, 1);
        const down = patternBytes(Math.max(1, volume >> 2), 2);
        const [, , gotUp, gotDown] = await noHang(
          Promise.all([
            writeInPieces(pair.client, up, 3),
            writeInPieces(pair.server, down, 4),
            readBytes(pair.server, up.length),
            readBytes(pair.client, down.length),
          ]),
          `${name}: transfer`,
        );
        assertSame(gotUp, up, "client to server");
        assertSame(gotDown, down, "server to client");
      });

      await step(t, "a write resolves only once the caller may reuse its bytes", async (pair) => {
        const buffer = new Uint8Array(1000);
        const expected: number[] = [];
        for (let i = 0; i < 50; i++) {
          buffer.fill(i);
          expected.push(...buffer);
          await pair.client.write(buffer);
        }
        const got = await noHang(readBytes(pair.server, expected.length), `${name}: reuse`);
        assertSame(got, new Uint8Array(expected), "reused write buffer");
      });

      await step(t, "a peer that does not read holds the writer back", async (pair) => {
        const piece = patternBytes(64 * 1024, 5);
        const total = maxBuffered + 64 * 1024 * 1024;
        let handedOver = 0;
        const writer = (async () => {
          while (handedOver < total) {
            await pair.client.write(piece);
            handedOver += piece.length;
          }
        })();
        writer.catch(() => {});
        // A writer without back-pressure would hand over everything at once; give it time.
        assertEquals(await within(writer, 1500), "timeout", "the writer was never held back");
        assert(
          handedOver <= maxBuffered,
          `${handedOver} bytes handed over while the peer read nothing (limit ${maxBuffered})`,
        );
        // Reading lets it finish, with every byte in order.
        const reader = readBytes(pair.server, total);
        await noHang(writer, `${name}: held-back writer`);
        const got = await noHang(reader, `${name}: reader`);
        assertEquals(got.length, total, "bytes read after the writer was released");
        for (let offset = 0; offset < total; offset += piece.length) {
          assertSame(got.subarray(offset, offset + piece.length), piece, `piece at ${offset}`);
        }
      });

      await step(t, "closing ends the peer's reads after what was sent", async (pair) => {
        const data = patternBytes(300_000, 6);
        await pair.client.write(data);
        await pair.client.close();
        const got = await noHang(readBytes(pair.server, data.length + 1), `${name}: drain`);
        assertSame(got, data, "bytes written before the close");
        assertEquals(await noHang(pair.server.read(), `${name}: read after end`), null);
      });

      await step(t, "close is idempotent and ends reads on the same end", async (pair) => {
        const pending = pair.client.read();
        await pair.client.close();
        await pair.client.close();
        const result = await noHang(pending.catch(() => null), `${name}: pending read`);
        assertEquals(result, null, "a read pending at close resolves to null (or rejects)");
        assertEquals(await pair.client.read().catch(() => null), null, "a read after close");
        let rejected = false;
        await pair.client.write(new Uint8Array([1])).catch(() => (rejected = true));
        assert(rejected, "a write after close rejects");
      });

      if (!options.lenientWriteAfterClose) {
        await step(t, "writing to a closed peer fails", async (pair) => {
          await pair.server.close();
          const piece = new Uint8Array(16 * 1024);
          let failure: unknown;
          // TCP takes the first writes into its buffer; the peer's reset fails a later one.
          for (let i = 0; i < 4096 && failure === undefined; i++) {
            try {
              await noHang(pair.client.write(piece), `${name}: write to closed peer`);
            } catch (err) {
              failure = err;
            }
            if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          assert(failure !== undefined, "64 MiB were written to a closed peer without an error");
        });
      }

      await step(t, "both ends know their peer", (pair) => {
        for (const end of [pair.client, pair.server]) {
          assertEquals(typeof end.remoteAddr.hostname, "string");
          assert(Number.isInteger(end.remoteAddr.port), "port is an integer");
        }
        return Promise.resolve();
      });
    },
  });
}
