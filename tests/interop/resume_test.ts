/**
 * `--resume`, `--skip` and `--stop` against real servers: a download stopped part-way (by
 * `--stop`, by a kill, or a file cut anywhere, a torn last tag included) and then resumed ends
 * byte-identical to an uninterrupted download, against nginx-rtmp with and without a keyframe
 * index (where rtmpdump's own resume fails) and against rtmpkit's FMS-like server; rtmpdump
 * resumes rtmpkit's partial files and rtmpkit resumes rtmpdump's. One child process at a time.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { FlvReader, type FlvTag } from "../../src/flv/mod.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import {
  assertSameBytes,
  genMedia,
  interopTest,
  MEDIA_DIR,
  rtmpkitCommand,
  runRtmpdump,
  runRtmpkit,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";

/** Generous bound for one download of the small test media. */
const RUN_MS = 60_000;
/**
 * Media with and without a keyframe index in their metadata (nginx-rtmp seeks only in the
 * first), and audio only (resumed from its last audio tag).
 */
const KINDS = ["small_keyframe_index", "h264_aac", "aac_only"] as const;

function tags(bytes: Uint8Array): FlvTag[] {
  const out: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(bytes, (tag) => out.push(tag));
  reader.finish();
  return out;
}

/** The end of the first whole tag that ends past `fraction` of the file. */
function tagBoundaryAfter(bytes: Uint8Array, fraction: number): number {
  let end = 13;
  while (end < bytes.length * fraction) {
    end += 11 + ((bytes[end + 1] << 16) | (bytes[end + 2] << 8) | bytes[end + 3]) + 4;
  }
  return end;
}

/** Keyframes (rtmpdump's rule: video frame type 1) among a file's whole tags. */
function keyframeCount(bytes: Uint8Array): number {
  return tags(bytes).filter((t) => t.type === 9 && (t.data[0] & 0xf0) === 0x10).length;
}

