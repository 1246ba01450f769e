/**
 * RTMPE against librtmp's own handshake code:
 * - rtmpkit's client through rtmpsuck (librtmp's server handshake, relaying to nginx-rtmp) with
 *   types 6 and 8 writes the bytes rtmpdump writes over the same path; a type 6 client that is
 *   not Flash Player 10 is answered 6 and its keys agree; type 9, which librtmp's server refuses,
 *   fails with one line. rtmpsuck's port is fixed (1935), so these runs happen inside a private
 *   network namespace (`unshare -n`), see ./_rtmpe_netns.ts.
 * - rtmpdump `-r rtmpe://` against rtmpkit's rtmp listener answering 6, 8 and 9: its output
 *   equals its own plain download of the same file.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RtmpServer } from "../../src/server/mod.ts";
import type { RtmpeType } from "../../src/handshake/mod.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  IS_CI,
  MEDIA_DIR,
  type MediaKind,
  peersAvailable,
  REPO_ROOT,
  runProcess,
  runRtmpdump,
  runRtmpkit,
  skipMessage,
  tempDir,
} from "./_harness.ts";
import type { RtmpeNetnsResults } from "./_rtmpe_netns.ts";

const NETNS_SCRIPT = `${REPO_ROOT}/tests/interop/_rtmpe_netns.ts`;
const KINDS: MediaKind[] = ["h264_aac", "bframes"];

/** Why a private network namespace cannot be made here, or undefined when it can. */
function netnsUnavailable(): string | undefined {
  const unshare = findExecutable("unshare");
  const ip = findExecutable("ip");
  if (unshare === undefined || ip === undefined) return "unshare or ip not installed";
  try {
    const { success } = new Deno.Command(unshare, {
      args: ["-n", ip, "link", "set", "lo", "up"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? undefined : "no permission to make a network namespace (unshare -n)";
  } catch {
    return "unshare cannot be started";
  }
}

/**
 * Registers a test needing `peers` and a network namespace; skipped when one is missing (a
 * failure under CI=true), as the harness's interopTest does.
 */
function netnsTest(name: string, peers: string[], fn: () => Promise<void>): void {
  const availability = peersAvailable(peers);
  const reasons = [...availability.reasons];
  const netns = availability.ok ? netnsUnavailable() : undefined;
  if (netns !== undefined) reasons.push(netns);
  if (reasons.length > 0 && !IS_CI) {
    console.log(`${name}: ${skipMessage({ ok: false, missing: [], reasons })}`);
    Deno.test({ name, ignore: true, fn() {} });
    return;
  }
  Deno.test(name, () => {
    if (reasons.length > 0) throw new Error(`Cannot run in CI: ${reasons.join(", ")}`);
    return fn();
  });
}

netnsTest(
  "rtmpkit over RTMPE through rtmpsuck (types 6 and 8) writes what rtmpdump writes; 6 answered 6 agrees; 9 is refused in one line",
  ["nginx-rtmp", "rtmpdump", "rtmpsuck", "ffmpeg"],
  async () => {
    for (const kind of KINDS) await genMedia(kind);
    await using dir = await tempDir();
    await using _cleanup = { [Symbol.asyncDispose]: () => stopLeftNginx(dir.path) };
    const run = await runProcess(findExecutable("unshare")!, [
      "-n",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" run -A "$1" "$2" "$3" "$4"',
      Deno.execPath(),
      NETNS_SCRIPT,
      dir.path,
      ...KINDS,
    ], { timeoutMs: 240_000 });
    assert(!run.timedOut, `the namespace run did not end within 240 s\n${run.stderr}`);
    assertEquals(run.code, 0, run.stderr);
    const results: RtmpeNetnsResults = JSON.parse(
      await Deno.readTextFile(`${dir.path}/results.json`),
    );

    assertEquals(results.type6Answered6, { serverType: 6, connectSucceeded: true });
    assertEquals(
      results.type9Error,
      "HandshakeError: Connection closed during the handshake",
      "librtmp's server refuses type 9 by closing",
    );
    for (const kind of KINDS) {
      const { rtmpdump, rtmpkit } = results.downloads[kind];
      assert(rtmpdump.code === 0 || rtmpdump.code === 2, `${kind}: rtmpdump\n${rtmpdump.stderr}`);
      assert(
        rtmpdump.stderr.includes("Type mismatch: client sent 6, server answered 8"),
        "rtmpsuck answers rtmpdump with type 8",
      );
      const expected = await Deno.readFile(`${dir.path}/${kind}.rtmpdump.flv`);
      assert(expected.length > 1_000_000, `${kind}: rtmpdump wrote ${expected.length} bytes`);
      for (const rtmpeType of [6, 8] as const) {
        const outcome = rtmpkit[rtmpeType];
        assertEquals(outcome.reason, "complete", `${kind}, type ${rtmpeType}`);
        assertEquals(
          outcome.warnings,
          rtmpeType === 6 ? ["HandShake: Type mismatch: client sent 6, server answered 8"] : [],
        );
        assertSameBytes(
          await Deno.readFile(`${dir.path}/${kind}.rtmpkit-${rtmpeType}.flv`),
          expected,
          `${kind}: rtmpkit type ${rtmpeType} vs rtmpdump through rtmpsuck`,
        );
      }
    }
  },
);

/**
 * Kills the nginx the namespace run started if it is still running (the run was killed before
 * it could stop it: nginx runs in its own session, out of reach of the process-group kill).
 */
async function stopLeftNginx(outDir: string): Promise<void> {
  try {
    const prefix = (await Deno.readTextFile(`${outDir}/nginx-prefix`)).trim();
    const pid = Number((await Deno.readTextFile(`${prefix}/nginx.pid`)).trim());
    if (pid > 0) Deno.kill(pid, "SIGKILL");
    await Deno.remove(prefix, { recursive: true });
  } catch {
    // Stopped normally: no prefix left.
  }
}

/** Starts rtmpkit's server in this process, answering RTMPE clients with `answerType`. */
async function startRtmpkit(answerType: RtmpeType | undefined) {
  const server = new RtmpServer({
    root: MEDIA_DIR,
    listen: ["rtmp://127.0.0.1:0"],
    rtmpe: { answerType },
  });
  await server.start();
  const port = server.addresses[0].port;
  return { server, port, [Symbol.asyncDispose]: () => server.close() };
}

interopTest(
  "rtmpdump over RTMPE from rtmpkit's rtmp listener answering 6, 8 and 9 gets its plain download's bytes",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await genMedia("h264_aac");
    await using dir = await tempDir();
    const plain = await (async () => {
      await using rtmpkit = await startRtmpkit(undefined);
      const run = await runRtmpdump([
        "-r",
        `rtmp://127.0.0.1:${rtmpkit.port}/vod/h264_aac.flv`,
        "-o",
        `${dir.path}/plain.flv`,
        "-m",
        "5",
      ]);
      // rtmpdump ends this file with "Download may be incomplete" (exit 2), from nginx-rtmp too.
      assert(run.code === 0 || run.code === 2, run.stderr);
      return { code: run.code, bytes: await Deno.readFile(`${dir.path}/plain.flv`) };
    })();
    assert(plain.bytes.length > 1_000_000, `plain download: ${plain.bytes.length} bytes`);
    for (const answerType of [undefined, 6, 8, 9] as const) {
      await using rtmpkit = await startRtmpkit(answerType);
      const out = `${dir.path}/rtmpe-${answerType ?? "default"}.flv`;
      const run = await runRtmpdump([
        "-r",
        `rtmpe://127.0.0.1:${rtmpkit.port}/vod/h264_aac.flv`,
        "-o",
        out,
        "-m",
        "5",
      ]);
      assertEquals(run.code, plain.code, `answered ${answerType}\n${run.stderr}`);
      assert(!/handshake failed|not genuine/i.test(run.stderr), run.stderr);
      const answered = answerType ?? 8;
      assertEquals(
        run.stderr.includes(`Type mismatch: client sent 6, server answered ${answered}`),
        answered !== 6,
        run.stderr,
      );
      assertSameBytes(
        await Deno.readFile(out),
        plain.bytes,
        `rtmpdump over RTMPE answered ${answered} vs plain`,
      );
    }
  },
);

interopTest(
  "rtmpkit's command line over rtmpe:// (--rtmpeType 6, 8, 9, and -l 2) writes what rtmpdump writes over RTMPE",
  { peers: ["rtmpdump", "ffmpeg"] },
  async () => {
    await genMedia("h264_aac");
    await using dir = await tempDir();
    await using rtmpkit = await startRtmpkit(undefined);
    const url = `rtmpe://127.0.0.1:${rtmpkit.port}/vod/h264_aac.flv`;
    const reference = await runRtmpdump(["-r", url, "-o", `${dir.path}/rtmpdump.flv`, "-m", "5"]);
    assert(reference.code === 0 || reference.code === 2, reference.stderr);
    const expected = await Deno.readFile(`${dir.path}/rtmpdump.flv`);
    const runs: [string, string[]][] = [
      ["default", ["-r", url]],
      ["type 8", ["-r", url, "--rtmpeType", "8"]],
      ["type 9", ["-r", url, "--rtmpeType", "9"]],
      ["-l 2", ["-r", url.replace("rtmpe://", "rtmp://"), "-l", "2"]],
    ];
    for (const [what, args] of runs) {
      const out = `${dir.path}/rtmpkit-${what.replace(/\W/g, "")}.flv`;
      const run = await runRtmpkit([...args, "-o", out, "-m", "5"]);
      assertEquals(run.code, reference.code, `${what}\n${run.stderr}`);
      assertSameBytes(await Deno.readFile(out), expected, `rtmpkit ${what} vs rtmpdump`);
    }
  },
);
