/**
 * Benchmark: rtmpkit against rtmpdump, downloading VOD files from a local nginx-rtmp
 * (`deno task bench`; not part of `deno task test`).
 *
 * Cases: a ~16 MB file (round trips dominate) and a ~240 MB 1080p file (throughput dominates),
 * both generated once with ffmpeg and cached under `.tmp/media/`. Clients: rtmpdump,
 * `deno run -A cli.ts`, `dist/rtmpkit` when built, and `bun cli.ts` with `--bun`. After one
 * unmeasured warm-up each, the clients take turns, `--runs N` times each (default 5), and every
 * output is checked against rtmpdump's (SHA-256 and exit code).
 *
 * Each run is measured from a small bash wrapper: wall time from `$EPOCHREALTIME` around the
 * client, CPU (user + sys) from bash's `times` (millisecond resolution), and peak RSS from GNU
 * time's `%M` (the largest of bash and the client; bash's own is a few MB).
 *
 * Targets, for each rtmpkit client against rtmpdump's medians: wall ≤ 1.1x, CPU ≤ 2.5x, and
 * peak RSS ≤ 80 MB. Misses are reported, not fatal; a differing output or a failed run exits 1.
 *
 * The fan-out case (`fanout`, see `bench_fanout.ts`) plays one live stream with N concurrent
 * players from `rtmpkit serve` and from nginx-rtmp, for a ladder of N, and reports each server's
 * CPU per player and the largest N it holds without losing frames; the target is that rtmpkit
 * holds at least nginx-rtmp's number.
 *
 * Usage: `deno run -A scripts/bench.ts [--runs N] [--only 16mb|240mb|fanout] [--bun]
 * [--ladder 10,25,50]` (`--ladder` sets the fan-out case's player counts).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { genMedia, MEDIA_DIR, type MediaKind, REPO_ROOT } from "./gen_media.ts";
import { benchFanout } from "./bench_fanout.ts";
import {
  findExecutable,
  peersAvailable,
  RTMPKIT_BINARY,
  rtmpkitCommand,
  startNginxRtmp,
} from "../tests/interop/_harness.ts";

/** Wall-time target: rtmpkit's median over rtmpdump's. */
const WALL_TARGET_RATIO = 1.1;
/** CPU (user + sys) target: rtmpkit's median over rtmpdump's. */
const CPU_TARGET_RATIO = 2.5;
/** Peak RSS target for rtmpkit, in bytes. */
const RSS_TARGET_BYTES = 80e6;
/** No single download may take longer than this. */
const RUN_TIMEOUT_MS = 300_000;

interface Client {
  readonly name: string;
  readonly command: string[];
  readonly isReference: boolean;
}

interface Sample {
  readonly wallS: number;
  readonly cpuS: number;
  readonly rssBytes: number;
  readonly code: number;
  readonly sha256: string;
}

interface Case {
  readonly label: string;
  readonly kind: MediaKind;
}

const CASES: Record<string, Case> = {
  "16mb": { label: "16 MB VOD", kind: "bench_16mb" },
  "240mb": { label: "240 MB 1080p VOD", kind: "bench_1080p" },
};
/** The `--only` name of the live fan-out case. */
const FANOUT_CASE = "fanout";

const WRAPPER = [
  'base="$1"; shift',
  "t0=$EPOCHREALTIME",
  '"$@" 2>"$base.stderr"',
  "status=$?",
  "t1=$EPOCHREALTIME",
  '{ echo "$t0 $t1 $status"; times; } >"$base.times"',
  'exit "$status"',
].join("\n");

