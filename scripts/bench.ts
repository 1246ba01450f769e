/**
 * Benchmark: rtmpkit side by side with rtmpdump and nginx-rtmp, every case in one run, with the
 * ratios and the targets (`deno task bench`; not part of `deno task test`).
 *
 * Cases (`--only` takes a comma-separated list of their names):
 *
 * - `startup`: CPU and peak RSS when the first byte reaches the server (scripts/bench_startup.ts).
 *   Targets for `deno run` and the binary: under 0.050 s and 30 MB.
 * - `16mb`, `240mb`: a ~16 MB file (round trips dominate) and a ~240 MB 1080p file (throughput
 *   dominates) from nginx-rtmp (scripts/bench_vod.ts). Targets on the 240 MB file for `deno run`
 *   and the binary against rtmpdump: CPU ≤ 1.3x, wall ≤ 1.05x, peak RSS ≤ 48 MB.
 * - `rtmpe`: the 240 MB file over RTMPE through rtmpsuck (scripts/bench_rtmpe.ts). Targets: CPU
 *   ≤ 1.5x rtmpdump's, wall ≤ 1.05x.
 * - `rtmps`: the 240 MB file over TLS through stunnel (scripts/bench_rtmps.ts), beside plain RTMP
 *   and ffmpeg. Target: wall ≤ 1.1x the same runtime's plain download.
 * - `fanout`: N players of one live stream from rtmpkit serve and from nginx-rtmp
 *   (scripts/bench_fanout.ts). Targets: CPU per player at the ladder's top ≤ nginx-rtmp's, and
 *   rtmpkit holds at least nginx-rtmp's N.
 *
 * Clients: rtmpdump, `deno run -A cli.ts`, the binary `dist/rtmpkit` (built first, unless
 * `--no-build`), and `bun cli.ts` (figures only; the binary is what Bun users run). Floors: bare
 * programs (scripts/bench_floor.ts) on Deno and as a Bun binary, doing only what the runtime
 * must for the case (connect and send a byte; copy a socket to a file), which shows where a
 * runtime, not rtmpkit, decides a figure.
 *
 * Every figure is a median of `--runs N` runs (default 7; the start-up case takes three times
 * as many, being cheap), the clients taking turns. Every output is compared with rtmpdump's
 * (SHA-256 and exit code). The machine's load average is printed with each case: figures from
 * a busy machine are noisy, ratios less so. Misses are reported, not fatal; a differing output
 * or a failed run exits 1.
 *
 * The whole run takes about 7 minutes on a 2-core machine, half of it the fan-out ladder;
 * `--quick` takes 3 runs and the fan-out steps 100 and 800 only (about 4 minutes), for a look
 * while working rather than figures to quote.
 *
 * Usage: `deno run -A scripts/bench.ts [--quick] [--runs N]
 * [--only startup,16mb,240mb,rtmpe,rtmps,fanout] [--no-build] [--no-bun] [--ladder 10,25,50]`
 *
 * @module
 */

import { genMedia, MEDIA_DIR, type MediaKind, REPO_ROOT } from "./gen_media.ts";
import { benchFanout } from "./bench_fanout.ts";
import { type BenchClient, measureToolsMissing, sha256File } from "./bench_measure.ts";
import {
  type BenchRow,
  floorNotes,
  megabyteTarget,
  printRows,
  ratioTarget,
  secondsTarget,
  type Target,
} from "./bench_report.ts";
import { benchStartup, type StartupSubject } from "./bench_startup.ts";
import { benchFloors, benchVod, type FloorProgram, type VodResult } from "./bench_vod.ts";
import { benchRtmpe, rtmpeUnavailable } from "./bench_rtmpe.ts";
import { rtmpsUnavailable, startStunnel } from "./bench_rtmps.ts";
import { withChildren } from "./bench_proc.ts";
import {
  findExecutable,
  peersAvailable,
  RTMPKIT_BINARY,
  rtmpkitCommand,
  startNginxRtmp,
} from "../tests/interop/_harness.ts";

/** Case names, in the order they run. */
const CASES = ["startup", "16mb", "240mb", "rtmpe", "rtmps", "fanout"] as const;
type CaseName = typeof CASES[number];

