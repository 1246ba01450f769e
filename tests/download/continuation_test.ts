/**
 * Continuing a recording on a new stream: StreamSplice (recorded streams, matched by content
 * whatever timestamps the server uses) and LiveJoin (live streams, continuous timestamps).
 */

import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import type { ReceivedTag } from "../../src/download/continuation.ts";
import { LiveJoin } from "../../src/download/live_join.ts";
import { RecordingTail } from "../../src/download/recording_tail.ts";
import { SKIPPED_PAST_MARGIN_MS, StreamSplice } from "../../src/download/stream_splice.ts";
import { fingerprintTag } from "../../src/download/tag_fingerprint.ts";

/** A tag with a body that is unique to `id` (and the same for the same id). */
function tag(type: number, timestamp: number, id: number, key = false): ReceivedTag {
  const data = new Uint8Array(30);
  data[0] = type === 9 ? (key ? 0x17 : 0x27) : 0xaf;
  data[1] = 1;
  data[2] = id;
  for (let i = 3; i < data.length; i++) data[i] = (id * 31 + i * 7) & 0xff;
  const bytes = new Uint8Array(11 + data.length + 4);
  bytes[0] = type;
  bytes.set(data, 11);
  return { type, timestamp, data, bytes };
}

/** The file's stream: `count` tags, a keyframe every 10th, 40 ms apart (ids = positions). */
function recording(count: number): ReceivedTag[] {
  return Array.from({ length: count }, (_, i) => tag(i % 3 === 2 ? 8 : 9, i * 40, i, i % 10 === 0));
}

/** Feeds `sent` through a splice of `file`'s tags from index `from` on; what it writes. */
function splice(file: ReceivedTag[], from: number, sent: ReceivedTag[], seekMs: number) {
  const expected = file.slice(from).map((t) => fingerprintTag(t.type, t.timestamp, t.data));
  const s = new StreamSplice(expected, seekMs);
  const written: [number, number][] = [];
  let request;
  for (const t of sent) {
    request = s.offer(t, (w, ts) => written.push([w.data[2], ts]));
    if (request) break;
  }
  return { written, request, splice: s };
}

const ids = (tags: ReceivedTag[]) => tags.map((t) => [t.data[2], t.timestamp] as [number, number]);

Deno.test("StreamSplice continues the file whatever the server's timestamps after a seek", () => {
  const full = recording(100);
  const cut = 47; // the file holds tags 0..46; its last keyframe is tag 40
  const rest = ids(full.slice(cut));
  // FMS: from the keyframe, timestamps restarting at 0 (after metadata and headers at 0).
  const fms = [
    tag(18, 0, 200),
    ...full.slice(40).map((t) => ({ ...t, timestamp: t.timestamp - 1600 })),
  ];
  const file = full.slice(0, cut);
  assertEquals(splice(file, 40, fms, 1600).written, rest);
  // nginx-rtmp with a keyframe index: the file's own timestamps from that keyframe.
  assertEquals(splice(file, 40, full.slice(40), 1600).written, rest);
  // nginx-rtmp without one: the seek is ignored, everything from the start.
  assertEquals(splice(file, 40, full, 1600).written, rest);
  // Starting later than the file ends: play it again from the start.
  const late = splice(file, 40, full.slice(80), 1600);
  assertEquals([late.written, late.request], [[], "restart"]);
  assert(full[80].timestamp > full[40].timestamp + SKIPPED_PAST_MARGIN_MS);
});

Deno.test("StreamSplice finds the run even when its first tag repeats earlier (backtracking)", () => {
  // A static picture: keyframes with the same bytes. The file ends with K K' a where K and K'
  // have equal bodies; the stream repeats K several times before the real run.
  const k = (ts: number) => tag(9, ts, 1, true);
  const file = [k(0), tag(8, 10, 2), k(40), k(80), tag(8, 90, 3)];
  const sent = [k(0), tag(8, 10, 2), k(40), k(80), tag(8, 90, 3), tag(9, 120, 4), tag(8, 130, 5)];
  // Resume point: the last keyframe k(80): expected run [k(80), a(90)].
  assertEquals(splice(file, 3, sent, 80).written, [[4, 120], [5, 130]]);
  // A longer run [k(40), k(80), a(90)]: k(0) starts a false run that fails at a(10).
  assertEquals(splice(file, 2, sent, 40).written, [[4, 120], [5, 130]]);
});

