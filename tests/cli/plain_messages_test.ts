/**
 * Messages for errors a user causes, as a new user meets them: each must be one line in plain
 * words with the right exit code, without the runtime's internals (`os error N`, `ENOENT: …,
 * lstat '…'`, `EPIPE: broken pipe, write`) and without a stack trace. rtmpdump's own lines
 * ("Failed to open file! PATH", "Download: Failed writing, exiting!") stay as they are; what
 * rtmpkit adds must read as words.
 *
 * Every test named "DEFECT" fails today. Its doc comment says what it shows and where the cause
 * probably is; the expected behaviour is the one the project's rules ask for.
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
 * DEFECT: a full disk. `-o /dev/full` ends with rtmpdump's "ERROR: Download: Failed writing,
 * exiting!" followed on the same line by the runtime's text: "No space left on device (os
 * error 28)" on Deno, "ENOSPC: no space left on device, write" on Bun. Cause: src/cli/download.ts,
 * `report()`, case "write", appends `oneLine(outcome.error)`, the raw error of the file write.
 */
for (const runtime of RUNTIMES) {
  Deno.test(`DEFECT (${runtime}): a full disk is reported in words, not the runtime's error`, async () => {
    await using s = await startServer({ root: SAMPLE_FLV.replace(/\/[^/]+$/, "") });
    const run = await runRtmpkit(["-r", s.url("vod", "sample.flv"), "-o", "/dev/full"], {
      runtime,
      timeoutMs: QUICK_FAILURE_MS,
    });
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes("ERROR: Download: Failed writing, exiting!"), run.stderr);
    assertPlain(run, "-o /dev/full");
  });
}

/**
 * DEFECT: a reader that stops reading stdout (`rtmpkit -o - | head -c 1000`, or the npm
 * `rtmpdump` wrapper's stream being destroyed). rtmpdump prints "Caught signal: 13 …" and
 * "Download: Failed writing, exiting!"; rtmpkit adds "Broken pipe (os error 32)" (Deno) or
 * "EPIPE: broken pipe, write" (Bun). Same cause as above.
 */
for (const runtime of RUNTIMES) {
  Deno.test(`DEFECT (${runtime}): a closed stdout pipe is reported in words`, async () => {
    await using s = await startServer({ root: SAMPLE_FLV.replace(/\/[^/]+$/, "") });
    const command = runtime === "deno"
      ? `'${Deno.execPath()}' run -A '${CLI_PATH}'`
      : `'${BUN}' '${CLI_PATH}'`;
    const run = await runProcess("sh", [
      "-c",
      `${command} -r '${s.url("vod", "sample.flv")}' -o - | head -c 1000 > /dev/null`,
    ], { timeoutMs: QUICK_FAILURE_MS });
    assert(run.stderr.includes("ERROR: Download: Failed writing, exiting!"), run.stderr);
    assertPlain(run, "-o - | head -c 1000");
  });
}

/**
 * DEFECT: `serve --root` naming a folder that does not exist prints "ERROR: Cannot start the
 * server: ENOENT: no such file or directory, lstat 'nonexist'" (Deno; `realpath` on Bun). It
 * should say that the folder does not exist. Cause: src/cli/serve.ts passes the error of the
 * root's realPath (src/server/rtmp_server.ts, start) through as its message.
 */
for (const runtime of RUNTIMES) {
  Deno.test(`DEFECT (${runtime}): serve --root with a missing folder says so in words`, async () => {
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
 * DEFECT: `serve --root FILE` starts ("Serving assets/sample.flv on rtmp://…") and answers every
 * play with StreamNotFound. A root that is a file should be refused at start with exit 1.
 * Cause: src/server/rtmp_server.ts checks only that the root resolves, not that it is a folder.
 */
Deno.test("DEFECT: serve --root FILE is refused instead of serving nothing", async () => {
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
 * DEFECT: `publish` with a file that does not exist prints "ERROR: Cannot read nope.flv: ENOENT:
 * no such file or directory, open 'nope.flv'". Cause: src/cli/publish.ts, `runPublish`, logs
 * the `node:fs` error's message.
 */
for (const runtime of RUNTIMES) {
  Deno.test(`DEFECT (${runtime}): publish with a missing file says so in words`, async () => {
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
 * DEFECT: "Failed to open file! PATH" is rtmpdump's line and stays, but nothing says why (a
 * missing folder, a folder given as the file, no permission). The reason should follow on the
 * next line, in words. Cause: src/cli/download.ts, `runDownload`, drops the error of
 * openOutput/openResumable.
 */
Deno.test("DEFECT: Failed to open file! is followed by the reason", async () => {
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
 * DEFECT: run without `-A` (here with read and net access only, as a cautious user or a
 * sandbox would), the first missing permission is one ERROR line, and then the CLI crashes with
 * "error: Uncaught (in promise) NotCapable: Requires env access to "RTMPKIT_DEBUG"" and a stack
 * trace. Cause: src/cli/main.ts, the `catch` of `main()` calls `io.env("RTMPKIT_DEBUG")`, which
 * throws again without env access.
 */
Deno.test("DEFECT: a missing Deno permission is one line, not a stack trace", async () => {
  await using dir = await tempDir();
  const run = await runProcess(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-net",
    CLI_PATH,
    "-r",
    "rtmp://127.0.0.1:1/vod/x",
    "-o",
    `${dir.path}/x.flv`,
  ], { timeoutMs: QUICK_FAILURE_MS });
  assertEquals(run.code, 1, run.stderr);
  assertPlain(run, "deno run --allow-read --allow-net cli.ts");
});

/**
 * DEFECT: `publish` to a server that asks for authentication (README: `serve --auth adobe
 * --user bob:s3cret`, then `publish … rtmp://bob:s3cret@…`) succeeds, yet prints two lines
 * "ERROR: Publishing failed: NetConnection.Connect.Rejected (…authmod=adobe…)" on the way: the
 * normal challenge steps read as failures. Cause: src/session/publish_session.ts, `#fail`, logs
 * every rejection at ERROR, including the ones Publisher.open (src/session/publisher.ts)
 * answers and retries.
 */
Deno.test("DEFECT: an authenticated publish that succeeds prints no ERROR line", async () => {
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
