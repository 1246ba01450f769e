/**
 * rtmpkit's byte counter shows rtmpdump's figures for the same stream. rtmpdump counts from
 * `ftello()` of its output, so with `-o -` the figures depend on what stdout is: one byte short
 * on a pipe, exact on /dev/null, and counted from the descriptor's offset in a file stdout was
 * opened on (0 for `>>`, the bytes the shell wrote before for `{ …; } > FILE`). For each, and for
 * `-o FILE` and `--resume`, both clients download the same stream from nginx-rtmp (or rtmpkit's
 * FMS-like server, where rtmpdump can resume) and must print the same first and last counter
 * (`1234.567 kB / 10.01 sec (99.8%)`, the ones that do not depend on timing), the same closing
 * line, the same other stderr lines (normalised as the other interop tests do), exit with the
 * same code and write the same bytes.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RtmpServer } from "../../src/server/mod.ts";
import { RTMPDUMP } from "../_process.ts";
import { progressSegments } from "../_stderr.ts";
import {
  assertSameBytes,
  genMedia,
  interopTest,
  MEDIA_DIR,
  normaliseStderr,
  type ProcessResult,
  RTMPKIT_RUNTIMES,
  rtmpkitCommand,
  type RtmpkitRuntime,
  runProcess,
  runtimePeers,
  startNginxRtmp,
  tempDir,
  withoutEndOfSequenceTag,
} from "./_harness.ts";

/** Generous bound for one download of the small test media. */
const RUN_MS = 60_000;

/** A client's command line, as [command, ...args]. */
type Client = string[];

function clients(runtime: RtmpkitRuntime): { ref: Client; kit: Client } {
  return { ref: [RTMPDUMP ?? "rtmpdump"], kit: rtmpkitCommand(runtime) };
}

/** Where stdout goes for `-o -`: a shell line that runs the client as `"$@"`. */
interface StdoutSink {
  name: string;
  /** The shell line; FILE stands for the output file's path. */
  shell: string;
  /** What the file holds before the run (for sinks that write to it). */
  before?: string;
}

const SINKS: StdoutSink[] = [
  { name: "a pipe", shell: 'exec "$@"' },
  { name: "/dev/null", shell: 'exec "$@" > /dev/null' },
  { name: "a file it appends to", shell: 'exec "$@" >> FILE', before: "hello" },
  { name: "a file after the shell wrote to it", shell: '{ printf abc; exec "$@"; } > FILE' },
];

/** Runs `client` with `args` through `sh -c shell`. */
function runVia(shell: string, client: Client, args: string[]): Promise<ProcessResult> {
  return runProcess("sh", ["-c", shell, "sh", ...client, ...args], { timeoutMs: RUN_MS });
}

function fail(message: string): never {
  throw new Error(message);
}

/** The first and last counters, the other stderr lines and the exit code are rtmpdump's. */
function assertSameReport(kit: ProcessResult, ref: ProcessResult, what: string): void {
  if (kit.timedOut || ref.timedOut) fail(`${what}: a client was killed after ${RUN_MS} ms`);
  const context = `\nrtmpkit stderr:\n${kit.stderr}\nrtmpdump stderr:\n${ref.stderr}`;
  assertEquals(kit.code, ref.code, `${what}: exit code${context}`);
  const ends = (s: string) => {
    const segments = progressSegments(s);
    return [segments[0], segments.at(-1)];
  };
  if (ends(ref.stderr)[0] === undefined) fail(`${what}: rtmpdump drew no counter${context}`);
  assertEquals(ends(kit.stderr), ends(ref.stderr), `${what}: first and last counter${context}`);
  assertEquals(normaliseStderr(kit.stderr), normaliseStderr(ref.stderr), `${what}${context}`);
}

