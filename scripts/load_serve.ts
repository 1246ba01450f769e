/**
 * Load check of `rtmpkit serve` against hostile clients:
 *
 *     deno run -A scripts/load_serve.ts
 *         [--attack slowloris|idle|unread|churn|partial|amplify|all (default all)]
 *         [--seconds 20] [--connections N] [--json]
 *
 * For each attack (see `scripts/load_attacks.ts`) a fresh `cli.ts serve` is started (default
 * limits, log to `.tmp/load/`), an honest publisher (`cli.ts publish`, real time) pushes a
 * synthetic live stream (25 fps video with a keyframe every 2 s, AAC-like audio) and an honest
 * player (`scripts/fanout_player.ts`, one player) plays it and checks that, from its first
 * keyframe to the file's last frame, every video and audio frame arrives in order. Once the
 * player plays, the attack runs for `--seconds`, while a new client connects every half second
 * (TCP, handshake, connect; it must get in within 10 s) and the server's resident memory is
 * sampled every 100 ms from /proc. The stream goes on for 9 s after the attack. The attack runs
 * in a process of its own, so that it does not slow down the probes of this one.
 *
 * Reported per attack: the server's peak RSS during the attack (and before it), how many new
 * clients got in and the slowest, what the honest player received, and what the attack did.
 * An attack passes when the player kept every frame, the peak RSS stayed under
 * {@linkcode MAX_PEAK_RSS_MIB} and every new client got in. Exits 1 when one did not.
 *
 * `runLoad` with `inline: true` runs the publisher and the player in this process instead (the
 * test suite does that, to keep to two child processes: the server and the attack).
 *
 * @module
 */

import { encodeAmf0 } from "../src/amf/mod.ts";
import { encodeFlvHeader, encodeFlvTag, type FlvTag, FlvTagType } from "../src/flv/mod.ts";
import { Publisher } from "../src/session/publisher.ts";
import { connectTcp } from "../transports/tcp.ts";
import { type FanoutResult, readExpectedFrames, runFanout } from "./fanout_player.ts";
import { REPO_ROOT } from "./gen_media.ts";
import { type AttackName, ATTACKS, type AttackStats, probe } from "./load_attacks.ts";

/** The peak RSS an attack may drive the server to. */
export const MAX_PEAK_RSS_MIB = 300;
/** Connections each attack holds unless told otherwise. */
export const DEFAULT_CONNECTIONS: Readonly<Record<AttackName, number>> = {
  slowloris: 1000,
  idle: 1000,
  unread: 20,
  churn: 20,
  partial: 20,
  amplify: 20,
};
/** Default attack duration, in seconds. */
export const DEFAULT_SECONDS = 20;

/** Stream time before the attack starts (the server, publisher and player start meanwhile). */
export const LEAD_SECONDS = 3;
/** Stream time after the attack: the player must keep getting every frame. */
export const TAIL_SECONDS = 9;
/** Interval between two new-client probes. */
const PROBE_EVERY_MS = 500;
/** RSS sampling interval. */
const RSS_EVERY_MS = 100;
/** How long the server and the player may take to start. */
const START_TIMEOUT_MS = 30_000;
/** Time allowed past the end of the stream for everything to finish. */
const END_SLACK_MS = 30_000;
const APP = "live";
const STREAM = "honest";
const CLI_PATH = `${REPO_ROOT}/cli.ts`;
const PLAYER_PATH = `${REPO_ROOT}/scripts/fanout_player.ts`;
const ATTACKER_PATH = `${REPO_ROOT}/scripts/load_attacks.ts`;
const WORK_DIR = `${REPO_ROOT}/.tmp/load`;

