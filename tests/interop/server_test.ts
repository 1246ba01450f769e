/**
 * rtmpkit's server and publisher against peers we did not write: rtmpdump downloading from
 * rtmpkit serve gets the bytes it gets from nginx-rtmp; ffmpeg plays from it and decodes every
 * frame; ffmpeg publishes to it while rtmpdump and rtmpkit record live; rtmpkit publishes to
 * nginx-rtmp while rtmpdump records.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { FlvReader, type FlvTag, FlvTagType } from "../../src/flv/mod.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  MEDIA_DIR,
  type MediaKind,
  type ProcessResult,
  REPO_ROOT,
  runProcess,
  runRtmpdump,
  runRtmpkit,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";
import { waitFor } from "../_wait.ts";

const SAMPLE = `${REPO_ROOT}/assets/sample.flv`;
/** Media kinds served by both servers (every test kind; ext_ts crosses 0xFFFFFF ms). */
const VOD_KINDS: MediaKind[] = [
  "h264_aac",
  "bframes",
  "audio_only_mp3",
  "aac_only",
  "ext_ts",
  "flv1",
  "small_keyframe_index",
];

/** Starts rtmpkit's server in this process; dispose it to stop it. */
async function startRtmpkit(root: string) {
  const log: string[] = [];
  const server = new RtmpServer({
    root,
    listen: ["rtmp://127.0.0.1:0"],
    log: (_l, m) => log.push(m),
  });
  await server.start();
  const port = server.addresses[0].port;
  return {
    server,
    port,
    log,
    url: (app: string, name: string) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

function flvTags(bytes: Uint8Array): FlvTag[] {
  const tags: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(bytes, (tag) => tags.push(tag));
  reader.finish();
  return tags;
}

/** Frames ffprobe decodes per stream type ("video", "audio"), and its error output. */
async function ffprobeFrames(
  path: string,
): Promise<{ counts: Record<string, number>; errors: string }> {
  const run = await runProcess(findExecutable("ffprobe")!, [
    "-v",
    "error",
    "-count_frames",
    "-show_entries",
    "stream=codec_type,nb_read_frames",
    "-of",
    "csv=p=0",
    path,
  ]);
  const counts: Record<string, number> = {};
  for (const line of new TextDecoder().decode(run.stdout).trim().split("\n")) {
    const [type, frames] = line.split(",");
    if (type === "video" || type === "audio") counts[type] = Number(frames);
  }
  return { counts, errors: run.stderr.trim() };
}

interopTest(
  "rtmpdump gets the same bytes and exit code from rtmpkit serve as from nginx-rtmp",
  { peers: ["nginx-rtmp", "rtmpdump", "ffmpeg"] },
  async () => {
    for (const kind of VOD_KINDS) await genMedia(kind);
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using rtmpkit = await startRtmpkit(MEDIA_DIR);
    await using dir = await tempDir();
    for (const kind of VOD_KINDS) {
      // rtmpdump strips .flv from the URL: the servers get the bare name. A short read timeout:
      // on ext_ts, rtmpdump sometimes waits it out at the end of nginx-rtmp's stream (not ours).
      const args = (url: string, out: string) => ["-r", url, "-o", out, "-m", "3"];
      const fromNginx = await runRtmpdump(
        args(nginx.url("vod", `${kind}.flv`), `${dir.path}/n.flv`),
      );
      const fromUs = await runRtmpdump(
        args(rtmpkit.url("vod", `${kind}.flv`), `${dir.path}/r.flv`),
      );
      assertEquals(fromUs.code, fromNginx.code, `${kind}: exit code\n${fromUs.stderr}`);
      assertSameBytes(
        await Deno.readFile(`${dir.path}/r.flv`),
        await Deno.readFile(`${dir.path}/n.flv`),
        `${kind}: rtmpdump's output from rtmpkit vs nginx-rtmp`,
      );
    }
  },
);

interopTest(
  "rtmpdump with the digest handshake (-w/-x) verifies rtmpkit's server digest",
  { peers: ["rtmpdump"] },
  async () => {
    await using rtmpkit = await startRtmpkit(`${REPO_ROOT}/assets`);
    await using dir = await tempDir();
    const run = await runRtmpdump([
      "-r",
      rtmpkit.url("vod", "sample.flv"),
      "-w",
      "00".repeat(32),
      "-x",
      "1",
      "-o",
      `${dir.path}/out.flv`,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assert(!/handshake failed|not genuine/i.test(run.stderr), run.stderr);
    assertEquals(flvTags(await Deno.readFile(`${dir.path}/out.flv`)).length, 345);
  },
);

interopTest(
  "rtmpdump --start, --stop and --resume work against rtmpkit serve (FMS timestamps)",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    const file = await genMedia("small_keyframe_index");
    await using rtmpkit = await startRtmpkit(MEDIA_DIR);
    await using dir = await tempDir();
    const url = rtmpkit.url("vod", "small_keyframe_index.flv");
    const full = `${dir.path}/full.flv`;
    assertEquals((await runRtmpdump(["-r", url, "-o", full])).code, 0);
    const whole = await Deno.readFile(full);
    // Cut the file after the tag that passes 60 % (a stopped download ends on a whole tag) and
    // resume: rtmpdump finds its last keyframe, plays from there, checks the keyframe it gets
    // back at timestamp 0, and writes the rest: the whole file again.
    const partial = `${dir.path}/partial.flv`;
    let end = 13;
    while (end < whole.length * 0.6) {
      end += 11 + ((whole[end + 1] << 16) | (whole[end + 2] << 8) | whole[end + 3]) + 4;
    }
    await Deno.writeFile(partial, whole.subarray(0, end));
    const resumed = await runRtmpdump(["-r", url, "-o", partial, "-e"]);
    assertEquals(resumed.code, 0, resumed.stderr);
    assert(/Resuming download at/.test(resumed.stderr), resumed.stderr);
    assertSameBytes(await Deno.readFile(partial), whole, "resumed download");
    // --start 5 --stop 8: media from the keyframe at or before 5 s, 3 s of it. The server
    // restarts timestamps at 0 there (as FMS), rtmpdump adds 5000 to them.
    const cut = `${dir.path}/cut.flv`;
    const run = await runRtmpdump(["-r", url, "-A", "5", "-B", "8", "-o", cut]);
    // rtmpdump calls any download that ends before 99.9 % of the metadata duration incomplete.
    assertEquals(run.code, 2, run.stderr);
    assert(/downloaded about 39\.\d+%/.test(run.stderr), run.stderr);
    const video = flvTags(await Deno.readFile(cut)).filter((t) => t.type === FlvTagType.Video);
    const keyframes = flvTags(await Deno.readFile(file)).filter((t) =>
      t.type === FlvTagType.Video && t.data[0] === 0x17 && t.data[1] === 1
    );
    const expected = keyframes.filter((t) => t.timestamp <= 5000).at(-1)!;
    const firstFrame = video.find((t) => t.data[1] === 1)!;
    assertEquals(firstFrame.timestamp, 5000);
    assertEquals(firstFrame.data, expected.data, `the keyframe at ${expected.timestamp} ms`);
    const last = video[video.length - 1].timestamp;
    assert(last >= 7900 && last <= 8100, `last video at ${last}`);
  },
);

interopTest(
  "ffmpeg plays from rtmpkit serve and decodes every frame the file has",
  { peers: ["ffmpeg"] },
  async () => {
    for (const kind of ["h264_aac", "bframes", "audio_only_mp3"] as const) {
      const file = await genMedia(kind);
      await using rtmpkit = await startRtmpkit(MEDIA_DIR);
      const crc = async (input: string, extra: string[] = []) => {
        const run = await runProcess(findExecutable("ffmpeg")!, [
          "-v",
          "error",
          ...extra,
          "-i",
          input,
          "-f",
          "framecrc",
          "-",
        ], { timeoutMs: 60_000 });
        assertEquals(run.code, 0, `${kind}: ${run.stderr}`);
        return new TextDecoder().decode(run.stdout).split("\n").filter((l) => /^\d+,/.test(l));
      };
      // A large client buffer: full speed (the server paces by it).
      const played = await crc(rtmpkit.url("vod", `${kind}.flv`), ["-rtmp_buffer", "36000000"]);
      const local = await crc(file);
      assert(local.length > 100, `${kind}: ${local.length} frames`);
      assertEquals(played.length, local.length, `${kind}: frame count`);
      assertEquals(played, local, `${kind}: decoded frames`);
    }
  },
);

/** Byte offsets of the AVC keyframes (not sequence headers) of an FLV file, in file order. */
function keyframeOffsets(flv: Uint8Array): number[] {
  const offsets = [];
  for (let offset = 13; offset + 13 <= flv.length;) {
    const size = (flv[offset + 1] << 16) | (flv[offset + 2] << 8) | flv[offset + 3];
    const isVideo = flv[offset] === FlvTagType.Video;
    if (isVideo && flv[offset + 11] === 0x17 && flv[offset + 12] === 1) offsets.push(offset);
    offset += 11 + size + 4;
  }
  return offsets;
}

/**
 * ffmpeg -re publishes the sample (fed on its stdin) to rtmpkit's server at `url` while
 * `record` records it. ffmpeg gets the first GOP, then the rest once the recorder plays, so the
 * recorder joins in the first GOP however long the machine takes to start it.
 */
async function publishWithFfmpeg(
  rtmpkit: Awaited<ReturnType<typeof startRtmpkit>>,
  name: string,
  record: (url: string) => Promise<ProcessResult>,
): Promise<{ published: ProcessResult; recorded: ProcessResult }> {
  const url = rtmpkit.url("live", name);
  const sample = await Deno.readFile(SAMPLE);
  const secondGop = keyframeOffsets(sample)[1];
  let recording: Promise<ProcessResult> | undefined;
  const args = ["-v", "error", "-re", "-f", "flv", "-i", "-", "-c", "copy", "-f", "flv", url];
  const published = await runProcess(findExecutable("ffmpeg")!, args, {
    stdin: "piped",
    onSpawn: async (child) => {
      const writer = child.stdin.getWriter();
      await writer.write(sample.subarray(0, secondGop));
      await waitFor(
        () => rtmpkit.server.liveStreams.includes(`live/${name}`),
        "ffmpeg's publish",
      );
      const players = rtmpkit.server.stats.players;
      recording = record(url);
      recording.catch(() => {}); // awaited below
      await waitFor(() => rtmpkit.server.stats.players > players, "the recorder to play");
      await writer.write(sample.subarray(secondGop));
      await writer.close();
    },
  });
  return { published, recorded: await recording! };
}

interopTest(
  "ffmpeg -re publishes to rtmpkit serve while rtmpdump -v and rtmpkit record it live",
  { peers: ["ffmpeg", "ffprobe", "rtmpdump"] },
  async () => {
    await using rtmpkit = await startRtmpkit(`${REPO_ROOT}/assets`);
    await using dir = await tempDir();
    // One recorder per publish: ffmpeg and a recorder are the two processes a test may run.
    const dump = await publishWithFfmpeg(
      rtmpkit,
      "key",
      (url) => runRtmpdump(["-v", "-r", url, "-o", `${dir.path}/rtmpdump.flv`]),
    );
    const ours = await publishWithFfmpeg(
      rtmpkit,
      "key2",
      (url) => runRtmpkit(["-v", "-r", url, "-o", `${dir.path}/rtmpkit.flv`]),
    );
    for (const { published, recorded } of [dump, ours]) {
      assertEquals(published.code, 0, published.stderr);
      // Both end on NetStream.Play.UnpublishNotify when ffmpeg is done.
      assertEquals(recorded.code, 0, recorded.stderr);
    }
    const sourceVideo =
      flvTags(await Deno.readFile(SAMPLE)).filter((t) =>
        t.type === FlvTagType.Video && t.data[1] === 1
      ).length;
    for (const name of ["rtmpdump", "rtmpkit"]) {
      const path = `${dir.path}/${name}.flv`;
      const tags = flvTags(await Deno.readFile(path)); // whole tags, valid back-pointers
      const videoTags = tags.filter((t) => t.type === FlvTagType.Video && t.data[1] === 1);
      const audioTags = tags.filter((t) => t.type === FlvTagType.Audio && t.data[1] === 1);
      assert(videoTags[0].data[0] === 0x17, `${name}: starts on a keyframe`);
      // They joined within the first GOP: the cache gave them every frame.
      assertEquals(videoTags.length, sourceVideo, `${name}: video frames`);
      const probe = await ffprobeFrames(path);
      assertEquals(probe.errors, "", `${name}: ffprobe errors`);
      assertEquals(probe.counts.video, videoTags.length, `${name}: frames ffprobe read`);
      assertEquals(probe.counts.audio, audioTags.length, `${name}: audio frames ffprobe read`);
    }
    assertSameBytes(
      await Deno.readFile(`${dir.path}/rtmpkit.flv`),
      await Deno.readFile(`${dir.path}/rtmpdump.flv`),
      "rtmpkit's recording vs rtmpdump's",
    );
  },
);

interopTest(
  "rtmpkit publishes to nginx-rtmp's live application while rtmpdump records it",
  { peers: ["nginx-rtmp", "rtmpdump", "ffprobe"] },
  async () => {
    // With publish_notify, nginx-rtmp tells its players when the publisher leaves, and
    // rtmpdump ends there.
    await using nginx = await startNginxRtmp({
      mediaDir: `${REPO_ROOT}/assets`,
      publishNotify: true,
    });
    await using dir = await tempDir();
    const url = nginx.url("live", "pub");
    // rtmpdump plays first: nginx-rtmp keeps it waiting for the publisher, which it then gets
    // from its first tag on.
    let published: ProcessResult | undefined;
    const recorded = await runRtmpdump(["-v", "-r", url, "-o", `${dir.path}/live.flv`], {
      onSpawn: async () => {
        await nginx.waitForLog(/play: name='pub'/, "rtmpdump's play to reach nginx-rtmp");
        published = await runRtmpkit(["publish", SAMPLE, url]);
      },
    });
    assertEquals(published!.code, 0, published!.stderr);
    assert(/Published 346 tags/.test(published!.stderr), published!.stderr);
    assertEquals(recorded.code, 0, recorded.stderr);
    const tags = flvTags(await Deno.readFile(`${dir.path}/live.flv`));
    const video = tags.filter((t) => t.type === FlvTagType.Video && t.data[1] === 1);
    const source = flvTags(await Deno.readFile(SAMPLE)).filter((t) =>
      t.type === FlvTagType.Video && t.data[1] === 1
    );
    // Every frame of the sample, untouched.
    assertEquals(video.length, source.length, "frames recorded");
    assertEquals(video[0].data[0], 0x17);
    const probe = await ffprobeFrames(`${dir.path}/live.flv`);
    assertEquals(probe.counts.video, video.length);
    for (let i = 0; i < video.length; i++) assertEquals(video[i].data, source[i].data);
  },
);
