/**
 * Test helper: runs rtmpkit's real command line (`deno run -A cli.ts …`) or Debian's rtmpdump as
 * a child process with a hard timeout, records how it ended, its output and its peak resident
 * memory, and lets a test act on the running child (send it a signal).
 *
 * @module
 */

import { FlvError, type FlvHeader, FlvReader, type FlvTag } from "../../src/flv/mod.ts";

/** cli.ts at the repository root. */
export const CLI_PATH = new URL("../../cli.ts", import.meta.url).pathname;

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Where Debian's rtmpdump is installed, or undefined when it is not. */
export const RTMPDUMP: string | undefined = ["/usr/bin/rtmpdump", "/usr/local/bin/rtmpdump"]
  .find(isFile);

/** Bun, from the project's node_modules or the PATH, or undefined when it is not installed. */
export const BUN: string | undefined = [
  new URL("../../node_modules/.bin/bun", import.meta.url).pathname,
  ...(Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "").map((dir) => `${dir}/bun`),
].find(isFile);

/** The runtimes rtmpkit's command line is tested on here. */
export type Runtime = "deno" | "bun";

/** How a child run ended. */
export interface ChildRun {
  /** Exit code; 128 + signal number when a signal ended it. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** Everything written to stderr, as text. */
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  durationMs: number;
  /** Highest VmHWM seen while it ran, in KiB (0 when /proc is not readable). */
  peakRssKiB: number;
  /** True when the hard timeout killed it. */
  killed: boolean;
}

/** Options of {@linkcode runChild}. */
export interface ChildOptions {
  /** SIGKILL after this many milliseconds (default 20000). */
  timeoutMs?: number;
  /** Called once the child is running (to signal it, watch its output …). */
  onSpawn?: (child: Deno.ChildProcess, stderr: () => string) => void | Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const RSS_POLL_MS = 25;

/** Runs rtmpkit's command line with `args`: `deno run -A cli.ts …` or `bun cli.ts …`. */
export function runRtmpkit(
  args: string[],
  options: ChildOptions = {},
  runtime: Runtime = "deno",
): Promise<ChildRun> {
  if (runtime === "bun") {
    if (BUN === undefined) throw new Error("Cannot run rtmpkit on Bun: it is not installed");
    return runChild(BUN, [CLI_PATH, ...args], options);
  }
  return runChild(Deno.execPath(), ["run", "-A", CLI_PATH, ...args], options);
}

/** Runs Debian's rtmpdump with `args`; throws when it is not installed. */
export function runRtmpdump(args: string[], options: ChildOptions = {}): Promise<ChildRun> {
  if (RTMPDUMP === undefined) throw new Error("Cannot run rtmpdump: it is not installed");
  return runChild(RTMPDUMP, args, options);
}

/** Spawns `command`, collects stderr (stdout is discarded) and polls its peak RSS. */
export async function runChild(
  command: string,
  args: string[],
  options: ChildOptions = {},
): Promise<ChildRun> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
    stderr += decoder.decode();
  })();
  let peakRssKiB = 0;
  const statusPath = `/proc/${child.pid}/status`;
  const poll = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(statusPath));
      if (match) peakRssKiB = Math.max(peakRssKiB, Number(match[1]));
    } catch { /* exited, or no /proc */ }
  };
  const poller = setInterval(poll, RSS_POLL_MS);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    try {
      await options.onSpawn?.(child, () => stderr);
    } catch (err) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await reading;
      throw err;
    }
    const status = await child.status;
    await reading;
    return {
      code: status.code,
      signal: status.signal,
      stderr,
      durationMs: performance.now() - started,
      peakRssKiB,
      killed,
    };
  } finally {
    clearInterval(poller);
    clearTimeout(timer);
  }
}

/** What {@linkcode readFlvFile} found. */
export interface FlvFileContent {
  /** File size in bytes. */
  size: number;
  /** The FLV header, absent for an empty file. */
  header?: FlvHeader;
  /** Every tag, in order. */
  tags: FlvTag[];
}

/**
 * Reads an output file and checks that it holds only whole FLV tags: it is empty, or an FLV
 * header followed by complete tags whose PreviousTagSize values are right. Throws
 * {@linkcode FlvError} otherwise.
 */
export async function readFlvFile(path: string): Promise<FlvFileContent> {
  const bytes = await Deno.readFile(path);
  if (bytes.length === 0) return { size: 0, tags: [] };
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  reader.push(bytes, (tag) => tags.push({ ...tag, data: tag.data.slice() }));
  reader.finish();
  if (reader.header === undefined) throw new FlvError("Cannot read FLV: no header");
  return { size: bytes.length, header: reader.header, tags };
}

/**
 * rtmpdump-style stderr made comparable: the banner's second line (which differs on purpose)
 * and progress reports (`\r1.234 kB / 0.56 sec`, timing-dependent) are removed, with the empty
 * lines they leave.
 */
export function normaliseStderr(stderr: string): string[] {
  const lines = stderr.split("\n");
  const kept: string[] = [];
  lines.forEach((line, i) => {
    if (i === 1 && lines[0].startsWith("RTMPDump ")) return;
    const text = line.split("\r").filter((part) => !PROGRESS.test(part)).join("");
    if (text === "" && line !== "") return;
    kept.push(text);
  });
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  return kept;
}

const PROGRESS = /^\d+\.\d{3} kB \/ \d+\.\d{2} sec( \(\d+\.\d%\))?$/;

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