/** What to run. */
export interface LoadOptions {
  /** Attacks, run one after the other, each against a fresh server. */
  readonly attacks: readonly AttackName[];
  /** How long each attack lasts, in seconds. */
  readonly seconds: number;
  /** Connections per attack (default {@linkcode DEFAULT_CONNECTIONS}). */
  readonly connections?: Partial<Record<AttackName, number>>;
  /**
   * Run the honest publisher and the honest player in this process instead of in child
   * processes (the server and the attack always run in their own).
   */
  readonly inline?: boolean;
  /** More `serve` options (limits). */
  readonly serveArgs?: readonly string[];
  /** Stream seconds before the attack (default {@linkcode LEAD_SECONDS}). */
  readonly leadSeconds?: number;
  /** Stream seconds after the attack (default {@linkcode TAIL_SECONDS}). */
  readonly tailSeconds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What one attack did to the server. */
export interface AttackReport {
  readonly attack: AttackName;
  readonly seconds: number;
  readonly connections: number;
  /** How long the attack actually ran, from its first connection to its stop, in ms. */
  readonly durationMs: number;
  /** Server RSS just before the attack, MiB. */
  readonly baselineRssMiB: number;
  /** Highest server RSS sampled during the attack, MiB. */
  readonly peakRssMiB: number;
  /** New clients tried and accepted during the attack, and the slowest accepted (ms). */
  readonly probes: { tried: number; accepted: number; slowestMs: number };
  /** The honest player's frame accounting. */
  readonly player: FanoutResult;
  /** What the attack did, and the connections it held at the end. */
  readonly attackStats: AttackStats & { open: number };
  /** The server's log lines about closing attackers, counted by kind. */
  readonly serverCloses: Record<string, number>;
  /** Why the attack failed the check; empty when it passed. */
  readonly problems: string[];
}

/** Runs the attacks one after the other; resolves to one report each. */
export async function runLoad(options: LoadOptions): Promise<AttackReport[]> {
  await Deno.mkdir(WORK_DIR, { recursive: true });
  const totalSeconds = (options.leadSeconds ?? LEAD_SECONDS) + options.seconds +
    (options.tailSeconds ?? TAIL_SECONDS);
  const flv = `${WORK_DIR}/honest-${totalSeconds}s.flv`;
  await Deno.writeFile(flv, honestStream(totalSeconds));
  const reports: AttackReport[] = [];
  for (const attack of options.attacks) {
    const connections = options.connections?.[attack] ?? DEFAULT_CONNECTIONS[attack];
    options.log?.(`${attack}: ${connections} connections for ${options.seconds} s`);
    reports.push(await runAttack(attack, connections, flv, totalSeconds, options));
  }
  return reports;
}

async function runAttack(
  attack: AttackName,
  connections: number,
  flv: string,
  totalSeconds: number,
  options: LoadOptions,
): Promise<AttackReport> {
  await using server = await startServe(`${WORK_DIR}/serve-${attack}.log`, options.serveArgs);
  const url = `rtmp://127.0.0.1:${server.port}/${APP}/${STREAM}`;
  const rss = sampleRss(server.pid);
  const publishing = options.inline ? publishInline(server.port, flv) : publishChild(flv, url);
  const playing = options.inline
    ? playInline(server.port, flv, totalSeconds, publishing.done)
    : playChild(server.port, flv, totalSeconds, publishing.done);
  try {
    await withTimeout(playing.started, START_TIMEOUT_MS, "the honest player to play");
    const baselineRssMiB = rss.current();
    rss.peak = 0;
    const attackStart = performance.now();
    const running = await childAttack(attack, server.port, connections);
    const probes = { tried: 0, accepted: 0, slowestMs: 0 };
    const attackEnd = performance.now() + options.seconds * 1000;
    while (performance.now() < attackEnd) {
      const next = performance.now() + PROBE_EVERY_MS;
      probes.tried++;
      const ms = await probe(server.port);
      if (ms !== undefined) {
        probes.accepted++;
        probes.slowestMs = Math.max(probes.slowestMs, Math.round(ms));
      }
      await sleep(Math.max(0, Math.min(next, attackEnd) - performance.now()));
    }
    const peakRssMiB = Math.max(rss.peak, rss.current());
    const attackStats = await running.stop();
    const durationMs = Math.round(performance.now() - attackStart);
    options.log?.(`${attack}: ${attackStats.open} attack connections open at the end`);
    const endBy = (totalSeconds * 1000) + END_SLACK_MS;
    await withTimeout(publishing.done, endBy, "the honest publisher to finish");
    const player = await withTimeout(playing.result, endBy, "the honest player's result");
    const problems: string[] = [];
    if (player.ends.complete !== 1 || player.missing > 0 || player.unexpected > 0) {
      problems.push(
        `the honest player did not keep every frame (${JSON.stringify(player.ends)}, ` +
          `${player.missing} missing, ${player.unexpected} unexpected${
            player.errors.length > 0 ? `, ${player.errors.join("; ")}` : ""
          })`,
      );
    }
    if (peakRssMiB >= MAX_PEAK_RSS_MIB) {
      problems.push(`peak RSS ${peakRssMiB} MiB is not under ${MAX_PEAK_RSS_MIB} MiB`);
    }
    if (probes.accepted < probes.tried || probes.tried === 0) {
      problems.push(`${probes.tried - probes.accepted} of ${probes.tried} new clients locked out`);
    }
    return {
      attack,
      seconds: options.seconds,
      connections,
      durationMs,
      baselineRssMiB,
      peakRssMiB,
      probes,
      player,
      attackStats,
      serverCloses: await server.closeReasons(),
      problems,
    };
  } finally {
    rss.stop();
    await publishing.stop();
    await playing.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The honest stream

/** Video frame interval (25 fps). */
const FRAME_MS = 40;
/** Frames per group of pictures (2 s). */
const GOP_FRAMES = 50;
/** AAC frame duration numerator: 1024 samples at 44.1 kHz. */
const AAC_SAMPLES = 1024;
const AAC_RATE = 44_100;

/** A live-like FLV of `seconds`: metadata, AVC and AAC headers, frames in timestamp order. */
export function honestStream(seconds: number): Uint8Array {
  const end = seconds * 1000;
  const frames: FlvTag[] = [];
  for (let i = 0; i * FRAME_MS < end; i++) {
    const key = i % GOP_FRAMES === 0;
    const body = new Uint8Array(key ? 24_000 : 3_000).fill(i & 0xff);
    body.set([key ? 0x17 : 0x27, 1, 0, 0, 0]);
    frames.push({ type: FlvTagType.Video, timestamp: i * FRAME_MS, data: body });
  }
  for (let i = 0; Math.round((i * AAC_SAMPLES * 1000) / AAC_RATE) < end; i++) {
    const body = new Uint8Array(200).fill(i & 0xff);
    body.set([0xaf, 1]);
    frames.push({
      type: FlvTagType.Audio,
      timestamp: Math.round((i * AAC_SAMPLES * 1000) / AAC_RATE),
      data: body,
    });
  }
  frames.sort((a, b) => a.timestamp - b.timestamp || b.type - a.type);
  const tags: FlvTag[] = [
    {
      type: FlvTagType.Script,
      timestamp: 0,
      data: encodeAmf0("onMetaData", { duration: seconds, width: 640, height: 360 }),
    },
    {
      type: FlvTagType.Video,
      timestamp: 0,
      data: new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42]),
    },
    { type: FlvTagType.Audio, timestamp: 0, data: new Uint8Array([0xaf, 0, 0x12, 0x10]) },
    ...frames,
  ];
  const parts = [encodeFlvHeader(5), ...tags.map((t) => encodeFlvTag(t))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const part of parts) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface ServeHandle extends AsyncDisposable {
  readonly port: number;
  readonly pid: number;
  /** Stops the server and counts its close lines by reason. */
  closeReasons(): Promise<Record<string, number>>;
}

async function startServe(
  logPath: string,
  extraArgs: readonly string[] = [],
): Promise<ServeHandle> {
  const port = freePort();
  const log = await Deno.open(logPath, { write: true, create: true, truncate: true });
  const root = await Deno.makeTempDir({ prefix: "rtmpkit-load-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", CLI_PATH, "serve", "--root", root, "--listen", `rtmp://127.0.0.1:${port}`],
      ...extraArgs,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const copying = child.stderr.pipeTo(log.writable).catch(() => {});
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      await child.status;
      clearTimeout(killer);
      await copying;
      await Deno.remove(root, { recursive: true }).catch(() => {});
    })();
  try {
    await waitForPort(port, START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    pid: child.pid,
    async closeReasons() {
      await stop();
      const counts: Record<string, number> = {};
      for (const line of (await Deno.readTextFile(logPath)).split("\n")) {
        const match = / closed: (.*?)( \(in \d+ bytes|$)/.exec(line);
        if (!match) continue;
        const reason = match[1].replace(/\d+/g, "N");
        counts[reason] = (counts[reason] ?? 0) + 1;
      }
      return counts;
    },
    [Symbol.asyncDispose]: stop,
  };
}

interface Publishing {
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

function publishChild(flv: string, url: string): Publishing {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_PATH, "publish", "-q", flv, url],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const done = child.status.then(() => {});
  return {
    done,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* finished */ }
      await done;
    },
  };
}

function publishInline(port: number, flv: string): Publishing {
  const stop = new AbortController();
  const done = (async () => {
    const publisher = await Publisher.connect(await connectTcp("127.0.0.1", port), {
      app: APP,
      playpath: STREAM,
      signal: stop.signal,
    });
    try {
      const bytes = await Deno.readFile(flv);
      await publisher.publishFlv((async function* () {
        for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
      })());
    } finally {
      await publisher.close();
    }
  })();
  done.catch(() => {});
  return {
    done,
    async stop() {
      stop.abort();
      await done.catch(() => {});
    },
  };
}

interface Playing {
  readonly started: Promise<void>;
  readonly result: Promise<FanoutResult>;
  stop(): Promise<void>;
}

function playChild(
  port: number,
  flv: string,
  totalSeconds: number,
  publisherDone: Promise<void>,
): Playing {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      PLAYER_PATH,
      ...["--port", String(port), "--app", APP, "--name", STREAM, "--flv", flv],
      ...["--players", "1", "--timeout-ms", String(totalSeconds * 1000 + END_SLACK_MS)],
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const result = (async () => {
    let text = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (/^playing \d+$/m.test(text)) started();
      const match = /^result (.*)$/m.exec(text);
      if (match) return JSON.parse(match[1]) as FanoutResult;
    }
    throw new Error("The honest player ended without a result");
  })();
  result.catch(() => {});
  publisherDone.then(() => stdin.write(new TextEncoder().encode("publisher-done\n"))).catch(
    () => {},
  );
  return {
    started: startedPromise,
    result,
    async stop() {
      await stdin.close().catch(() => {});
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(killer);
    },
  };
}

