/**
 * Test runner behind `deno task test`: runs `deno test -A` once per folder under `tests/` (so a
 * module that fails to type-check costs its own folder, not the whole run), streams Deno's output
 * through, adds up the per-folder summaries and ends with one plain line:
 *
 *     N passed, N failed            (", N skipped" is added when tests were ignored)
 *
 * which is always the last line printed. Exits with 1 when anything failed.
 *
 * Usage: `deno run -A scripts/run_tests.ts [deno test flags] [PATH ...]`. Arguments starting with
 * `-` go to every `deno test`; each PATH is run as its own group instead of the folders.
 *
 * @module
 */

/** Counts from one or more `deno test` summaries. */
export interface TestCounts {
  /** Tests that passed. */
  passed: number;
  /** Tests that failed (including a group that failed before reporting). */
  failed: number;
  /** Tests that were ignored (skipped). */
  ignored: number;
}

// deno-lint-ignore no-control-regex -- matching the ESC of colour codes is the point
const ANSI_ESCAPE = /\x1b\[[0-9;]*[A-Za-z]/g;
const SUMMARY_LINE = /^(ok|FAILED) \|/;
const TAIL_LIMIT = 64 * 1024;
const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");

/** Removes ANSI colour escapes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

/**
 * Finds the last summary line in `deno test` output (`ok | 5 passed (3 steps) | 0 failed |
 * 2 ignored (12ms)` or `FAILED | …`) and returns its counts, or undefined when there is none.
 * Step counts in parentheses are not tests and are not counted.
 */
export function parseDenoSummary(output: string): TestCounts | undefined {
  const lines = stripAnsi(output).split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!SUMMARY_LINE.test(line)) continue;
    const counts: TestCounts = { passed: 0, failed: 0, ignored: 0 };
    for (const part of line.split("|").slice(1)) {
      const match = /^\s*(\d+) (passed|failed|ignored)\b/.exec(part);
      if (match) counts[match[2] as keyof TestCounts] = Number(match[1]);
    }
    return counts;
  }
  return undefined;
}

/** Formats the final line: `N passed, N failed` plus `, N skipped` when any were ignored. */
export function formatTotals(counts: TestCounts): string {
  const line = `${counts.passed} passed, ${counts.failed} failed`;
  return counts.ignored > 0 ? `${line}, ${counts.ignored} skipped` : line;
}

/** Lists the groups to run: each folder under `testsDir` holding a test, and loose test files. */
export function findTestGroups(testsDir: string): string[] {
  const groups: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(testsDir)];
  } catch {
    return groups;
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const path = `${testsDir}/${entry.name}`;
    if (entry.isDirectory && containsTest(path)) groups.push(path);
    else if (entry.isFile && isTestFile(entry.name)) groups.push(path);
  }
  return groups;
}

function isTestFile(name: string): boolean {
  return /(^|[._])test\.(ts|tsx|mts|js|mjs|jsx)$/.test(name);
}

function containsTest(dir: string): boolean {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && isTestFile(entry.name)) return true;
    if (entry.isDirectory && containsTest(`${dir}/${entry.name}`)) return true;
  }
  return false;
}

/** Copies a stream to `sink` as it arrives and returns the decoded tail of what went through. */
async function tee(stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout): Promise<string> {
  const decoder = new TextDecoder();
  let tail = "";
  for await (const chunk of stream) {
    let written = 0;
    while (written < chunk.length) written += await sink.write(chunk.subarray(written));
    tail += decoder.decode(chunk, { stream: true });
    if (tail.length > 2 * TAIL_LIMIT) tail = tail.slice(-TAIL_LIMIT);
  }
  return tail + decoder.decode();
}

async function runGroup(group: string, flags: string[]): Promise<TestCounts> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...flags, group],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [out, err, status] = await Promise.all([
    tee(child.stdout, Deno.stdout),
    tee(child.stderr, Deno.stderr),
    child.status,
  ]);
  const counts = parseDenoSummary(out) ?? parseDenoSummary(err);
  if (counts === undefined) {
    if (status.success) return { passed: 0, failed: 0, ignored: 0 };
    console.error(`${group}: deno test exited with ${status.code} before running its tests`);
    return { passed: 0, failed: 1, ignored: 0 };
  }
  if (!status.success && counts.failed === 0) {
    console.error(`${group}: deno test exited with ${status.code} after its summary`);
    counts.failed = 1;
  }
  return counts;
}

/** `deno test` flags whose value may come as the next argument. */
const FLAGS_WITH_VALUE = new Set([
  "--filter",
  "--reporter",
  "--junit-path",
  "--seed",
  "--config",
  "-c",
]);

/** Splits arguments into `deno test` flags (with their values) and paths. */
export function splitArgs(args: readonly string[]): { flags: string[]; paths: string[] } {
  const flags: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) paths.push(arg);
    else if (FLAGS_WITH_VALUE.has(arg) && i + 1 < args.length) flags.push(arg, args[++i]);
    else flags.push(arg);
  }
  return { flags, paths };
}

async function main(args: string[]): Promise<number> {
  const { flags, paths } = splitArgs(args);
  const groups = paths.length > 0 ? paths : findTestGroups(`${ROOT}/tests`);
  const totals: TestCounts = { passed: 0, failed: 0, ignored: 0 };
  for (const group of groups) {
    const counts = await runGroup(group, flags);
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.ignored += counts.ignored;
  }
  if (groups.length === 0) console.error("No tests found under tests/");
  console.log(formatTotals(totals));
  return totals.failed > 0 ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
