import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { FlvError, FlvReader, type FlvTag } from "../../src/flv/mod.ts";
import { FlvRecorder, HEADER_BUFFER_SIZE } from "../../src/session/flv_recorder.ts";
import type { AmfValue } from "../../src/amf/mod.ts";
import {
  amfBoolean,
  amfNumber,
  amfString,
  concat,
  header,
  message,
  onMetaDataEcma,
  onMetaDataObject,
  record,
  subTag,
  tag,
} from "./_flv_fixtures.ts";

const AAC_SEQUENCE_HEADER = [0xaf, 0x00, 0x12, 0x10]; // 4 bytes: kept
const AAC_FRAME = [0xaf, 0x01, 0x21, 0x00, 0x49];
const AVC_SEQUENCE_HEADER = [0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64];
const AVC_KEYFRAME = [0x17, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x65];
const AVC_END_OF_SEQUENCE = [0x17, 0x02, 0x00, 0x00, 0x00]; // 5 bytes: dropped

Deno.test("FlvRecorder writes rtmpdump's bytes for metadata, AAC and AVC at 0 ms", () => {
  const metadata = onMetaDataEcma([["duration", amfNumber(2)]]);
  const { bytes } = record(new FlvRecorder(), [
    message(18, 0, metadata),
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(9, 0, AVC_SEQUENCE_HEADER),
  ]);
  // deno-fmt-ignore
  const expected = [
    0x46, 0x4c, 0x56, 0x01, // "FLV", version 1
    0x05, // flags: audio and video seen while buffering
    0x00, 0x00, 0x00, 0x09, // DataOffset 9
    0x00, 0x00, 0x00, 0x00, // PreviousTagSize0
    0x12, 0x00, 0x00, 0x28, // script data tag, size 40
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // timestamp 0, stream id 0
    ...metadata, // the original body
    0x00, 0x00, 0x00, 0x33, // PreviousTagSize 51
    0x08, 0x00, 0x00, 0x04, // audio tag, size 4
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // timestamp 0, stream id 0
    0xaf, 0x00, 0x12, 0x10, // AAC sequence header
    0x00, 0x00, 0x00, 0x0f, // PreviousTagSize 15
    0x09, 0x00, 0x00, 0x07, // video tag, size 7
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // timestamp 0, stream id 0
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, // AVC sequence header (start)
    0x00, 0x00, 0x00, 0x12, // PreviousTagSize 18
  ];
  assertEquals(metadata.length, 40);
  assertEquals(Array.from(bytes), expected);
});

Deno.test("FlvRecorder holds the header back until audio and video were both seen", () => {
  const recorder = new FlvRecorder();
  const { perCall } = record(recorder, [
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(8, 0, AAC_FRAME),
    message(9, 0, AVC_SEQUENCE_HEADER),
    message(9, 40, AVC_KEYFRAME),
  ]);
  assertEquals(perCall[0].length, 0);
  assertEquals(perCall[1].length, 0);
  assertEquals(
    perCall[2],
    concat([
      header(0x05),
      tag(8, 0, AAC_SEQUENCE_HEADER),
      tag(8, 0, AAC_FRAME),
      tag(9, 0, AVC_SEQUENCE_HEADER),
    ]),
  );
  assertEquals(perCall[3], tag(9, 40, AVC_KEYFRAME));
  assertEquals(recorder.flags, 0x05);
  assertEquals(recorder.timestamp, 40);
});

Deno.test("FlvRecorder ends buffering at the first nonzero timestamp: audio-only gets flags 0x04", () => {
  const recorder = new FlvRecorder();
  const { perCall, bytes } = record(recorder, [
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(8, 0, AAC_FRAME),
    message(8, 23, AAC_FRAME),
    message(8, 46, AAC_FRAME),
  ]);
  assertEquals(perCall[0].length + perCall[1].length, 0);
  assertEquals(
    bytes,
    concat([
      header(0x04),
      tag(8, 0, AAC_SEQUENCE_HEADER),
      tag(8, 0, AAC_FRAME),
      tag(8, 23, AAC_FRAME),
      tag(8, 46, AAC_FRAME),
    ]),
  );
});

