import { deepStrictEqual, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { ChunkDecoder, ChunkError, type RtmpMessage } from "../../src/chunk/mod.ts";
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

Deno.test("ChunkDecoder rejects fmt 1, 2 and 3 on a chunk stream with no previous header", () => {
  throws(
    () => pushAll(new ChunkDecoder(), new Uint8Array([0x44, 0, 0, 0, 0, 0, 1, 8, 0])),
    new ChunkError(
      "Cannot decode chunk: fmt 1 header on chunk stream 4, which has no previous header",
    ),
  );
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([0x84, 0, 0, 0])), ChunkError);
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([0xc4])), ChunkError);
  throws(() => pushAll(new ChunkDecoder(), new Uint8Array([0xc1, 0, 1])), /chunk stream 320/);
});

Deno.test("ChunkDecoder waits for a split basic header before judging it", () => {
  const decoder = new ChunkDecoder();
  // A lone 0x41 (fmt 1, three-byte form) cannot be judged until the csid bytes arrive.
  deepStrictEqual(pushAll(decoder, new Uint8Array([0x41])), []);
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
