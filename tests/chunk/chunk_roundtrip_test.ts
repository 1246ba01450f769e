import { deepStrictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import { decodeInPieces } from "./_helpers.ts";

type Step = { message: RtmpMessage; forceFull: boolean } | { chunkSize: number };

const csid = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(2, 3, 4, 63, 64, 319, 320, 65599) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 65599 }) },
);
// Types 1 and 2 are applied by the decoder itself, so they come only from chunkSize steps.
const typeId = fc.integer({ min: 3, max: 255 });
const messageStreamId = fc.oneof(fc.constantFrom(0, 1, 2), fc.nat({ max: 0xffffffff }));
const timestampStep = fc.oneof(
  fc.constant(0),
  fc.nat({ max: 100 }),
  fc.integer({ min: 0xfffff0, max: 0x1000010 }),
  fc.nat({ max: 0xffffffff }),
);
const size = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 300 }) },
  { weight: 1, arbitrary: fc.nat({ max: 70000 }) },
);
const chunkSize = fc.oneof(
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 100, max: 5000 }),
  fc.constant(0x7fffffff),
);

const rawStep = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      csid,
      typeId,
      messageStreamId,
      timestampStep,
      size,
      forceFull: fc.boolean(),
      sameAsBefore: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ chunkSize }) },
);

type RawStep = typeof rawStep extends fc.Arbitrary<infer T> ? T : never;

/** Turns raw draws into steps with timestamps that advance (and wrap) per chunk stream. */
function toSteps(raws: readonly RawStep[]): Step[] {
  const last = new Map<number, RtmpMessage>();
  let fill = 0;
  return raws.map((raw) => {
    if ("chunkSize" in raw) return { chunkSize: raw.chunkSize };
    const id = raw.csid;
    const previous = last.get(id);
    const reuse = raw.sameAsBefore === true && previous !== undefined;
    const payload = new Uint8Array(reuse ? previous.payload.length : raw.size);
    for (let i = 0; i < payload.length; i++) payload[i] = (fill + i * 7) & 0xff;
    fill++;
    const message: RtmpMessage = {
      csid: id,
      typeId: reuse ? previous.typeId : raw.typeId,
      timestamp: ((previous?.timestamp ?? 0) + raw.timestampStep) >>> 0,
      messageStreamId: reuse ? previous.messageStreamId : raw.messageStreamId,
      payload,
    };
    last.set(id, message);
    return { message, forceFull: raw.forceFull };
  });
}

function encode(steps: Step[]): { bytes: Uint8Array; expected: RtmpMessage[] } {
  const encoder = new ChunkEncoder();
  const parts: Uint8Array[] = [];
  const expected: RtmpMessage[] = [];
  for (const step of steps) {
    if ("chunkSize" in step) {
      const value = step.chunkSize;
      const setChunkSize: RtmpMessage = {
        csid: 2,
        typeId: 1,
        timestamp: 0,
        messageStreamId: 0,
        payload: new Uint8Array([value >>> 24, value >>> 16, value >>> 8, value]),
      };
      encoder.write(setChunkSize);
      encoder.chunkSize = value;
      expected.push(setChunkSize);
    } else {
      encoder.write(step.message, { forceFull: step.forceFull });
      expected.push(step.message);
    }
    // Take output at random-ish moments so batching and fresh buffers both happen.
    if (expected.length % 3 === 0) parts.push(encoder.takeOutput());
  }
  parts.push(encoder.takeOutput());
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, expected };
}

Deno.test("ChunkEncoder output decodes to the same messages (random sequences, random splits)", () => {
  fc.assert(
    fc.property(
      fc.array(rawStep, { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat({ max: 100_000 }), { maxLength: 30 }),
      (raws, cuts) => {
        const { bytes, expected } = encode(toSteps(raws));
        deepStrictEqual(decodeInPieces(bytes, cuts), expected);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("ChunkEncoder output decodes byte by byte for small random sequences", () => {
  fc.assert(
    fc.property(fc.array(rawStep, { minLength: 1, maxLength: 8 }), (raws) => {
      const steps = toSteps(raws).map((step) =>
        "message" in step && step.message.payload.length > 400
          ? {
            ...step,
            message: { ...step.message, payload: step.message.payload.subarray(0, 400) },
          }
          : step
      );
      const { bytes, expected } = encode(steps);
      const cuts = Array.from({ length: bytes.length }, (_, i) => i);
      deepStrictEqual(decodeInPieces(bytes, cuts), expected);
    }),
    { numRuns: 100 },
  );
});
