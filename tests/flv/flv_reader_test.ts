import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  encodeFlvHeader,
  encodeFlvTag,
  FlvError,
  FlvReader,
  type FlvReaderOptions,
  type FlvTag,
} from "../../src/flv/mod.ts";
import { countAllocations } from "../chunk/_helpers.ts";
import { concat, goldenFile, HEADER_CASES, TAG_CASES } from "./_golden.ts";

/** Plain copies, so views and fresh buffers compare equal. */
function plain(tags: FlvTag[]): unknown[] {
  return tags.map((t) => ({
    type: t.type,
    timestamp: t.timestamp,
    streamId: t.streamId ?? 0,
    data: Array.from(t.data),
  }));
}

/** Feeds `bytes` split at `cuts` (sorted offsets), copying each chunk into a reused buffer. */
function readSplit(bytes: Uint8Array, cuts: number[], options?: FlvReaderOptions): FlvTag[] {
  const reader = new FlvReader(options);
  const tags: FlvTag[] = [];
  const scratch = new Uint8Array(bytes.length);
  let start = 0;
  for (const end of [...cuts, bytes.length]) {
    // Reuse one buffer for every chunk: data handed out must not depend on old chunk memory
    // once the callback has returned with a copy.
    const chunk = scratch.subarray(0, end - start);
    chunk.set(bytes.subarray(start, end));
    reader.push(chunk, (tag) => tags.push({ ...tag, data: tag.data.slice() }));
    start = end;
  }
  reader.finish();
  return tags;
}

const GOLDEN_TAGS = plain(TAG_CASES.map((c) => c.tag));

Deno.test("FlvReader reads the golden file in one chunk", () => {
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  reader.push(goldenFile(), (tag) => tags.push(tag));
  reader.finish();
  assertEquals(plain(tags), GOLDEN_TAGS);
  assertEquals(reader.header, { version: 1, flags: HEADER_CASES[0].flags, dataOffset: 9 });
  assertEquals(reader.position, goldenFile().length);
});

Deno.test("FlvReader reads the golden file byte by byte", () => {
  const bytes = goldenFile();
  const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  assertEquals(plain(readSplit(bytes, cuts)), GOLDEN_TAGS);
});

Deno.test("FlvReader reads the golden file at random split points", () => {
  const bytes = goldenFile();
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }),
      (cuts) => {
        assertEquals(plain(readSplit(bytes, cuts.sort((a, b) => a - b))), GOLDEN_TAGS);
      },
    ),
  );
});

Deno.test("FlvReader hands out views for whole tags and keeps split tags valid", () => {
  const bytes = goldenFile();
  const reader = new FlvReader();
  const views: boolean[] = [];
  reader.push(bytes, (tag) => views.push(tag.data.buffer === bytes.buffer));
  ok(views.every((v) => v));

  // Body complete in the first chunk, PreviousTagSize in the second: the first chunk's memory
  // is overwritten before the tag is delivered, and the tag must still be intact.
  const tag = encodeFlvTag(TAG_CASES[1].tag);
  const first = concat([encodeFlvHeader(1), tag.subarray(0, tag.length - 2)]);
  const reader2 = new FlvReader();
  const seen: FlvTag[] = [];
  reader2.push(first, (t) => seen.push(t));
  first.fill(0);
  reader2.push(tag.subarray(tag.length - 2), (t) => seen.push(t));
  reader2.finish();
  assertEquals(plain(seen), plain([TAG_CASES[1].tag]));
});

