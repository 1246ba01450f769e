import { deepStrictEqual, throws } from "node:assert/strict";
import { ChunkEncoder, ChunkError } from "../../src/chunk/mod.ts";
import { CHUNK_GOLDENS, msg, seq } from "./chunk_goldens.ts";

for (const golden of CHUNK_GOLDENS) {
  const steps = golden.steps;
  if (steps === undefined) continue;
  Deno.test(`ChunkEncoder encodes golden: ${golden.name}`, () => {
    const encoder = new ChunkEncoder({ chunkSize: golden.chunkSize });
    for (const step of steps) {
      if ("chunkSize" in step) encoder.chunkSize = step.chunkSize;
      else encoder.write(step.message, { forceFull: step.forceFull });
    }
    deepStrictEqual(encoder.pendingBytes, golden.bytes.length);
    deepStrictEqual(encoder.takeOutput(), new Uint8Array(golden.bytes));
  });
}

Deno.test("ChunkEncoder takeOutput hands over the bytes and clears them", () => {
  const encoder = new ChunkEncoder();
  encoder.write(msg(3, 20, 0, 0, seq(4)));
  const first = encoder.takeOutput();
  deepStrictEqual(encoder.pendingBytes, 0);
  deepStrictEqual(encoder.takeOutput().length, 0);
  encoder.write(msg(3, 20, 0, 0, seq(4)));
  const second = encoder.takeOutput();
  deepStrictEqual(first.length, 16);
  deepStrictEqual(second, new Uint8Array([0xc3, 0, 1, 2, 3])); // fmt 3: same length, type, delta 0
  deepStrictEqual(first[0], 0x03); // not overwritten by the second write
});

Deno.test("ChunkEncoder batches several messages into one output", () => {
  const encoder = new ChunkEncoder();
  for (let i = 0; i < 100; i++) encoder.write(msg(4 + (i % 3), 9, i * 40, 1, seq(1000, i)));
  const output = encoder.takeOutput();
  deepStrictEqual(output.length, encoder.pendingBytes + output.length);
  // 3 fmt-0 headers (12 bytes), 97 shorter headers, 7 continuation chunks of 1 byte each per message.
  deepStrictEqual(output.length > 100 * (1000 + 7), true);
});

Deno.test("ChunkEncoder never starts a message with fmt 3 after a nonzero fmt-0 timestamp", () => {
  const encoder = new ChunkEncoder();
  encoder.write(msg(4, 8, 100, 1, seq(1)));
  encoder.write(msg(4, 8, 200, 1, seq(1)));
  const output = encoder.takeOutput();
  // Second header is fmt 2 with delta 100, not fmt 3 (nginx-rtmp would read that as delta 0).
  deepStrictEqual([...output.subarray(13)], [0x84, 0x00, 0x00, 0x64, 0x00]);
});

Deno.test("ChunkEncoder rejects csids, type ids, timestamps and stream ids out of range", () => {
  const encoder = new ChunkEncoder();
  throws(
    () => encoder.write(msg(1, 8, 0, 0, seq(1))),
    new ChunkError("Cannot encode message: csid 1 is out of range 2..65599"),
  );
  throws(() => encoder.write(msg(65600, 8, 0, 0, seq(1))), ChunkError);
  throws(() => encoder.write(msg(3, 256, 0, 0, seq(1))), ChunkError);
  throws(() => encoder.write(msg(3, 8, -1, 0, seq(1))), ChunkError);
  throws(() => encoder.write(msg(3, 8, 2 ** 32, 0, seq(1))), ChunkError);
  throws(() => encoder.write(msg(3, 8, 0, 1.5, seq(1))), ChunkError);
  deepStrictEqual(encoder.pendingBytes, 0);
});

Deno.test("ChunkEncoder rejects a payload longer than 0xFFFFFF bytes", () => {
  throws(
    () => new ChunkEncoder().write(msg(3, 8, 0, 0, new Uint8Array(0x1000000))),
    new ChunkError("Cannot encode message: payload of 16777216 bytes exceeds 16777215"),
  );
});

Deno.test("ChunkEncoder rejects chunk sizes out of range", () => {
  throws(() => new ChunkEncoder({ chunkSize: 0 }), ChunkError);
  const encoder = new ChunkEncoder();
  throws(
    () => (encoder.chunkSize = 0x80000000),
    new ChunkError("Cannot set chunk size to 2147483648: out of range"),
  );
  encoder.chunkSize = 0x7fffffff;
  deepStrictEqual(encoder.chunkSize, 0x7fffffff);
});
