/**
 * How `deno task bench` measures a client process, and the arithmetic on the samples.
 *
 * A download runs under a small bash wrapper, itself under GNU time: wall time from
 * `$EPOCHREALTIME` around the client, CPU (user + sys, the client and any process it starts)
 * from bash's `times` (millisecond resolution), peak RSS from GNU time's `%M` (the largest of
 * bash and the client; bash's own is a few MB). The output's SHA-256 is taken afterwards, so
 * every run can be checked against the reference client's.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { findExecutable, REPO_ROOT } from "../tests/interop/_harness.ts";
import { cpuSeconds } from "./bench_proc.ts";

/** No single measured run may take longer than this. */
export const RUN_TIMEOUT_MS = 300_000;

/** A client under test (plain data, so a case run elsewhere can take it as JSON). */
export interface BenchClient {
  /** Name in the tables: "rtmpdump", "rtmpkit (deno)", … */
  readonly name: string;
  /** The program and its first arguments. */
  readonly command: readonly string[];
  /**
   * How the URL and output file are passed: "rtmpdump" (default: `-r URL -o FILE`, as rtmpkit
   * takes them too) or "ffmpeg" (`-rtmp_buffer 36000000 -i URL -c copy -f flv FILE`, the buffer
   * rtmpdump asks for).
   */
  readonly style?: "rtmpdump" | "ffmpeg";
  /** The URL to play instead of the case's (a client on another path to the same file). */
  readonly url?: string;
  /** Extra arguments after the URL and output (`-t tcUrl`, …). */
  readonly extraArgs?: readonly string[];
  /** False when its output cannot equal the reference's (ffmpeg remuxes); default true. */
  readonly compareOutput?: boolean;
}

/** One measured run. */
export interface Sample {
  readonly wallS: number;
  readonly cpuS: number;
  readonly rssBytes: number;
  readonly code: number;
  readonly sha256: string;
  /** CPU seconds the peers (servers, relays) spent during the run, when they were watched. */
  readonly peerCpuS?: number;
}

/** Medians of a client's samples. */
export interface Summary {
  readonly wallS: number;
  readonly cpuS: number;
  readonly rssBytes: number;
  readonly runs: number;
  /** Median CPU seconds of the peers during a run, when they were watched. */
  readonly peerCpuS?: number;
}

const WRAPPER = [
  'base="$1"; shift',
  "t0=$EPOCHREALTIME",
  '"$@" 2>"$base.stderr"',
  "status=$?",
  "t1=$EPOCHREALTIME",
  '{ echo "$t0 $t1 $status"; times; } >"$base.times"',
  'exit "$status"',
].join("\n");