function parseArgs(args: string[]) {
  let runs = 5;
  let only: string | undefined;
  let bun = false;
  let ladder: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--runs") runs = Number(args[++i]);
    else if (arg.startsWith("--runs=")) runs = Number(arg.slice("--runs=".length));
    else if (arg === "--only") only = args[++i];
    else if (arg === "--bun") bun = true;
    else if (arg === "--ladder") ladder = (args[++i] ?? "").split(",").map(Number);
    else throw new Error(`Unknown argument "${arg}"`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
  if (only !== undefined && !(only in CASES) && only !== FANOUT_CASE) {
    throw new Error(`--only takes one of: ${[...Object.keys(CASES), FANOUT_CASE].join(", ")}`);
  }
  if (ladder !== undefined && !ladder.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error("--ladder needs a comma-separated list of player counts");
  }
  return { runs, only, bun, ladder };
}

async function sha256File(path: string): Promise<string> {
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

function fileStem(client: Client): string {
  return client.name.replace(/\W+/g, "_").replace(/^_|_$/g, "");
}

function parseSeconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`Cannot parse bash times value "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

async function measure(client: Client, url: string, workDir: string): Promise<Sample> {
  const base = `${workDir}/${fileStem(client)}`;
  const out = `${base}.flv`;
  await Deno.remove(out).catch(() => {});
  const child = new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "%M",
      "-o",
      `${base}.rss`,
      "bash",
      "-c",
      WRAPPER,
      "bench",
      base,
      ...client.command,
      "-r",
      url,
      "-o",
      out,
    ],
    cwd: REPO_ROOT,
    env: { LC_ALL: "C" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true, // its own process group, so a timeout can kill time, bash and the client
  }).spawn();
  const timer = setTimeout(() => Deno.kill(-child.pid, "SIGKILL"), RUN_TIMEOUT_MS);
  await child.status;
  clearTimeout(timer);

  const times = (await Deno.readTextFile(`${base}.times`)).trim().split("\n");
  const [t0, t1, status] = times[0].split(" ").map(Number);
  const [childUser, childSys] = times[2].trim().split(/\s+/).map(parseSeconds);
  const rssLine = (await Deno.readTextFile(`${base}.rss`)).trim().split("\n").at(-1) ?? "";
  let sha256 = "(no output)";
  try {
    sha256 = await sha256File(out);
  } catch {
    // Reported as a mismatch below.
  }
  await Deno.remove(out).catch(() => {});
  return {
    wallS: t1 - t0,
    cpuS: childUser + childSys,
    rssBytes: Number(rssLine) * 1024,
    code: status,
    sha256,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

async function benchCase(
  benchCase: Case,
  clients: Client[],
  url: string,
  runs: number,
  workDir: string,
): Promise<boolean> {
  const path = `${MEDIA_DIR}/${benchCase.kind}.flv`;
  const { size } = await Deno.stat(path);
  console.log(`\n${benchCase.label}: ${benchCase.kind}.flv, ${(size / 1e6).toFixed(1)} MB`);

  let ok = true;
  const reference = await measure(clients[0], url, workDir);
  for (const client of clients.slice(1)) {
    const warm = await measure(client, url, workDir);
    if (warm.code !== reference.code || warm.sha256 !== reference.sha256) {
      console.log(
        `  ${client.name}: warm-up differs from rtmpdump (exit ${warm.code} vs ` +
          `${reference.code}; output ${warm.sha256.slice(0, 12)} vs ${
            reference.sha256.slice(0, 12)
          })`,
      );
      const stderr = await Deno.readTextFile(
        `${workDir}/${fileStem(client)}.stderr`,
      ).catch(() => "");
      if (stderr) {
        console.log(`  its stderr ends with: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
      }
      ok = false;
    }
  }

  const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? clients : [...clients].reverse();
    for (const client of order) {
      const sample = await measure(client, url, workDir);
      samples.get(client.name)!.push(sample);
      if (sample.code !== reference.code || sample.sha256 !== reference.sha256) {
        console.log(`  run ${run}, ${client.name}: output or exit code differs from rtmpdump's`);
        ok = false;
      }
    }
  }

  const rows = clients.map((client) => {
    const s = samples.get(client.name)!;
    return {
      client,
      wall: median(s.map((x) => x.wallS)),
      cpu: median(s.map((x) => x.cpuS)),
      rss: median(s.map((x) => x.rssBytes)),
      peakRss: Math.max(...s.map((x) => x.rssBytes)),
    };
  });
  const ref = rows[0];
  console.log(
    `  ${pad("client", 16)} ${pad("wall s", 8, true)} ${pad("cpu s", 8, true)} ` +
      `${pad("rss MB", 8, true)} ${pad("wall x", 7, true)} ${pad("cpu x", 7, true)}   ` +
      `(medians of ${runs} runs, exit ${reference.code})`,
  );
  for (const row of rows) {
    const ratios = row.client.isReference
      ? ""
      : ` ${pad(`${(row.wall / ref.wall).toFixed(2)}x`, 7, true)} ${
        pad(`${(row.cpu / ref.cpu).toFixed(2)}x`, 7, true)
      }`;
    console.log(
      `  ${pad(row.client.name, 16)} ${pad(row.wall.toFixed(3), 8, true)} ` +
        `${pad(row.cpu.toFixed(3), 8, true)} ${pad((row.rss / 1e6).toFixed(1), 8, true)}${ratios}`,
    );
  }
  for (const row of rows.filter((r) => !r.client.isReference)) {
    const wallX = row.wall / ref.wall;
    const cpuX = row.cpu / ref.cpu;
    const verdict = (pass: boolean) => pass ? "PASS" : "MISS";
    console.log(
      `  ${row.client.name}: wall ${verdict(wallX <= WALL_TARGET_RATIO)} ` +
        `(${wallX.toFixed(2)}x, target ≤ ${WALL_TARGET_RATIO}x), ` +
        `CPU ${verdict(cpuX <= CPU_TARGET_RATIO)} (${
          cpuX.toFixed(2)
        }x, target ≤ ${CPU_TARGET_RATIO}x), ` +
        `RSS ${verdict(row.peakRss <= RSS_TARGET_BYTES)} ` +
        `(peak ${(row.peakRss / 1e6).toFixed(1)} MB, target ≤ ${RSS_TARGET_BYTES / 1e6} MB)`,
    );
  }
  return ok;
}

