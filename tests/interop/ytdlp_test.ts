/**
 * yt-dlp, which runs `rtmpdump --verbose -r URL -o FILE.part --resume --skip 1` and reruns it
 * with `--resume` after exit 1 or 2, with rtmpkit's built binary installed as `rtmpdump` first on
 * PATH: its default call, and its retry after the connection was cut part-way (a proxy that
 * closes the first connection), end with the same file as with Debian's rtmpdump, or a complete
 * one where rtmpdump's own resume fails (nginx-rtmp). Two child processes at a time at most
 * (yt-dlp and the downloader it runs); the cutting proxy runs in this process.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RtmpServer } from "../../src/server/mod.ts";
import { cuttingProxy } from "../_cutting_proxy.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  MEDIA_DIR,
  RTMPKIT_BINARY,
  runProcess,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";

const RUN_MS = 120_000;
const KIND = "small_keyframe_index";

/** Runs yt-dlp's default download of `url` into `out` with `bin` first on PATH. */
async function ytdlp(url: string, out: string, bin: string | undefined) {
  const path = Deno.env.get("PATH") ?? "";
  return await runProcess(findExecutable("yt-dlp")!, ["-v", "--no-cache-dir", "-o", out, url], {
    timeoutMs: RUN_MS,
    env: { PATH: bin === undefined ? path : `${bin}:${path}` },
  });
}

/** A folder holding `rtmpdump`, a link to rtmpkit's binary. */
async function rtmpkitAsRtmpdump(dir: string): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(RTMPKIT_BINARY, `${bin}/rtmpdump`);
  return bin;
}

async function startRtmpkitServer() {
  const server = new RtmpServer({ root: MEDIA_DIR, listen: ["rtmp://127.0.0.1:0"], log: () => {} });
  await server.start();
  return { port: server.addresses[0].port, [Symbol.asyncDispose]: () => server.close() };
}

interopTest(
  "interop yt-dlp: rtmpkit as rtmpdump gives yt-dlp rtmpdump's file, also after a cut and a retry",
  { peers: ["yt-dlp", "rtmpdump", "rtmpkit-binary", "nginx-rtmp", "ffmpeg"] },
  async () => {
    const source = await genMedia(KIND);
    const size = (await Deno.stat(source)).size;
    await using dir = await tempDir();
    const bin = await rtmpkitAsRtmpdump(dir.path);
    await using ours = await startRtmpkitServer();
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    const servers = [["rtmpkit serve", ours.port], ["nginx-rtmp", nginx.port]] as const;
    for (const [name, port] of servers) {
      const tag = name.replace(/\W+/g, "-");
      // The default call, uninterrupted.
      const url = `rtmp://127.0.0.1:${port}/vod/${KIND}.flv`;
      const ref = await ytdlp(url, `${dir.path}/${tag}-ref.flv`, undefined);
      assertEquals(ref.code, 0, `${name}, Debian's rtmpdump: ${ref.stderr}`);
      const whole = await Deno.readFile(`${dir.path}/${tag}-ref.flv`);
      const kit = await ytdlp(url, `${dir.path}/${tag}-kit.flv`, bin);
      assertEquals(kit.code, 0, `${name}, rtmpkit: ${kit.stderr}`);
      const said = new TextDecoder().decode(kit.stdout) + kit.stderr;
      assert(
        /rtmpdump command line: rtmpdump --verbose -r \S+ -o \S+\.part --resume --skip 1/.test(
          said,
        ),
        said,
      );
      assertSameBytes(
        await Deno.readFile(`${dir.path}/${tag}-kit.flv`),
        whole,
        `${name}: default call`,
      );

      // The first connection is cut after 40 % of the file; yt-dlp retries with --resume.
      for (const [who, path] of [["rtmpdump", undefined], ["rtmpkit", bin]] as const) {
        await using proxy = cuttingProxy(port, Math.floor(size * 0.4));
        const out = `${dir.path}/${tag}-${who}-cut.flv`;
        const run = await ytdlp(`rtmp://127.0.0.1:${proxy.port}/vod/${KIND}.flv`, out, path);
        const what = `${name}, ${who} cut part-way`;
        assert(proxy.connections >= 2, `${what}: yt-dlp did not retry\n${run.stderr}`);
        if (who === "rtmpdump" && name === "nginx-rtmp") {
          // rtmpdump's resume cannot continue nginx-rtmp's stream: yt-dlp gives up.
          assert(run.code !== 0, `${what}: ${run.stderr}`);
          continue;
        }
        assertEquals(run.code, 0, `${what}: ${run.stderr}`);
        assertSameBytes(await Deno.readFile(out), whole, what);
      }
    }
  },
);