Deno.test("FlvRecorder keeps the first tag's own timestamp (no rebasing)", () => {
  const { bytes } = record(new FlvRecorder({ live: true }), [
    message(9, 123456, AVC_KEYFRAME),
    message(8, 123460, AAC_FRAME),
  ]);
  assertEquals(
    bytes,
    concat([header(0x01), tag(9, 123456, AVC_KEYFRAME), tag(8, 123460, AAC_FRAME)]),
  );
});

Deno.test("FlvRecorder drops cue points and other data messages, keeps every onMetaData", () => {
  const first = onMetaDataEcma([["duration", amfNumber(10)]]);
  const second = onMetaDataEcma([["duration", amfNumber(20)]]);
  const recorder = new FlvRecorder({ initialTimestamp: 1 });
  const { bytes } = record(recorder, [
    message(18, 0, first),
    message(18, 10, [...amfString("onCuePoint"), ...amfString("x")]),
    message(18, 10, [...amfString("onTextData"), ...amfString("x")]),
    message(18, 10, [...amfString("|RtmpSampleAccess"), ...amfBoolean(true), ...amfBoolean(true)]),
    message(15, 10, [0x00, ...amfString("onMetaData")]), // AMF3 data message
    message(18, 30, second),
  ]);
  assertEquals(bytes, concat([header(0), tag(18, 0, first), tag(18, 30, second)]));
  assertEquals(recorder.duration, 20);
});

Deno.test("FlvRecorder drops video of at most 5 bytes and audio of at most 1 byte", () => {
  const recorder = new FlvRecorder({ initialTimestamp: 1 });
  const { bytes } = record(recorder, [
    message(9, 10, AVC_END_OF_SEQUENCE),
    message(9, 11, [0x27, 0x01, 0x00, 0x00, 0x00, 0x09]),
    message(8, 12, [0xaf]),
    message(8, 13, [0xaf, 0x01]),
    message(8, 14, []),
    message(9, 15, [0x90, 0x68, 0x76, 0x63, 0x31, 0x01]), // Enhanced RTMP hvc1 sequence start
    message(8, 16, [0x9d, 0x4f, 0x70, 0x75, 0x73]), // Enhanced RTMP Opus, untouched
  ]);
  assertEquals(
    bytes,
    concat([
      header(0),
      tag(9, 11, [0x27, 0x01, 0x00, 0x00, 0x00, 0x09]),
      tag(8, 13, [0xaf, 0x01]),
      tag(9, 15, [0x90, 0x68, 0x76, 0x63, 0x31, 0x01]),
      tag(8, 16, [0x9d, 0x4f, 0x70, 0x75, 0x73]),
    ]),
  );
  assertEquals(recorder.timestamp, 16);
});

Deno.test("FlvRecorder counts a dropped video toward the header flags and may end buffering on it", () => {
  const { perCall } = record(new FlvRecorder(), [
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(9, 0, AVC_END_OF_SEQUENCE),
  ]);
  assertEquals(perCall[0].length, 0);
  assertEquals(perCall[1], concat([header(0x05), tag(8, 0, AAC_SEQUENCE_HEADER)]));
});

Deno.test("FlvRecorder takes header flags from an onMetaData object but not from an ECMA array", () => {
  const objectMetadata = onMetaDataObject([["videocodecid", amfNumber(7)], [
    "audiocodecid",
    amfNumber(10),
  ]]);
  const fromObject = record(new FlvRecorder(), [message(18, 0, objectMetadata)], false);
  // Both flags known from the metadata alone: buffering ends with this message.
  assertEquals(fromObject.perCall[0], concat([header(0x05), tag(18, 0, objectMetadata)]));

  const ecmaMetadata = onMetaDataEcma([["videocodecid", amfNumber(7)], [
    "audiocodecid",
    amfNumber(10),
  ]]);
  const recorder = new FlvRecorder();
  const fromEcma = record(recorder, [message(18, 0, ecmaMetadata), message(8, 20, AAC_FRAME)]);
  assertEquals(fromEcma.perCall[0].length, 0);
  assertEquals(
    fromEcma.bytes,
    concat([header(0x04), tag(18, 0, ecmaMetadata), tag(8, 20, AAC_FRAME)]),
  );
  assertEquals(recorder.flags, 0x04);
});

