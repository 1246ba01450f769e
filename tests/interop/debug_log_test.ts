/**
 * rtmpkit's debug log against rtmpdump's: `--verbose` (DEBUG) must print rtmpdump's lines, in
 * its order, for VOD downloads, a missing stream, `-i` mode, a refused connection, a stream
 * that stops sending (timeouts, pause and reconnect), live streams, and the file details of
 * `--resume`; `--debug` adds the packet dumps, compared over a whole VOD download. Servers:
 * nginx-rtmp and rtmpkit's own (in this process). One client runs at a time.
 *
 * What differs from run to run or by design is normalised on both sides: progress counters,
 * the server's uptime in the handshake, the socket's descriptor number, and (with `--debug`)
 * the dumps of the 4-byte control messages the client sends (acknowledgements, whose timing
 * follows how reads split the stream, and the window acknowledgement size, which rtmpkit sends
 * as soon as the server announces its own rather than after connect's answer).
 */

import { connectTcp } from "../../transports/tcp.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import { Publisher } from "../../src/session/mod.ts";
import {
  genMedia,
  interopTest,
  type ProcessResult,
  refusedPort,
  REPO_ROOT,
  runRtmpdump,
  runRtmpkit,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";
import { normaliseStderrLines } from "../_stderr.ts";
import { delay } from "../_wait.ts";
import { hashSwf, type SwfInfo } from "../../src/swf/mod.ts";
import { startSwfHttpServer } from "../swf/_http_server.ts";
import { fwsFile, swfBody } from "../swf/_swf_fixtures.ts";

const PEERS = ["nginx-rtmp", "rtmpdump", "ffmpeg"];
const SAMPLE = `${REPO_ROOT}/assets/sample.flv`;
/** How often the server's log is read while waiting for a client to join. */
const POLL_MS = 50;
/** Hard limit of one client run (a timeout scenario takes a few seconds). */
const RUN_TIMEOUT_MS = 60_000;

/** A line of librtmp's RTMP_LogHex at DEBUG. */
const HEX_LINE = /^DEBUG: ([0-9a-f]{2} ){0,15}[0-9a-f]{2} ?$/;
/** The lines after which the digest handshake and SWF verification dump random bytes. */
const RANDOM_DUMP =
  /^DEBUG: (HandShake: (Initial client digest|Calculated digest key .*|Client signature calculated|Server sent signature|Digest key|Signature calculated)|Sending SWFVerification response): ?$/;

/** A client's stderr as comparable lines (see the module doc). */
function debugLines(stderr: string): string[] {
  const lines = normaliseStderrLines(stderr).map((line) =>
    line.replace(/^(DEBUG: HandShake: (Server Uptime |Client digest offset): )-?\d+$/, "$1N")
      .replace(/fd=\d+/, "fd=N")
  );
  const kept: string[] = [];
  let random = false;
  for (let i = 0; i < lines.length; i++) {
    // A 4-byte message sent: its size line, its chunk header and its body.
    if (lines[i] === "DEBUG2: RTMP_SendPacket: fd=N, size=4") {
      i += 2;
      continue;
    }
    // Digests and signatures made from random bytes: only their length is compared.
    if (random && HEX_LINE.test(lines[i])) {
      kept.push(`DEBUG: (${lines[i].length - "DEBUG: ".length} characters of random bytes)`);
      continue;
    }
    random = RANDOM_DUMP.test(lines[i]);
    kept.push(lines[i]);
  }
  return kept;
}

function assertSameLog(
  kit: ProcessResult,
  dump: ProcessResult,
  what: string,
  cut: (lines: string[]) => string[] = (lines) => lines,
): void {
  for (const [name, run] of [["rtmpkit", kit], ["rtmpdump", dump]] as const) {
    if (run.timedOut) throw new Error(`${what}: ${name} was killed after ${run.timeoutMs} ms`);
  }
  if (kit.code !== dump.code) {
    throw new Error(
      `${what}: rtmpkit exited with ${kit.code}, rtmpdump with ${dump.code}\n` +
        `rtmpkit stderr:\n${kit.stderr}\nrtmpdump stderr:\n${dump.stderr}`,
    );
  }
  const a = cut(debugLines(kit.stderr));
  const e = cut(debugLines(dump.stderr));
  let line = 0;
  while (line < a.length && line < e.length && a[line] === e[line]) line++;
  if (line === a.length && line === e.length) return;
  const context = (lines: string[]) => lines.slice(Math.max(0, line - 3), line + 3).join("\n");
  throw new Error(
    `${what}: the logs differ at line ${line + 1} of ${e.length} (rtmpkit printed ${a.length})\n` +
      `rtmpkit:\n${context(a)}\nrtmpdump:\n${context(e)}`,
  );
}

/** Runs rtmpdump, then rtmpkit, with `args` and `-o` a file of their own. */
async function runBoth(
  args: string[],
  dir: string,
  prepare?: (output: string) => Promise<void>,
  env?: (name: "rtmpdump" | "rtmpkit") => Record<string, string>,
): Promise<{ kit: ProcessResult; dump: ProcessResult }> {
  const dumpOut = `${dir}/rtmpdump.flv`;
  const kitOut = `${dir}/rtmpkit.flv`;
  await prepare?.(dumpOut);
  const dump = await runRtmpdump([...args, "-o", dumpOut], {
    timeoutMs: RUN_TIMEOUT_MS,
    env: env?.("rtmpdump"),
  });
  await prepare?.(kitOut);
  const kit = await runRtmpkit([...args, "-o", kitOut], {
    timeoutMs: RUN_TIMEOUT_MS,
    env: env?.("rtmpkit"),
  });
  return { kit, dump };
}

/** A folder nginx-rtmp can read holding sample.flv and h264_aac.flv (which has a duration). */
async function mediaDir(dir: string): Promise<string> {
  const media = `${dir}/media`;
  await Deno.mkdir(media);
  await Deno.copyFile(SAMPLE, `${media}/sample.flv`);
  await Deno.copyFile(await genMedia("h264_aac"), `${media}/h264_aac.flv`);
  await Deno.chmod(dir, 0o755);
  await Deno.chmod(media, 0o755);
  return media;
}

const NGINX_CASES: {
  name: string;
  args: (url: (app: string, name: string) => string) => string[];
}[] = [
  { name: "a VOD", args: (url) => ["-V", "-r", url("vod", "sample.flv")] },
  { name: "a VOD with a duration", args: (url) => ["-V", "-r", url("vod", "h264_aac.flv")] },
  { name: "a missing stream", args: (url) => ["-V", "-r", url("vod", "missing.flv")] },
  { name: "-i mode", args: (url) => ["-V", "-i", `${url("vod", "sample.flv")} live=0`] },
  {
    name: "a stream that stops sending (timeouts, pause and reconnect)",
    args: (url) => ["-V", "-m", "2", "-r", url("live", "nobody")],
  },
  {
    name: "a live stream that stops sending",
    args: (url) => ["-V", "-v", "-m", "2", "-r", url("live", "nobody")],
  },
  { name: "--start", args: (url) => ["-V", "-A", "2", "-r", url("vod", "h264_aac.flv")] },
];

for (const c of NGINX_CASES) {
  interopTest(`interop debug log: -V prints rtmpdump's lines for ${c.name} (nginx-rtmp)`, {
    peers: PEERS,
  }, async () => {
    await using dir = await tempDir();
    await using server = await startNginxRtmp({ mediaDir: await mediaDir(dir.path) });
    const { kit, dump } = await runBoth(c.args(server.url), dir.path);
    assertSameLog(kit, dump, c.name);
  });
}

interopTest("interop debug log: -z adds rtmpdump's packet dumps, line for line over a whole VOD", {
  peers: PEERS,
}, async () => {
  await using dir = await tempDir();
  await using server = await startNginxRtmp({ mediaDir: await mediaDir(dir.path) });
  const { kit, dump } = await runBoth(["-z", "-r", server.url("vod", "sample.flv")], dir.path);
  assertSameLog(kit, dump, "-z");
  if (!dump.stderr.includes("DEBUG2: RTMP_ReadPacket: fd=4\n")) {
    throw new Error("-z: rtmpdump printed no packet dumps");
  }
});

interopTest("interop debug log: -V prints rtmpdump's lines for a refused connection", {
  peers: ["rtmpdump"],
}, async () => {
  await using dir = await tempDir();
  using refused = await refusedPort();
  const url = `rtmp://127.0.0.1:${refused.port}/vod/sample.flv`;
  const { kit, dump } = await runBoth(["-V", "-r", url], dir.path);
  assertSameLog(kit, dump, "a refused connection");
});

/** How long a client may take to start and ask to play (a limit, not an expected time). */
const JOIN_WAIT_MS = 60_000;

interopTest("interop debug log: -V prints rtmpdump's lines for a live stream with a publisher", {
  peers: PEERS,
}, async () => {
  await using dir = await tempDir();
  await using server = await startNginxRtmp({ mediaDir: await mediaDir(dir.path) });
  const flv = await Deno.readFile(SAMPLE);
  let plays = 0;
  /**
   * Runs a client and publishes once it has asked to play: the client sees the whole
   * publication, whenever it got to start (it waits up to its 5 s timeout for the publisher).
   */
  const runThenPublish = async (run: () => Promise<ProcessResult>) => {
    const running = run();
    plays++;
    const deadline = performance.now() + JOIN_WAIT_MS;
    while (((await server.errorLog()).match(/play: name='cam'/g)?.length ?? 0) < plays) {
      if (performance.now() > deadline) {
        throw new Error(`Timed out after ${JOIN_WAIT_MS} ms waiting for play ${plays}`);
      }
      await delay(POLL_MS);
    }
    const transport = await connectTcp("127.0.0.1", server.port);
    const publisher = await Publisher.connect(transport, {
      app: "live",
      playpath: "cam",
      tcUrl: `rtmp://127.0.0.1:${server.port}/live`,
    });
    try {
      await publisher.publishFlv((async function* () {
        yield flv;
      })());
    } finally {
      await publisher.close();
    }
    return await running;
  };
  const args = ["-V", "-v", "-m", "5", "-r", server.url("live", "cam")];
  const dump = await runThenPublish(() =>
    runRtmpdump([...args, "-o", `${dir.path}/rtmpdump.flv`], { timeoutMs: RUN_TIMEOUT_MS })
  );
  const kit = await runThenPublish(() =>
    runRtmpkit([...args, "-o", `${dir.path}/rtmpkit.flv`], { timeoutMs: RUN_TIMEOUT_MS })
  );
  assertSameLog(kit, dump, "a live stream with a publisher");
  if (!dump.stderr.includes("INFO: Metadata:")) {
    throw new Error(`live: rtmpdump got no metadata from the publisher\n${dump.stderr}`);
  }
});

/** rtmpkit's server in this process, serving `root` (asking for SWF verification if given). */
async function startRtmpkitServer(root: string, swfVerification?: SwfInfo) {
  const server = new RtmpServer({ root, listen: ["rtmp://127.0.0.1:0"], swfVerification });
  await server.start();
  const port = server.addresses[0].port;
  return {
    url: (app: string, name: string) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

for (const name of ["sample.flv", "h264_aac.flv", "missing.flv"]) {
  interopTest(`interop debug log: -V prints rtmpdump's lines for ${name} from rtmpkit serve`, {
    peers: ["rtmpdump", "ffmpeg"],
  }, async () => {
    await using dir = await tempDir();
    await using server = await startRtmpkitServer(await mediaDir(dir.path));
    const { kit, dump } = await runBoth(["-V", "-r", server.url("vod", name)], dir.path);
    assertSameLog(kit, dump, name);
  });
}

/** The bytes of `flv` up to the end of the last whole tag that ends before `limit`. */
function cutAtTag(flv: Uint8Array, limit: number): Uint8Array {
  const FLV_FILE_HEADER = 13;
  const TAG_HEADER = 11;
  const BACK_POINTER = 4;
  let end = FLV_FILE_HEADER;
  for (;;) {
    const size = (flv[end + 1] << 16) | (flv[end + 2] << 8) | flv[end + 3];
    const next = end + TAG_HEADER + size + BACK_POINTER;
    if (next > limit) return flv.subarray(0, end);
    end = next;
  }
}

interopTest(
  "interop debug log: --resume prints rtmpdump's lines about the file it continues (rtmpkit serve)",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await using dir = await tempDir();
    await using server = await startRtmpkitServer(await mediaDir(dir.path));
    const url = server.url("vod", "h264_aac.flv");
    const whole = `${dir.path}/whole.flv`;
    const first = await runRtmpdump(["-q", "-r", url, "-o", whole], { timeoutMs: RUN_TIMEOUT_MS });
    if (first.code !== 2 && first.code !== 0) throw new Error(`download: ${first.stderr}`);
    const bytes = await Deno.readFile(whole);
    const partial = cutAtTag(bytes, Math.floor(bytes.length * 0.45));
    const { kit, dump } = await runBoth(
      ["-V", "-e", "-r", url],
      dir.path,
      (output) => Deno.writeFile(output, partial),
    );
    // rtmpkit finds where the file ends by its own means (it keeps the whole file where
    // rtmpdump cuts it after the last keyframe): the logs are compared up to the start line.
    const beforeStart = (lines: string[]) => {
      const start = lines.findIndex((line) => line.startsWith("Resuming download at:"));
      if (start < 0) throw new Error(`--resume: no start line in\n${lines.join("\n")}`);
      return lines.slice(0, start);
    };
    assertSameLog(kit, dump, "--resume", beforeStart);
    if (!kit.stderr.includes("DEBUG: Last keyframe found at: ")) {
      throw new Error("--resume: rtmpkit did not log the resume point");
    }
  },
);

interopTest(
  "interop debug log: -V with --swfVfy prints rtmpdump's lines: the SWF's hash, the digest handshake, the verification (rtmpkit serve)",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await using dir = await tempDir();
    await using http = startSwfHttpServer();
    const player = fwsFile(swfBody(30000, 7));
    http.files.set("player.swf", player);
    await using server = await startRtmpkitServer(await mediaDir(dir.path), await hashSwf(player));
    await Deno.mkdir(`${dir.path}/home-rtmpdump`);
    await Deno.mkdir(`${dir.path}/home-rtmpkit`);
    const { kit, dump } = await runBoth(
      ["-V", "-W", http.url("player.swf"), "-r", server.url("vod", "sample.flv")],
      dir.path,
      undefined,
      (name) => ({ HOME: `${dir.path}/home-${name}` }),
    );
    assertSameLog(kit, dump, "--swfVfy");
    if (!dump.stderr.includes("HandShake: Genuine Adobe Flash Media Server")) {
      throw new Error(`--swfVfy: rtmpdump did not do the digest handshake\n${dump.stderr}`);
    }
  },
);