/** Targets (issue figures). */
const STARTUP_CPU_TARGET_S = 0.05;
const STARTUP_RSS_TARGET_MB = 30;
const VOD_CPU_TARGET = 1.3;
const VOD_WALL_TARGET = 1.05;
const VOD_RSS_TARGET_MB = 48;
const RTMPE_CPU_TARGET = 1.5;
const RTMPE_WALL_TARGET = 1.05;
const RTMPS_WALL_TARGET = 1.1;
/** The machine's cores, which the rtmps case's processes share. */
const CORES = navigator.hardwareConcurrency;

const VOD_FILES: Record<"16mb" | "240mb", { label: string; kind: MediaKind }> = {
  "16mb": { label: "16 MB VOD", kind: "bench_16mb" },
  "240mb": { label: "240 MB VOD", kind: "bench_1080p" },
};

const RTMPDUMP = "rtmpdump";
const DENO = "rtmpkit (deno)";
const BINARY = "rtmpkit (binary)";
const BUN = "rtmpkit (bun)";
/** The clients held to the targets: the two ways rtmpkit ships. */
const TARGETED = new Set([DENO, BINARY]);

interface Options {
  runs: number;
  only: Set<CaseName>;
  build: boolean;
  bun: boolean;
  ladder: number[] | undefined;
}

/** Runs per client and case (the start-up case takes three times as many). */
const DEFAULT_RUNS = 7;
/** `--quick`: fewer runs and two fan-out steps. */
const QUICK_RUNS = 3;
const QUICK_LADDER = [100, 800];

function parseArgs(args: string[]): Options {
  let runs: number | undefined;
  let quick = false;
  let only = new Set<CaseName>(CASES);
  let build = true;
  let bun = true;
  let ladder: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--runs") runs = Number(args[++i]);
    else if (arg.startsWith("--runs=")) runs = Number(arg.slice("--runs=".length));
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const list = arg === "--only" ? args[++i] ?? "" : arg.slice("--only=".length);
      const names = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
      for (const name of names) {
        if (!(CASES as readonly string[]).includes(name)) {
          throw new Error(`--only takes some of: ${CASES.join(", ")} (not "${name}")`);
        }
      }
      only = new Set(names as CaseName[]);
    } else if (arg === "--no-build") build = false;
    else if (arg === "--no-bun") bun = false;
    else if (arg === "--bun") bun = true;
    else if (arg === "--ladder") ladder = (args[++i] ?? "").split(",").map(Number);
    else throw new Error(`Unknown argument "${arg}"`);
  }
  runs ??= quick ? QUICK_RUNS : DEFAULT_RUNS;
  if (quick) ladder ??= QUICK_LADDER;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
  if (ladder !== undefined && !ladder.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error("--ladder needs a comma-separated list of player counts");
  }
  return { runs, only, build, bun, ladder };
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

function heading(text: string): void {
  console.log(`\n${text} (load average ${loadAverage()})`);
}

