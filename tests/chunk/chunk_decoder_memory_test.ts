import { deepStrictEqual, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  ChunkBudget,
  ChunkDecoder,
  ChunkEncoder,
  ChunkError,
  type RtmpMessage,
} from "../../src/chunk/mod.ts";
import { countAllocations, decodeInPieces } from "./_helpers.ts";

/** A fmt-0 header on `csid` declaring `length` bytes of type `typeId` on message stream 0. */
function fmt0(csid: number, length: number, typeId = 0x14): number[] {
  return [csid, 0, 0, 0, length >> 16, (length >> 8) & 0xff, length & 0xff, typeId, 0, 0, 0, 0];
}

function pushAll(decoder: ChunkDecoder, bytes: Uint8Array): RtmpMessage[] {
  const messages: RtmpMessage[] = [];
  decoder.push(bytes, (message) => messages.push(message));
  return messages;
}

/**
 * `03 000000 ffffff 14 00000000` and 128 zero bytes, `times` times: each header declares a
 * 16 MiB command message on chunk stream 3 and drops the one before it.
 */
function redeclaredMessages(times: number): Uint8Array {
  const unit = [...fmt0(3, 0xffffff), ...new Uint8Array(128)];
  const bytes = new Uint8Array(unit.length * times);
  for (let i = 0; i < times; i++) bytes.set(unit, i * unit.length);
  return bytes;
}

Deno.test("ChunkDecoder allocates with the bytes that arrive when a message is declared again and again", () => {
  // Reproduces the allocation amplification: 140 KB of input used to allocate and zero-fill
  // 1000 buffers of 16 MiB.
  const input = redeclaredMessages(1000);
  const decoder = new ChunkDecoder();
  const allocated = countAllocations(() => pushAll(decoder, input));
  const limit = 32 * 1024 * 1024;
  ok(
    allocated.bytes <= limit,
    `${input.length} bytes of input allocated ${allocated.bytes} bytes (limit ${limit})`,
  );
  ok(decoder.bytesHeld <= 256, `holds ${decoder.bytesHeld} bytes for 128 received`);
  deepStrictEqual(decoder.bytesInFlight, 0xffffff);
});

Deno.test("ChunkDecoder allocates in proportion to the input when each header brings one byte", () => {
  // Set Chunk Size 1, a fmt-0 header declaring 16 MiB on chunk stream 3, then fmt-2 headers
  // (4 bytes) that each drop the partial message and start a new one of the same length, with
  // one byte of body: a new message buffer per 5 bytes of input.
  const units = 10_000;
  const input = new Uint8Array(16 + 13 + units * 5);
  input.set([...fmt0(2, 4, 1), 0, 0, 0, 1], 0);
  input.set([...fmt0(3, 0xffffff, 9), 0], 16);
  for (let i = 0; i < units; i++) input.set([0x83, 0, 0, 0, i & 0xff], 29 + i * 5);
  const decoder = new ChunkDecoder();
  const allocated = countAllocations(() => pushAll(decoder, input));
  const limit = 64 * input.length;
  ok(
    allocated.bytes <= limit,
    `${input.length} bytes of input allocated ${allocated.bytes} bytes (limit ${limit})`,
  );
  ok(allocated.count >= units, "one buffer per message started");
});

Deno.test("ChunkDecoder allocates at most about the input when headers declare what is left of it", () => {
  // Each header declares as many bytes as the input has left after it, and is dropped after one
  // 128-byte chunk: the whole buffer would fit in what was pushed, but only once.
  const unit = 12 + 128;
  const units = 500;
  const input = new Uint8Array(unit * units);
  for (let i = 0; i < units; i++) {
    const left = input.length - (i * unit + 12);
    input.set(fmt0(3, left), i * unit);
  }
  const decoder = new ChunkDecoder();
  const allocated = countAllocations(() => pushAll(decoder, input));
  const limit = 4 * input.length;
  ok(
    allocated.bytes <= limit,
    `${input.length} bytes of input allocated ${allocated.bytes} bytes (limit ${limit})`,
  );
});