Deno.test("FlvRecorder with --start: flags 0x00 at once and timestamps shifted by the offset", () => {
  const recorder = new FlvRecorder({ resumeTimestamp: 1000, initialTimestamp: 1000 });
  const { perCall, bytes } = record(recorder, [
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(9, 0, AVC_SEQUENCE_HEADER),
    message(9, 40, AVC_KEYFRAME),
  ]);
  assertEquals(perCall[0], concat([header(0x00), tag(8, 1000, AAC_SEQUENCE_HEADER)]));
  assertEquals(
    bytes,
    concat([
      header(0),
      tag(8, 1000, AAC_SEQUENCE_HEADER),
      tag(9, 1000, AVC_SEQUENCE_HEADER),
      tag(9, 1040, AVC_KEYFRAME),
    ]),
  );
  assertEquals(recorder.timestamp, 1040);
});

Deno.test("FlvRecorder writes the bare header when --start gets no media at all", () => {
  const { bytes } = record(new FlvRecorder({ resumeTimestamp: 1000, initialTimestamp: 1000 }), []);
  assertEquals(bytes, header(0));
});

Deno.test("FlvRecorder timestamp: written value for VOD, raw RTMP value for live", () => {
  const vod = new FlvRecorder({ resumeTimestamp: 500, noHeader: true });
  const live = new FlvRecorder({ resumeTimestamp: 500, noHeader: true, live: true });
  const messages = [message(9, 0, AVC_KEYFRAME), message(9, 40, AVC_KEYFRAME)];
  const vodOut = record(vod, messages);
  const liveOut = record(live, messages);
  assertEquals(vod.timestamp, 540);
  assertEquals(live.timestamp, 40);
  // Both write the same bytes: resume offset added, no header.
  assertEquals(vodOut.bytes, concat([tag(9, 500, AVC_KEYFRAME), tag(9, 540, AVC_KEYFRAME)]));
  assertEquals(liveOut.bytes, vodOut.bytes);
});

Deno.test("FlvRecorder live buffering ends at the first nonzero raw timestamp", () => {
  const recorder = new FlvRecorder({ live: true });
  const { perCall } = record(recorder, [
    message(9, 0, AVC_SEQUENCE_HEADER),
    message(9, 33, AVC_KEYFRAME),
  ], false);
  assertEquals(perCall[0].length, 0);
  assertEquals(
    perCall[1],
    concat([header(0x01), tag(9, 0, AVC_SEQUENCE_HEADER), tag(9, 33, AVC_KEYFRAME)]),
  );
});

Deno.test("FlvRecorder writes timestamps above 24 bits and wraps the resume offset mod 2^32", () => {
  const { bytes } = record(new FlvRecorder({ resumeTimestamp: 0xfffffff0, noHeader: true }), [
    message(9, 0x0f, AVC_KEYFRAME),
    message(9, 0x20, AVC_KEYFRAME),
  ]);
  assertEquals(bytes, concat([tag(9, 0xffffffff, AVC_KEYFRAME), tag(9, 0x10, AVC_KEYFRAME)]));
});

Deno.test("FlvRecorder ignores other message types", () => {
  const { bytes } = record(new FlvRecorder({ noHeader: true }), [
    message(1, 0, [0, 0, 0x10, 0]),
    message(4, 0, [0, 0, 0, 0, 0, 1]),
    message(20, 0, [...amfString("onStatus")]),
    message(19, 0, [1, 2, 3]),
  ]);
  assertEquals(bytes.length, 0);
});