/** Whether the tools the wrapper needs are here. */
export function measureToolsMissing(): string | undefined {
  if (findExecutable("bash") === undefined) return "bash not found";
  try {
    Deno.statSync("/usr/bin/time");
  } catch {
    return "GNU time (/usr/bin/time) not found";
  }
  return undefined;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians of wall, CPU and peak RSS. */
export function summarize(samples: readonly Sample[]): Summary {
  return {
    wallS: median(samples.map((s) => s.wallS)),
    cpuS: median(samples.map((s) => s.cpuS)),
    rssBytes: median(samples.map((s) => s.rssBytes)),
    runs: samples.length,
    ...(samples.length > 0 && samples.every((s) => s.peerCpuS !== undefined)
      ? { peerCpuS: median(samples.map((s) => s.peerCpuS!)) }
      : {}),
  };
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(4 << 20);
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

function fileStem(name: string): string {
  return name.replace(/\W+/g, "_").replace(/^_|_$/g, "");
}

function parseSeconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`Cannot parse bash times value "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Runs `argv` once under the wrapper with `workDir` for its scratch files; `output` is the file
 * it writes (hashed, then removed).
 */
export async function measureCommand(
  name: string,
  argv: readonly string[],
  output: string | undefined,
  workDir: string,
): Promise<Sample> {
  const base = `${workDir}/${fileStem(name)}`;
  if (output !== undefined) await Deno.remove(output).catch(() => {});
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", "-o", `${base}.rss`, "bash", "-c", WRAPPER, "bench", base, ...argv],
    cwd: REPO_ROOT,
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true, // its own process group, so a timeout can kill time, bash and the client
  }).spawn();
  const timer = setTimeout(() => {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* exited */ }
  }, RUN_TIMEOUT_MS);
  await child.status;
  clearTimeout(timer);

  const times = (await Deno.readTextFile(`${base}.times`)).trim().split("\n");
  const [t0, t1, status] = times[0].split(" ").map(Number);
  const [childUser, childSys] = times[2].trim().split(/\s+/).map(parseSeconds);
  const rssLine = (await Deno.readTextFile(`${base}.rss`)).trim().split("\n").at(-1) ?? "";
  let sha256 = "(no output)";
  if (output !== undefined) {
    try {
      sha256 = await sha256File(output);
    } catch {
      // Reported as a mismatch by the caller.
    }
    await Deno.remove(output).catch(() => {});
  }
  return {
    wallS: t1 - t0,
    cpuS: childUser + childSys,
    rssBytes: Number(rssLine) * 1024,
    code: status,
    sha256,
  };
}

/**
 * Measures a download by `client` of `url` into `workDir`; with `peers`, also the CPU time the
 * processes it names (read before and after the run) spent meanwhile.
 */
export async function measureDownload(
  client: BenchClient,
  url: string,
  workDir: string,
  peers?: () => number[],
): Promise<Sample> {
  const out = `${workDir}/${fileStem(client.name)}.flv`;
  const source = client.url ?? url;
  // ffmpeg asks for a 3 s buffer by default, and nginx-rtmp then sends a VOD in real time;
  // rtmpdump asks for 10 hours (36000000 ms) and gets it as fast as it reads.
  const io = client.style === "ffmpeg"
    ? [
      "-nostdin",
      "-loglevel",
      "error",
      "-rtmp_buffer",
      "36000000",
      "-y",
      "-i",
      source,
      "-c",
      "copy",
      "-f",
      "flv",
      out,
    ]
    : ["-r", source, "-o", out];
  const watched = peers?.() ?? [];
  const before = cpuSeconds(watched);
  const sample = await measureCommand(
    client.name,
    [...client.command, ...io, ...(client.extraArgs ?? [])],
    out,
    workDir,
  );
  return peers === undefined ? sample : { ...sample, peerCpuS: cpuSeconds(watched) - before };
}

/** The last lines of a measured client's stderr, for a failure report. */
export async function stderrTail(name: string, workDir: string): Promise<string> {
  const text = await Deno.readTextFile(`${workDir}/${fileStem(name)}.stderr`).catch(() => "");
  return text.trim().split("\n").slice(-3).join(" | ");
}

/**
 * Measures every client `runs` times, in turns (alternating the order, so neither side always
 * runs first), after one unmeasured warm-up each; every run's exit code and output hash are
 * checked against the first client's warm-up (a client that cannot match it only has to exit
 * with 0). With `peers`, each sample also has the CPU time of the processes it names. Returns
 * the samples by client name and the differences found.
 */
export async function measureInTurns(
  clients: readonly BenchClient[],
  url: string,
  runs: number,
  workDir: string,
  peers?: () => number[],
): Promise<{ samples: Map<string, Sample[]>; problems: string[] }> {
  const problems: string[] = [];
  const reference = await measureDownload(clients[0], url, workDir);
  const differs = (client: BenchClient, sample: Sample) =>
    client.compareOutput === false
      ? sample.code !== 0
      : sample.code !== reference.code || sample.sha256 !== reference.sha256;
  for (const client of clients.slice(1)) {
    const warm = await measureDownload(client, url, workDir);
    if (differs(client, warm)) {
      problems.push(
        `${client.name}: warm-up differs from ${clients[0].name} (exit ${warm.code} vs ` +
          `${reference.code}, output ${warm.sha256.slice(0, 12)} vs ${
            reference.sha256.slice(0, 12)
          }): ${await stderrTail(client.name, workDir)}`,
      );
    }
  }
  const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? clients : [...clients].reverse();
    for (const client of order) {
      const sample = await measureDownload(client, url, workDir, peers);
      samples.get(client.name)!.push(sample);
      if (differs(client, sample)) {
        problems.push(`run ${run}, ${client.name}: output or exit code differs`);
      }
    }
  }
  return { samples, problems };
}
