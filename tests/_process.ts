/**
 * Child processes for tests, in one place: rtmpkit's command line (on Deno, Bun or as the
 * compiled binary), Debian's rtmpdump, peers such as ffmpeg and nginx, and shell commands.
 *
 * {@linkcode runProcess} starts a command in its own process group with stdout and stderr
 * captured, lets the test act on it while it runs, and always ends it: past its hard timeout the
 * whole group gets SIGKILL, and once the command exits whatever it left running in its group is
 * killed too. It records how the run ended, how long it took from the moment the process started
 * and its peak resident memory.
 *
 * At most {@linkcode PROCESS_SLOTS} processes run at once per test file (the number of cores, at
 * most 2): a run waits for a free slot before it starts, and its timeout and duration count from
 * the start, not from the wait. A test that needs two processes at once (a server and a client)
 * gets them; one that needs more must be split, or it waits for a slot its own processes hold
 * until their timeouts end them.
 *
 * @module
 */

import { REPO_ROOT } from "../scripts/gen_media.ts";
import { Semaphore } from "./_semaphore.ts";

export { REPO_ROOT };

/** Most processes a test file runs at once, whatever the number of cores. */
export const MAX_PROCESS_SLOTS = 2;

/** Processes a test file runs at once: the number of cores, at most {@linkcode MAX_PROCESS_SLOTS}. */
export const PROCESS_SLOTS: number = Math.max(
  1,
  Math.min(MAX_PROCESS_SLOTS, navigator.hardwareConcurrency || 1),
);

/** The slots of this test file (each test file is loaded on its own, so it has its own). */
const slots = new Semaphore(PROCESS_SLOTS);

/** Default hard timeout of a run, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** How often the peak resident memory of a running process is sampled, in milliseconds. */
const RSS_POLL_MS = 25;

/** rtmpkit's command-line entry point. */
export const CLI_PATH = `${REPO_ROOT}/cli.ts`;

/** The compiled rtmpkit executable made by `deno task build`. */
export const RTMPKIT_BINARY = `${REPO_ROOT}/dist/rtmpkit`;

const EXTRA_BIN_DIRS = [`${REPO_ROOT}/node_modules/.bin`, "/usr/sbin", "/sbin", "/usr/local/sbin"];

/** Finds an executable by name on PATH, in node_modules/.bin and in the sbin folders. */
export function findExecutable(name: string): string | undefined {
  if (name.includes("/")) return isExecutable(name) ? name : undefined;
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  for (const dir of [...dirs, ...EXTRA_BIN_DIRS]) {
    const path = `${dir}/${name}`;
    if (isExecutable(path)) return path;
  }
  return undefined;
}

/** True when `path` is a file with an execute bit. */
export function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Debian's rtmpdump, or undefined when it is not installed. */
export const RTMPDUMP: string | undefined = findExecutable("rtmpdump");

/** Bun (from node_modules/.bin or the PATH), or undefined when it is not installed. */
export const BUN: string | undefined = findExecutable("bun");

/** A running process, as {@linkcode RunOptions.onSpawn} sees it. */
export type SpawnHandler = (
  child: Deno.ChildProcess,
  stderr: () => string,
  stdout: () => Uint8Array,
) => void | Promise<void>;

/** Options of {@linkcode runProcess}. */
export interface RunOptions {
  /**
   * Hard timeout, counted from the moment the process started (default 60 s): then the whole
   * process group gets SIGKILL and the result says `timedOut`.
   */
  readonly timeoutMs?: number;
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /**
   * What stdin gets: bytes written and then closed, or "piped" for `onSpawn` to write to
   * `child.stdin` (default: /dev/null).
   */
  readonly stdin?: Uint8Array | "piped";
  /**
   * Kill what is left of the command's process group once it exits (default true). Turn it off
   * for a command that daemonises: its daemon may not have left the group yet when it exits.
   */
  readonly killGroupOnExit?: boolean;
  /**
   * Called once the process runs, with views of its stderr and stdout so far, to act on it
   * (signal it, wait for a line …). When it throws, the process group gets SIGKILL and the run
   * rejects with that error.
   */
  readonly onSpawn?: SpawnHandler;
}

/** How a run of {@linkcode runProcess} ended. */
export interface ProcessResult {
  /** Exit code (128 + signal number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, if any. */
  readonly signal: Deno.Signal | null;
  /** Everything written to stdout. */
  readonly stdout: Uint8Array;
  /** Everything written to stderr, decoded as UTF-8. */
  readonly stderr: string;
  /** True when the hard timeout killed it. */
  readonly timedOut: boolean;
  /** The hard timeout it ran under, in milliseconds. */
  readonly timeoutMs: number;
  /** Wall time from the moment the process started to its exit, in milliseconds. */
  readonly durationMs: number;
  /** Highest VmHWM seen while it ran, in KiB (0 when /proc could not be read in time). */
  readonly peakRssKiB: number;
}

