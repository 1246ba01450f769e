import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { CLI_PATH, runCli as runRtmpkit } from "./_run_cli.ts";
import { playMessages, SAMPLE_FLV, startServer, waitUntil } from "../server/_helpers.ts";

const videoFrames = (r: Awaited<ReturnType<typeof playMessages>>) =>
  r.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).length;

Deno.test("cli.ts publish FILE URL --fast: the whole file reaches the server at once", async () => {
  await using s = await startServer();
  const started = performance.now();
  const run = await runRtmpkit(["publish", SAMPLE_FLV, s.url("live", "cli"), "--fast"]);
  assertEquals(run.code, 0, run.stderr);
  assert(/INFO: Published 346 tags, 230\.\d{3} kB, 4\.98 s of media/.test(run.stderr), run.stderr);
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
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const nobody = await runRtmpkit(["publish", SAMPLE_FLV, `rtmp://127.0.0.1:${port}/live/x`]);
  assertEquals(nobody.code, 3, nobody.stderr);
  const missing = await runRtmpkit(["publish", "/nonexistent.flv", s.url("live", "x")]);
  assertEquals(missing.code, 1);
});
