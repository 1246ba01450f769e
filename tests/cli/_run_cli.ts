/**
 * Test helper for the `serve` and `publish` subcommands: runs `deno run -A cli.ts …` through the
 * shared child-process helper (`tests/_process.ts`: hard timeout, stderr collected as it arrives
 * for the test to act on while the command runs, at most two processes at once per test file).
 *
 * @module
 */

import { type ProcessResult, type RunOptions, runRtmpkit } from "../_process.ts";

export { CLI_PATH } from "../_process.ts";
export { waitFor } from "../_wait.ts";

/** How a run of {@linkcode runCli} ended (exit code, stderr, duration …). */
export type CliRun = ProcessResult;

/** Options of {@linkcode runCli}: hard timeout (default 60 s), `onSpawn`, stdin … */
export type RunCliOptions = RunOptions;

/** Runs rtmpkit's command line on Deno with `args`. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  return runRtmpkit(args, options);
}
