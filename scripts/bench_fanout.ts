/**
 * The fan-out case of `deno task bench` (`--only fanout`): N concurrent players of one live
 * stream, from `rtmpkit serve` (on Deno, and as the binary `dist/rtmpkit` when it is built) and
 * from nginx-rtmp under the same load.
 *
 * For each server and each N of a ladder (10, 25, 50, 100, 200, 400, 800 by default):
 *
 * - ffmpeg publishes `bench_live_720p.flv` (H.264 720p30 at about 4 Mb/s + AAC, 15 s, generated
 *   once) in real time: `ffmpeg -re -i FILE -c copy -f flv rtmp://127.0.0.1:PORT/live/bench`.
 *   The same publisher for both servers.
 * - One separate Deno process (`scripts/fanout_player.ts`) waits until the stream plays, then
 *   opens N players on rtmpkit's own client layers, so the server measured does not compete with
 *   N processes. Each player checks that, from its first keyframe to the end of the file, every
 *   video and audio frame arrives in order up to the file's last one, that its connection stays
 *   up until then, and that it never falls more than {@linkcode MAX_LAG_MS} behind the live edge.
 * - The server's CPU (user + sys from `/proc/PID/stat`, nginx's master and worker summed) is
 *   measured from the moment every player plays until the publisher exits, and its RSS is sampled
 *   meanwhile; CPU per player is that CPU (in % of one core) over N.
 *
 * A server "holds" N when every player played and received every frame, to the last, within
 * the lag limit. A server's ladder stops at its first N that it does not hold. The targets:
 * rtmpkit holds at least nginx-rtmp's largest N, and at the largest N both hold its CPU per
 * player is at most nginx-rtmp's. The player process's own CPU is shown
 * too: when it nears a full core the load generator, not the server, may be what limits the
 * step (on a 2-core machine that happens above about 1000 players). At the first step one
 * rtmpdump also plays each server, as a check of the in-process players' frame accounting.
 *
 * nginx-rtmp runs with one worker (rtmpkit serve is one JavaScript thread too) and this config:
 * `worker_connections 4096`, `worker_rlimit_nofile 8192`, `chunk_size 4096`, `max_message 16M`,
 * `out_queue 65536` (its default of 256 messages would drop frames of a player that falls
 * behind for a moment), `max_connections` left unlimited, `application live { live on; record
 * off; }`, access log off. rtmpkit serve runs with `--quiet --max-connections 4096` and its other
 * defaults (8 MiB queue per player).
 *
 * @module
 */

import {
  findExecutable,
  freePort,
  NGINX_RTMP_MODULE,
  peersAvailable,
  rtmpkitCommand,
  type RtmpkitRuntime,
  waitForPort,
} from "../tests/interop/_harness.ts";
import { genMedia, MEDIA_DIR, REPO_ROOT } from "./gen_media.ts";
import {
  END_GRACE_MS,
  type ExpectedFrames,
  type FanoutResult,
  FrameChecker,
  readExpectedFrames,
} from "./fanout_player.ts";
import { FlvReader, FlvTagType } from "../src/flv/mod.ts";
import { type BenchRow, ratioTarget, type Target } from "./bench_report.ts";
import { cpuSeconds, cpuTimes, isRunning, rssBytes, withChildren } from "./bench_proc.ts";

/** Player counts tried, smallest first. */
export const FANOUT_LADDER: readonly number[] = [10, 25, 50, 100, 200, 400, 800];
/** A player further behind the live edge than this has not been held. */
export const MAX_LAG_MS = 1000;
/** Player process CPU (% of one core) from which a step is flagged as possibly player-bound. */
const PLAYER_BOUND_PERCENT = 90;
/** Media kind published. */
const FANOUT_KIND = "bench_live_720p";
const LIVE_APP = "live";
const STREAM_NAME = "bench";
/** How often RSS is sampled during a step. */
const RSS_SAMPLE_MS = 250;
/** Extra time a step may take beyond the file's duration before everything is killed. */
const STEP_SLACK_MS = 30_000;
/** rtmpkit serve's connection limit (its default, 1000, would cap the ladder). */
const RTMPKIT_MAX_CONNECTIONS = 4096;
/** How long to wait for a server's port. */
const SERVER_START_TIMEOUT_MS = 15_000;

