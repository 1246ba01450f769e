import { deepStrictEqual, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { ChunkDecoder, ChunkEncoder, ChunkError, type RtmpMessage } from "../../src/chunk/mod.ts";
import { CHUNK_GOLDENS } from "./chunk_goldens.ts";
import { decodeInPieces, everyByte } from "./_helpers.ts";

for (const golden of CHUNK_GOLDENS) {
  Deno.test(`ChunkDecoder decodes golden: ${golden.name}`, () => {
    const bytes = new Uint8Array(golden.bytes);
    deepStrictEqual(decodeInPieces(bytes, [], golden.chunkSize), golden.messages);
  });

  Deno.test(`ChunkDecoder decodes golden byte by byte: ${golden.name}`, () => {
    const bytes = new Uint8Array(golden.bytes);
    const messages = decodeInPieces(bytes, everyByte(bytes.length), golden.chunkSize);
    deepStrictEqual(messages, golden.messages);
  });
}

Deno.test("ChunkDecoder decodes every golden at random split points", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CHUNK_GOLDENS),
      fc.array(fc.nat({ max: 700 }), { maxLength: 40 }),
      (golden, cuts) => {
        const bytes = new Uint8Array(golden.bytes);
        deepStrictEqual(decodeInPieces(bytes, cuts, golden.chunkSize), golden.messages);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("ChunkDecoder copies a payload even when the whole message lies in one push", () => {
  const golden = CHUNK_GOLDENS[0];
  const bytes = new Uint8Array(golden.bytes);
  const [message] = decodeInPieces(bytes);
  bytes.fill(0);
  deepStrictEqual(message.payload, golden.messages[0].payload);
  ok(message.payload.buffer !== bytes.buffer);
});

Deno.test("ChunkDecoder emits messages synchronously in order and keeps no bytes after a message", () => {
  const decoder = new ChunkDecoder();
  const seen: number[] = [];
  const bytes = new Uint8Array(CHUNK_GOLDENS[4].bytes);
  decoder.push(bytes, (message) => seen.push(message.timestamp));
  deepStrictEqual(seen, [1000, 1033, 1066, 1099, 1100]);
});

Deno.test("ChunkDecoder applies a Set Chunk Size message before parsing the next chunk", () => {
  const decoder = new ChunkDecoder();
  const golden = CHUNK_GOLDENS.find((g) => g.name.startsWith("Set Chunk Size"))!;
  decoder.push(new Uint8Array(golden.bytes), () => {});
  deepStrictEqual(decoder.chunkSize, 256);
});

function fmt0(csid: number, length: number, typeId = 8): number[] {
  return [csid, 0, 0, 0, length >> 16, (length >> 8) & 0xff, length & 0xff, typeId, 0, 0, 0, 0];
}

function setChunkSize(size: number): Uint8Array {
  return new Uint8Array([
    ...fmt0(2, 4, 1),
    size >>> 24,
    (size >>> 16) & 0xff,
    (size >>> 8) & 0xff,
    size & 0xff,
  ]);
}

function pushAll(decoder: ChunkDecoder, bytes: Uint8Array): RtmpMessage[] {
  const messages: RtmpMessage[] = [];
  decoder.push(bytes, (message) => messages.push(message));
  return messages;
}

Deno.test("ChunkDecoder rejects Set Chunk Size 0", () => {
  throws(
    () => pushAll(new ChunkDecoder(), setChunkSize(0)),
    new ChunkError("Cannot set chunk size to 0: out of range"),
  );
});

Deno.test("ChunkDecoder rejects Set Chunk Size 2^31", () => {
  throws(
    () => pushAll(new ChunkDecoder(), setChunkSize(0x80000000)),
    new ChunkError("Cannot set chunk size to 2147483648: out of range"),
  );
});

Deno.test("ChunkDecoder accepts Set Chunk Size 1 and 0x7FFFFFFF", () => {
  for (const size of [1, 0x7fffffff]) {
    const decoder = new ChunkDecoder();
    pushAll(decoder, setChunkSize(size));
    deepStrictEqual(decoder.chunkSize, size);
  }
});

Deno.test("ChunkDecoder rejects a short Set Chunk Size or Abort payload", () => {
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([...fmt0(2, 2, 1), 0, 1])), ChunkError);
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([...fmt0(2, 0, 2)])), ChunkError);
});

