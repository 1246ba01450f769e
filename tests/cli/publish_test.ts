import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runCli as runRtmpkit } from "./_run_cli.ts";
import {
  encodeFlv,
  playMessages,
  SAMPLE_FLV,
  startServer,
  syntheticTags,
  tempDir,
  waitUntil,
} from "../server/_helpers.ts";
import { refusedPort } from "../_ports.ts";
import { assertWithin } from "../_wait.ts";

const videoFrames = (r: Awaited<ReturnType<typeof playMessages>>) =>
  r.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).length;

/** Media long enough that publishing it paced would take far longer than any "no hang" limit. */
const LONG_MEDIA_MS = 600_000;
/** "No hang" limit of `publish --fast` of {@linkcode LONG_MEDIA_MS} of media, from its start. */
const FAST_PUBLISH_LIMIT_MS = 60_000;

/** Byte offsets of the AVC keyframes (not sequence headers) of an FLV file, in file order. */
function keyframeOffsets(flv: Uint8Array): number[] {
  const offsets = [];
  for (let offset = 13; offset + 13 <= flv.length;) {
    const size = (flv[offset + 1] << 16) | (flv[offset + 2] << 8) | flv[offset + 3];
    const isVideo = flv[offset] === 9;
    if (isVideo && flv[offset + 11] === 0x17 && flv[offset + 12] === 1) offsets.push(offset);
    offset += 11 + size + 4;
  }
  return offsets;
}

Deno.test("cli.ts publish FILE URL --fast: the whole file reaches the server at once", async () => {
  await using s = await startServer();
  const run = await runRtmpkit(["publish", SAMPLE_FLV, s.url("live", "cli"), "--fast"]);
  assertEquals(run.code, 0, run.stderr);
  assert(/INFO: Published 346 tags, 230\.\d{3} kB, 4\.98 s of media/.test(run.stderr), run.stderr);
  await waitUntil(
    () => s.lines.some((l) => l.includes('unpublish "live/cli" (FCUnpublish)')),
    "the unpublish",
  );
  assert(s.server.stats.bytesIn > (await Deno.stat(SAMPLE_FLV)).size);
  // Not paced: ten minutes of media go through well within the limit.
  await using dir = await tempDir();
  const long = `${dir.path}/long.flv`;
  await Deno.writeFile(long, encodeFlv(syntheticTags({ durationMs: LONG_MEDIA_MS })));
  const fast = await runRtmpkit(["publish", long, s.url("live", "long"), "--fast"], {
    timeoutMs: 2 * FAST_PUBLISH_LIMIT_MS,
  });
  assertWithin(fast.durationMs, FAST_PUBLISH_LIMIT_MS, "publish --fast of 10 minutes of media");
  assertEquals(fast.code, 0, fast.stderr);
});

Deno.test("cli.ts publish - URL: FLV from stdin, paced in real time", async () => {
  await using s = await startServer();
  const sample = await Deno.readFile(SAMPLE_FLV);
  // The sample's first GOP goes in first; the rest once a player has joined, so that the
  // player starts at the first keyframe however long the machine takes to get it there.
  const secondGop = keyframeOffsets(sample)[1];
  let record: ReturnType<typeof playMessages> | undefined;
  const run = await runRtmpkit(["publish", "-", s.url("live", "stdin")], {
    stdin: "piped",
    onSpawn: async (child) => {
      const writer = child.stdin.getWriter();
      // Piped in pieces, as from ffmpeg.
      const write = async (from: number, to: number) => {
        for (let i = from; i < to; i += 10_000) {
          await writer.write(sample.subarray(i, Math.min(i + 10_000, to)));
        }
      };
      await write(0, secondGop);
      await waitUntil(() => s.server.liveStreams.includes("live/stdin"), "the publish");
      const before = s.server.stats.players;
      record = playMessages(s.port, "live", "stdin", { live: true });
      record.catch(() => {}); // awaited below
      await waitUntil(() => s.server.stats.players > before, "the player to join");
      await write(secondGop, sample.length);
      await writer.close();
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assert(/Publishing stdin to/.test(run.stderr));
  assert(/Published 346 tags/.test(run.stderr), run.stderr);
  assert(run.durationMs > 4500, `5 s of media took ${run.durationMs} ms`);
  // The player joined in the first GOP: it got it from the cache and everything after it.
  const played = await record!;
  assertEquals(played.reason, "complete");
  assertEquals(videoFrames(played), 125);
});

Deno.test("cli.ts publish: bad arguments exit 1, a refused publish exits 1, no server exits 3", async () => {
  const usage = await runRtmpkit(["publish", SAMPLE_FLV]);
  assertEquals(usage.code, 1);
  assert(/needs an input/.test(usage.stderr));
  await using s = await startServer({ hooks: { onPublish: () => false } });
  const refused = await runRtmpkit(["publish", SAMPLE_FLV, s.url("live", "x"), "--fast"]);
  assertEquals(refused.code, 1);
  assert(/NetStream\.Publish\.Denied/.test(refused.stderr), refused.stderr);
  using nobody = await refusedPort();
  const unreachable = await runRtmpkit([
    "publish",
    SAMPLE_FLV,
    `rtmp://127.0.0.1:${nobody.port}/live/x`,
  ]);
  assertEquals(unreachable.code, 3, unreachable.stderr);
  const missing = await runRtmpkit(["publish", "/nonexistent.flv", s.url("live", "x")]);
  assertEquals(missing.code, 1);
});
