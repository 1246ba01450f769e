import { deepStrictEqual, ok } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";

function encodeAll(messages: RtmpMessage[], chunkSize: number): Uint8Array {
  const encoder = new ChunkEncoder({ chunkSize });
  for (const m of messages) encoder.write(m);
  return encoder.takeOutput();
}

Deno.test("ChunkDecoder with transient payloads reuses one buffer per chunk stream", () => {
  const messages: RtmpMessage[] = [1, 2].map((n) => ({
    csid: 6,
    typeId: 9,
    timestamp: n * 40,
    messageStreamId: 1,
    payload: new Uint8Array(300).fill(n),
  }));
  const decoder = new ChunkDecoder({ transientPayloads: true });
  const buffers: ArrayBufferLike[] = [];
  const seen: number[][] = [];
  decoder.push(encodeAll(messages, 128), (m) => {
    buffers.push(m.payload.buffer);
    seen.push([m.payload.length, m.payload[0], m.payload[299]]);
  });
  deepStrictEqual(seen, [[300, 1, 1], [300, 2, 2]]);
  ok(buffers[0] === buffers[1], "the second message reuses the first one's buffer");
});

Deno.test("ChunkDecoder with transient payloads delivers the same bytes as without", () => {
  const message = fc.record({
    csid: fc.integer({ min: 3, max: 8 }),
    typeId: fc.constantFrom(8, 9, 18),
    timestamp: fc.integer({ min: 0, max: 100000 }),
    messageStreamId: fc.constant(1),
    payload: fc.uint8Array({ minLength: 0, maxLength: 5000 }),
  });
  fc.assert(
    fc.property(
      fc.array(message, { maxLength: 20 }),
      fc.integer({ min: 1, max: 50 }),
      (ms, cut) => {
        const bytes = encodeAll(ms, 256);
        const decoder = new ChunkDecoder({ transientPayloads: true });
        const got: number[][] = [];
        const split = Math.min(cut * 97, bytes.length);
        const collect = (m: RtmpMessage) => got.push([...m.payload]);
        decoder.push(bytes.subarray(0, split), collect);
        decoder.push(bytes.subarray(split), collect);
        deepStrictEqual(got, ms.map((m) => [...m.payload]));
      },
    ),
    { numRuns: 100 },
  );
});
