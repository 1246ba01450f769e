/**
 * VOD downloads from a real nginx-rtmp: rtmpkit (on Deno, Bun and as the compiled binary) must
 * exit with rtmpdump's code, write byte-identical FLV (to a file and to stdout) and print the
 * same stderr messages, for every kind of test media, with the live flag, for a missing stream
 * and for a refused connection.
 */

import {
  assertSameBytes,
  genMedia,
  interopTest,
  type MediaKind,
  normaliseStderr,
  type ProcessResult,
  readFileOrUndefined,
  refusedPort,
  RTMPKIT_RUNTIMES,
  runRtmpdump,
  runRtmpkit,
  runtimePeers,
  startNginxRtmp,
  tempDir,
  TEST_MEDIA_KINDS,
  withoutEndOfSequenceTag,
} from "./_harness.ts";

const SERVER_PEERS = ["nginx-rtmp", "rtmpdump", "ffmpeg"];
const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * Extra options per media kind, given to both clients alike. With timestamps past 0xFFFFFF ms,
 * about one rtmpdump run in eight waits for its read timeout (30 s by default) at the end of the
 * stream before it exits with 0 and the complete file; a short timeout keeps that wait short.
 */
const EXTRA_ARGS: Partial<Record<MediaKind, string[]>> = { ext_ts: ["-m", "3"] };

/**
 * stderr lines that depend on the run, per media kind, left out of stderr comparisons. When
 * rtmpdump waits out its read timeout on `ext_ts` (above), it logs the failed read, tries to
 * resume (pause and unpause) and only then completes; exit code and output bytes are the same
 * either way, and rtmpkit may take either path.
 */
const UNSTABLE_STDERR: Partial<Record<MediaKind, RegExp>> = {
  ext_ts: new RegExp(
    "^(ERROR: RTMP_ReadPacket, failed to read RTMP packet header" +
      "|INFO: Connection timed out, trying to resume\\." +
      "|Resuming download at: -?\\d+\\.\\d{3} kB" +
      "|)$",
  ),
};

function fail(message: string): never {
  throw new Error(message);
}

function assertSameExit(actual: ProcessResult, expected: ProcessResult, what: string): void {
  if (actual.timedOut) fail(`${what}: rtmpkit was killed after its timeout`);
  if (expected.timedOut) fail(`${what}: rtmpdump was killed after its timeout`);
  if (actual.code !== expected.code) {
    fail(
      `${what}: rtmpkit exited with ${actual.code}, rtmpdump with ${expected.code}\n` +
        `rtmpkit stderr:\n${actual.stderr}\nrtmpdump stderr:\n${expected.stderr}`,
    );
  }
}

function assertSameStderr(
  actual: ProcessResult,
  expected: ProcessResult,
  what: string,
  unstable?: RegExp,
): void {
  const stable = (s: string) =>
    normaliseStderr(s).split("\n").filter((l) => !unstable?.test(l)).join("\n");
  const a = stable(actual.stderr);
  const e = stable(expected.stderr);
  if (a === e) return;
  const aLines = a.split("\n");
  const eLines = e.split("\n");
  let line = 0;
  while (line < aLines.length && aLines[line] === eLines[line]) line++;
  fail(
    `${what}: stderr differs at line ${line + 1}\n` +
      `rtmpkit:  ${JSON.stringify(aLines[line])}\nrtmpdump: ${JSON.stringify(eLines[line])}`,
  );
}

// rtmpdump itself against the source files: if this fails, the server or the media is at fault,
// not rtmpkit.
for (const kind of TEST_MEDIA_KINDS) {
  interopTest(
    `interop media: rtmpdump downloads ${kind} as the source FLV without its end-of-sequence tag`,
    { peers: SERVER_PEERS },
    async () => {
      const source = await genMedia(kind);
      await using server = await startNginxRtmp({ mediaDir: dirOf(source) });
      await using dir = await tempDir();
      const out = `${dir.path}/rtmpdump.flv`;
      const args = [...(EXTRA_ARGS[kind] ?? []), "-r", server.url("vod", `${kind}.flv`)];
      const run = await runRtmpdump([...args, "-o", out], { timeoutMs: DOWNLOAD_TIMEOUT_MS });
      if (run.timedOut || (run.code !== 0 && run.code !== 2)) {
        fail(`rtmpdump exited with ${run.code}:\n${run.stderr}`);
      }
      const expected = withoutEndOfSequenceTag(await Deno.readFile(source));
      assertSameBytes(await Deno.readFile(out), expected, `rtmpdump's ${kind}`);
    },
  );
}

