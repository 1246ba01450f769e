/**
 * `serve --help` and `publish --help`, asked for by a user, go to stdout so that `| less` and
 * `| grep` see them, and exit 0. (rtmpdump's own `--help` prints to stderr, and the downloader's
 * keeps doing so: scripts may rely on it. The subcommands are rtmpkit's own.)
 *
 * Through the logger (`log.raw`), whose sink is stderr, the usage would reach stderr and
 * leave stdout empty: src/cli/serve.ts and src/cli/publish.ts print it with `printToStdout`.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runRtmpkit } from "../_process.ts";

for (const command of ["serve", "publish"]) {
  Deno.test(`${command} --help prints its usage to stdout`, async () => {
    const run = await runRtmpkit([command, "--help"]);
    assertEquals(run.code, 0, run.stderr);
    const stdout = new TextDecoder().decode(run.stdout);
    assert(stdout.startsWith(`Usage: `), `nothing on stdout; stderr:\n${run.stderr}`);
    assertEquals(run.stderr, "");
  });
}
