import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { CLI_PATH, runCli as runRtmpkit, waitFor } from "./_run_cli.ts";
import { type FakePeer, startFakeServer, STREAM_ID } from "./_fake_server.ts";
import {
  encodeFlv,
  playMessages,
  SAMPLE_FLV,
  startServer,
  syntheticTags,
  tempDir,
  waitUntil,
} from "../server/_helpers.ts";

const videoFrames = (r: Awaited<ReturnType<typeof playMessages>>) =>
  r.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).length;

Deno.test("cli.ts publish FILE URL --fast: the whole file reaches the server at once", async () => {
  await using s = await startServer();
  const started = performance.now();
  const run = await runRtmpkit(["publish", SAMPLE_FLV, s.url("live", "cli"), "--fast"]);
  assertEquals(run.code, 0, run.stderr);
  assert(
    /INFO: Published 346 tags, \d+\.\d{3} kB sent, 4\.98 s of media/.test(run.stderr),
    run.stderr,
  );
  assert(performance.now() - started < 4000, "not paced");
  await waitUntil(() => s.lines.some((l) => l.includes('unpublish "live/cli" (FCUnpublish)')));
  assert(s.server.stats.bytesIn > (await Deno.stat(SAMPLE_FLV)).size);
});

Deno.test("cli.ts publish - URL: FLV from stdin, paced in real time", async () => {
  await using s = await startServer();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_PATH, "publish", "-", s.url("live", "stdin")],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  const writer = child.stdin.getWriter();
  const sample = await Deno.readFile(SAMPLE_FLV);
  // Piped in pieces, as from ffmpeg.
  const feeding = (async () => {
    for (let i = 0; i < sample.length; i += 10_000) {
      await writer.write(sample.subarray(i, i + 10_000));
    }
    await writer.close();
  })();
  await waitUntil(() => s.server.liveStreams.includes("live/stdin"), 15_000, "the publish");
  const record = await playMessages(s.port, "live", "stdin", { live: true });
  const output = await child.output();
  const elapsed = performance.now() - started;
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  assert(/Publishing stdin to/.test(stderr));
  assert(/Published 346 tags/.test(stderr), stderr);
  assert(elapsed > 4500, `5 s of media took ${elapsed} ms`);
  await feeding;
  // The player joined early: it got the first GOP from the cache and everything after it.
  assertEquals(record.reason, "complete");
  assertEquals(videoFrames(record), 125);
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
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const nobody = await runRtmpkit(["publish", SAMPLE_FLV, `rtmp://127.0.0.1:${port}/live/x`]);
  assertEquals(nobody.code, 3, nobody.stderr);
  const missing = await runRtmpkit(["publish", "/nonexistent.flv", s.url("live", "x")]);
  assertEquals(missing.code, 1);
  assertEquals(
    missing.stderr,
    "ERROR: Cannot read /nonexistent.flv: /nonexistent.flv does not exist\n",
  );
  const folder = await runRtmpkit(["publish", "/tmp", s.url("live", "x")]);
  assertEquals(folder.code, 1);
  assertEquals(folder.stderr, "ERROR: Cannot read /tmp: it is a folder\n");
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

Deno.test("cli.ts publish: a server that never answers publish fails after -m seconds (exit 1)", async () => {
  // nginx-rtmp's play-only applications take publish and say nothing.
  await using server = publishServer((peer) => peer.stall());
  const run = await runRtmpkit(["publish", "-m", "1", SAMPLE_FLV, server.url("vod/x")], {
    timeoutMs: 60_000,
  });
  assertEquals(run.code, 1, run.stderr);
  assert(/ERROR: Cannot publish: the server did not answer publish within 1 s/.test(run.stderr));
  assertEquals(run.stderr.match(/ERROR/g)?.length, 1, run.stderr);
});

Deno.test("cli.ts publish: SIGTERM ends the wait for a publish reply (exit 2); no other wait is left", async () => {
  let published = false;
  await using server = publishServer((peer) => {
    published = true;
    return peer.stall();
  });
  // The hard limit stays below the 30 s default of -m: only the signal can end the run in time.
  const run = await runRtmpkit(["publish", SAMPLE_FLV, server.url("vod/x")], {
    timeoutMs: 25_000,
    onSpawn: async (child) => {
      await waitFor(() => published, 20_000, "the publish command");
      child.kill("SIGTERM");
    },
  });
  assertEquals(run.code, 2, `exit ${run.code} within the 25 s limit:\n${run.stderr}`);
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
    const stalled = await runRtmpkit(["publish", "--fast", "-m", "1", big, server.url("live/x")], {
      timeoutMs: 60_000,
    });
    assertEquals(stalled.code, 1, stalled.stderr);
    assert(/the server took no data for 1 s/.test(stalled.stderr), stalled.stderr);
    assertEquals(stalled.stderr.match(/ERROR/g)?.length, 1, stalled.stderr);

    const interrupted = await runRtmpkit(["publish", "--fast", big, server.url("live/y")], {
      timeoutMs: 25_000,
      onSpawn: async (child) => {
        await waitFor(() => held === 2, 20_000, "the second publisher");
        child.kill("SIGINT");
      },
    });
    assertEquals(interrupted.code, 2, `exit within the 25 s limit:\n${interrupted.stderr}`);
    assert(/Publishing interrupted after \d+ tags/.test(interrupted.stderr), interrupted.stderr);
  } finally {
    for (const resolve of release) resolve();
  }
});

Deno.test("cli.ts publish: an interrupted publish says so and reports the bytes the server got", async () => {
  await using s = await startServer();
  const run = await runRtmpkit(["publish", SAMPLE_FLV, s.url("live", "cut")], {
    timeoutMs: 60_000,
    onSpawn: async (child) => {
      await waitUntil(() => s.server.liveStreams.includes("live/cut"), 20_000, "the publish");
      // About a second of the five the sample lasts (paced in real time).
      await waitUntil(() => s.server.stats.bytesIn > 60_000, 20_000, "some media");
      child.kill("SIGINT");
    },
  });
  assertEquals(run.code, 2, run.stderr);
  const report = /INFO: Publishing interrupted after (\d+) tags, (\d+\.\d{3}) kB sent/.exec(
    run.stderr,
  );
  assert(report, run.stderr);
  await waitUntil(() => s.server.stats.connections === 0, 10_000, "the publisher to leave");
  const received = s.server.stats.bytesIn;
  const size = (await Deno.stat(SAMPLE_FLV)).size;
  assert(received < size, `the server got ${received} of ${size} bytes: not interrupted`);
  const reported = Number(report[2]) * 1024;
  assert(Math.abs(reported - received) < 2, `reported ${reported} bytes, server got ${received}`);
});
