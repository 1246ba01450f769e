import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { inspectAudio, inspectVideo } from "../../src/server/inspect_media.ts";

const fourCc = (text: string) => [...text].map((c) => c.charCodeAt(0));

Deno.test("inspectVideo: legacy AVC sequence header, keyframe, inter frame", () => {
  // 0x17: keyframe (1), codec 7 (AVC); second byte: AVCPacketType 0 = sequence header.
  assertEquals(inspectVideo(new Uint8Array([0x17, 0x00, 0, 0, 0, 1])), {
    keyframe: true,
    sequenceHeader: true,
    track: "video",
  });
  assertEquals(inspectVideo(new Uint8Array([0x17, 0x01, 0, 0, 0, 9])), {
    keyframe: true,
    sequenceHeader: false,
    track: "video",
  });
  // 0x27: inter frame (2), AVC.
  assertEquals(inspectVideo(new Uint8Array([0x27, 0x01, 0, 0, 0])).keyframe, false);
  // 0x12: keyframe of Sorenson H.263 (codec 2): no packet type byte, never a header.
  assertEquals(inspectVideo(new Uint8Array([0x12, 0x00, 0x84])), {
    keyframe: true,
    sequenceHeader: false,
    track: "video",
  });
  // AVC end of sequence (packet type 2) is not a header.
  assertEquals(inspectVideo(new Uint8Array([0x17, 0x02, 0, 0, 0])).sequenceHeader, false);
});

Deno.test("inspectVideo: Enhanced RTMP SequenceStart, CodedFrames, MPEG2TS, command frames", () => {
  // 0x90: ex-header, keyframe, packet type 0 (SequenceStart), FourCC hvc1.
  assertEquals(inspectVideo(new Uint8Array([0x90, ...fourCc("hvc1"), 1, 2])), {
    keyframe: true,
    sequenceHeader: true,
    track: "video:hvc1",
  });
  // 0x91: keyframe, CodedFrames; 0xa3: inter frame, CodedFramesX; av01.
  assertEquals(inspectVideo(new Uint8Array([0x91, ...fourCc("av01"), 0, 0, 0])), {
    keyframe: true,
    sequenceHeader: false,
    track: "video:av01",
  });
  assertEquals(inspectVideo(new Uint8Array([0xa3, ...fourCc("vp09"), 7])).keyframe, false);
  // 0x95: MPEG2TSSequenceStart counts as a header.
  assertEquals(inspectVideo(new Uint8Array([0x95, ...fourCc("av01"), 1])).sequenceHeader, true);
  // 0xd1: frame type 5 (command), CodedFrames: no media.
  assertEquals(inspectVideo(new Uint8Array([0xd1, ...fourCc("hvc1"), 0])), {
    keyframe: false,
    sequenceHeader: false,
    track: "video",
  });
});

Deno.test("inspectVideo: ModEx and multitrack headers lead to the real packet type", () => {
  // 0x97: keyframe, ModEx; size-1 = 2 (3 bytes of data), then 0x00: sub-type 0, next type 0.
  const modEx = [0x97, 0x02, 0x00, 0x01, 0xf4, 0x00, ...fourCc("hvc1"), 9];
  assertEquals(inspectVideo(new Uint8Array(modEx)), {
    keyframe: true,
    sequenceHeader: true,
    track: "video:hvc1",
  });
  // 0x96: keyframe, Multitrack; 0x00: OneTrack, SequenceStart; FourCC; track id 3.
  const multi = [0x96, 0x00, ...fourCc("av01"), 3, 0xaa];
  assertEquals(inspectVideo(new Uint8Array(multi)), {
    keyframe: true,
    sequenceHeader: true,
    track: "video:av01:3",
  });
  // ManyTracksManyCodecs (2), CodedFrames: the first track's FourCC and id.
  const many = [0x96, 0x21, ...fourCc("hvc1"), 0, 0, 0, 4, 1, 2, 3, 4];
  assertEquals(inspectVideo(new Uint8Array(many)).track, "video:hvc1:0");
  // A 256-byte ModEx: size byte 0xff, then a u16 size-1.
  const big = [0x97, 0xff, 0x00, 0x01, ...new Array(2).fill(0), 0x00, ...fourCc("vp09")];
  assertEquals(inspectVideo(new Uint8Array(big)).sequenceHeader, true);
});

Deno.test("inspectAudio: AAC header, frames, other codecs and Enhanced audio", () => {
  assertEquals(inspectAudio(new Uint8Array([0xaf, 0x00, 0x12, 0x10])), {
    keyframe: true,
    sequenceHeader: true,
    track: "audio",
  });
  assertEquals(inspectAudio(new Uint8Array([0xaf, 0x01, 0x21])).sequenceHeader, false);
  // MP3 (2): never a header, even with a zero second byte.
  assertEquals(inspectAudio(new Uint8Array([0x2f, 0x00])).sequenceHeader, false);
  // 0x90: ex-header audio, SequenceStart, Opus.
  assertEquals(inspectAudio(new Uint8Array([0x90, ...fourCc("Opus"), 1])), {
    keyframe: true,
    sequenceHeader: true,
    track: "audio:Opus",
  });
  // 0x94: MultichannelConfig is cached too, under its own track.
  assertEquals(
    inspectAudio(new Uint8Array([0x94, ...fourCc("Opus"), 1, 2])).track,
    "audio:Opus:mc",
  );
  assertEquals(inspectAudio(new Uint8Array([0x91, ...fourCc("mp4a"), 1])).sequenceHeader, false);
});

Deno.test("inspectVideo and inspectAudio never throw and never read past the body", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (body) => {
      const video = inspectVideo(body);
      const audio = inspectAudio(body);
      for (const info of [video, audio]) {
        assertEquals(typeof info.keyframe, "boolean");
        assertEquals(typeof info.sequenceHeader, "boolean");
        assertEquals(typeof info.track, "string");
      }
    }),
    { numRuns: 5000 },
  );
  assertEquals(inspectVideo(new Uint8Array()).track, "");
  assertEquals(inspectVideo(new Uint8Array([0x90, 0x68])).sequenceHeader, false);
});