Deno.test("FlvRecorder re-stamps aggregate sub-tags 1000/1040 in a message stamped 80 to 80/120", () => {
  const aggregate = concat([subTag(9, 1000, AVC_KEYFRAME), subTag(8, 1040, AAC_FRAME)]);
  const recorder = new FlvRecorder();
  const { bytes } = record(recorder, [message(22, 80, aggregate)]);
  assertEquals(
    bytes,
    concat([header(0x05), subTag(9, 80, AVC_KEYFRAME), subTag(8, 120, AAC_FRAME)]),
  );
  assertEquals(recorder.timestamp, 120);
});

Deno.test("FlvRecorder adds the resume offset to aggregate sub-tags and keeps their stream id bytes", () => {
  const first = subTag(9, 0, AVC_KEYFRAME);
  first[10] = 0x07; // odd stream id byte, copied through
  const aggregate = concat([first, subTag(9, 40, AVC_KEYFRAME)]);
  const { bytes } = record(new FlvRecorder({ resumeTimestamp: 1000, noHeader: true }), [
    message(22, 0, aggregate),
  ]);
  const expectedFirst = subTag(9, 1000, AVC_KEYFRAME);
  expectedFirst[10] = 0x07;
  assertEquals(bytes, concat([expectedFirst, subTag(9, 1040, AVC_KEYFRAME)]));
});

Deno.test("FlvRecorder passes an aggregate through as one piece when nothing changes", () => {
  const aggregate = concat([subTag(9, 80, AVC_KEYFRAME), subTag(8, 120, AAC_FRAME)]);
  const m = message(22, 80, aggregate);
  const { pieces } = record(new FlvRecorder({ noHeader: true }), [m]);
  assertEquals(pieces.length, 1);
  ok(pieces[0].buffer === m.payload.buffer);
});

Deno.test("FlvRecorder repairs aggregate PreviousTagSizes and appends a missing last one", () => {
  const aggregate = concat([
    subTag(9, 0, AVC_KEYFRAME, 99), // wrong back-pointer
    subTag(8, 0, AAC_FRAME).subarray(0, 11 + AAC_FRAME.length), // no back-pointer
  ]);
  const m = message(22, 0, aggregate);
  const before = m.payload.slice();
  const { bytes } = record(new FlvRecorder({ noHeader: true }), [m]);
  assertEquals(bytes, concat([subTag(9, 0, AVC_KEYFRAME), subTag(8, 0, AAC_FRAME)]));
  assertEquals(m.payload, before); // the payload is never modified
});

Deno.test("FlvRecorder completes a back-pointer cut inside the last sub-tag", () => {
  const aggregate = subTag(8, 0, AAC_FRAME).subarray(0, 11 + AAC_FRAME.length + 2);
  const { bytes } = record(new FlvRecorder({ noHeader: true }), [message(22, 0, aggregate)]);
  assertEquals(bytes, subTag(8, 0, AAC_FRAME));
});

Deno.test("FlvRecorder keeps every sub-tag of an aggregate, cue points included", () => {
  const cuePoint = [...amfString("onCuePoint"), ...amfString("x")];
  const aggregate = concat([subTag(18, 0, cuePoint), subTag(9, 0, AVC_KEYFRAME)]);
  const { bytes } = record(new FlvRecorder({ noHeader: true }), [message(22, 0, aggregate)]);
  assertEquals(bytes, aggregate);
});

Deno.test("FlvRecorder learns duration and flags from an onMetaData inside an aggregate", () => {
  const metadata = onMetaDataObject([["duration", amfNumber(42)], ["videocodecid", amfNumber(7)]]);
  const seen: AmfValue[][] = [];
  const recorder = new FlvRecorder({ onMetadata: (values) => seen.push(values) });
  const aggregate = concat([subTag(18, 0, metadata), subTag(8, 0, AAC_FRAME)]);
  const { perCall } = record(recorder, [message(22, 0, aggregate)], false);
  assertEquals(recorder.duration, 42);
  assertEquals(seen.length, 1);
  assertEquals(seen[0][0], "onMetaData");
  // video from the metadata object, audio from the sub-tag: buffering ends.
  assertEquals(perCall[0], concat([header(0x05), aggregate]));
});

