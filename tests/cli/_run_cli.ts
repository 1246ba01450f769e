/**
 * Test helper for the serve and publish subcommands: runs `deno run -A cli.ts …` as a child with
 * a hard timeout, collects stderr as it arrives, and lets the test act while it runs.
 *
 * @module
 */

/** cli.ts at the repository root. */
export const CLI_PATH = new URL("../../cli.ts", import.meta.url).pathname;

/** How a run ended. */
export interface CliRun {
  /** Exit code (128 + signal when killed). */
  code: number;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** SIGKILL after this many milliseconds (default 30000). */
  timeoutMs?: number;
  /** Called once the child runs, with a view of its stderr so far. */
  onSpawn?: (child: Deno.ChildProcess, stderr: () => string) => void | Promise<void>;
}

/** Runs rtmpkit's command line with `args`. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_PATH, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, options.timeoutMs ?? 30_000);
  try {
    await options.onSpawn?.(child, () => stderr);
    const status = await child.status;
    await reading;
    return { code: status.code, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `predicate()` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
