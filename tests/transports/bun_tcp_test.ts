/**
 * The transport conformance suite over TCP on Bun's own sockets (and `node:net` on Bun), run
 * in a Bun process by ./_bun_conformance.ts: each of its steps becomes a step here.
 */

import { ok as assert } from "node:assert/strict";
import { findExecutable, interopTest, REPO_ROOT } from "../interop/_harness.ts";

/** Far above what the suite takes on a busy machine (its own waits end within 60 s each). */
const RUN_LIMIT_MS = 600_000;

interface StepResult {
  suite: string;
  step: string;
  ok: boolean;
  error?: string;
}

interopTest("transport conformance on Bun: Bun.connect / Bun.listen and node:net; detach", {
  peers: ["bun"],
}, async (t) => {
  const child = new Deno.Command(findExecutable("bun")!, {
    args: [`${REPO_ROOT}/tests/transports/_bun_conformance.ts`],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, RUN_LIMIT_MS);
  const output = await child.output();
  clearTimeout(timer);
  const stdout = new TextDecoder().decode(output.stdout);
  const results: StepResult[] = stdout.split("\n").filter((line) => line.startsWith("{")).map(
    (line) => JSON.parse(line),
  );
  for (const result of results) {
    await t.step(`${result.suite.replace("transport conformance: ", "")}: ${result.step}`, () => {
      assert(result.ok, result.error);
    });
  }
  const stderr = new TextDecoder().decode(output.stderr).trim();
  assert(
    output.code === 0,
    `the Bun run exited with ${output.code} (signal ${output.signal}, limit ${
      RUN_LIMIT_MS / 1000
    } s): ${stderr.split("\n").slice(-3).join(" | ")}`,
  );
  const suites = new Set(results.map((r) => r.suite));
  assert(suites.size === 4, `results from ${suites.size} of 4 suites`);
  assert(results.length >= 15, `${results.length} steps reported, at least 15 expected`);
});