Deno.test("FlvReader round-trips random tag sequences at random splits", () => {
  const tagArb = fc.record({
    type: fc.constantFrom(8, 9, 18, 15, 0x28),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    streamId: fc.integer({ min: 0, max: 0xffffff }),
    data: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.array(tagArb, { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (flags, tags, rawCuts) => {
        const bytes = concat([encodeFlvHeader(flags), ...tags.map(encodeFlvTag)]);
        const cuts = [...new Set(rawCuts.map((c) => 1 + (c % bytes.length)))]
          .filter((c) => c < bytes.length).sort((a, b) => a - b);
        assertEquals(plain(readSplit(bytes, cuts)), plain(tags));
      },
    ),
  );
});

Deno.test("FlvReader skips header bytes up to a larger DataOffset", () => {
  const bytes = concat([
    new Uint8Array([0x46, 0x4c, 0x56, 1, 4, 0, 0, 0, 12, 0xaa, 0xbb, 0xcc, 0, 0, 0, 0]),
    encodeFlvTag(TAG_CASES[0].tag),
  ]);
  for (const cuts of [[], [10], [9, 10, 11, 12, 13]]) {
    assertEquals(plain(readSplit(bytes, cuts)), plain([TAG_CASES[0].tag]));
  }
});

Deno.test("FlvReader accepts a file with a header and no tags", () => {
  assertEquals(readSplit(encodeFlvHeader(5), [3]), []);
});

Deno.test("FlvReader rejects a wrong PreviousTagSize unless lenient", () => {
  const bytes = goldenFile();
  const tagEnd = 13 + TAG_CASES[0].bytes.length;
  bytes[tagEnd - 1] = 0x10; // 16 instead of 15
  throws(() => readSplit(bytes, []), { name: "FlvError", message: /PreviousTagSize 16/ });
  assertEquals(plain(readSplit(bytes, [], { lenient: true })), GOLDEN_TAGS);
});

Deno.test("FlvReader rejects a nonzero PreviousTagSize0 unless lenient", () => {
  const bytes = goldenFile();
  bytes[12] = 1;
  throws(() => readSplit(bytes, []), { name: "FlvError", message: /PreviousTagSize0/ });
  assertEquals(plain(readSplit(bytes, [], { lenient: true })), GOLDEN_TAGS);
});

Deno.test("FlvReader rejects a bad signature", () => {
  const bytes = goldenFile();
  bytes[0] = 0x47;
  throws(() => readSplit(bytes, [1, 2]), { name: "FlvError", message: /signature/ });
});

Deno.test("FlvReader rejects a tag of 16 MB above maxTagSize before buffering it", () => {
  const reader = new FlvReader({ maxTagSize: 1 << 20 });
  const header = new Uint8Array([
    0x09, // video
    0xff,
    0xff,
    0xff, // DataSize 16 MiB - 1
    0,
    0,
    0,
    0, // timestamp
    0,
    0,
    0, // stream id
  ]);
  reader.push(encodeFlvHeader(1), () => {});
  reader.push(header.subarray(0, 5), () => {}); // a partial tag header is only buffered
  throws(() => reader.push(header.subarray(5), () => {}), {
    name: "FlvError",
    message: /16777215 bytes exceeds the limit of 1048576/,
  });
  throws(() => reader.push(new Uint8Array(1), () => {}), FlvError);
});

Deno.test("FlvReader finish reports a stream cut inside the header or a tag", () => {
  const bytes = goldenFile();
  for (const end of [0, 5, 9, 12]) {
    const reader = new FlvReader();
    reader.push(bytes.subarray(0, end), () => {});
    throws(() => reader.finish(), FlvError, `cut at ${end}`);
  }
  for (const end of [14, 13 + 11, 13 + 15, 13 + 18]) {
    const reader = new FlvReader();
    reader.push(bytes.subarray(0, end), () => {});
    throws(() => reader.finish(), { name: "FlvError", message: /inside a tag/ });
  }
  const complete = new FlvReader();
  complete.push(bytes.subarray(0, 13 + TAG_CASES[0].bytes.length), () => {});
  complete.finish();
});

Deno.test("FlvReader in lenient mode accepts a last tag without PreviousTagSize", () => {
  const bytes = goldenFile().subarray(0, 13 + TAG_CASES[0].bytes.length - 4);
  assertEquals(plain(readSplit(bytes, [], { lenient: true })), plain([TAG_CASES[0].tag]));
});

Deno.test("FlvReader rejects an invalid maxTagSize", () => {
  throws(() => new FlvReader({ maxTagSize: -1 }), RangeError);
});

Deno.test("FlvReader allocates with the body bytes that arrive, not the size a tag declares", () => {
  // Reproduces the amplification the fuzz harness found: a tag header declaring 16 MiB and a
  // few bytes of body allocated 16 MiB at once.
  const header = new Uint8Array([0x09, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0]);
  const input = concat([encodeFlvHeader(1), header, new Uint8Array(100)]);
  const reader = new FlvReader();
  const allocated = countAllocations(() => reader.push(input, () => {}));
  ok(allocated.bytes <= 4096, `${input.length} bytes of input allocated ${allocated.bytes} bytes`);
  throws(() => reader.finish(), /inside a tag/);
});

Deno.test("FlvReader grows a split tag's body to exactly its size, copying it once per step", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200_000 }),
      fc.array(fc.nat({ max: 250_000 }), { maxLength: 12 }),
      (size, cutsRaw) => {
        const data = new Uint8Array(size);
        for (let i = 0; i < size; i++) data[i] = (i * 13 + (i >> 8)) & 0xff;
        const bytes = concat([
          encodeFlvHeader(1),
          encodeFlvTag({ type: 9, timestamp: 5, data }),
        ]);
        const cuts = [...new Set(cutsRaw.map((c) => Math.min(c, bytes.length)))].sort((a, b) =>
          a - b
        );
        const tags = readSplit(bytes, cuts);
        assertEquals(tags.length, 1);
        assertEquals(tags[0].data.length, size);
        ok(tags[0].data.every((b, i) => b === ((i * 13 + (i >> 8)) & 0xff)));
      },
    ),
    { numRuns: 40 },
  );
});