Deno.test("ChunkDecoder allocates a message within one push once, at its length", () => {
  const payload = new Uint8Array(100_000).fill(7);
  const encoder = new ChunkEncoder({ chunkSize: 4096 });
  encoder.write({ csid: 6, typeId: 9, timestamp: 0, messageStreamId: 1, payload });
  const bytes = encoder.takeOutput();
  const decoder = new ChunkDecoder();
  decoder.chunkSize = 4096;
  const allocated = countAllocations(() => pushAll(decoder, bytes));
  deepStrictEqual(allocated, { count: 1, bytes: 100_000 });
});

Deno.test("ChunkDecoder holds about what arrived of a large partial message", () => {
  const decoder = new ChunkDecoder();
  decoder.chunkSize = 1000;
  const header = fmt0(4, 0xffffff, 9);
  pushAll(decoder, new Uint8Array([...header, ...new Uint8Array(1000)]));
  ok(decoder.bytesHeld <= 1000, `holds ${decoder.bytesHeld} bytes for 1000 received`);
  let received = 1000;
  for (let i = 0; i < 300; i++) {
    pushAll(decoder, new Uint8Array([0xc4, ...new Uint8Array(1000)]));
    received += 1000;
    ok(
      decoder.bytesHeld <= 2 * received,
      `holds ${decoder.bytesHeld} bytes for ${received} received`,
    );
  }
});

Deno.test("ChunkDecoder grows buffers without losing bytes, at any chunk size and split", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 70_000 }),
      fc.array(fc.nat({ max: 1_000_000 }), { maxLength: 8 }),
      fc.boolean(),
      (sizes, chunkSize, cuts, transient) => {
        const encoder = new ChunkEncoder({ chunkSize });
        const sent = sizes.map((size, i): RtmpMessage => {
          const payload = new Uint8Array(size);
          for (let j = 0; j < size; j++) payload[j] = (j * 31 + i) & 0xff;
          return { csid: 4 + (i % 2), typeId: 9, timestamp: i, messageStreamId: 1, payload };
        });
        for (const message of sent) encoder.write(message);
        const bytes = encoder.takeOutput();
        const decoder = new ChunkDecoder({ transientPayloads: transient });
        decoder.chunkSize = chunkSize;
        const got: number[][] = [];
        const sorted = cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b);
        let start = 0;
        for (const cut of [...sorted, bytes.length]) {
          decoder.push(bytes.subarray(start, cut), (m) => {
            got.push([m.payload.length, ...m.payload.subarray(0, 4), ...m.payload.subarray(-4)]);
            if (!transient) deepStrictEqual(m.payload.buffer.byteLength, m.payload.length);
          });
          start = cut;
        }
        deepStrictEqual(
          got,
          sent.map((
            m,
          ) => [m.payload.length, ...m.payload.subarray(0, 4), ...m.payload.subarray(-4)]),
        );
        deepStrictEqual(decoder.bytesInFlight, 0);
        if (!transient) deepStrictEqual(decoder.bytesHeld, 0);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("ChunkDecoder delivers large payloads byte for byte after growing their buffers", () => {
  const payload = new Uint8Array(300_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 9)) & 0xff;
  const encoder = new ChunkEncoder({ chunkSize: 4096 });
  encoder.write({ csid: 6, typeId: 9, timestamp: 0, messageStreamId: 1, payload });
  const bytes = encoder.takeOutput();
  const [message] = decodeInPieces(bytes, [1, 5000, 70_000, 200_000], 4096);
  deepStrictEqual(message.payload, payload);
});

Deno.test("ChunkDecoder limits can be changed at run time and apply to the next header", () => {
  const decoder = new ChunkDecoder({ maxMessageSize: 100 });
  deepStrictEqual(decoder.maxMessageSize, 100);
  throws(
    () => pushAll(decoder, new Uint8Array(fmt0(3, 101))),
    new ChunkError(
      "Cannot decode chunk: message of 101 bytes on chunk stream 3 exceeds the limit of 100 bytes",
    ),
  );
  const raised = new ChunkDecoder({ maxMessageSize: 100 });
  // A message of 100 bytes starts under the small limit, which is then lowered: it completes.
  deepStrictEqual(pushAll(raised, new Uint8Array([...fmt0(3, 100), ...new Uint8Array(50)])), []);
  raised.maxMessageSize = 10;
  deepStrictEqual(pushAll(raised, new Uint8Array([0xc3, ...new Uint8Array(50)])).length, 1);
  throws(() => pushAll(raised, new Uint8Array(fmt0(3, 11))), /exceeds the limit of 10 bytes/);

  const grown = new ChunkDecoder({ maxMessageSize: 100 });
  grown.maxMessageSize = 5000;
  const messages = pushAll(grown, new Uint8Array([...fmt0(3, 101), ...new Uint8Array(101)]));
  deepStrictEqual(messages.map((m) => m.payload.length), [101]);
});

