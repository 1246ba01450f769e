/**
 * A live recording that survives its publisher: ffmpeg publishes into nginx-rtmp, is killed,
 * and publishes again; rtmpkit's recorder (the library's downloadFlv, in this process, so the
 * test runs two processes: nginx-rtmp and one ffmpeg at a time) keeps one FLV with continuous
 * timestamps and one gap, and ffprobe decodes it end to end with frames from both halves.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { DownloadGap } from "../../src/download/download_events.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import { FlvReader, type FlvTag } from "../../src/flv/mod.ts";
import {
  findExecutable,
  genMedia,
  interopTest,
  runProcess,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";

/** Generous bound for every wait. */
const WAIT_MS = 60_000;

function flvTags(bytes: Uint8Array): FlvTag[] {
  const tags: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(bytes, (tag) => tags.push(tag));
  reader.finish();
  return tags;
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > WAIT_MS) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** ffmpeg publishing `file` in real time to `url` until killed. */
function publish(file: string, url: string): Deno.ChildProcess {
  return new Deno.Command(findExecutable("ffmpeg")!, {
    args: ["-v", "error", "-re", "-i", file, "-c", "copy", "-f", "flv", url],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
}

interopTest(
  "interop live: a recording from nginx-rtmp survives ffmpeg killed and publishing again (one continuous FLV)",
  { peers: ["nginx-rtmp", "ffmpeg", "ffprobe"] },
  async () => {
    const source = await genMedia("h264_aac");
    await using nginx = await startNginxRtmp({
      mediaDir: source.slice(0, source.lastIndexOf("/")),
    });
    await using dir = await tempDir();
    const url = nginx.url("live", "key");
    const out = await Deno.open(`${dir.path}/live.flv`, { write: true, create: true });
    let publisher = publish(source, url);
    const gaps: DownloadGap[] = [];
    /** Stream time recorded in the current half (progress shows the server's timestamps). */
    let recorded = 0;
    let firstTimestamp = -1;
    const abort = new AbortController();
    let recording: ReturnType<typeof downloadFlv> | undefined;
    try {
      // The recorder starts once the stream is published (nginx-rtmp lets it wait otherwise, too).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      recording = downloadFlv(url, async (bytes) => {
        let at = 0;
        while (at < bytes.length) at += await out.write(bytes.subarray(at));
      }, {
        live: true,
        timeoutMs: 10_000,
        reconnect: { attempts: 10, delayMs: 200, maxDelayMs: 1000 },
        signal: abort.signal,
        events: {
          progress: (p) => {
            // Metadata and sequence headers come at 0, the publisher's frames at its own time.
            if (p.timestampMs === 0) return;
            if (firstTimestamp < 0) firstTimestamp = p.timestampMs;
            recorded = p.timestampMs - firstTimestamp;
          },
          gap: (g) => {
            gaps.push(g);
            firstTimestamp = -1;
            recorded = 0;
          },
        },
      });
      // nginx-rtmp starts a new player's video at the next keyframe (every 2 s in this file).
      await waitFor("the first publisher's media", () => recorded > 4000);
      await kill(publisher);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      publisher = publish(source, url);
      await waitFor("the gap", () => gaps.length > 0);
      await waitFor("the second publisher's media", () => recorded > 2500);
      abort.abort();
      const result = await recording;
      assertEquals(result.reason, "interrupted");
    } finally {
      abort.abort();
      await recording?.catch(() => {});
      await kill(publisher);
      out.close();
    }

    const bytes = await Deno.readFile(`${dir.path}/live.flv`);
    const tags = flvTags(bytes);
    const video = tags.filter((t) => t.type === 9 && t.data[1] === 1);
    for (let i = 1; i < video.length; i++) {
      assert(video[i].timestamp > video[i - 1].timestamp, `video timestamp goes back at ${i}`);
    }
    assertEquals(gaps.length, 1, `gaps: ${JSON.stringify(gaps)}`);
    const [gap] = gaps;
    const before = video.filter((t) => t.timestamp <= gap.lastTimestampMs).length;
    const after = video.filter((t) => t.timestamp >= gap.resumedTimestampMs).length;
    assert(
      before >= 30 && after >= 30,
      `video frames before/after the gap: ${before}/${after}; ${JSON.stringify(gap)}; ` +
        `video from ${video[0]?.timestamp} to ${video.at(-1)?.timestamp}`,
    );
    assert(gap.resumedTimestampMs - gap.lastTimestampMs <= 100, JSON.stringify(gap));
    // Unchanged sequence headers are not written again.
    assertEquals(tags.filter((t) => t.type === 9 && t.data[1] === 0).length, 1);

    const probe = await runProcess(findExecutable("ffprobe")!, [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v",
      "-show_entries",
      "stream=nb_read_frames",
      "-of",
      "csv=p=0",
      `${dir.path}/live.flv`,
    ], { timeoutMs: WAIT_MS });
    assertEquals(probe.code, 0, probe.stderr);
    assertEquals(probe.stderr, "", "ffprobe decodes the recording without errors");
    const frames = Number(new TextDecoder().decode(probe.stdout).trim());
    assertEquals(frames, video.length, "every video frame decodes");
  },
);