Deno.test("FlvRecorder does not inspect a last aggregate sub-tag that lacks its back-pointer", () => {
  const metadata = onMetaDataEcma([["duration", amfNumber(42)]]);
  const aggregate = subTag(18, 0, metadata).subarray(0, 11 + metadata.length);
  const recorder = new FlvRecorder({ noHeader: true });
  const { bytes } = record(recorder, [message(22, 0, aggregate)]);
  assertEquals(recorder.duration, 0);
  assertEquals(bytes, subTag(18, 0, metadata));
});

Deno.test("FlvRecorder rejects an aggregate whose sub-tag overruns the message", () => {
  const overrun = subTag(9, 0, AVC_KEYFRAME).subarray(0, 11 + 4);
  const recorder = new FlvRecorder({ noHeader: true });
  const out: Uint8Array[] = [];
  throws(
    () =>
      recorder.push(message(22, 0, concat([subTag(8, 0, AAC_FRAME), overrun])), (p) => out.push(p)),
    { name: "FlvError", message: /declares 10 bytes but only 4 follow/ },
  );
  assertEquals(out.length, 0);
  // Still usable afterwards.
  recorder.push(message(8, 10, AAC_FRAME), (p) => out.push(p));
  assertEquals(concat(out), tag(8, 10, AAC_FRAME));
});

Deno.test("FlvRecorder rejects an aggregate with trailing bytes that cannot hold a sub-tag", () => {
  const recorder = new FlvRecorder({ noHeader: true });
  for (const body of [[1, 2, 3], Array.from(concat([subTag(8, 0, AAC_FRAME), [8, 0, 0]]))]) {
    throws(() => recorder.push(message(22, 0, body), () => {}), FlvError);
  }
  const hostileSize = concat([[9, 0xff, 0xff, 0xff], new Uint8Array(20)]);
  throws(() => recorder.push(message(22, 0, hostileSize), () => {}), FlvError);
});

Deno.test("FlvRecorder drops an onMetaData librtmp cannot decode and keeps one it can", () => {
  const recorder = new FlvRecorder({ noHeader: true });
  const reference = [
    ...amfString("onMetaData"),
    0x03,
    0x00,
    0x01,
    0x61,
    0x07,
    0x00,
    0x00,
    0x00,
    0x00,
    0x09,
  ];
  const noEndMarker = [
    ...amfString("onMetaData"),
    0x08,
    0,
    0,
    0,
    1,
    0x00,
    0x01,
    0x61,
    ...amfNumber(1),
  ];
  const trailingEnd = [...onMetaDataEcma([["duration", amfNumber(3)]]), 0x00, 0x00, 0x09, 0xff];
  const { bytes } = record(recorder, [
    message(18, 0, reference),
    message(18, 1, noEndMarker),
    message(18, 2, trailingEnd),
  ]);
  assertEquals(bytes, concat([tag(18, 1, noEndMarker), tag(18, 2, trailingEnd)]));
  assertEquals(recorder.duration, 3);
});

Deno.test("FlvRecorder keeps the previous duration when a later onMetaData has none", () => {
  const recorder = new FlvRecorder({ noHeader: true });
  record(recorder, [
    message(18, 0, onMetaDataEcma([["duration", amfNumber(7.5)]])),
    message(18, 0, onMetaDataEcma([["width", amfNumber(640)]])),
  ]);
  assertEquals(recorder.duration, 7.5);
});

Deno.test("FlvRecorder gives up buffering when librtmp's 128 KiB header buffer would overflow", () => {
  const big = new Uint8Array(60000).fill(0xaf);
  const recorder = new FlvRecorder();
  const { perCall } = record(
    recorder,
    [message(8, 0, big), message(8, 0, big), message(8, 0, big)],
    false,
  );
  // 13 + 60015 + 60015 fit in 131072; the third would not (60015 + 4 > 11029 left).
  assertEquals(perCall[0].length + perCall[1].length, 0);
  assertEquals(perCall[2].length, 13 + 3 * 60015);
  assertEquals(perCall[2][4], 0x04);
  assertEquals(HEADER_BUFFER_SIZE, 131072);
});

