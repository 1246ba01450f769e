/**
 * `--reconnect N` through the real command line, against a scripted fake server: a live stream
 * that drops is reconnected and recorded on into the same file with continuous timestamps, each
 * attempt and the gap logged; without the option it ends as rtmpdump does.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  normaliseStderrLines as normaliseStderr,
  readFlvFile,
  runRtmpkit,
} from "./_cli_process.ts";
import { type PeerScript, startFakeServer } from "./_fake_server.ts";

/** Generous bound on one run (two connections, a 1 s wait, one refused attempt of 2 s). */
const RUN_MS = 30_000;

/** First connection: 4 tags from 40 ms, then the server goes away. Second: 4 tags from 0. */
const dropsOnce: PeerScript = async (peer, index) => {
  if (index >= 2) return; // a server that is gone: the handshake never completes
  if (!(await peer.acceptPlay())) return;
  await peer.sendMedia(4, index === 0 ? 40 : 0);
  await new Promise((resolve) => setTimeout(resolve, 100));
};

Deno.test({
  name: "--reconnect N records a live stream on across a drop, timestamps continuous",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = startFakeServer(dropsOnce);
    const dir = await Deno.makeTempDir({ prefix: "rtmpkit-reconnect-" });
    try {
      const output = `${dir}/live.flv`;
      const run = await runRtmpkit(
        ["-v", "-r", server.url(), "-o", output, "-m", "2", "--reconnect", "2"],
        { timeoutMs: RUN_MS },
      );
      const lines = normaliseStderr(run.stderr);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(lines.filter((l) => l.startsWith("INFO: Stream lost")).length, 2, run.stderr);
      assert(
        lines.some((l) =>
          /^INFO: Stream back after \d+\.\d s: recording goes on at 0\.240 sec/.test(l)
        ),
        run.stderr,
      );
      assertEquals(lines.filter((l) => l === "Starting Live Stream").length, 1, run.stderr);
      const { tags } = await readFlvFile(output);
      // 40, 80, 120, 160 from the first connection; 0, 40, 80, 120 from the second follow the
      // last frame by the video frame step (80 ms): 240, 280, 320, 360.
      assertEquals(tags.map((t) => t.timestamp), [40, 80, 120, 160, 240, 280, 320, 360]);
      assert(server.accepted >= 3, `${server.accepted} connections`);

      // Without --reconnect the drop ends the recording, as rtmpdump does.
      await using once = startFakeServer(dropsOnce);
      const plain = await runRtmpkit(["-v", "-r", once.url(), "-o", output, "-m", "2"], {
        timeoutMs: RUN_MS,
      });
      assertEquals(plain.code, 0, plain.stderr);
      assertEquals((await readFlvFile(output)).tags.length, 4);
      assertEquals(once.accepted, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
