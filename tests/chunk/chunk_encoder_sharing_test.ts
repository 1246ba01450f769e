import { deepStrictEqual as assertEquals } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { BufferPool, ChunkEncoder, type RtmpMessage, sharePayload } from "../../src/chunk/mod.ts";

/** One message relayed to every connection in turn, as a live stream does. */
interface Relay {
  csid: number;
  typeId: number;
  timestampStep: number;
  size: number;
  /** Chunk size changes of some connections before this message. */
  resize: (number | null)[];
}

const CONNECTIONS = 4;

const relay: fc.Arbitrary<Relay> = fc.record({
  csid: fc.constantFrom(3, 4, 6, 63, 64, 319, 320, 65599),
  typeId: fc.constantFrom(8, 9, 18),
  timestampStep: fc.oneof(fc.nat({ max: 100 }), fc.constant(0xffffff), fc.nat({ max: 0xffffffff })),
  size: fc.oneof(fc.nat({ max: 300 }), fc.nat({ max: 20000 })),
  resize: fc.array(
    fc.option(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 100, max: 5000 }))),
    { minLength: CONNECTIONS, maxLength: CONNECTIONS },
  ),
});

/**
 * Encodes the relays for CONNECTIONS encoders (each with its own stream id and join point) and
 * returns every connection's bytes, the payloads declared shared or not.
 */
function encodeAll(relays: readonly Relay[], shared: boolean, release: boolean): Uint8Array[] {
  const pool = new BufferPool();
  const encoders = Array.from({ length: CONNECTIONS }, () => new ChunkEncoder({ pool }));
  const outputs: Uint8Array[][] = Array.from({ length: CONNECTIONS }, () => []);
  const timestamps = new Map<number, number>();
  relays.forEach((r, index) => {
    const timestamp = ((timestamps.get(r.csid) ?? 0) + r.timestampStep) >>> 0;
    timestamps.set(r.csid, timestamp);
    const payload = new Uint8Array(r.size);
    for (let i = 0; i < payload.length; i++) payload[i] = (index * 31 + i) & 0xff;
    if (shared) sharePayload(payload);
    encoders.forEach((encoder, c) => {
      if (index < c) return; // connection c joins at message c
      const size = r.resize[c];
      if (size !== null) encoder.chunkSize = size;
      const message: RtmpMessage = {
        csid: r.csid,
        typeId: r.typeId,
        timestamp,
        messageStreamId: 1 + c,
        payload,
      };
      encoder.write(message);
      if ((index + c) % 2 === 0) {
        const bytes = encoder.takeOutput();
        // A copy: the buffer goes back to the pool (and is reused) once "written".
        outputs[c].push(bytes.slice());
        if (release) encoder.releaseOutput(bytes);
      }
    });
  });
  return encoders.map((encoder, c) => {
    outputs[c].push(encoder.takeOutput());
    return concat(outputs[c]);
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

Deno.test("a shared payload encodes to the same bytes on every connection as an unshared one", () => {
  fc.assert(
    fc.property(fc.array(relay, { minLength: 1, maxLength: 25 }), (relays) => {
      assertEquals(encodeAll(relays, true, false), encodeAll(relays, false, false));
    }),
    { numRuns: 200 },
  );
});

Deno.test("output buffers given back and reused do not change what was sent", () => {
  fc.assert(
    fc.property(fc.array(relay, { minLength: 1, maxLength: 25 }), (relays) => {
      assertEquals(encodeAll(relays, true, true), encodeAll(relays, false, false));
    }),
    { numRuns: 200 },
  );
});

Deno.test("ChunkEncoder reuses a released output buffer for its next output", () => {
  const pool = new BufferPool();
  const encoder = new ChunkEncoder({ pool, chunkSize: 4096 });
  const message = (n: number): RtmpMessage => ({
    csid: 6,
    typeId: 9,
    timestamp: n * 33,
    messageStreamId: 1,
    payload: new Uint8Array(10_000).fill(n),
  });
  encoder.write(message(1));
  const first = encoder.takeOutput();
  encoder.releaseOutput(first);
  encoder.write(message(2));
  const second = encoder.takeOutput();
  assertEquals(second.buffer, first.buffer);
  assertEquals(second[second.length - 1], 2);
});

Deno.test("ChunkEncoder sizes a fresh output for its first message, not for the last output", () => {
  const pool = new BufferPool();
  const encoder = new ChunkEncoder({ pool, chunkSize: 4096 });
  const message = (size: number): RtmpMessage => ({
    csid: 6,
    typeId: 9,
    timestamp: 0,
    messageStreamId: 1,
    payload: new Uint8Array(size).fill(7),
  });
  encoder.write(message(50_000)); // a keyframe: a 64 KiB buffer
  const large = encoder.takeOutput();
  assertEquals(large.buffer.byteLength, 65536);
  // The small message that follows takes a small buffer, not one as large as the last output.
  encoder.write(message(300));
  const small = encoder.takeOutput();
  assertEquals(small.buffer.byteLength, 4096);
  encoder.write(message(5000));
  encoder.write(message(5000)); // a batch grows past its first buffer, keeping what it holds
  const batch = encoder.takeOutput();
  assertEquals(batch.buffer.byteLength, 16384);
  const plain = new ChunkEncoder({ pool: new BufferPool(), chunkSize: 4096 });
  for (const size of [50_000, 300, 5000, 5000]) plain.write(message(size));
  assertEquals(
    [...large, ...small, ...batch],
    [...plain.takeOutput()],
  );
});