Deno.test("FlvRecorder buffering overflow boundary follows librtmp's size + 4 check", () => {
  // One message leaves exactly `left` bytes; a second message of size s overflows iff s + 4 > left.
  const left = HEADER_BUFFER_SIZE - 13 - (50000 + 15);
  const fits = new Uint8Array(left - 4 - 15).fill(0xaf); // tag size + 4 == left: still fits
  const a = record(
    new FlvRecorder(),
    [message(8, 0, new Uint8Array(50000)), message(8, 0, fits)],
    false,
  );
  assertEquals(a.perCall[1].length, 0);
  const over = new Uint8Array(left - 4 - 15 + 1);
  const b = record(
    new FlvRecorder(),
    [message(8, 0, new Uint8Array(50000)), message(8, 0, over)],
    false,
  );
  assertEquals(b.perCall[1].length, 13 + 50015 + over.length + 15);
});

Deno.test("FlvRecorder finish discards output still held back (rtmpdump) unless asked to flush", () => {
  const messages = [message(18, 0, onMetaDataEcma([])), message(8, 0, AAC_SEQUENCE_HEADER)];
  assertEquals(record(new FlvRecorder(), messages).bytes.length, 0);
  const flushed = record(new FlvRecorder({ flushHeaderBufferOnFinish: true }), messages).bytes;
  assertEquals(
    flushed,
    concat([header(0x04), tag(18, 0, messages[0].payload), tag(8, 0, AAC_SEQUENCE_HEADER)]),
  );
  const recorder = new FlvRecorder();
  recorder.finish(() => {});
  throws(() => recorder.push(messages[1], () => {}), Error);
});

Deno.test("FlvRecorder hands payloads out without copying and never splits a tag across calls", () => {
  const m = message(9, 40, AVC_KEYFRAME);
  const { pieces } = record(new FlvRecorder({ noHeader: true }), [m]);
  assertEquals(pieces.length, 3);
  ok(pieces[1] === m.payload);
  assertEquals(pieces[0].length, 11);
  assertEquals(pieces[2].length, 4);
});

Deno.test("FlvRecorder bytesWritten counts what was handed out", () => {
  const recorder = new FlvRecorder();
  const { bytes } = record(recorder, [
    message(8, 0, AAC_SEQUENCE_HEADER),
    message(8, 5, AAC_FRAME),
  ]);
  assertEquals(recorder.bytesWritten, bytes.length);
  assertEquals(bytes.length, 13 + (11 + 4 + 4) + (11 + 5 + 4));
});

Deno.test("FlvRecorder resume filter can ignore a message or cut an aggregate", () => {
  const aggregate = concat([subTag(9, 1000, AVC_KEYFRAME), subTag(9, 1040, AVC_KEYFRAME)]);
  const cut = 11 + AVC_KEYFRAME.length + 4;
  const recorder = new FlvRecorder({
    noHeader: true,
    resumeTimestamp: 1000,
    resumeFilter: (m) =>
      m.typeId === 22 ? m.payload.subarray(cut) : m.timestamp === 0 ? undefined : m.payload,
  });
  const { bytes } = record(recorder, [
    message(9, 0, AVC_KEYFRAME),
    message(22, 0, aggregate),
    message(9, 80, AVC_KEYFRAME),
  ]);
  // The aggregate's remaining first sub-tag (1040) is re-stamped to message time + offset.
  assertEquals(bytes, concat([subTag(9, 1000, AVC_KEYFRAME), tag(9, 1080, AVC_KEYFRAME)]));
});

Deno.test("FlvRecorder rejects invalid options", () => {
  throws(() => new FlvRecorder({ resumeTimestamp: -1 }), RangeError);
  throws(() => new FlvRecorder({ initialTimestamp: 2 ** 32 }), RangeError);
});

/** Parses recorder output back into tags. */
function parse(bytes: Uint8Array): FlvTag[] {
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  reader.push(bytes, (t) => tags.push({ ...t, data: t.data.slice() }));
  reader.finish();
  return tags;
}