async function buildBinary(): Promise<boolean> {
  console.log("Building dist/rtmpkit (deno task build; --no-build skips this)...");
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}/scripts/build.ts`],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).output();
  return code === 0;
}

/** Compiles scripts/bench_floor.ts with Bun into the work folder; undefined without Bun. */
async function buildBunFloor(workDir: string): Promise<string | undefined> {
  const bun = findExecutable("bun");
  if (bun === undefined) return undefined;
  const out = `${workDir}/bench_floor_bun`;
  const { code } = await new Deno.Command(bun, {
    args: ["build", "--compile", "--outfile", out, `${REPO_ROOT}/scripts/bench_floor.ts`],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return code === 0 ? out : undefined;
}

/** Rows of a VOD-like case: ratios against `reference`, targets for the shipped clients. */
function vodRows(
  caseName: string,
  results: readonly VodResult[],
  reference: string,
  targets: (name: string, wallX: number, cpuX: number, rss: number) => Target[],
  notes: Record<string, string> = {},
): BenchRow[] {
  const ref = results.find((r) => r.name === reference)?.summary;
  return results.map(({ name, summary }) => {
    const isRef = name === reference;
    const wallX = ref && !isRef ? summary.wallS / ref.wallS : undefined;
    const cpuX = ref && !isRef ? summary.cpuS / ref.cpuS : undefined;
    return {
      caseName,
      name,
      wallS: summary.wallS,
      cpuS: summary.cpuS,
      rssBytes: summary.rssBytes,
      wallX,
      cpuX,
      targets: isRef ? [] : targets(name, wallX ?? NaN, cpuX ?? NaN, summary.rssBytes),
      note: isRef ? "reference" : notes[name],
    };
  });
}

async function main(args: string[]): Promise<number> {
  const options = parseArgs(args);
  const workDir = `${REPO_ROOT}/.tmp/bench`;
  await Deno.mkdir(workDir, { recursive: true });
  const missingTool = measureToolsMissing();
  if (missingTool !== undefined) {
    console.error(`Cannot run the benchmark: ${missingTool}`);
    return 1;
  }
  const needsClients = [...options.only].some((c) => c !== "fanout");
  if (needsClients) {
    const availability = peersAvailable(["nginx-rtmp", "rtmpdump", "ffmpeg"]);
    if (!availability.ok) {
      console.error(`Cannot run the benchmark: ${availability.reasons.join(", ")}`);
      return 1;
    }
  }
  console.log(`rtmpkit benchmark: medians of ${options.runs} runs; ${Deno.build.target}`);
  if (options.build && needsClients && !(await buildBinary())) {
    console.error("Cannot build dist/rtmpkit: benchmarking without it");
  }

  const clients: BenchClient[] = [
    { name: RTMPDUMP, command: [findExecutable("rtmpdump") ?? "rtmpdump"] },
    { name: DENO, command: rtmpkitCommand("deno") },
  ];
  if (peersAvailable(["rtmpkit-binary"]).ok) {
    clients.push({ name: BINARY, command: [RTMPKIT_BINARY] });
  } else console.log("dist/rtmpkit is not built: the binary is left out");
  if (options.bun && peersAvailable(["bun"]).ok) {
    clients.push({ name: BUN, command: rtmpkitCommand("bun") });
  }
  const bunFloor = needsClients ? await buildBunFloor(workDir) : undefined;
  const denoFloor = [Deno.execPath(), "run", "-A", `${REPO_ROOT}/scripts/bench_floor.ts`];

  const rows: BenchRow[] = [];
  const problems: string[] = [];
  let ok = true;

  if (options.only.has("startup")) {
    heading("Start-up: CPU and peak RSS when the first byte reaches the server");
    const subjects: StartupSubject[] = clients.map((c) => ({
      name: c.name,
      argv: (port) => [
        ...c.command,
        "-r",
        `rtmp://127.0.0.1:${port}/vod/startup.flv`,
        "-o",
        `${workDir}/startup.flv`,
      ],
    }));
    const floors: StartupSubject[] = [
      {
        name: "floor: Deno, connect + 1 byte",
        argv: (port) => [...denoFloor, "first-byte", "127.0.0.1", String(port)],
      },
    ];
    if (bunFloor) {
      floors.push({
        name: "floor: Bun binary, connect + 1 byte",
        argv: (port) => [bunFloor, "first-byte", "127.0.0.1", String(port)],
      });
    }
    const results = await benchStartup([...subjects, ...floors], options.runs * 3, workDir);
    const reference = results.get(RTMPDUMP)!;
    const caseRows: BenchRow[] = [...results].map(([name, r]) => ({
      caseName: "start-up",
      name,
      wallS: r.wallS,
      cpuS: r.cpuS,
      rssBytes: r.rssBytes,
      wallX: name === RTMPDUMP ? undefined : r.wallS / reference.wallS,
      cpuX: name === RTMPDUMP ? undefined : r.cpuS / reference.cpuS,
      targets: TARGETED.has(name)
        ? [
          secondsTarget("CPU", r.cpuS, STARTUP_CPU_TARGET_S),
          megabyteTarget("RSS", r.rssBytes, STARTUP_RSS_TARGET_MB, false),
        ]
        : [],
      note: name === RTMPDUMP ? "reference" : undefined,
    }));
    printRows(caseRows);
    rows.push(...caseRows);
  }

  const vodCases = (["16mb", "240mb"] as const).filter((c) => options.only.has(c));
  const needs240 = options.only.has("240mb") || options.only.has("rtmpe") ||
    options.only.has("rtmps");
  if (vodCases.length > 0 || needs240) {
    for (const c of vodCases) await genMedia(VOD_FILES[c].kind);
    if (needs240) await genMedia(VOD_FILES["240mb"].kind);
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    for (const c of vodCases) {
      const { label, kind } = VOD_FILES[c];
      const path = `${MEDIA_DIR}/${kind}.flv`;
      const { size } = await Deno.stat(path);
      heading(`${label}: ${kind}.flv (${(size / 1e6).toFixed(1)} MB) from nginx-rtmp`);
      const vod = await benchVod(clients, nginx.url("vod", `${kind}.flv`), options.runs, workDir);
      problems.push(...vod.problems.map((p) => `${label}: ${p}`));
      const results = [...vod.results];
      if (c === "240mb") {
        const floors: FloorProgram[] = [{
          name: "floor: Deno socket to file",
          argv: (port, out) => [...denoFloor, "read", "127.0.0.1", String(port), out],
        }];
        if (bunFloor) {
          floors.push({
            name: "floor: Bun binary socket to file",
            argv: (port, out) => [bunFloor, "read", "127.0.0.1", String(port), out],
          });
        }
        const floor = await benchFloors(
          floors,
          path,
          await sha256File(path),
          options.runs,
          workDir,
        );
        problems.push(...floor.problems.map((p) => `${label}: ${p}`));
        results.push(...floor.results);
      }
      const caseRows = vodRows(
        label,
        results,
        RTMPDUMP,
        (name, wallX, cpuX, rss) =>
          c === "240mb" && TARGETED.has(name)
            ? [
              ratioTarget("CPU", cpuX, VOD_CPU_TARGET),
              ratioTarget("wall", wallX, VOD_WALL_TARGET),
              megabyteTarget("RSS", rss, VOD_RSS_TARGET_MB),
            ]
            : [],
        {
          "floor: Deno socket to file": "the file from a plain TCP sender, no RTMP",
          "floor: Bun binary socket to file": "the file from a plain TCP sender, no RTMP",
        },
      );
      printRows(caseRows);
      rows.push(...caseRows);
    }

    if (options.only.has("rtmps")) {
      const kind = VOD_FILES["240mb"].kind;
      heading(`rtmps: ${kind}.flv through stunnel in front of nginx-rtmp`);
      const unavailable = rtmpsUnavailable();
      if (unavailable !== undefined) {
        console.log(`  skipped: ${unavailable}`);
        rows.push({ caseName: "rtmps", name: "-", note: `skipped: ${unavailable}` });
      } else {
        await using stunnel = await startStunnel(nginx.port);
        const plainUrl = nginx.url("vod", `${kind}.flv`);
        const tlsUrl = `rtmps://127.0.0.1:${stunnel.port}/vod/${kind}.flv`;
        const shipped = clients.filter((c) => TARGETED.has(c.name));
        const rtmpsClients: BenchClient[] = [
          ...shipped.map((c) => ({ ...c, name: `${c.name} rtmp`, url: plainUrl })),
          ...shipped.map((c) => ({
            ...c,
            name: `${c.name} rtmps`,
            url: tlsUrl,
            extraArgs: ["--tlsCa", stunnel.caFile],
          })),
          {
            name: "ffmpeg rtmps",
            command: [findExecutable("ffmpeg")!],
            style: "ffmpeg" as const,
            url: tlsUrl,
            compareOutput: false,
          },
        ];
        // The CPU nginx-rtmp (master and worker) and stunnel spend during each download: with
        // the client's, what the cores must do for it.
        const peers = () => [...withChildren(nginx.pid), stunnel.pid];
        const tls = await benchVod(rtmpsClients, plainUrl, options.runs, workDir, peers);
        problems.push(...tls.problems.map((p) => `rtmps: ${p}`));
        // The floors read the file over TLS through a stunnel of their own (same certificates
        // made the same way) and over plain TCP: what TLS and the relay cost without RTMP.
        const path = `${MEDIA_DIR}/${kind}.flv`;
        const sha256 = await sha256File(path);
        let floorCa = "";
        const tlsFloors: FloorProgram[] = [{
          name: "floor: Deno TLS socket to file",
          argv: (port, out) => [...denoFloor, "read", "localhost", String(port), out, floorCa],
        }];
        if (bunFloor) {
          tlsFloors.push({
            name: "floor: Bun binary TLS socket to file",
            argv: (port, out) => [bunFloor, "read", "localhost", String(port), out, floorCa],
          });
        }
        const floor = await benchFloors(
          tlsFloors,
          path,
          sha256,
          options.runs,
          workDir,
          async (port) => {
            const relay = await startStunnel(port);
            floorCa = relay.caFile;
            return relay;
          },
        );
        problems.push(...floor.problems.map((p) => `rtmps: ${p}`));
        const caseRows: BenchRow[] = [];
        for (const result of tls.results) {
          const plain = result.name.endsWith(" rtmps")
            ? tls.results.find((r) => r.name === result.name.replace(/ rtmps$/, " rtmp"))
            : undefined;
          const wallX = plain ? result.summary.wallS / plain.summary.wallS : undefined;
          const cpuX = plain ? result.summary.cpuS / plain.summary.cpuS : undefined;
          const peerCpu = result.summary.peerCpuS;
          // No schedule runs the client, nginx-rtmp and stunnel in less wall time than their
          // CPU time shared over every core.
          const bound = plain && peerCpu !== undefined
            ? (result.summary.cpuS + peerCpu) / CORES / plain.summary.wallS
            : undefined;
          const notes = [
            plain ? `against ${plain.name}` : undefined,
            peerCpu === undefined ? undefined : `nginx-rtmp + stunnel ${peerCpu.toFixed(3)} s CPU`,
            bound === undefined
              ? undefined
              : `with the client's, ${CORES} cores need ≥ ${bound.toFixed(2)}x plain wall`,
            bound === undefined
              ? undefined
              : `${RTMPS_WALL_TARGET}x leaves the client ${
                (RTMPS_WALL_TARGET * plain!.summary.wallS * CORES - peerCpu!).toFixed(3)
              } s CPU (${plain!.summary.cpuS.toFixed(3)} s over plain RTMP)`,
          ].filter((n) => n !== undefined);
          caseRows.push({
            caseName: "rtmps",
            name: result.name,
            wallS: result.summary.wallS,
            cpuS: result.summary.cpuS,
            rssBytes: result.summary.rssBytes,
            wallX,
            cpuX,
            targets: plain && TARGETED.has(result.name.replace(/ rtmps$/, ""))
              ? [ratioTarget("wall vs plain", wallX, RTMPS_WALL_TARGET)]
              : [],
            note: notes.length > 0 ? notes.join("; ") : undefined,
          });
        }
        for (const result of floor.results) {
          caseRows.push({
            caseName: "rtmps",
            name: result.name,
            wallS: result.summary.wallS,
            cpuS: result.summary.cpuS,
            rssBytes: result.summary.rssBytes,
            note: "the file over TLS through stunnel from a plain TCP sender, no RTMP",
          });
        }
        printRows(caseRows);
        rows.push(...caseRows);
      }
    }
  }

  if (options.only.has("rtmpe")) {
    const kind = VOD_FILES["240mb"].kind;
    heading(`RTMPE: ${kind}.flv through rtmpsuck (librtmp's server handshake) to nginx-rtmp`);
    const unavailable = rtmpeUnavailable();
    if (unavailable !== undefined) {
      console.log(`  skipped: ${unavailable}`);
      rows.push({ caseName: "RTMPE", name: "-", note: `skipped: ${unavailable}` });
    } else {
      const shipped = clients.filter((c) => c.name === RTMPDUMP || TARGETED.has(c.name));
      const rtmpe = await benchRtmpe(shipped, `${kind}.flv`, options.runs, workDir);
      problems.push(...rtmpe.problems.map((p) => `RTMPE: ${p}`));
      const caseRows = vodRows(
        "RTMPE",
        rtmpe.results,
        RTMPDUMP,
        (name, wallX, cpuX) =>
          TARGETED.has(name)
            ? [
              ratioTarget("CPU", cpuX, RTMPE_CPU_TARGET),
              ratioTarget("wall", wallX, RTMPE_WALL_TARGET),
            ]
            : [],
      );
      printRows(caseRows);
      rows.push(...caseRows);
    }
  }

  if (options.only.has("fanout")) {
    const availability = peersAvailable(["nginx-rtmp", "ffmpeg"]);
    if (!availability.ok) {
      console.log(`\nFan-out skipped: ${availability.reasons.join(", ")}`);
      rows.push({ caseName: "fan-out", name: "-", note: "skipped" });
    } else {
      console.log(`\n(load average ${loadAverage()})`);
      const fanout = await benchFanout({ workDir, ladder: options.ladder });
      if (!fanout.ok) ok = false;
      rows.push(...fanout.rows);
    }
  }

  heading("Summary: every case side by side, medians, ratios and targets");
  printRows(rows);
  const notes = floorNotes(
    rows,
    new Map([[DENO, "floor: Deno"], [BINARY, "floor: Bun binary"]]),
  );
  if (notes.length > 0) {
    console.log("\nTargets missed, beside what the bare runtime costs for the same work:");
    for (const note of notes) console.log(`  ${note}`);
  }
  if (problems.length > 0) {
    ok = false;
    console.log("\nDifferences and failures:");
    for (const problem of problems) console.log(`  ${problem}`);
  }
  return ok ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