/**
 * Runs a command to completion once a process slot is free (see the module doc). Never throws
 * for a non-zero exit; rejects only when the command cannot start or `onSpawn` throws.
 */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const release = await slots.acquire();
  try {
    return await run(command, args, options);
  } finally {
    release();
  }
}

async function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, so that everything it starts can be ended with it
  }).spawn();
  const started = performance.now();
  const stdout = collect(child.stdout);
  const stderr = collectText(child.stderr);
  let peakRssKiB = 0;
  const sampleRss = () => {
    peakRssKiB = Math.max(peakRssKiB, readPeakRssKiB(child.pid));
  };
  sampleRss();
  const poller = setInterval(sampleRss, RSS_POLL_MS);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid, "SIGKILL");
  }, timeoutMs);
  try {
    const feeding = options.stdin instanceof Uint8Array
      ? feed(child, options.stdin)
      : Promise.resolve();
    try {
      await options.onSpawn?.(child, stderr.text, stdout.bytes);
    } catch (error) {
      signalGroup(child.pid, "SIGKILL");
      await child.status;
      await Promise.allSettled([stdout.done, stderr.done, feeding]);
      throw error;
    }
    const status = await child.status;
    const durationMs = performance.now() - started;
    if (options.killGroupOnExit ?? true) signalGroup(child.pid, "SIGKILL");
    await Promise.all([stdout.done, stderr.done, feeding]);
    return {
      code: status.code,
      signal: status.signal,
      stdout: stdout.bytes(),
      stderr: stderr.text(),
      timedOut,
      timeoutMs,
      durationMs,
      peakRssKiB,
    };
  } finally {
    clearInterval(poller);
    clearTimeout(timer);
  }
}

/** Reads a stream to its end, keeping every chunk; `bytes()` is what arrived so far. */
function collect(stream: ReadableStream<Uint8Array>) {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let joined: Uint8Array | undefined;
  const done = (async () => {
    for await (const chunk of stream) {
      chunks.push(chunk);
      length += chunk.length;
      joined = undefined;
    }
  })();
  const bytes = (): Uint8Array => {
    if (joined === undefined) {
      joined = new Uint8Array(length);
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
    }
    return joined;
  };
  return { done, bytes };
}

/** Reads a stream to its end as UTF-8 text; `text()` is what arrived so far. */
function collectText(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  })();
  return { done, text: () => text };
}

async function feed(child: Deno.ChildProcess, bytes: Uint8Array): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
  } catch {
    // The child stopped reading (exited early); its exit status tells the story.
  }
}

function readPeakRssKiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // exited, or no /proc
  }
}

/** Sends `signal` to a process group (and to the process alone when it has none). */
export function signalGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch {
    try {
      Deno.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

/**
 * The state letter of a process from /proc (R running, S sleeping, T stopped, Z zombie …), or
 * undefined when there is no such process.
 */
export function processState(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const end = stat.lastIndexOf(")");
    return stat.slice(end + 2, end + 3);
  } catch {
    return undefined;
  }
}

/** True while a process exists and has not exited (a zombie has exited, only not been reaped). */
export function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The processes of a process group still running, as "PID (command)". */
export function processGroupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue; // gone meanwhile
    }
    const end = stat.lastIndexOf(")");
    const [state, , group] = stat.slice(end + 2).split(" ");
    if (Number(group) === pgid && state !== "Z" && state !== "X") {
      members.push(`${entry.name} ${stat.slice(stat.indexOf("("), end + 1)}`);
    }
  }
  return members;
}

// ---------------------------------------------------------------------------------------------
// rtmpkit and rtmpdump

/** How rtmpkit is started: `deno run -A cli.ts`, `bun cli.ts` or the compiled `dist/rtmpkit`. */
export type RtmpkitRuntime = "deno" | "bun" | "binary";

/** Every runtime rtmpkit is tested on. */
export const RTMPKIT_RUNTIMES: readonly RtmpkitRuntime[] = ["deno", "bun", "binary"];

/** The command line that starts rtmpkit on a runtime, as [command, ...args]. */
export function rtmpkitCommand(runtime: RtmpkitRuntime = "deno"): string[] {
  switch (runtime) {
    case "deno":
      return [Deno.execPath(), "run", "-A", CLI_PATH];
    case "bun":
      return [BUN ?? "bun", CLI_PATH];
    case "binary":
      return [RTMPKIT_BINARY];
  }
}

/** Options of {@linkcode runRtmpkit}. */
export interface RtmpkitRunOptions extends RunOptions {
  /** Runtime to start rtmpkit on (default "deno"). */
  readonly runtime?: RtmpkitRuntime;
}

/** Runs rtmpkit's command line (`cli.ts`) with `args` on the chosen runtime. */
export function runRtmpkit(
  args: readonly string[],
  options: RtmpkitRunOptions = {},
): Promise<ProcessResult> {
  const [command, ...prefix] = rtmpkitCommand(options.runtime);
  return runProcess(command, [...prefix, ...args], options);
}

/** Runs Debian's rtmpdump with `args`. */
export function runRtmpdump(
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  return runProcess(RTMPDUMP ?? "rtmpdump", args, options);
}