Deno.test("ChunkDecoder setter rejects chunk sizes out of range", () => {
  const decoder = new ChunkDecoder();
  for (const size of [0, -1, 1.5, 0x80000000, NaN]) {
    throws(() => (decoder.chunkSize = size), ChunkError);
  }
  deepStrictEqual(decoder.chunkSize, 128);
});

Deno.test("ChunkDecoder rejects a message above maxMessageSize before allocating it", () => {
  const decoder = new ChunkDecoder({ maxMessageSize: 1024 * 1024 });
  throws(
    () => pushAll(decoder, new Uint8Array(fmt0(4, 16 * 1024 * 1024 - 1))),
    new ChunkError(
      "Cannot decode chunk: message of 16777215 bytes on chunk stream 4 exceeds the limit of 1048576 bytes",
    ),
  );
});

Deno.test("ChunkDecoder accepts a message of exactly maxMessageSize", () => {
  const decoder = new ChunkDecoder({ maxMessageSize: 3 });
  const messages = pushAll(decoder, new Uint8Array([...fmt0(4, 3), 1, 2, 3]));
  deepStrictEqual(messages[0].payload, new Uint8Array([1, 2, 3]));
});

Deno.test("ChunkDecoder rejects partial messages beyond maxBytesInFlight", () => {
  const decoder = new ChunkDecoder({ maxBytesInFlight: 250_000 });
  // Two partial 100 000-byte messages fit; a third does not.
  // Each push carries a header and one full 128-byte chunk.
  pushAll(decoder, new Uint8Array([...fmt0(4, 100_000), ...new Uint8Array(128)]));
  pushAll(decoder, new Uint8Array([...fmt0(5, 100_000), ...new Uint8Array(128)]));
  throws(() => pushAll(decoder, new Uint8Array(fmt0(6, 100_000))), /bytes in flight/);
});

Deno.test("ChunkDecoder frees bytes in flight when a message completes or is replaced", () => {
  const decoder = new ChunkDecoder({ maxBytesInFlight: 10 });
  decoder.chunkSize = 100;
  for (let i = 0; i < 5; i++) {
    deepStrictEqual(
      pushAll(decoder, new Uint8Array([...fmt0(4, 10), ...new Uint8Array(10)])).length,
      1,
    );
  }
  decoder.chunkSize = 1;
  pushAll(decoder, new Uint8Array([...fmt0(5, 10), 1]));
  decoder.chunkSize = 1;
  pushAll(decoder, new Uint8Array([...fmt0(5, 10), 1])); // replaces the partial message
  throws(() => pushAll(decoder, new Uint8Array([...fmt0(6, 1)])), ChunkError);
});

Deno.test("ChunkDecoder rejects more chunk streams than maxChunkStreams", () => {
  const decoder = new ChunkDecoder({ maxChunkStreams: 3 });
  for (const csid of [3, 4, 5]) pushAll(decoder, new Uint8Array([...fmt0(csid, 1), 0]));
  throws(
    () => pushAll(decoder, new Uint8Array([...fmt0(6, 1), 0])),
    new ChunkError("Cannot decode chunk: chunk stream 6 exceeds the limit of 3 chunk streams"),
  );
});

Deno.test("ChunkDecoder reads a fmt-1 header on a fresh chunk stream against a zero state", () => {
  // librtmp's first user control message on chunk stream 2 (a ping reply, event 7) has a fmt-1
  // header: timestamp delta 5, length 6, type 4.
  const decoder = new ChunkDecoder();
  const messages = pushAll(
    decoder,
    new Uint8Array([0x42, 0, 0, 5, 0, 0, 6, 4, 0, 7, 0, 0, 0, 9]),
  );
  deepStrictEqual(messages.map((m) => [m.typeId, m.timestamp, m.messageStreamId, [...m.payload]]), [
    [4, 5, 0, [0, 7, 0, 0, 0, 9]],
  ]);
});

Deno.test("ChunkDecoder rejects fmt 2 and 3 on a chunk stream with no previous header", () => {
  throws(
    () => pushAll(new ChunkDecoder(), new Uint8Array([0x84, 0, 0, 0])),
    new ChunkError(
      "Cannot decode chunk: fmt 2 header on chunk stream 4, which has no previous header",
    ),
  );
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([0xc4])), ChunkError);
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([0xc1, 0, 1])), /chunk stream 320/);
});

