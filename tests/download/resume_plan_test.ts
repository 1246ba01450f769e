/**
 * What `--resume` logs about the file it continues, as rtmpdump's OpenResumeFile and
 * GetLastKeyframe log it.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { FlvTagType } from "../../src/flv/mod.ts";
import type { ResumeFile } from "../../src/download/download_output.ts";
import { planResume, resumePlanLines } from "../../src/download/resume_plan.ts";
import { encodeFlv, metadataBody, syntheticTags } from "../server/_helpers.ts";

function memoryFile(bytes: Uint8Array): ResumeFile {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.slice(offset, offset + length),
    truncate: () => {},
  };
}

Deno.test("resumePlanLines: the file's metadata dump, its duration, its size and its last keyframe", async () => {
  const tags = syntheticTags({ durationMs: 2500, keyframeMs: 1000 });
  tags[0] = { ...tags[0], data: metadataBody({ duration: 10.023 }) };
  const file = encodeFlv(tags);
  const plan = await planResume(memoryFile(file), 0);
  const keyframe = tags.filter((t) => t.type === FlvTagType.Video && t.timestamp === 2000)[0];
  assertEquals(resumePlanLines(plan!), [
    "(object begin)",
    "Property: <Name:           no-name., STRING:\tonMetaData>",
    "Property: <Name:           no-name., OBJECT>",
    "(object begin)",
    "Property: <Name:           duration, NUMBER:\t10.02>",
    "(object end)",
    "(object end)",
    "File has duration: 10.023000",
    `bAudioOnly: 0, size: ${file.length}`,
    `Last keyframe found at: 2000 ms, size: ${keyframe.data.length}, type: 09`,
  ]);
});

Deno.test("resumePlanLines: a last keyframe at 0 is the first frame, and no metadata prints no dump", async () => {
  const tags = syntheticTags({ durationMs: 400, keyframeMs: 1000, audioMs: 100 }).slice(1);
  const file = encodeFlv(tags);
  const plan = await planResume(memoryFile(file), 0);
  const keyframes = tags.filter((t) => t.type === FlvTagType.Video && (t.data[0] & 0xf0) === 0x10);
  assertEquals(keyframes.at(-1)!.timestamp, 0);
  assertEquals(resumePlanLines(plan!), [
    `bAudioOnly: 0, size: ${file.length}`,
    `Last keyframe found at: 0 ms, size: ${keyframes.at(-1)!.data.length}, type: 09`,
    "Last keyframe is first frame in stream, switching from resume to normal mode!",
  ]);
});