Deno.test("ChunkDecoder maxBytesInFlight and maxChunkStreams can be changed at run time", () => {
  const decoder = new ChunkDecoder({ maxBytesInFlight: 1000, maxChunkStreams: 2 });
  pushAll(decoder, new Uint8Array([...fmt0(3, 600), ...new Uint8Array(128)]));
  throws(
    () => pushAll(decoder, new Uint8Array(fmt0(4, 600))),
    /would exceed the limit of 1000 bytes in flight/,
  );
  const second = new ChunkDecoder({ maxBytesInFlight: 1000, maxChunkStreams: 2 });
  pushAll(second, new Uint8Array([...fmt0(3, 600), ...new Uint8Array(128)]));
  second.maxBytesInFlight = 2000;
  pushAll(second, new Uint8Array([...fmt0(4, 600), ...new Uint8Array(128)]));
  deepStrictEqual(second.bytesInFlight, 1200);
  throws(() => pushAll(second, new Uint8Array(fmt0(5, 1))), /limit of 2 chunk streams/);
  const third = new ChunkDecoder({ maxChunkStreams: 2 });
  pushAll(third, new Uint8Array([...fmt0(3, 1), 0, ...fmt0(4, 1), 0]));
  third.maxChunkStreams = 3;
  deepStrictEqual(pushAll(third, new Uint8Array([...fmt0(5, 1), 0])).length, 1);
  third.maxChunkStreams = 1; // known streams are kept
  deepStrictEqual(pushAll(third, new Uint8Array([...fmt0(4, 1), 0])).length, 1);
  throws(() => pushAll(third, new Uint8Array([...fmt0(6, 1), 0])), /limit of 1 chunk streams/);
});

Deno.test("ChunkDecoder limit setters reject values that are not counts", () => {
  const decoder = new ChunkDecoder();
  throws(() => (decoder.maxMessageSize = -1), RangeError);
  throws(() => (decoder.maxBytesInFlight = 1.5), RangeError);
  throws(() => (decoder.maxChunkStreams = NaN), RangeError);
  throws(() => new ChunkDecoder({ maxMessageSize: -5 }), RangeError);
  throws(() => new ChunkBudget(-1), RangeError);
});

Deno.test("ChunkDecoders sharing a budget reserve what they hold and release it", () => {
  const budget = new ChunkBudget(100_000);
  const first = new ChunkDecoder({ budget });
  const second = new ChunkDecoder({ budget });
  first.chunkSize = 4096;
  second.chunkSize = 4096;
  pushAll(first, new Uint8Array([...fmt0(3, 60_000, 9), ...new Uint8Array(4096)]));
  pushAll(second, new Uint8Array([...fmt0(3, 60_000, 9), ...new Uint8Array(4096)]));
  deepStrictEqual(budget.used, first.bytesHeld + second.bytesHeld);
  ok(budget.used > 0 && budget.used <= 2 * 4096, `budget used ${budget.used}`);
  // The first decoder receives the rest of its message; growing past the budget fails.
  const rest: number[] = [];
  for (let sent = 4096; sent < 60_000; sent += 4096) {
    rest.push(0xc3, ...new Uint8Array(Math.min(4096, 60_000 - sent)));
  }
  const messages = pushAll(first, new Uint8Array(rest));
  deepStrictEqual(messages.map((m) => m.payload.length), [60_000]);
  deepStrictEqual(budget.used, second.bytesHeld); // a completed message is given back
  budget.limit = budget.used + 1000;
  throws(
    () => pushAll(second, new Uint8Array(rest)),
    /would exceed the shared limit of \d+ bytes for partial messages/,
  );
  second.close();
  first.close();
  deepStrictEqual(budget.used, 0);
  throws(() => pushAll(second, new Uint8Array([0xc3])), /decoder is closed/);
});