for (const runtime of RTMPKIT_RUNTIMES) {
  const peers = ["nginx-rtmp", "rtmpdump", "ffmpeg", ...runtimePeers(runtime)];

  interopTest(
    `interop progress (${runtime}): -o - counts as rtmpdump does on a pipe, /dev/null and files`,
    { peers },
    async () => {
      const source = await genMedia("h264_aac");
      await using server = await startNginxRtmp({ mediaDir: MEDIA_DIR });
      await using dir = await tempDir();
      const { ref, kit } = clients(runtime);
      const args = ["-r", server.url("vod", "h264_aac.flv"), "-o", "-"];
      const stream = withoutEndOfSequenceTag(await Deno.readFile(source));
      const encoder = new TextEncoder();
      for (const sink of SINKS) {
        const what = `-o - to ${sink.name}`;
        const toFile = sink.shell.includes("FILE");
        const run = async (client: Client, name: string) => {
          const file = `${dir.path}/${name}.out`;
          await Deno.writeTextFile(file, sink.before ?? "");
          const result = await runVia(sink.shell.replace("FILE", file), client, args);
          return { result, written: toFile ? await Deno.readFile(file) : result.stdout };
        };
        const theirs = await run(ref, "rtmpdump");
        const ours = await run(kit, "rtmpkit");
        assertSameReport(ours.result, theirs.result, what);
        assertSameBytes(ours.written, theirs.written, what);
        if (sink.name === "/dev/null") continue;
        // What stdout got: the stream (less ffmpeg's end-of-sequence tag) after the file's bytes.
        const prefix = encoder.encode(sink.before ?? (toFile ? "abc" : ""));
        assertSameBytes(theirs.written.subarray(0, prefix.length), prefix, `${what}: start`);
        assertSameBytes(theirs.written.subarray(prefix.length), stream, `${what}: stream`);
      }
    },
  );

  interopTest(
    `interop progress (${runtime}): -o FILE and -o - --resume count as rtmpdump does`,
    { peers },
    async () => {
      await genMedia("h264_aac");
      await using server = await startNginxRtmp({ mediaDir: MEDIA_DIR });
      await using dir = await tempDir();
      const { ref, kit } = clients(runtime);
      const url = server.url("vod", "h264_aac.flv");
      const files = { ref: `${dir.path}/rtmpdump.flv`, kit: `${dir.path}/rtmpkit.flv` };
      const theirs = await runVia('exec "$@"', ref, ["-r", url, "-o", files.ref]);
      const ours = await runVia('exec "$@"', kit, ["-r", url, "-o", files.kit]);
      assertSameReport(ours, theirs, "-o FILE");
      assertSameBytes(await Deno.readFile(files.kit), await Deno.readFile(files.ref), "-o FILE");
      // rtmpdump ignores --resume on stdout (a warning) and downloads from the start.
      const resumed = ["-r", url, "-o", "-", "--resume"];
      const refPipe = await runVia('exec "$@"', ref, resumed);
      const kitPipe = await runVia('exec "$@"', kit, resumed);
      assertSameReport(kitPipe, refPipe, "-o - --resume");
      assertSameBytes(kitPipe.stdout, refPipe.stdout, "-o - --resume: stdout");
    },
  );

  interopTest(
    `interop progress (${runtime}): --resume of a partial file ends on rtmpdump's counter (rtmpkit's FMS-like server)`,
    { peers: ["rtmpdump", "ffmpeg", ...runtimePeers(runtime)] },
    async () => {
      await genMedia("small_keyframe_index");
      const server = new RtmpServer({
        root: MEDIA_DIR,
        listen: ["rtmp://127.0.0.1:0"],
        log: () => {},
      });
      await server.start();
      try {
        await using dir = await tempDir();
        const { ref, kit } = clients(runtime);
        const url = `rtmp://127.0.0.1:${server.addresses[0].port}/vod/small_keyframe_index.flv`;
        const full = `${dir.path}/full.flv`;
        const whole = await runVia('exec "$@"', ref, ["-r", url, "-o", full]);
        assertEquals(whole.code, 0, whole.stderr);
        const bytes = await Deno.readFile(full);
        const cut = bytes.subarray(0, tagBoundaryAfter(bytes, 0.5));
        const files = { ref: `${dir.path}/rtmpdump.flv`, kit: `${dir.path}/rtmpkit.flv` };
        await Deno.writeFile(files.ref, cut);
        await Deno.writeFile(files.kit, cut);
        const theirs = await runVia('exec "$@"', ref, ["-r", url, "-o", files.ref, "--resume"]);
        const ours = await runVia('exec "$@"', kit, ["-r", url, "-o", files.kit, "--resume"]);
        // Where the counter starts differs on purpose (rtmpkit keeps the whole file, rtmpdump
        // overwrites from its last keyframe; README), where it ends does not.
        const context = `\nrtmpkit stderr:\n${ours.stderr}\nrtmpdump stderr:\n${theirs.stderr}`;
        assertEquals([ours.code, theirs.code], [0, 0], context);
        assertEquals(
          progressSegments(ours.stderr).at(-1),
          progressSegments(theirs.stderr).at(-1),
          `last counter${context}`,
        );
        const lastLine = (s: string) => normaliseStderr(s).split("\n").at(-1);
        assertEquals(lastLine(ours.stderr), "Download complete", context);
        assertEquals(lastLine(theirs.stderr), "Download complete", context);
        assertSameBytes(await Deno.readFile(files.kit), bytes, "resumed by rtmpkit");
        assertSameBytes(await Deno.readFile(files.ref), bytes, "resumed by rtmpdump");
      } finally {
        await server.close();
      }
    },
  );
}

/** The end of the first whole tag that ends past `fraction` of the file. */
function tagBoundaryAfter(bytes: Uint8Array, fraction: number): number {
  let end = 13;
  while (end < bytes.length * fraction) {
    end += 11 + ((bytes[end + 1] << 16) | (bytes[end + 2] << 8) | bytes[end + 3]) + 4;
  }
  return end;
}