Deno.test("FlvRecorder output is a valid FLV holding the kept messages (property)", () => {
  const mediaArb = fc.record({
    typeId: fc.constantFrom(8, 9, 18, 20),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    payload: fc.uint8Array({ minLength: 0, maxLength: 40 }),
  });
  fc.assert(
    fc.property(
      fc.array(mediaArb, { maxLength: 20 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (messages, offset) => {
        const recorder = new FlvRecorder({
          resumeTimestamp: offset,
          flushHeaderBufferOnFinish: true,
        });
        const { bytes } = record(
          recorder,
          messages.map((m) => message(m.typeId, m.timestamp, m.payload)),
        );
        const kept = messages.filter((m) =>
          (m.typeId === 8 && m.payload.length > 1) || (m.typeId === 9 && m.payload.length > 5)
        );
        const tags = parse(bytes);
        assertEquals(
          tags.map((t) => [t.type, t.timestamp, Array.from(t.data)]),
          kept.map((m) => [m.typeId, (m.timestamp + offset) >>> 0, Array.from(m.payload)]),
        );
        assertEquals(recorder.bytesWritten, bytes.length);
        const types = new Set(messages.filter((m) => m.payload.length > 0).map((m) => m.typeId));
        const expectedFlags = (types.has(8) ? 4 : 0) | (types.has(9) ? 1 : 0);
        // The header flags are a subset of the types seen.
        assertEquals(bytes[4] & ~expectedFlags, 0);
      },
    ),
  );
});

Deno.test("FlvRecorder re-stamps random aggregates consistently (property)", () => {
  const subArb = fc.record({
    type: fc.constantFrom(8, 9, 18),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    data: fc.uint8Array({ maxLength: 30 }),
  });
  fc.assert(
    fc.property(
      fc.array(subArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (subs, messageTimestamp, offset) => {
        const body = concat(subs.map((s) => subTag(s.type, s.timestamp, s.data)));
        const recorder = new FlvRecorder({ resumeTimestamp: offset, noHeader: true });
        const { bytes } = record(recorder, [message(22, messageTimestamp, body)]);
        const delta = (messageTimestamp - subs[0].timestamp + offset) >>> 0;
        const tags = parse(concat([header(0), bytes]));
        assertEquals(
          tags.map((t) => [t.type, t.timestamp, Array.from(t.data)]),
          subs.map((s) => [s.type, (s.timestamp + delta) >>> 0, Array.from(s.data)]),
        );
        assertEquals(recorder.timestamp, (subs[subs.length - 1].timestamp + delta) >>> 0);
      },
    ),
  );
});

Deno.test("FlvRecorder counts what it holds back for the header flags, header included", () => {
  const metadata = onMetaDataEcma([["duration", amfNumber(2)]]);
  const recorder = new FlvRecorder({ resumeTimestamp: 2000 });
  const out: Uint8Array[] = [];
  const sink = (piece: Uint8Array) => void out.push(piece);
  assertEquals(recorder.bytesHeld, 0);
  recorder.push(message(18, 0, metadata), sink);
  // 13-byte header + 11-byte tag header + body + 4-byte back-pointer, none of it written yet.
  assertEquals([recorder.bytesHeld, recorder.bytesWritten], [13 + 11 + metadata.length + 4, 0]);
  recorder.push(message(8, 0, AAC_SEQUENCE_HEADER), sink);
  assertEquals(recorder.bytesHeld, 13 + 11 + metadata.length + 4 + 11 + 4 + 4);
  // A nonzero message timestamp ends the buffering: everything held is written.
  recorder.push(message(8, 23, AAC_FRAME), sink);
  assertEquals(recorder.bytesHeld, 0);
  assertEquals(
    recorder.bytesWritten,
    out.reduce((n, piece) => n + piece.length, 0),
  );
  assertEquals(
    recorder.bytesWritten,
    13 + (11 + metadata.length + 4) + (11 + 4 + 4) + (11 + 5 + 4),
  );
});