Deno.test("ChunkDecoder gives a partial message's bytes back to the budget when it is dropped", () => {
  const budget = new ChunkBudget(1 << 20);
  const decoder = new ChunkDecoder({ budget });
  pushAll(decoder, redeclaredMessages(50));
  deepStrictEqual(budget.used, decoder.bytesHeld);
  ok(budget.used <= 256, `budget used ${budget.used}`);
  // Abort (type 2) on csid 2 naming chunk stream 3 drops its partial message.
  pushAll(decoder, new Uint8Array([...fmt0(2, 4, 2), 0, 0, 0, 3]));
  deepStrictEqual(decoder.bytesInFlight, 0);
  deepStrictEqual(budget.used, 0);
});

Deno.test("ChunkDecoder with transient payloads releases idle buffers to stay within maxBytesInFlight", () => {
  const maxBytesInFlight = 200_000;
  const decoder = new ChunkDecoder({ transientPayloads: true, maxBytesInFlight });
  decoder.chunkSize = 4096;
  const encoder = new ChunkEncoder({ chunkSize: 4096 });
  const sizes: number[] = [];
  for (const round of [0, 1]) {
    for (let csid = 3; csid < 10; csid++) {
      const payload = new Uint8Array(100_000).fill(csid + round);
      encoder.write({ csid, typeId: 9, timestamp: round * 40, messageStreamId: 1, payload });
      decoder.push(encoder.takeOutput(), (m) => {
        deepStrictEqual([m.payload.length, m.payload[0], m.payload[99_999]], [
          100_000,
          csid + round,
          csid + round,
        ]);
        sizes.push(decoder.bytesHeld);
      });
    }
  }
  deepStrictEqual(sizes.length, 14);
  for (const held of sizes) ok(held <= maxBytesInFlight, `holds ${held} bytes`);
});

Deno.test("ChunkDecoder with transient payloads and a budget releases idle buffers before failing", () => {
  const budget = new ChunkBudget(150_000);
  const decoder = new ChunkDecoder({ transientPayloads: true, budget });
  const encoder = new ChunkEncoder({ chunkSize: 4096 });
  decoder.chunkSize = 4096;
  for (let csid = 3; csid < 8; csid++) {
    encoder.write({
      csid,
      typeId: 9,
      timestamp: 0,
      messageStreamId: 1,
      payload: new Uint8Array(100_000),
    });
    deepStrictEqual(pushAll(decoder, encoder.takeOutput()).length, 1);
    ok(budget.used <= 150_000);
  }
  decoder.close();
  deepStrictEqual(budget.used, 0);
});

/** True when the memory under `view` was given back (its ArrayBuffer detached). */
function detached(view: Uint8Array): boolean {
  return (view.buffer as ArrayBuffer).detached;
}

Deno.test("ChunkDecoder gives the memory of grown, dropped and closed partial messages back at once", () => {
  // The views onChunk sees are of the message buffers: once a buffer is replaced by a larger one,
  // dropped by a new header or closed with the decoder, its memory is detached, not left to the
  // garbage collector (a peer that churns large messages must not outrun it).
  const bodies: Uint8Array[] = [];
  const decoder = new ChunkDecoder({ onChunk: (_header, body) => bodies.push(body) });
  const KIB64 = 64 * 1024;
  // Set Chunk Size 64 KiB, then a 256 KiB message whose buffer grows as its chunks arrive.
  pushAll(decoder, new Uint8Array([...fmt0(2, 4, 1), 0, 1, 0, 0]));
  pushAll(decoder, new Uint8Array([...fmt0(4, 4 * KIB64), ...new Uint8Array(KIB64)]));
  const first = bodies.at(-1)!;
  pushAll(decoder, new Uint8Array([0xc4, ...new Uint8Array(KIB64)]));
  ok(detached(first), "the first buffer, grown since");
  const grown = bodies.at(-1)!;
  ok(!detached(grown), "the buffer in use");
  // A new header on the same chunk stream drops the partial message.
  pushAll(decoder, new Uint8Array([...fmt0(4, 4 * KIB64), ...new Uint8Array(KIB64)]));
  ok(detached(grown), "the dropped message's buffer");
  const last = bodies.at(-1)!;
  decoder.close();
  ok(detached(last), "the partial message's buffer after close");
  // A completed message is the receiver's: untouched.
  const complete = new ChunkDecoder();
  const [message] = pushAll(complete, new Uint8Array([...fmt0(3, 4), 1, 2, 3, 4]));
  complete.close();
  deepStrictEqual([...message.payload], [1, 2, 3, 4]);
});
