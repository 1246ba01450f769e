/**
 * Messages for errors a user causes, as a new user meets them: each must be one line in plain
 * words with the right exit code, without the runtime's internals (`os error N`, `ENOENT: …,
 * lstat '…'`, `EPIPE: broken pipe, write`) and without a stack trace. rtmpdump's own lines
 * ("Failed to open file! PATH", "Download: Failed writing, exiting!") stay as they are; what
 * rtmpkit adds must read as words.
 *
 * Each test would fail without the code it names: the runtime's text passed through, or a
 * stack trace.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  BUN,
  CLI_PATH,
  type ProcessResult,
  type RtmpkitRuntime,
  runProcess,
  runRtmpkit,
} from "../_process.ts";
import { SAMPLE_FLV, startServer, tempDir } from "../server/_helpers.ts";
import { waitFor } from "../_wait.ts";

/** What the runtimes put in their error messages, which a user should never see. */
const RUNTIME_INTERNALS =
  /os error \d+|\b(ENOENT|ENOSPC|EPIPE|EACCES|EISDIR|ENOTDIR|ECONNRESET)\b|, (lstat|realpath|open|write) '|NotCapable|Uncaught|^\s+at /m;

/** The runtimes a command is tried on here (Deno, and Bun when it is installed). */
const RUNTIMES: RtmpkitRuntime[] = BUN === undefined ? ["deno"] : ["deno", "bun"];

/** How long a command that fails at once may take, from its start (a "no hang" limit). */
const QUICK_FAILURE_MS = 60_000;

function assertPlain(run: ProcessResult, what: string): void {
  const leak = RUNTIME_INTERNALS.exec(run.stderr);
  assert(
    leak === null,
    `${what}: runtime internals in the message ("${leak?.[0]}"):\n${run.stderr}`,
  );
}

/**
 * A full disk (`-o /dev/full`): rtmpdump's "ERROR: Download: Failed writing, exiting!" as it
 * prints it, then the reason in words on the next line, not the runtime's text ("No space left
 * on device (os error 28)" on Deno, "ENOSPC: no space left on device, write" on Bun). The words
 * come from src/cli/describe_file_error.ts, used by `report()` in src/cli/download.ts.
 */
for (const runtime of RUNTIMES) {
  Deno.test(`${runtime}: a full disk is reported in words after rtmpdump's line`, async () => {
    await using s = await startServer({ root: SAMPLE_FLV.replace(/\/[^/]+$/, "") });
    const run = await runRtmpkit(["-r", s.url("vod", "sample.flv"), "-o", "/dev/full"], {
      runtime,
      timeoutMs: QUICK_FAILURE_MS,
    });
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes("ERROR: Download: Failed writing, exiting!\n"), run.stderr);
    assert(
      run.stderr.includes("ERROR: Cannot write to /dev/full: the disk is full\n"),
      run.stderr,
    );
    assertPlain(run, "-o /dev/full");
  });
}

/**
 * A reader that stops reading stdout (`rtmpkit -o - | head -c 1000`, or the npm `rtmpdump`
 * wrapper's stream being destroyed). rtmpdump prints "Caught signal: 13 …" and "Download: Failed
 * writing, exiting!"; rtmpkit prints the same line and then says in words that the reader closed
 * the pipe, not "Broken pipe (os error 32)" (Deno) or "EPIPE: broken pipe, write" (Bun).
 */
for (const runtime of RUNTIMES) {
  Deno.test(`${runtime}: a closed stdout pipe is reported in words`, async () => {
    await using s = await startServer({ root: SAMPLE_FLV.replace(/\/[^/]+$/, "") });
    const command = runtime === "deno"
      ? `'${Deno.execPath()}' run -A '${CLI_PATH}'`
      : `'${BUN}' '${CLI_PATH}'`;
    const run = await runProcess("sh", [
      "-c",
      `${command} -r '${s.url("vod", "sample.flv")}' -o - | head -c 1000 > /dev/null`,
    ], { timeoutMs: QUICK_FAILURE_MS });
    assert(run.stderr.includes("ERROR: Download: Failed writing, exiting!\n"), run.stderr);
    assert(
      run.stderr.includes("ERROR: Cannot write to stdout: the program reading it closed the pipe"),
      run.stderr,
    );
    assertPlain(run, "-o - | head -c 1000");
  });
}

/**
 * `serve --root` naming a folder that does not exist says that the folder does not exist, not
 * the runtime's "ENOENT: no such file or directory, lstat '…'" (Deno; `realpath` on Bun).
 */
for (const runtime of RUNTIMES) {
  Deno.test(`${runtime}: serve --root with a missing folder says so in words`, async () => {
    await using dir = await tempDir();
    const missing = `${dir.path}/no-such-folder`;
    const run = await runRtmpkit(
      ["serve", "--root", missing, "--listen", "rtmp://127.0.0.1:0"],
      { runtime, timeoutMs: QUICK_FAILURE_MS },
    );
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes(missing), run.stderr);
    assertPlain(run, "serve --root MISSING");
  });
}

/**
 * `serve --root FILE` is refused at start with exit 1, instead of starting and answering every
 * play with StreamNotFound.
 */