/** A server under test. */
interface FanoutServer extends AsyncDisposable {
  readonly name: string;
  readonly port: number;
  /** The processes whose CPU and memory are the server's. */
  pids(): number[];
  /** Last lines of its log, for a failure report. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** One step's measurements. */
interface StepResult {
  readonly players: number;
  readonly held: boolean;
  readonly why: string;
  readonly cpuPercent: number;
  readonly systemPercent: number;
  readonly rssBytes: number;
  readonly playerCpuPercent: number;
  readonly windowS: number;
  readonly result: FanoutResult | undefined;
  readonly rtmpdump: string | undefined;
}

function killGroup(pid: number, signal: Deno.Signal = "SIGKILL"): void {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function stopGroup(pid: number, exited: () => boolean): Promise<void> {
  killGroup(pid, "SIGTERM");
  const deadline = performance.now() + 5_000;
  while (!exited() && performance.now() < deadline) await sleep(20);
  if (!exited()) killGroup(pid, "SIGKILL");
}

// ---------------------------------------------------------------------------------------------
// Servers

function fanoutNginxConfig(prefix: string, port: number): string {
  return [
    `load_module ${NGINX_RTMP_MODULE};`,
    ...(Deno.uid() === 0 ? ["user root;"] : []),
    "daemon on;",
    "master_process on;",
    "worker_processes 1;",
    "worker_rlimit_nofile 8192;",
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    "events { worker_connections 4096; }",
    "rtmp {",
    "  access_log off;",
    "  server {",
    `    listen 127.0.0.1:${port};`,
    "    chunk_size 4096;",
    "    max_message 16M;",
    "    out_queue 65536;",
    `    application ${LIVE_APP} { live on; record off; }`,
    "  }",
    "}",
    "",
  ].join("\n");
}

async function startNginx(): Promise<FanoutServer> {
  const nginx = findExecutable("nginx");
  if (nginx === undefined) throw new Error("Cannot start nginx-rtmp: nginx is not installed");
  const prefix = await Deno.makeTempDir({ prefix: "rtmpkit-fanout-nginx-" });
  await Deno.chmod(prefix, 0o755);
  const port = freePort();
  const conf = `${prefix}/nginx.conf`;
  const errorLog = `${prefix}/error.log`;
  await Deno.writeTextFile(conf, fanoutNginxConfig(prefix, port));
  const { code, stderr } = await new Deno.Command(nginx, {
    args: ["-c", conf, "-p", `${prefix}/`, "-e", errorLog],
    cwd: prefix,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
    throw new Error(`Cannot start nginx-rtmp: ${new TextDecoder().decode(stderr).trim()}`);
  }
  let master = 0;
  const deadline = performance.now() + SERVER_START_TIMEOUT_MS;
  while (master === 0 && performance.now() < deadline) {
    master = Number.parseInt(await Deno.readTextFile(`${prefix}/nginx.pid`).catch(() => ""), 10) ||
      0;
    if (master === 0) await sleep(20);
  }
  const stop = async () => {
    // nginx daemonises with setsid(): the master's pid is its process group.
    if (master !== 0) await stopGroup(master, () => !isRunning(master));
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
  };
  try {
    if (master === 0) throw new Error("Cannot start nginx-rtmp: no pid file");
    await waitForPort(port, SERVER_START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: "nginx-rtmp",
    port,
    pids: () => withChildren(master),
    log: async () => tail(await Deno.readTextFile(errorLog).catch(() => "")),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function startRtmpkit(
  name: string,
  runtime: RtmpkitRuntime,
  logPath: string,
): Promise<FanoutServer> {
  const port = freePort();
  const [command, ...prefix] = rtmpkitCommand(runtime);
  const log = await Deno.open(logPath, { write: true, create: true, truncate: true });
  const child = new Deno.Command(command, {
    args: [
      ...prefix,
      "serve",
      "--root",
      MEDIA_DIR,
      "--listen",
      `rtmp://127.0.0.1:${port}`,
      "--max-connections",
      String(RTMPKIT_MAX_CONNECTIONS),
      "--quiet",
    ],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    detached: true,
  }).spawn();
  const copying = child.stderr.pipeTo(log.writable).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    await stopGroup(child.pid, () => exited);
    await status;
    await copying;
  };
  try {
    await waitForPort(port, SERVER_START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name,
    port,
    pids: () => [child.pid],
    log: async () => tail(await Deno.readTextFile(logPath).catch(() => "")),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ");
}

// ---------------------------------------------------------------------------------------------
// One step

/** Reads an FLV written by rtmpdump and checks its frames as a player does. */
async function checkRtmpdumpOutput(path: string, expected: ExpectedFrames): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return "no output";
  }
  const checker = new FrameChecker(expected);
  const reader = new FlvReader();
  try {
    reader.push(bytes, (tag) => {
      const typeId = tag.type === FlvTagType.Video ? 9 : tag.type === FlvTagType.Audio ? 8 : 0;
      if (typeId !== 0) checker.onMessage(typeId, tag.timestamp, tag.data, NaN);
    });
  } catch (err) {
    return `unreadable FLV: ${(err as Error).message}`;
  }
  const verdict = checker.missing + checker.unexpected === 0 && checker.reachedEnd
    ? "every frame"
    : `${checker.missing} missing, ${checker.unexpected} unexpected${
      checker.reachedEnd ? "" : ", not to the end"
    }`;
  return `${checker.videoFrames} video + ${checker.audioFrames} audio frames, ${verdict}`;
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") yield pending;
}

/** CPU seconds of the server and the player process at one moment. */
interface CpuSample {
  readonly at: number;
  readonly server: number;
  readonly serverSystem: number;
  readonly player: number;
}

async function runStep(
  server: FanoutServer,
  players: number,
  flv: string,
  durationMs: number,
  expected: ExpectedFrames,
  workDir: string,
  withRtmpdump: boolean,
): Promise<StepResult> {
  const url = `rtmp://127.0.0.1:${server.port}/${LIVE_APP}/${STREAM_NAME}`;
  const timeoutMs = durationMs + STEP_SLACK_MS;
  const children: Deno.ChildProcess[] = [];
  const spawn = (
    command: string,
    args: string[],
    stdio: "piped" | "null" = "null",
  ): Deno.ChildProcess => {
    const child = new Deno.Command(command, {
      args,
      cwd: REPO_ROOT,
      stdin: stdio,
      stdout: stdio,
      stderr: "piped",
      detached: true, // its own process group, killed as a whole below
    }).spawn();
    children.push(child);
    return child;
  };
  const killAll = setTimeout(() => {
    for (const child of children) killGroup(child.pid);
  }, timeoutMs + 10_000);
  const rtmpdumpOut = `${workDir}/fanout_rtmpdump.flv`;

  try {
    const publisher = spawn(findExecutable("ffmpeg") ?? "ffmpeg", [
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-i",
      flv,
      "-c",
      "copy",
      "-f",
      "flv",
      url,
    ]);
    const [deno, ...denoArgs] = rtmpkitCommand("deno");
    const player = spawn(deno, [
      ...denoArgs.slice(0, -1), // `run -A` without cli.ts
      `${REPO_ROOT}/scripts/fanout_player.ts`,
      "--port",
      String(server.port),
      "--app",
      LIVE_APP,
      "--name",
      STREAM_NAME,
      "--flv",
      flv,
      "--players",
      String(players),
      "--timeout-ms",
      String(timeoutMs),
    ], "piped");
    const playerStderr = new Response(player.stderr).text();
    const playerInput = player.stdin.getWriter();

    // From the moment every player plays until the publisher exits: CPU of the server and of
    // the player process (which stays up until its stdin closes), and the server's peak RSS.
    const samples: CpuSample[] = [];
    let peakRss = 0;
    let sampling = false;
    let sampler: Promise<void> = Promise.resolve();
    const sample = () => {
      const times = cpuTimes(server.pids());
      samples.push({
        at: performance.now(),
        server: times.user + times.system,
        serverSystem: times.system,
        player: cpuSeconds([player.pid]),
      });
      peakRss = Math.max(peakRss, rssBytes(server.pids()));
    };
    const publisherDone = publisher.output().then(async (output) => {
      if (sampling) {
        sampling = false;
        await sampler;
        sample();
      }
      await playerInput.write(new TextEncoder().encode("publisher-done\n")).catch(() => {});
      return output;
    });

    let result: FanoutResult | undefined;
    let rtmpdump: Deno.ChildProcess | undefined;
    for await (const line of lines(player.stdout)) {
      if (line.startsWith("playing ")) {
        sampling = true;
        sampler = (async () => {
          while (sampling) {
            sample();
            await sleep(RSS_SAMPLE_MS);
          }
        })();
        if (withRtmpdump && findExecutable("rtmpdump") !== undefined) {
          await Deno.remove(rtmpdumpOut).catch(() => {});
          rtmpdump = spawn(findExecutable("rtmpdump")!, ["-q", "-v", "-r", url, "-o", rtmpdumpOut]);
        }
      } else if (line.startsWith("result ")) {
        result = JSON.parse(line.slice("result ".length)) as FanoutResult;
        await publisherDone;
        await playerInput.close().catch(() => {});
      }
    }
    const publisherOutput = await publisherDone;
    await playerInput.close().catch(() => {});
    await player.status;
    const errors = (await playerStderr).trim();
    let dumpVerdict: string | undefined;
    if (rtmpdump !== undefined) {
      // nginx-rtmp does not tell players that the publisher left (publish_notify off): stop
      // rtmpdump once it had time to get the last frame.
      const timer = setTimeout(() => killGroup(rtmpdump!.pid, "SIGTERM"), END_GRACE_MS);
      await rtmpdump.status;
      clearTimeout(timer);
      dumpVerdict = await checkRtmpdumpOutput(rtmpdumpOut, expected);
    }

    const first = samples[0];
    const last = samples.at(-1);
    const seconds = first && last ? (last.at - first.at) / 1000 : 0;
    const percent = (cpu: number) => seconds > 0 ? 100 * cpu / seconds : NaN;
    const cpuPercent = first && last ? percent(last.server - first.server) : NaN;
    const systemPercent = first && last ? percent(last.serverSystem - first.serverSystem) : NaN;
    const playerCpuPercent = first && last ? percent(last.player - first.player) : NaN;

    let why = "";
    if (result === undefined) why = `player process failed: ${errors.split("\n").at(-1) ?? ""}`;
    else if (!publisherOutput.success) {
      why = `publisher failed: ${new TextDecoder().decode(publisherOutput.stderr).trim()}`;
    } else if (result.playing < players) {
      why = `${players - result.playing} did not play (${result.errors[0] ?? ""})`;
    } else if (result.missing + result.unexpected > 0) {
      why = `${result.playersWithLoss} players lost ${result.missing + result.unexpected} frames`;
    } else if ((result.ends.complete ?? 0) < players) {
      why = `${players - (result.ends.complete ?? 0)} without the last frame (${
        Object.entries(result.ends).filter(([end]) => end !== "complete").map(([end, n]) =>
          `${end} ${n}`
        ).join(", ")
      }${result.errors.length > 0 ? `; ${result.errors[0]}` : ""})`;
    } else if (result.maxLagMs > MAX_LAG_MS) why = `lag ${result.maxLagMs} ms > ${MAX_LAG_MS} ms`;
    else if (!(seconds > 0)) why = "no measurement window";
    return {
      players,
      held: why === "",
      why,
      cpuPercent,
      systemPercent,
      rssBytes: peakRss,
      playerCpuPercent,
      windowS: seconds,
      result,
      rtmpdump: dumpVerdict,
    };
  } finally {
    clearTimeout(killAll);
    for (const child of children) killGroup(child.pid);
    await Promise.all(children.map((child) => child.status.catch(() => {})));
    await Deno.remove(rtmpdumpOut).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The case

function pad(text: string, width: number, right = true): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function printStep(serverName: string, step: StepResult): void {
  const r = step.result;
  const fixed = (n: number, digits: number) => Number.isFinite(n) ? n.toFixed(digits) : "-";
  console.log(
    `  ${pad(serverName, 22, false)} ${pad(String(step.players), 4)} ` +
      `${pad(step.held ? "yes" : "NO", 5)} ${pad(fixed(step.cpuPercent, 1), 7)} ` +
      `${pad(fixed(step.systemPercent, 1), 6)} ` +
      `${pad(fixed(step.cpuPercent / step.players, 3), 9)} ` +
      `${pad(fixed(step.rssBytes / 1e6, 1), 7)} ${pad(r ? String(r.joinMs) : "-", 7)} ` +
      `${pad(r ? String(r.maxLagMs) : "-", 7)} ${
        pad(r ? String(r.missing + r.unexpected) : "-", 6)
      } ` +
      `${pad(fixed(step.playerCpuPercent, 0), 8)}  ${step.why}${
        step.playerCpuPercent >= PLAYER_BOUND_PERCENT
          ? `${step.why ? "; " : ""}player process near a full core`
          : ""
      }`,
  );
  if (step.rtmpdump !== undefined) console.log(`    rtmpdump alongside: ${step.rtmpdump}`);
}

/** Options of {@linkcode benchFanout}. */
export interface BenchFanoutOptions {
  /** Player counts to try (default {@linkcode FANOUT_LADDER}). */
  readonly ladder?: readonly number[];
  /** Folder for logs and scratch files. */
  readonly workDir: string;
}

/**
 * Runs the fan-out case and prints its table and verdict. `ok` is false when a step could not
 * be measured at all (a server or the player process failed to start); a MISS is not a failure.
 * `rows` are the summary rows: each server at the largest N both held, with the targets.
 */
export async function benchFanout(
  options: BenchFanoutOptions,
): Promise<{ ok: boolean; rows: BenchRow[] }> {
  const ladder = options.ladder ?? FANOUT_LADDER;
  const flv = await genMedia(FANOUT_KIND);
  const expected = await readExpectedFrames(flv);
  const durationMs = Math.max(expected.video.at(-1) ?? 0, expected.audio.at(-1) ?? 0);
  const { size } = await Deno.stat(flv);
  console.log(
    `\nFan-out: ${FANOUT_KIND}.flv (${(durationMs / 1000).toFixed(1)} s, ${
      (size * 8 / durationMs / 1000).toFixed(1)
    } Mb/s) published with ffmpeg -re to /${LIVE_APP}/${STREAM_NAME}; N players in one process`,
  );
  console.log(
    `  held: every player plays and gets every frame, in order, from its first keyframe to the ` +
      `file's last, with no disconnect and never more than ${MAX_LAG_MS} ms behind the live edge`,
  );
  console.log(
    "  cpu %: the server's user + sys time while all N play, in % of one core (nginx-rtmp: " +
      "master + 1 worker), sys % its kernel part; %/player: cpu % / N; rss: server peak; " +
      "players%: the player process",
  );
  console.log(
    "  nginx-rtmp: worker_processes 1, worker_connections 4096, out_queue 65536, max_message " +
      `16M, chunk_size 4096, live on, record off; rtmpkit serve (deno run, and dist/rtmpkit when ` +
      `built) --quiet --max-connections ${RTMPKIT_MAX_CONNECTIONS}`,
  );
  console.log(
    `  ${pad("server", 22, false)} ${pad("N", 4)} ${pad("held", 5)} ${pad("cpu %", 7)} ` +
      `${pad("sys %", 6)} ` +
      `${pad("%/player", 9)} ${pad("rss MB", 7)} ${pad("join ms", 7)} ${pad("lag ms", 7)} ` +
      `${pad("lost", 6)} ${pad("players%", 8)}`,
  );

  const rtmpkitServers: [string, RtmpkitRuntime][] = [["rtmpkit serve (deno)", "deno"]];
  if (peersAvailable(["rtmpkit-binary"]).ok) {
    rtmpkitServers.push(["rtmpkit serve (binary)", "binary"]);
  }
  const starters: [string, () => Promise<FanoutServer>][] = [
    ["nginx-rtmp", startNginx],
    ...rtmpkitServers.map(([name, runtime]): [string, () => Promise<FanoutServer>] => [
      name,
      () => startRtmpkit(name, runtime, `${options.workDir}/fanout_serve_${runtime}.log`),
    ]),
  ];
  const steps = new Map<string, StepResult[]>(starters.map(([name]) => [name, []]));
  const stopped = new Set<string>();
  let ok = true;
  const servers = new Map<string, FanoutServer>();
  try {
    for (const [name, start] of starters) servers.set(name, await start());
    for (const [index, players] of ladder.entries()) {
      for (const [name] of starters) {
        if (stopped.has(name)) continue;
        const server = servers.get(name)!;
        const step = await runStep(
          server,
          players,
          flv,
          durationMs,
          expected,
          options.workDir,
          index === 0,
        );
        steps.get(name)!.push(step);
        printStep(name, step);
        if (step.result === undefined) {
          ok = false;
          console.log(`    server log: ${await server.log()}`);
        }
        if (!step.held) stopped.add(name);
      }
      if (stopped.size === starters.length) break;
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }

  const largest = (name: string) =>
    Math.max(0, ...steps.get(name)!.filter((s) => s.held).map((s) => s.players));
  const nginxHeld = largest("nginx-rtmp");
  const top = ladder.at(-1)!;
  const label = (n: number) => n === top ? `${n} (the ladder's top)` : String(n);
  const figures = (step: StepResult) =>
    `${step.cpuPercent.toFixed(1)} % of a core, ${
      (step.cpuPercent / step.players).toFixed(3)
    } %/player`;
  const rows: BenchRow[] = [];
  const referenceRows = new Set<number>();
  for (const [name] of rtmpkitServers) {
    const held = largest(name);
    console.log(`  largest N held: nginx-rtmp ${label(nginxHeld)}, ${name} ${label(held)}`);
    const heldTarget: Target = {
      what: "N held",
      limit: `≥ ${nginxHeld}`,
      value: String(held),
      pass: held >= nginxHeld,
    };
    const common = steps.get(name)!.filter((s) =>
      s.held && steps.get("nginx-rtmp")!.some((n) => n.players === s.players && n.held)
    ).at(-1);
    if (common === undefined) {
      rows.push({ caseName: "fan-out", name, targets: [heldTarget] });
      continue;
    }
    const reference = steps.get("nginx-rtmp")!.find((n) => n.players === common.players)!;
    const perPlayerX = (common.cpuPercent / common.players) /
      (reference.cpuPercent / reference.players);
    console.log(
      `  at N = ${common.players}: CPU per player ${
        (common.cpuPercent / common.players).toFixed(3)
      }% (${name}) vs ${
        (reference.cpuPercent / reference.players).toFixed(3)
      }% (nginx-rtmp) of one core, ${perPlayerX.toFixed(2)}x`,
    );
    const caseName = `fan-out ${common.players}`;
    if (!referenceRows.has(common.players)) {
      referenceRows.add(common.players);
      rows.push({
        caseName,
        name: "nginx-rtmp",
        rssBytes: reference.rssBytes,
        note: `reference; ${figures(reference)}`,
      });
    }
    rows.push({
      caseName,
      name,
      rssBytes: common.rssBytes,
      cpuX: perPlayerX,
      targets: [ratioTarget("CPU/player", perPlayerX, 1), heldTarget],
      note: figures(common),
    });
  }
  return { ok, rows };
}