async function main(args: string[]): Promise<number> {
  const { runs, only, bun, ladder } = parseArgs(args);
  const workDir = `${REPO_ROOT}/.tmp/bench`;
  await Deno.mkdir(workDir, { recursive: true });
  if (only === FANOUT_CASE) return await fanout(workDir, ladder);
  const availability = peersAvailable(["nginx-rtmp", "rtmpdump", "ffmpeg", "time"]);
  if (!availability.ok) {
    console.error(`Cannot run the benchmark: ${availability.reasons.join(", ")}`);
    return 1;
  }
  if (findExecutable("bash") === undefined) {
    console.error("Cannot run the benchmark: bash not found");
    return 1;
  }

  const clients: Client[] = [
    { name: "rtmpdump", command: [findExecutable("rtmpdump")!], isReference: true },
    { name: "rtmpkit (deno)", command: rtmpkitCommand("deno"), isReference: false },
  ];
  if (peersAvailable(["rtmpkit-binary"]).ok) {
    clients.push({ name: "rtmpkit (binary)", command: [RTMPKIT_BINARY], isReference: false });
  } else {
    console.log("dist/rtmpkit not built (deno task build): benchmarking without it");
  }
  if (bun && peersAvailable(["bun"]).ok) {
    clients.push({ name: "rtmpkit (bun)", command: rtmpkitCommand("bun"), isReference: false });
  }

  const cases = only === undefined ? Object.values(CASES) : [CASES[only]];
  for (const c of cases) {
    console.log(`Preparing ${c.kind}.flv (generated once, then cached in .tmp/media/)...`);
    await genMedia(c.kind);
  }

  let ok = true;
  {
    await using server = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    console.log(
      `nginx-rtmp on 127.0.0.1:${server.port}; targets for rtmpkit against rtmpdump: ` +
        `wall ≤ ${WALL_TARGET_RATIO}x, CPU ≤ ${CPU_TARGET_RATIO}x, peak RSS ≤ ${
          RSS_TARGET_BYTES / 1e6
        } MB`,
    );
    for (const c of cases) {
      ok = await benchCase(c, clients, server.url("vod", `${c.kind}.flv`), runs, workDir) && ok;
    }
  }
  if (!ok) console.log("\nSome outputs or exit codes differed from rtmpdump's.");
  if (only === undefined) ok = await fanout(workDir, ladder) === 0 && ok;
  return ok ? 0 : 1;
}

async function fanout(workDir: string, ladder: number[] | undefined): Promise<number> {
  const availability = peersAvailable(["nginx-rtmp", "ffmpeg"]);
  if (!availability.ok) {
    console.error(`Cannot run the fan-out case: ${availability.reasons.join(", ")}`);
    return 1;
  }
  return await benchFanout({ workDir, ladder }) ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
