import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runCli as runRtmpkit, waitFor } from "./_run_cli.ts";
import { type FakePeer, startFakeServer, startRedirector, STREAM_ID } from "./_fake_server.ts";
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
  assert(
    /INFO: Published 346 tags, \d+\.\d{3} kB sent, 4\.98 s of media/.test(run.stderr),
    run.stderr,
  );
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

Deno.test("cli.ts publish FIFO URL: a named pipe is read in order (it has no positions)", async () => {
  await using s = await startServer();
  await using dir = await tempDir();
  const fifo = `${dir.path}/in.flv`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assertEquals(made.code, 0, "mkfifo failed");
  // The writer (a child, so that nothing here blocks if the publisher never opens the pipe)
  // waits for the publisher to open it, writes the file and closes it.
  const writer = new Deno.Command("cp", {
    args: [SAMPLE_FLV, fifo],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let run;
  try {
    run = await runRtmpkit(["publish", fifo, s.url("live", "fifo"), "--fast"]);
  } finally {
    try {
      writer.kill("SIGKILL");
    } catch { /* it has exited */ }
    await writer.status;
  }
  assertEquals(run.code, 0, run.stderr);
  assert(/INFO: Published 346 tags/.test(run.stderr), run.stderr);
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
  assertEquals(refused.stderr.match(/ERROR/g)?.length, 1, `one error line:\n${refused.stderr}`);
  using nobody = await refusedPort();
  const unreachable = await runRtmpkit([
    "publish",
    SAMPLE_FLV,
    `rtmp://127.0.0.1:${nobody.port}/live/x`,
  ]);
  assertEquals(unreachable.code, 3, unreachable.stderr);
  const missing = await runRtmpkit(["publish", "/nonexistent.flv", s.url("live", "x")]);
  assertEquals(missing.code, 1);
  assertEquals(
    missing.stderr,
    "ERROR: Cannot read /nonexistent.flv: /nonexistent.flv does not exist\n",
  );
  const folder = await runRtmpkit(["publish", "/tmp", s.url("live", "x")]);
  assertEquals(folder.code, 1);
  assertEquals(folder.stderr, "ERROR: Cannot read /tmp: it is a folder\n");
  // A file that is not FLV is refused before connecting, not after "Publishing …".
  const readme = new URL("../../README.md", import.meta.url).pathname;
  const notFlv = await runRtmpkit(["publish", readme, s.url("live", "x")]);
  assertEquals(notFlv.code, 1);
  assertEquals(
    notFlv.stderr,
    `ERROR: ${readme} is not an FLV file (it does not start with "FLV")\n`,
  );
});

/** A fake server that accepts connect and createStream, then lets `afterPublish` play its part. */
function publishServer(afterPublish: (peer: FakePeer) => Promise<void>) {
  return startFakeServer(async (peer) => {
    if (!(await peer.handshake())) return;
    const connect = await peer.expectCommand("connect");
    if (connect === null) return;
    await peer.acceptConnect(connect.transactionId);
    const create = await peer.expectCommand("createStream");
    if (create === null) return;
    await peer.sendCommand(["_result", create.transactionId, null, STREAM_ID]);
    if ((await peer.expectCommand("publish")) === null) return;
    await afterPublish(peer);
  });
}

/** A -m long enough that only a signal can end a run within {@linkcode SIGNAL_LIMIT_MS}. */
const LONG_TIMEOUT_SEC = "300";
/** Hard limit of a run that a signal must end: far below {@linkcode LONG_TIMEOUT_SEC}. */
const SIGNAL_LIMIT_MS = 120_000;

Deno.test("cli.ts publish: a server that never answers publish fails after -m seconds (exit 1)", async () => {
  // nginx-rtmp's play-only applications take publish and say nothing.
  await using server = publishServer((peer) => peer.stall());
  const run = await runRtmpkit(["publish", "-m", "1", SAMPLE_FLV, server.url("vod/x")]);
  assertEquals(run.code, 1, run.stderr);
  assert(/ERROR: Cannot publish: the server did not answer publish within 1 s/.test(run.stderr));
  assertEquals(run.stderr.match(/ERROR/g)?.length, 1, run.stderr);
});

Deno.test("cli.ts publish: SIGTERM ends the wait for a publish reply (exit 2)", async () => {
  let published = false;
  await using server = publishServer((peer) => {
    published = true;
    return peer.stall();
  });
  const run = await runRtmpkit(
    ["publish", "-m", LONG_TIMEOUT_SEC, SAMPLE_FLV, server.url("vod/x")],
    {
      timeoutMs: SIGNAL_LIMIT_MS,
      onSpawn: async (child) => {
        await waitFor(() => published, "the publish command");
        child.kill("SIGTERM");
      },
    },
  );
  assertEquals(run.code, 2, `exit ${run.code} (limit ${SIGNAL_LIMIT_MS} ms):\n${run.stderr}`);
  assert(/Caught SIGTERM/.test(run.stderr), run.stderr);
  assert(/interrupted/.test(run.stderr), run.stderr);
});

Deno.test("cli.ts publish: a server that stops taking data fails after -m seconds, and SIGINT ends that wait too", async () => {
  await using dir = await tempDir();
  // 12 MB of video: more than loopback socket buffers hold.
  const big = `${dir.path}/big.flv`;
  await Deno.writeFile(
    big,
    encodeFlv(syntheticTags({ durationMs: 60_000, frameMs: 40, frameSize: 8000 })),
  );
  let held = 0;
  const release: (() => void)[] = [];
  await using server = publishServer(async (peer) => {
    await peer.sendStatus("NetStream.Publish.Start");
    held++;
    await new Promise<void>((resolve) => release.push(resolve));
  });
  try {
    const stalled = await runRtmpkit(["publish", "--fast", "-m", "1", big, server.url("live/x")]);
    assertEquals(stalled.code, 1, stalled.stderr);
    assert(/the server took no data for 1 s/.test(stalled.stderr), stalled.stderr);
    assertEquals(stalled.stderr.match(/ERROR/g)?.length, 1, stalled.stderr);

    const args = ["publish", "--fast", "-m", LONG_TIMEOUT_SEC, big, server.url("live/y")];
    const interrupted = await runRtmpkit(args, {
      timeoutMs: SIGNAL_LIMIT_MS,
      onSpawn: async (child) => {
        await waitFor(() => held === 2, "the second publisher");
        child.kill("SIGINT");
      },
    });
    assertEquals(
      interrupted.code,
      2,
      `exit ${interrupted.code} (limit ${SIGNAL_LIMIT_MS} ms):\n${interrupted.stderr}`,
    );
    assert(/Publishing interrupted after \d+ tags/.test(interrupted.stderr), interrupted.stderr);
  } finally {
    for (const resolve of release) resolve();
  }
});

Deno.test("cli.ts publish: an interrupted publish says so and reports the bytes the server got", async () => {
  await using s = await startServer();
  await using dir = await tempDir();
  // A minute of media, paced: the signal comes long before its end.
  const long = `${dir.path}/long.flv`;
  await Deno.writeFile(
    long,
    encodeFlv(syntheticTags({ durationMs: 60_000, audioMs: 100, frameSize: 2000 })),
  );
  const run = await runRtmpkit(["publish", long, s.url("live", "cut")], {
    onSpawn: async (child) => {
      await waitUntil(() => s.server.liveStreams.includes("live/cut"), "the publish");
      // About a second of it.
      await waitUntil(() => s.server.stats.bytesIn > 50_000, "some media");
      child.kill("SIGINT");
    },
  });
  assertEquals(run.code, 2, run.stderr);
  const report = /INFO: Publishing interrupted after (\d+) tags, (\d+\.\d{3}) kB sent/.exec(
    run.stderr,
  );
  assert(report, run.stderr);
  await waitUntil(() => s.server.stats.connections === 0, "the publisher to leave");
  const received = s.server.stats.bytesIn;
  const size = (await Deno.stat(long)).size;
  assert(received < size, `the server got ${received} of ${size} bytes: not interrupted`);
  const reported = Number(report[2]) * 1024;
  assert(Math.abs(reported - received) < 2, `reported ${reported} bytes, server got ${received}`);
});

Deno.test("cli.ts publish follows a redirect (Connect.Rejected with ex.redirect) and logs it", async () => {
  const tcUrls: string[] = [];
  await using s = await startServer({ hooks: { onConnect: (r) => void tcUrls.push(r.tcUrl) } });
  const target = `rtmp://127.0.0.1:${s.port}/live`;
  await using moved = startRedirector(() => target);
  const run = await runRtmpkit(["publish", SAMPLE_FLV, moved.url("old/cli"), "--fast"]);
  assertEquals(run.code, 0, run.stderr);
  assert(run.stderr.includes(`INFO: Redirected to ${target}\n`), run.stderr);
  assert(/INFO: Published 346 tags/.test(run.stderr), run.stderr);
  assertEquals(tcUrls, [target]);
  await waitUntil(
    () => s.lines.some((l) => l.includes('unpublish "live/cli" (FCUnpublish)')),
    "the unpublish of live/cli on the server redirected to",
  );
});
