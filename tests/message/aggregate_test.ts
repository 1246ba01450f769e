import { deepStrictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { type AggregateTag, aggregateTags, MessageError } from "../../src/message/mod.ts";

/** Two sub-messages: video at 1000 ms, audio at 0x01000028 ms (extension byte used). */
// deno-fmt-ignore
const AGGREGATE = [
  0x09, // type id 9: video
  0x00, 0x00, 0x03, // size 3
  0x00, 0x03, 0xe8, // timestamp bits 0-23: 1000
  0x00, // timestamp bits 24-31
  0x00, 0x00, 0x00, // stream id 0
  0x17, 0x01, 0x00, // body
  0x00, 0x00, 0x00, 0x0e, // back-pointer 11 + 3
  0x08, // type id 8: audio
  0x00, 0x00, 0x02, // size 2
  0x00, 0x00, 0x28, // timestamp bits 0-23: 40
  0x01, // timestamp bits 24-31: 0x01000028
  0x00, 0x00, 0x01, // stream id 1
  0xaf, 0x01, // body
  0x00, 0x00, 0x00, 0x0d, // back-pointer 11 + 2
];

const EXPECTED: AggregateTag[] = [
  { offset: 0, typeId: 9, timestamp: 1000, streamId: 0, body: new Uint8Array([0x17, 1, 0]) },
  { offset: 18, typeId: 8, timestamp: 0x01000028, streamId: 1, body: new Uint8Array([0xaf, 1]) },
];

Deno.test("aggregateTags yields the sub-messages of the golden aggregate", () => {
  deepStrictEqual([...aggregateTags(new Uint8Array(AGGREGATE))], EXPECTED);
});

Deno.test("aggregateTags yields bodies as views into the payload", () => {
  const payload = new Uint8Array(AGGREGATE);
  const [first] = aggregateTags(payload);
  payload[11] = 0x27;
  deepStrictEqual(first.body[0], 0x27);
});

Deno.test("aggregateTags accepts a missing trailing back-pointer", () => {
  const payload = new Uint8Array(AGGREGATE.slice(0, -4));
  deepStrictEqual([...aggregateTags(payload)], EXPECTED);
});

Deno.test("aggregateTags yields nothing for an empty payload", () => {
  deepStrictEqual([...aggregateTags(new Uint8Array(0))], []);
});

Deno.test("aggregateTags throws MessageError at every other truncation of the golden", () => {
  // A prefix is complete only at a sub-message boundary (with or without its back-pointer).
  const complete = new Map([[0, 0], [14, 1], [18, 1], [31, 2], [35, 2]]);
  for (let length = 0; length <= AGGREGATE.length; length++) {
    const payload = new Uint8Array(AGGREGATE.slice(0, length));
    const count = complete.get(length);
    if (count !== undefined) {
      deepStrictEqual([...aggregateTags(payload)], EXPECTED.slice(0, count));
    } else {
      throws(() => [...aggregateTags(payload)], MessageError, `prefix of ${length} bytes`);
    }
  }
});

Deno.test("aggregateTags rejects a sub-message whose size overruns the payload", () => {
  const payload = new Uint8Array(AGGREGATE);
  payload[3] = 0xff; // first sub-message claims 255 bytes
  throws(
    () => [...aggregateTags(payload)],
    new MessageError(
      "Cannot read aggregate message: sub-message at offset 0 declares 255 bytes, 24 left",
    ),
  );
});

Deno.test("aggregateTags round-trips random sub-messages", () => {
  const tag = fc.record({
    typeId: fc.integer({ min: 0, max: 255 }),
    timestamp: fc.nat({ max: 0xffffffff }),
    streamId: fc.nat({ max: 0xffffff }),
    body: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(
    fc.property(fc.array(tag, { maxLength: 8 }), fc.boolean(), (tags, dropLastPointer) => {
      const bytes: number[] = [];
      const expected: AggregateTag[] = [];
      for (const t of tags) {
        const size = t.body.length;
        expected.push({ offset: bytes.length, ...t });
        bytes.push(t.typeId, size >> 16, (size >> 8) & 0xff, size & 0xff);
        bytes.push((t.timestamp >>> 16) & 0xff, (t.timestamp >>> 8) & 0xff, t.timestamp & 0xff);
        bytes.push(
          t.timestamp >>> 24,
          t.streamId >> 16,
          (t.streamId >> 8) & 0xff,
          t.streamId & 0xff,
        );
        bytes.push(...t.body, 0, 0, 0, 11 + size);
      }
      if (dropLastPointer && tags.length > 0) bytes.length -= 4;
      deepStrictEqual([...aggregateTags(new Uint8Array(bytes))], expected);
    }),
  );
});

Deno.test("aggregateTags throws only MessageError on random payloads", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (payload) => {
      try {
        for (const _ of aggregateTags(payload)) {
          // drain
        }
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
      }
    }),
    { numRuns: 1000 },
  );
});
