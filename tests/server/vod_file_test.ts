import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { FlvError } from "../../src/flv/mod.ts";
import { VodFile } from "../../src/server/vod_file.ts";
import { aacHeader, avcHeader, encodeFlv, syntheticTags, tempDir } from "./_helpers.ts";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { encodeFlvHeader, encodeFlvTag, FlvTagType } from "../../src/flv/mod.ts";

/** Keyframes every second, stamped 23 ms late (as ffmpeg's AAC priming shifts them). */
function shiftedTags() {
  return syntheticTags({ durationMs: 4000, keyframeMs: 1000, audioMs: 100 }).map((t) =>
    t.type === FlvTagType.Video && t.data[1] === 1 ? { ...t, timestamp: t.timestamp + 23 } : t
  ).sort((a, b) => (a.type === FlvTagType.Script ? -1 : b.type === FlvTagType.Script ? 1 : 0));
}

Deno.test("VodFile.startPoint: the keyframe at or before the time, with the sequence headers", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.flv`;
  await Deno.writeFile(path, encodeFlv(syntheticTags({ durationMs: 4000, audioMs: 100 })));
  const file = await VodFile.open(path);
  try {
    for (const [ms, at] of [[0, -1], [999, 0], [1000, 1000], [2500, 2000], [99_999, 3000]]) {
      const point = await file.startPoint(ms);
      if (at < 0) {
        assertEquals(point.offset, file.firstTagOffset);
        continue;
      }
      assertEquals(point.timestamp, at, `start ${ms}`);
      assertEquals(point.sequenceHeaders.map((t) => t.data), [avcHeader(), aacHeader()]);
      const tag = await file.readAt(point.offset, 13);
      assertEquals(tag[0], FlvTagType.Video);
      assertEquals(tag[11], 0x17);
    }
  } finally {
    await file.close();
  }
});

Deno.test("VodFile.startPoint: a rounded keyframes index is checked against the file", async () => {
  await using dir = await tempDir();
  const tags = shiftedTags();
  // An index in whole seconds, as ffmpeg writes it: the keyframe listed at 2 s is at 2023 ms.
  const positions: number[] = [];
  let position = 0;
  const metadata = (p: number[]) =>
    encodeAmf0("onMetaData", {
      duration: 4,
      keyframes: { filepositions: p, times: p.map((_, i) => i) },
    });
  for (let pass = 0; pass < 2; pass++) {
    positions.length = 0;
    position = 13 + 11 + metadata(positions.length ? positions : [0, 0, 0, 0]).length + 4;
    for (const tag of tags.slice(1)) {
      if (tag.type === FlvTagType.Video && tag.data[0] === 0x17 && tag.data[1] === 1) {
        positions.push(position);
      }
      position += 11 + tag.data.length + 4;
    }
  }
  const bytes = [
    encodeFlvHeader(5),
    encodeFlvTag({ type: 18, timestamp: 0, data: metadata(positions) }),
  ];
  for (const tag of tags.slice(1)) bytes.push(encodeFlvTag(tag));
  await Deno.writeFile(`${dir.path}/i.flv`, new Uint8Array(bytes.flatMap((b) => [...b])));
  const file = await VodFile.open(`${dir.path}/i.flv`);
  try {
    assertEquals((await file.startPoint(2000)).timestamp, 1023);
    assertEquals((await file.startPoint(2023)).timestamp, 2023);
    assertEquals((await file.startPoint(10)).offset, file.firstTagOffset);
    assertEquals(await file.durationMs(), 4000);
  } finally {
    await file.close();
  }
});

Deno.test("VodFile.startPoint: audio-only files start at the last audio tag at or before", async () => {
  await using dir = await tempDir();
  await Deno.writeFile(
    `${dir.path}/a.flv`,
    encodeFlv(syntheticTags({ durationMs: 1000, frameMs: 0, audioMs: 100 }), 4),
  );
  const file = await VodFile.open(`${dir.path}/a.flv`);
  try {
    const point = await file.startPoint(550);
    assertEquals(point.timestamp, 500);
    assertEquals(point.sequenceHeaders.map((t) => t.data), [aacHeader()]);
  } finally {
    await file.close();
  }
});

Deno.test("VodFile.open refuses files that are not FLV", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/x.flv`, "this is not an FLV file");
  await rejects(VodFile.open(`${dir.path}/x.flv`), FlvError);
  await Deno.writeTextFile(`${dir.path}/short.flv`, "FLV");
  await rejects(VodFile.open(`${dir.path}/short.flv`), FlvError);
});