Deno.test("ChunkDecoder waits for a split basic header before judging it", () => {
  const decoder = new ChunkDecoder();
  // A lone 0x81 (fmt 2, three-byte form) cannot be judged until the csid bytes arrive.
  deepStrictEqual(pushAll(decoder, new Uint8Array([0x81])), []);
  throws(() => pushAll(decoder, new Uint8Array([0x00, 0x01])), /chunk stream 320/);
});

Deno.test("ChunkDecoder throws only ChunkError on random garbage and bounds what it keeps", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.nat({ max: 2000 }), { maxLength: 10 }),
      (garbage, cuts) => {
        try {
          decodeInPieces(garbage, cuts, 128, {
            maxBytesInFlight: 1 << 20,
            maxChunkStreams: 8,
          });
        } catch (error) {
          if (!(error instanceof ChunkError)) throw error;
        }
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("ChunkDecoder garbage that starts with fmt 0 headers hits the in-flight limit", () => {
  // Garbage whose every chunk header is fmt 0 and declares 16 MiB: without the limit each would
  // allocate 16 MiB.
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 2, max: 63 }), { minLength: 1, maxLength: 50 }),
      (ids) => {
        const bytes = new Uint8Array(
          ids.flatMap((csid) => [...fmt0(csid, 0xffffff), ...new Uint8Array(128)]),
        );
        const decoder = new ChunkDecoder({ maxBytesInFlight: 40_000_000 });
        const distinct = new Set(ids).size;
        if (distinct <= 2) {
          pushAll(decoder, bytes);
        } else {
          throws(() => pushAll(decoder, bytes), /bytes in flight/);
        }
      },
    ),
    { numRuns: 50 },
  );
});

/** Random messages (every basic header size, extended timestamps, empty bodies) and their chunks. */
const chunkedMessages = fc.record({
  chunkSize: fc.integer({ min: 1, max: 300 }),
  messages: fc.array(
    fc.record({
      csid: fc.constantFrom(2, 3, 63, 64, 319, 320, 65599),
      typeId: fc.constantFrom(8, 9, 18, 20),
      timestamp: fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0xfffff0, max: 0x1000010 })),
      messageStreamId: fc.nat({ max: 3 }),
      payload: fc.uint8Array({ maxLength: 700 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  cuts: fc.array(fc.nat({ max: 5000 }), { maxLength: 30 }),
});

Deno.test("ChunkDecoder's onChunk sees every chunk, header then body, before its message; together they are the stream", () => {
  fc.assert(
    fc.property(chunkedMessages, ({ chunkSize, messages, cuts }) => {
      const encoder = new ChunkEncoder({ chunkSize });
      for (const m of messages) encoder.write(m);
      const bytes = encoder.takeOutput();
      const seen: Uint8Array[] = [];
      const bodies: Uint8Array[] = [];
      const decoded = decodeInPieces(bytes, cuts, chunkSize, {
        onChunk: (header, body) => {
          seen.push(header.slice(), body.slice());
          bodies.push(body.slice());
        },
      });
      assertChunksAre(seen, bytes);
      deepStrictEqual(decoded.map((m) => [...m.payload]), messages.map((m) => [...m.payload]));
      // A message's chunk bodies, in order, are its payload (empty messages have one empty chunk).
      let next = 0;
      for (const m of messages) {
        const parts: number[] = [];
        const chunks = m.payload.length === 0 ? 1 : Math.ceil(m.payload.length / chunkSize);
        for (let i = 0; i < chunks; i++) parts.push(...bodies[next++]);
        deepStrictEqual(parts, [...m.payload]);
      }
      ok(next === bodies.length);
    }),
  );
});

function assertChunksAre(pieces: Uint8Array[], bytes: Uint8Array): void {
  const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  deepStrictEqual(joined, bytes);
}

Deno.test("ChunkDecoder's onChunk is called before the message the chunk completes", () => {
  const encoder = new ChunkEncoder({ chunkSize: 4 });
  encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(6),
  });
  const order: string[] = [];
  const decoder = new ChunkDecoder({
    onChunk: (header, body) => order.push(`chunk ${header.length}+${body.length}`),
  });
  decoder.chunkSize = 4;
  decoder.push(encoder.takeOutput(), (m) => order.push(`message ${m.payload.length}`));
  deepStrictEqual(order, ["chunk 12+4", "chunk 1+2", "message 6"]);
});