function playInline(
  port: number,
  flv: string,
  totalSeconds: number,
  publisherDone: Promise<void>,
): Playing {
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const result = (async () =>
    await runFanout({
      hostname: "127.0.0.1",
      port,
      app: APP,
      name: STREAM,
      players: 1,
      expected: await readExpectedFrames(flv),
      timeoutMs: totalSeconds * 1000 + END_SLACK_MS,
      onAllPlaying: () => started(),
      publisherDone: publisherDone.catch(() => {}),
    }))();
  result.catch(() => {});
  return { started: startedPromise, result, stop: () => result.then(() => {}, () => {}) };
}

/** An attack under way; `stop` ends it and says what it did. */
interface AttackRun {
  stop(): Promise<AttackStats & { open: number }>;
}

/** Runs the attack in its own process, so that it does not slow down the probes. */
async function childAttack(
  attack: AttackName,
  port: number,
  connections: number,
): Promise<AttackRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ATTACKER_PATH,
      ...["--attack", attack, "--port", String(port), "--connections", String(connections)],
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let text = "";
  const output = (async () => {
    for await (const chunk of lines) text += chunk;
    return text;
  })();
  await withTimeout(
    (async () => {
      while (!/^attacking$/m.test(text)) {
        if (await Promise.race([output.then(() => true), sleep(20).then(() => false)])) {
          throw new Error(`The ${attack} attack did not start`);
        }
      }
    })(),
    START_TIMEOUT_MS,
    `the ${attack} attack to start`,
  );
  return {
    async stop() {
      await stdin.close().catch(() => {});
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 30_000);
      await child.status;
      clearTimeout(killer);
      const match = /^stats (.*)$/m.exec(await output);
      if (!match) throw new Error(`The ${attack} attack ended without its figures`);
      return JSON.parse(match[1]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Samples VmRSS of `pid`; `peak` is the highest since it was last reset. */
function sampleRss(pid: number) {
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      return match ? Math.round(Number(match[1]) / 1024) : 0;
    } catch {
      return 0;
    }
  };
  const state = {
    peak: 0,
    current: read,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => (state.peak = Math.max(state.peak, read())), RSS_EVERY_MS);
  return state;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (err) {
      if (performance.now() > deadline) {
        throw new Error(`Cannot connect to 127.0.0.1:${port} within ${timeoutMs} ms`, {
          cause: err,
        });
      }
      await sleep(50);
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what} (${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The header of {@linkcode formatReport}'s lines. */
export const REPORT_HEADER =
  "attack      conns  duration  server RSS          new clients  slowest  " +
  "sent             honest player (frames kept / expected)";

/** One line per attack, for the console and the README. */
export function formatReport(report: AttackReport): string {
  const p = report.player;
  const kept = p.videoFrames[0] + p.audioFrames[0];
  const frames = `${kept}/${kept + p.missing}`;
  const player = p.ends.complete === 1 && p.missing === 0 && p.unexpected === 0
    ? `${frames}, every frame`
    : `${frames}, LOST FRAMES (${p.unexpected} unexpected, ${JSON.stringify(p.ends)})`;
  const a = report.attackStats;
  const sent = a.messages > 0 ? `${a.messages} msgs` : `${a.opened} conns`;
  return [
    report.attack.padEnd(10),
    String(report.connections).padStart(5),
    `${(report.durationMs / 1000).toFixed(1)} s`.padStart(8),
    `${report.baselineRssMiB} -> ${report.peakRssMiB} MiB`.padEnd(18),
    `${report.probes.accepted}/${report.probes.tried} in`.padEnd(11),
    `${report.probes.slowestMs} ms`.padStart(7),
    sent.padEnd(15),
    player,
    report.problems.length === 0 ? "ok" : `FAIL: ${report.problems.join("; ")}`,
  ].join("  ");
}

function parseArgs(args: string[]): LoadOptions & { json: boolean } {
  let attacks: AttackName[] = [...ATTACKS];
  let seconds = DEFAULT_SECONDS;
  let connections: number | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      if (i + 1 >= args.length) throw new TypeError(`${arg} needs a value`);
      return args[++i];
    };
    if (arg === "--attack") {
      const names = value().split(",");
      attacks = names.includes("all") ? [...ATTACKS] : names.map((name) => {
        if (!(ATTACKS as readonly string[]).includes(name)) {
          throw new TypeError(`Unknown attack "${name}" (${ATTACKS.join(", ")} or all)`);
        }
        return name as AttackName;
      });
    } else if (arg === "--seconds") seconds = Number(value());
    else if (arg === "--connections") connections = Number(value());
    else if (arg === "--json") json = true;
    else throw new TypeError(`Unknown argument ${arg}`);
  }
  if (!(seconds > 0)) throw new TypeError("--seconds needs a positive number");
  if (connections !== undefined && !(Number.isInteger(connections) && connections > 0)) {
    throw new TypeError("--connections needs a positive integer");
  }
  const sizes = connections === undefined
    ? undefined
    : Object.fromEntries(ATTACKS.map((a) => [a, connections]));
  return { attacks, seconds, connections: sizes, json };
}

if (import.meta.main) {
  let options;
  try {
    options = parseArgs(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const reports = await runLoad({ ...options, log: (line) => console.error(line) });
  if (options.json) console.log(JSON.stringify(reports, null, 2));
  console.log(REPORT_HEADER);
  for (const report of reports) console.log(formatReport(report));
  Deno.exit(reports.every((r) => r.problems.length === 0) ? 0 : 1);
}