async function startRtmpkitServer(root: string) {
  const server = new RtmpServer({ root, listen: ["rtmp://127.0.0.1:0"], log: () => {} });
  await server.start();
  const port = server.addresses[0].port;
  return {
    url: (app: string, name: string) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** rtmpkit's exit code is rtmpdump's: 2 when the media end short of the metadata duration. */
function assertDone(code: number, stderr: string, what: string): void {
  assert(code === 0 || code === 2, `${what}: exit ${code}\n${stderr}`);
  assert(!/Couldn't resume/.test(stderr), `${what}: ${stderr}`);
}

interopTest(
  "interop resume: files cut anywhere resume byte for byte against nginx-rtmp (with and without a keyframe index)",
  { peers: ["nginx-rtmp", "ffmpeg"] },
  async () => {
    for (const kind of KINDS) await genMedia(kind);
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using dir = await tempDir();
    for (const kind of KINDS) {
      const url = nginx.url("vod", `${kind}.flv`);
      const full = `${dir.path}/${kind}.flv`;
      const plain = await runRtmpkit(["-r", url, "-o", full], { timeoutMs: RUN_MS });
      assertDone(plain.code, plain.stderr, `${kind} uninterrupted`);
      const whole = await Deno.readFile(full);
      // [fraction of the file, --skip, torn bytes left after the last whole tag]
      const cuts: [number, number, number][] = [[0.05, 0, 0], [0.4, 0, 9], [0.7, 2, 0]];
      for (const [fraction, skip, torn] of cuts) {
        const what = `${kind} cut at ${fraction} (skip ${skip}, ${torn} torn bytes)`;
        const end = tagBoundaryAfter(whole, fraction);
        const part = `${dir.path}/${kind}.part.flv`;
        await Deno.writeFile(part, whole.subarray(0, end + torn));
        const run = await runRtmpkit(["-r", url, "-o", part, "--resume", "--skip", String(skip)], {
          timeoutMs: RUN_MS,
        });
        assertDone(run.code, run.stderr, what);
        assertEquals(run.code, plain.code, `${what}: exit code`);
        assert(/Resuming download at/.test(run.stderr), `${what}: ${run.stderr}`);
        assertSameBytes(await Deno.readFile(part), whole, what);
      }
      // The resume point at timestamp 0 (the first keyframe, reached by --skip): rtmpdump
      // writes a second FLV header in the middle of the file there.
      if (kind === "aac_only") continue; // no keyframes
      const early = tagBoundaryAfter(whole, 0.1);
      const part = `${dir.path}/${kind}.zero.flv`;
      await Deno.writeFile(part, whole.subarray(0, early));
      const skip = keyframeCount(whole.subarray(0, early)) - 1;
      const run = await runRtmpkit(["-r", url, "-o", part, "-e", "-k", String(skip)], {
        timeoutMs: RUN_MS,
      });
      assertDone(run.code, run.stderr, `${kind} from the keyframe at 0`);
      assertSameBytes(await Deno.readFile(part), whole, `${kind} resumed from the keyframe at 0`);
    }
  },
);

interopTest(
  "interop resume: --stop ends at the requested time against nginx-rtmp (exit 0) and --resume completes it",
  { peers: ["nginx-rtmp", "ffmpeg"] },
  async () => {
    for (const kind of KINDS) await genMedia(kind);
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using dir = await tempDir();
    for (const kind of KINDS) {
      const url = nginx.url("vod", `${kind}.flv`);
      const full = `${dir.path}/${kind}.flv`;
      const plain = await runRtmpkit(["-r", url, "-o", full], { timeoutMs: RUN_MS });
      const whole = await Deno.readFile(full);
      const out = `${dir.path}/${kind}.stop.flv`;
      const stopped = await runRtmpkit(["-r", url, "-o", out, "--stop", "4"], {
        timeoutMs: RUN_MS,
      });
      assertEquals(stopped.code, 0, `${kind} --stop 4: ${stopped.stderr}`);
      assert(/For duration: 4\.000 sec/.test(stopped.stderr), stopped.stderr);
      const part = await Deno.readFile(out);
      const media = tags(part).filter((t) => t.type === 8 || t.type === 9);
      const last = media[media.length - 1].timestamp;
      assert(last <= 4000 && last > 3800, `${kind}: last frame at ${last} ms`);
      // The stopped file is the start of the whole one, and resuming it completes it.
      assertSameBytes(part, whole.subarray(0, part.length), `${kind} stopped file`);
      const resumed = await runRtmpkit(["-r", url, "-o", out, "-e"], { timeoutMs: RUN_MS });
      assertEquals(resumed.code, plain.code, `${kind} resumed: ${resumed.stderr}`);
      assertSameBytes(await Deno.readFile(out), whole, `${kind} resumed after --stop`);
    }
  },
);

interopTest(
  "interop resume: a download killed part-way resumes byte for byte (rtmpkit's server, real-time pace)",
  { peers: ["ffmpeg"] },
  async () => {
    await genMedia("small_keyframe_index");
    await using server = await startRtmpkitServer(MEDIA_DIR);
    await using dir = await tempDir();
    const url = server.url("vod", "small_keyframe_index.flv");
    const full = `${dir.path}/full.flv`;
    const plain = await runRtmpkit(["-r", url, "-o", full], { timeoutMs: RUN_MS });
    assertDone(plain.code, plain.stderr, "uninterrupted");
    const whole = await Deno.readFile(full);
    // A 1 s client buffer: the server sends in real time, so the download is killed part-way.
    const part = `${dir.path}/part.flv`;
    const [command, ...args] = rtmpkitCommand("deno");
    const child = new Deno.Command(command, {
      args: [...args, "-r", url, "-o", part, "-b", "1000", "-q"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const started = performance.now();
    try {
      for (;;) {
        const size = await Deno.stat(part).then((s) => s.size, () => 0);
        if (size > whole.length / 4) break;
        if (performance.now() - started > RUN_MS) throw new Error(`no progress in ${RUN_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
    const killedSize = (await Deno.stat(part)).size;
    assert(killedSize < whole.length, `killed after the end (${killedSize} bytes)`);
    const run = await runRtmpkit(["-r", url, "-o", part, "-e"], { timeoutMs: RUN_MS });
    assertEquals(run.code, plain.code, run.stderr);
    assertSameBytes(await Deno.readFile(part), whole, "resumed after a kill");
  },
);

interopTest(
  "interop resume: rtmpdump resumes rtmpkit's partial files and rtmpkit resumes rtmpdump's (rtmpkit's FMS-like server)",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await genMedia("small_keyframe_index");
    await using server = await startRtmpkitServer(MEDIA_DIR);
    await using dir = await tempDir();
    const url = server.url("vod", "small_keyframe_index.flv");
    const full = `${dir.path}/full.flv`;
    assertEquals((await runRtmpdump(["-r", url, "-o", full], { timeoutMs: RUN_MS })).code, 0);
    const whole = await Deno.readFile(full);
    // rtmpkit stops part-way (the server honours play's len), rtmpdump resumes.
    const ours = `${dir.path}/ours.flv`;
    const stopped = await runRtmpkit(["-r", url, "-o", ours, "-B", "7"], { timeoutMs: RUN_MS });
    assertEquals(stopped.code, 0, stopped.stderr);
    assert((await Deno.stat(ours)).size < whole.length);
    const byRtmpdump = await runRtmpdump(["-r", url, "-o", ours, "-e"], { timeoutMs: RUN_MS });
    assertEquals(byRtmpdump.code, 0, byRtmpdump.stderr);
    assertSameBytes(await Deno.readFile(ours), whole, "rtmpkit's partial file resumed by rtmpdump");
    // rtmpdump's partial file (cut where a kill leaves it, a torn tag), resumed by rtmpkit.
    const theirs = `${dir.path}/theirs.flv`;
    await Deno.writeFile(theirs, whole.subarray(0, tagBoundaryAfter(whole, 0.55) + 100));
    const byUs = await runRtmpkit(["-r", url, "-o", theirs, "-e"], { timeoutMs: RUN_MS });
    assertEquals(byUs.code, 0, byUs.stderr);
    assertSameBytes(
      await Deno.readFile(theirs),
      whole,
      "rtmpdump's partial file resumed by rtmpkit",
    );
  },
);

interopTest(
  "interop resume: rtmpkit resumes rtmpdump's partial file from nginx-rtmp, where rtmpdump's own resume fails",
  { peers: ["rtmpdump", "nginx-rtmp", "ffmpeg"] },
  async () => {
    await genMedia("small_keyframe_index");
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using dir = await tempDir();
    const url = nginx.url("vod", "small_keyframe_index.flv");
    const full = `${dir.path}/full.flv`;
    assertEquals((await runRtmpdump(["-r", url, "-o", full], { timeoutMs: RUN_MS })).code, 0);
    const whole = await Deno.readFile(full);
    const cut = whole.subarray(0, tagBoundaryAfter(whole, 0.5));
    const theirs = `${dir.path}/theirs.flv`;
    await Deno.writeFile(theirs, cut);
    // rtmpdump itself cannot (interop.md: nginx-rtmp keeps absolute timestamps after a seek).
    const ref = await runRtmpdump(["-r", url, "-o", theirs, "-e"], { timeoutMs: RUN_MS });
    assertEquals(ref.code, 1, ref.stderr);
    assert(/Couldn't resume FLV file, try --skip 1/.test(ref.stderr), ref.stderr);
    // rtmpkit resumes the cut file to the whole one.
    await Deno.writeFile(theirs, cut);
    const run = await runRtmpkit(["-r", url, "-o", theirs, "-e"], { timeoutMs: RUN_MS });
    assertEquals(run.code, 0, run.stderr);
    assertSameBytes(
      await Deno.readFile(theirs),
      whole,
      "rtmpdump's partial file resumed by rtmpkit",
    );
  },
);

interopTest(
  "interop resume: --resume with no file or an empty one is a plain download; a file that cannot be resumed is left as it was",
  { peers: ["nginx-rtmp", "ffmpeg"] },
  async () => {
    await genMedia("small_keyframe_index");
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using dir = await tempDir();
    const url = nginx.url("vod", "small_keyframe_index.flv");
    const full = `${dir.path}/full.flv`;
    await runRtmpkit(["-r", url, "-o", full], { timeoutMs: RUN_MS });
    const whole = await Deno.readFile(full);
    const missing = `${dir.path}/missing.flv`;
    assertEquals(
      (await runRtmpkit(["-r", url, "-o", missing, "-e"], { timeoutMs: RUN_MS })).code,
      0,
    );
    assertSameBytes(await Deno.readFile(missing), whole, "no file");
    const empty = `${dir.path}/empty.flv`;
    await Deno.writeFile(empty, new Uint8Array(0));
    assertEquals((await runRtmpkit(["-r", url, "-o", empty, "-e"], { timeoutMs: RUN_MS })).code, 0);
    assertSameBytes(await Deno.readFile(empty), whole, "empty file");
    // Not an FLV file: exit 1, untouched. Another stream's file: exit 1, untouched.
    const text = `${dir.path}/text.flv`;
    const words = new TextEncoder().encode("not a video at all\n");
    await Deno.writeFile(text, words);
    const notFlv = await runRtmpkit(["-r", url, "-o", text, "-e"], { timeoutMs: RUN_MS });
    assertEquals(notFlv.code, 1, notFlv.stderr);
    assertSameBytes(await Deno.readFile(text), words, "not an FLV file");
    await genMedia("h264_aac");
    const other = `${dir.path}/other.flv`;
    await runRtmpkit(["-r", nginx.url("vod", "h264_aac.flv"), "-o", other, "-B", "3"], {
      timeoutMs: RUN_MS,
    });
    const before = await Deno.readFile(other);
    const mismatch = await runRtmpkit(["-r", url, "-o", other, "-e"], { timeoutMs: RUN_MS });
    assertEquals(mismatch.code, 1, mismatch.stderr);
    assert(/Couldn't resume FLV file, try --skip 1/.test(mismatch.stderr), mismatch.stderr);
    assertSameBytes(await Deno.readFile(other), before, "another stream's file");
  },
);

interopTest(
  "interop start/stop: --start writes a header with the stream's flags; Already Completed as rtmpdump prints it",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await genMedia("small_keyframe_index");
    await using server = await startRtmpkitServer(MEDIA_DIR);
    await using dir = await tempDir();
    const url = server.url("vod", "small_keyframe_index.flv");
    // --start 5 --stop 8 from an FMS-like server: rtmpdump's header says neither audio nor video.
    const ref = await runRtmpdump(["-r", url, "-A", "5", "-B", "8", "-o", `${dir.path}/ref.flv`], {
      timeoutMs: RUN_MS,
    });
    assertEquals((await Deno.readFile(`${dir.path}/ref.flv`))[4], 0, ref.stderr);
    const kit = await runRtmpkit(["-r", url, "-A", "5", "-B", "8", "-o", `${dir.path}/kit.flv`], {
      timeoutMs: RUN_MS,
    });
    assertEquals(kit.code, 0, kit.stderr);
    const ours = await Deno.readFile(`${dir.path}/kit.flv`);
    assertEquals(ours[4], 5, "audio and video flags");
    // The same tags as rtmpdump's, only the flags byte differs.
    assertSameBytes(
      ours.subarray(5),
      (await Deno.readFile(`${dir.path}/ref.flv`)).subarray(5),
      "tags",
    );
    // The counter as rtmpdump draws it: librtmp holds no header block with --start, so its first
    // line counts the header and the metadata tag, at the start time.
    const counter = (stderr: string) => {
      const lines = stderr.split(/[\r\n]/).filter((line) => / kB \/ /.test(line));
      return [lines[0], lines.at(-1)];
    };
    assertEquals(counter(kit.stderr), counter(ref.stderr), `${ref.stderr}\n${kit.stderr}`);
    // --stop before --start: "Already Completed" and "Download complete", exit 0, like rtmpdump.
    const args = ["-r", url, "-A", "5", "-B", "3"];
    const refDone = await runRtmpdump([...args, "-o", `${dir.path}/a.flv`], { timeoutMs: RUN_MS });
    const kitDone = await runRtmpkit([...args, "-o", `${dir.path}/b.flv`], { timeoutMs: RUN_MS });
    assertEquals([kitDone.code, refDone.code], [0, 0]);
    const tail = (s: string) => s.split("\n").filter((l) => l !== "").slice(-2);
    assertEquals(tail(kitDone.stderr), ["Already Completed", "Download complete"]);
    assertEquals(tail(kitDone.stderr), tail(refDone.stderr));
    // A resumed file that is already complete (its last keyframe past 99.9 % of the duration).
    const full = `${dir.path}/full.flv`;
    await runRtmpkit(["-r", url, "-o", full], { timeoutMs: RUN_MS });
    const copy = `${dir.path}/copy.flv`;
    await Deno.copyFile(full, copy);
    const again = await runRtmpkit(["-r", url, "-o", copy, "-e"], { timeoutMs: RUN_MS });
    assertEquals(again.code, 0, again.stderr);
    assertSameBytes(await Deno.readFile(copy), await Deno.readFile(full), "resumed complete file");
  },
);