Deno.test("serve --root FILE is refused instead of serving nothing", async () => {
  let served = false;
  const run = await runRtmpkit(["serve", "--root", SAMPLE_FLV, "--listen", "rtmp://127.0.0.1:0"], {
    timeoutMs: QUICK_FAILURE_MS,
    onSpawn: async (child, stderr) => {
      const status = child.status.then(() => true);
      let exited = false;
      status.then(() => exited = true);
      await waitFor(() => exited || /Serving|ERROR/.test(stderr()), QUICK_FAILURE_MS, "serve");
      if (/Serving/.test(stderr())) {
        served = true;
        child.kill("SIGTERM");
      }
    },
  });
  assert(!served, `serve --root FILE started serving:\n${run.stderr}`);
  assertEquals(run.code, 1, run.stderr);
});

/**
 * `publish` with a file that does not exist says so in words, not with the runtime's "ENOENT:
 * no such file or directory, open 'nope.flv'".
 */
for (const runtime of RUNTIMES) {
  Deno.test(`${runtime}: publish with a missing file says so in words`, async () => {
    await using dir = await tempDir();
    const run = await runRtmpkit(
      ["publish", `${dir.path}/nope.flv`, "rtmp://127.0.0.1:1/live/x"],
      { runtime, timeoutMs: QUICK_FAILURE_MS },
    );
    assertEquals(run.code, 1, run.stderr);
    assertPlain(run, "publish MISSING");
  });
}

/**
 * "Failed to open file! PATH" is rtmpdump's line and stays; the reason (a missing folder, a
 * folder given as the file, no permission) follows on the next line, in words.
 */
Deno.test("Failed to open file! is followed by the reason", async () => {
  await using dir = await tempDir();
  for (const output of [`${dir.path}/no-such-folder/x.flv`, dir.path]) {
    const run = await runRtmpkit(["-r", "rtmp://127.0.0.1:1/vod/x", "-o", output], {
      timeoutMs: QUICK_FAILURE_MS,
    });
    assertEquals(run.code, 1, run.stderr);
    const lines = run.stderr.split("\n");
    const at = lines.indexOf(`Failed to open file! ${output}`);
    assert(at >= 0, run.stderr);
    assert(
      (lines[at + 1] ?? "").trim() !== "",
      `no reason after "Failed to open file!":\n${run.stderr}`,
    );
    assertPlain(run, `-o ${output}`);
  }
});

/**
 * Run without `-A` (with some permissions only, as a cautious user or a sandbox would), a
 * missing permission is one ERROR line naming it (Deno's sentence gives the flag) and exit 1,
 * rtmpdump's code for a bad invocation: not a connection failure (exit 3) for a missing
 * `--allow-net`, and not "error: Uncaught (in promise) NotCapable" with a stack trace when the
 * error reaches `main()` (src/cli/main.ts read RTMPKIT_DEBUG there, which throws again without
 * env access; `-W` reads HOME for the SWF cache first).
 */
Deno.test("a missing Deno permission is one line naming it, exit 1", async () => {
  await using dir = await tempDir();
  const output = `${dir.path}/x.flv`;
  const runs: [string, string[], string][] = [
    ["--allow-read --allow-write", [], "--allow-net"],
    ["--allow-read --allow-write --allow-net", ["-W", "http://127.0.0.1:1/p.swf"], "--allow-env"],
  ];
  for (const [flags, extra, needed] of runs) {
    const run = await runProcess(Deno.execPath(), [
      "run",
      ...flags.split(" "),
      CLI_PATH,
      "-r",
      "rtmp://127.0.0.1:1/vod/x",
      ...extra,
      "-o",
      output,
    ], { timeoutMs: QUICK_FAILURE_MS });
    const what = `deno run ${flags} cli.ts ${extra.join(" ")}`;
    assertEquals(run.code, 1, `${what}:\n${run.stderr}`);
    const errors = run.stderr.split("\n").filter((line) => line.startsWith("ERROR:"));
    assertEquals(errors.length, 1, `${what}:\n${run.stderr}`);
    assert(errors[0].includes(needed), `${what}: the line does not name ${needed}:\n${run.stderr}`);
    assertPlain(run, what);
  }
});

/**
 * `publish` to a server that asks for authentication (README: `serve --auth adobe --user
 * bob:s3cret`, then `publish … rtmp://bob:s3cret@…`) succeeds without ERROR lines: the
 * challenge steps Publisher.open (src/session/publisher.ts) answers and retries are not
 * failures. Only a refusal that ends the publish prints one.
 */
Deno.test("an authenticated publish that succeeds prints no ERROR line", async () => {
  await using s = await startServer({
    publisherAuth: { method: "adobe", users: new Map([["bob", "s3cret"]]) },
  });
  const url = `rtmp://bob:s3cret@127.0.0.1:${s.port}/live/show`;
  const run = await runRtmpkit(["publish", "--fast", SAMPLE_FLV, url], {
    timeoutMs: QUICK_FAILURE_MS,
  });
  assertEquals(run.code, 0, run.stderr);
  assert(!/^ERROR:/m.test(run.stderr), `ERROR lines in a publish that worked:\n${run.stderr}`);
});