for (const runtime of RTMPKIT_RUNTIMES) {
  const peers = [...SERVER_PEERS, ...runtimePeers(runtime)];

  for (const kind of TEST_MEDIA_KINDS) {
    interopTest(
      `interop media (${runtime}): ${kind} to a file matches rtmpdump`,
      { peers },
      async () => {
        const source = await genMedia(kind);
        await using server = await startNginxRtmp({ mediaDir: dirOf(source) });
        await using dir = await tempDir();
        const args = [...(EXTRA_ARGS[kind] ?? []), "-r", server.url("vod", `${kind}.flv`)];
        const refOut = `${dir.path}/rtmpdump.flv`;
        const kitOut = `${dir.path}/rtmpkit.flv`;
        const ref = await runRtmpdump([...args, "-o", refOut], { timeoutMs: DOWNLOAD_TIMEOUT_MS });
        const kit = await runRtmpkit([...args, "-o", kitOut], {
          runtime,
          timeoutMs: DOWNLOAD_TIMEOUT_MS,
        });
        assertSameExit(kit, ref, kind);
        const refBytes = await Deno.readFile(refOut);
        const kitBytes = await readFileOrUndefined(kitOut) ?? fail(`rtmpkit wrote no ${kitOut}`);
        assertSameBytes(kitBytes, refBytes, `${kind} output file`);
        assertSameStderr(kit, ref, kind, UNSTABLE_STDERR[kind]);
      },
    );

    interopTest(
      `interop media (${runtime}): ${kind} to stdout (-o -) matches rtmpdump`,
      { peers },
      async () => {
        const source = await genMedia(kind);
        await using server = await startNginxRtmp({ mediaDir: dirOf(source) });
        const args = [
          ...(EXTRA_ARGS[kind] ?? []),
          "-r",
          server.url("vod", `${kind}.flv`),
          "-o",
          "-",
        ];
        const ref = await runRtmpdump(args, { timeoutMs: DOWNLOAD_TIMEOUT_MS });
        const kit = await runRtmpkit(args, { runtime, timeoutMs: DOWNLOAD_TIMEOUT_MS });
        assertSameExit(kit, ref, `${kind} to stdout`);
        assertSameBytes(kit.stdout, ref.stdout, `${kind} on stdout`);
        assertSameStderr(kit, ref, `${kind} to stdout`, UNSTABLE_STDERR[kind]);
      },
    );
  }

  interopTest(
    `interop media (${runtime}): the live flag (-v) on a VOD matches rtmpdump`,
    { peers },
    async () => {
      const source = await genMedia("h264_aac");
      await using server = await startNginxRtmp({ mediaDir: dirOf(source) });
      await using dir = await tempDir();
      const args = ["-v", "-r", server.url("vod", "h264_aac.flv")];
      const refOut = `${dir.path}/rtmpdump.flv`;
      const kitOut = `${dir.path}/rtmpkit.flv`;
      const ref = await runRtmpdump([...args, "-o", refOut], { timeoutMs: DOWNLOAD_TIMEOUT_MS });
      const kit = await runRtmpkit([...args, "-o", kitOut], {
        runtime,
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
      });
      assertSameExit(kit, ref, "live flag");
      const kitBytes = await readFileOrUndefined(kitOut) ?? fail(`rtmpkit wrote no ${kitOut}`);
      assertSameBytes(kitBytes, await Deno.readFile(refOut), "live flag output file");
      assertSameStderr(kit, ref, "live flag");
    },
  );

  interopTest(
    `interop media (${runtime}): a missing stream fails like rtmpdump (StreamNotFound)`,
    { peers },
    async () => {
      const source = await genMedia("aac_only");
      await using server = await startNginxRtmp({ mediaDir: dirOf(source) });
      await using dir = await tempDir();
      const args = ["-r", server.url("vod", "no_such_stream.flv")];
      const ref = await runRtmpdump([...args, "-o", `${dir.path}/rtmpdump.flv`]);
      const kit = await runRtmpkit([...args, "-o", `${dir.path}/rtmpkit.flv`], { runtime });
      if (ref.code === 0) fail(`rtmpdump succeeded on a missing stream:\n${ref.stderr}`);
      assertSameExit(kit, ref, "missing stream");
      assertSameStderr(kit, ref, "missing stream");
    },
  );

  interopTest(
    `interop media (${runtime}): a refused connection exits with 3 like rtmpdump`,
    { peers: ["rtmpdump", ...runtimePeers(runtime)] },
    async () => {
      await using dir = await tempDir();
      using refused = await refusedPort();
      const args = ["-r", `rtmp://127.0.0.1:${refused.port}/vod/refused.flv`];
      const ref = await runRtmpdump([...args, "-o", `${dir.path}/rtmpdump.flv`]);
      const kit = await runRtmpkit([...args, "-o", `${dir.path}/rtmpkit.flv`], { runtime });
      if (ref.code !== 3) fail(`rtmpdump exited with ${ref.code}, not 3:\n${ref.stderr}`);
      assertSameExit(kit, ref, "refused connection");
      assertSameStderr(kit, ref, "refused connection");
    },
  );
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}
