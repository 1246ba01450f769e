import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  encodeFlvHeader,
  encodeFlvTag,
  FlvError,
  type FlvTag,
  scanFlvTail,
} from "../../src/flv/mod.ts";

const ON_METADATA = [0x02, 0x00, 0x0a, ...new TextEncoder().encode("onMetaData"), 0x05];

function file(flags: number, tags: FlvTag[]): Uint8Array {
  const parts = [encodeFlvHeader(flags), ...tags.map(encodeFlvTag)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function source(bytes: Uint8Array) {
  return { size: bytes.length, read: (o: number, n: number) => bytes.slice(o, o + n) };
}

const video = (timestamp: number, key: boolean, size = 40): FlvTag => ({
  type: 9,
  timestamp,
  data: new Uint8Array(size).fill(timestamp & 0xff).map((b, i) =>
    i === 0 ? (key ? 0x17 : 0x27) : b
  ),
});
const audio = (timestamp: number): FlvTag => ({
  type: 8,
  timestamp,
  data: new Uint8Array([0xaf, 1, timestamp & 0xff, 3]),
});
const metadata: FlvTag = { type: 18, timestamp: 0, data: new Uint8Array(ON_METADATA) };

/** An audio + video file: keyframes every 1000 ms, frames every 40 ms, audio every 23 ms. */
function stream(durationMs: number): FlvTag[] {
  const tags: FlvTag[] = [metadata];
  let nextAudio = 0;
  for (let t = 0; t < durationMs; t += 40) {
    while (nextAudio <= t) {
      tags.push(audio(nextAudio));
      nextAudio += 23;
    }
    tags.push(video(t, t % 1000 === 0));
  }
  return tags;
}

Deno.test("scanFlvTail finds the last keyframe and the tags after it (rtmpdump's rule)", async () => {
  const tags = stream(2500);
  const bytes = file(5, tags);
  const scan = await scanFlvTail(source(bytes));
  assertEquals([scan.flags, scan.firstTagOffset, scan.end, scan.tornBytes], [
    5,
    13,
    bytes.length,
    0,
  ]);
  assertEquals(scan.resumeTag?.timestamp, 2000);
  assertEquals(scan.resumeTag?.type, 9);
  const from = tags.findIndex((t) => t.type === 9 && t.timestamp === 2000);
  assertEquals(
    scan.tags.map((t) => [t.type, t.timestamp]),
    tags.slice(from).map((t) => [t.type, t.timestamp]),
  );
  assertEquals(scan.metadata?.offset, 13);
});

Deno.test("scanFlvTail --skip goes back keyframes; audio-only files skip any tags", async () => {
  const bytes = file(5, stream(3500));
  assertEquals((await scanFlvTail(source(bytes), { skip: 1 })).resumeTag?.timestamp, 2000);
  assertEquals((await scanFlvTail(source(bytes), { skip: 3 })).resumeTag?.timestamp, 0);
  // Past the first keyframe there is none: the caller matches from the first tag.
  const none = await scanFlvTail(source(bytes), { skip: 4 });
  assertEquals(none.resumeTag, undefined);
  assertEquals(none.tags[0].offset, 13);
  const audioOnly = file(4, [audio(0), audio(23), audio(46), metadata, audio(69)]);
  assertEquals((await scanFlvTail(source(audioOnly))).resumeTag?.timestamp, 69);
  // rtmpdump's audio-only skip counts every tag, the metadata tag too.
  assertEquals((await scanFlvTail(source(audioOnly), { skip: 2 })).resumeTag?.timestamp, 46);
});

Deno.test("scanFlvTail cuts a torn last tag back to the last whole tag, wherever the cut", async () => {
  const tags = stream(1200);
  const bytes = file(5, tags);
  const ends = [13];
  for (const t of tags) ends.push(ends[ends.length - 1] + 11 + t.data.length + 4);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 13, max: bytes.length }), async (cut) => {
      const scan = await scanFlvTail(source(bytes.subarray(0, cut)));
      const whole = ends.filter((e) => e <= cut).at(-1)!;
      assertEquals(scan.end, whole);
      assertEquals(scan.tornBytes, cut - whole);
    }),
    { numRuns: 300 },
  );
});

Deno.test("scanFlvTail refuses what rtmpdump refuses, and broken back-pointers", async () => {
  const bad = (bytes: Uint8Array) => rejects(scanFlvTail(source(bytes)), FlvError);
  await bad(new Uint8Array([0x46, 0x4c, 0x56]));
  await bad(file(5, [video(0, true)]).map((b, i) => i === 0 ? 0x47 : b));
  await bad(file(0, [video(0, true)])); // neither audio nor video flag
  // A back-pointer five tags before the end that does not fit its tag: the end is whole, so the
  // walk back to the resume point meets it.
  const tags = stream(500);
  const broken = file(5, tags);
  const view = new DataView(broken.buffer);
  let pointer = broken.length - 4;
  for (let i = 0; i < 5; i++) pointer -= view.getUint32(pointer) + 4;
  view.setUint32(pointer, 12345);
  await rejects(scanFlvTail(source(broken), { skip: 50 }), FlvError);
});

Deno.test("scanFlvTail resumes from Enhanced RTMP keyframes too (ExHeader, frame type 1)", async () => {
  const enhanced = (timestamp: number, key: boolean): FlvTag => ({
    type: 9,
    timestamp,
    // IsExHeader | frame type | PacketType CodedFrames (1), FourCC "hvc1", then data.
    data: new Uint8Array([
      0x80 | (key ? 0x10 : 0x20) | 1,
      0x68,
      0x76,
      0x63,
      0x31,
      timestamp & 0xff,
    ]),
  });
  const bytes = file(1, [
    enhanced(0, true),
    enhanced(40, false),
    enhanced(80, true),
    enhanced(120, false),
  ]);
  const scan = await scanFlvTail(source(bytes));
  assertEquals(scan.resumeTag?.timestamp, 80);
  assertEquals(scan.tags.map((t) => t.timestamp), [80, 120]);
});