Deno.test("StreamSplice writes nothing of a different stream", () => {
  const full = recording(60);
  const other = recording(60).map((t) =>
    tag(t.type, t.timestamp, t.data[2] + 100, t.data[0] === 0x17)
  );
  const { written, splice: s } = splice(full.slice(0, 50), 40, other, 0);
  assertEquals(written, []);
  assertEquals(s.joined, false);
  throws(() => new StreamSplice([], 0), RangeError);
});

Deno.test("StreamSplice: any cut, any server behaviour, the result is the uninterrupted rest (property)", () => {
  const full = recording(120);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 119 }),
      fc.constantFrom("fms", "absolute", "from-start"),
      (cut, server) => {
        // The file's resume point: the last keyframe before the cut (or its first tag).
        let from = cut - 1;
        while (from > 0 && full[from].data[0] !== 0x17) from--;
        const start = full[from].timestamp;
        const sent = server === "from-start"
          ? full
          : server === "absolute"
          ? full.slice(from)
          : full.slice(from).map((t) => ({ ...t, timestamp: t.timestamp - start }));
        const { written } = splice(full.slice(0, cut), from, sent, start);
        assertEquals(written, ids(full.slice(cut)));
      },
    ),
  );
});

Deno.test("LiveJoin: continuous timestamps, unchanged headers dropped, video from a keyframe", () => {
  const tail = new RecordingTail();
  const avc = new Uint8Array([0x17, 0, 0, 0, 0, 1, 2, 3]);
  const aac = new Uint8Array([0xaf, 0, 0x12, 0x10]);
  tail.add(9, 0, avc);
  tail.add(8, 0, aac);
  for (let t = 0; t <= 5000; t += 40) {
    tail.add(9, t, new Uint8Array([t % 1000 ? 0x27 : 0x17, 1, t & 0xff]));
  }
  const joined: unknown[] = [];
  const join = new LiveJoin(tail, (r) => joined.push(r));
  const written: [number, number, number][] = [];
  const offer = (type: number, ts: number, data: Uint8Array) => {
    const bytes = new Uint8Array(11 + data.length + 4);
    bytes.set(data, 11);
    join.offer(
      { type, timestamp: ts, data, bytes },
      (t, w) => written.push([t.type, t.data[0], w]),
    );
  };
  // The publisher came back: timestamps from 0, the same headers, an inter frame first.
  offer(9, 0, avc);
  offer(8, 0, aac);
  offer(9, 0, new Uint8Array([0x27, 1, 9]));
  offer(8, 10, new Uint8Array([0xaf, 1, 9]));
  assertEquals(written, []);
  assertEquals(join.offset, undefined);
  offer(9, 80, new Uint8Array([0x17, 1, 8]));
  // The keyframe follows the last frame (5000) by one frame step (40).
  assertEquals(written, [[9, 0x17, 5040]]);
  assertEquals(join.offset, 4960);
  assertEquals(joined, [{ lastTimestamp: 5000, resumedTimestamp: 5040 }]);
  offer(8, 90, new Uint8Array([0xaf, 1, 1]));
  assertEquals(written.at(-1), [8, 0xaf, 5050]);

  // A changed sequence header is written, with the first frame's timestamp.
  const again = new LiveJoin(tail, () => {});
  const out: [number, number][] = [];
  const changed = new Uint8Array([0x17, 0, 0, 0, 0, 9, 9]);
  const key = new Uint8Array([0x17, 1, 7]);
  again.offer(
    { type: 9, timestamp: 0, data: changed, bytes: new Uint8Array(11 + 7 + 4) },
    (t, w) => out.push([t.data.length, w]),
  );
  again.offer(
    { type: 9, timestamp: 0, data: key, bytes: new Uint8Array(11 + 3 + 4) },
    (t, w) => out.push([t.data.length, w]),
  );
  assertEquals(out, [[7, 5040], [3, 5040]]);
});

Deno.test("StreamSplice does not line silence up in the wrong place", () => {
  // Audio only: a second of sound, then silence (every frame the same bytes). The file ends in
  // the silence; its resume point is its last frame.
  const frame = (i: number) => tag(8, i * 23, i < 44 ? i : 200);
  const full = Array.from({ length: 120 }, (_, i) => frame(i));
  const file = full.slice(0, 90);
  const rest = ids(full.slice(90));
  // A server that ignores the seek sends every frame with the file's timestamps: the first
  // silent frame (at 1012 ms) has the resume point's bytes but not its timestamp.
  assertEquals(splice(file, 89, full, full[89].timestamp).written, rest);
  // A server that restarts at the seek point sends it first.
  const restarted = full.slice(89).map((t) => ({
    ...t,
    timestamp: t.timestamp - full[89].timestamp,
  }));
  assertEquals(splice(file, 89, restarted, full[89].timestamp).written, rest);
});
