/**
 * Helpers for the RTMPT and HTTP CONNECT interop tests: a throw-away tinyproxy (HTTP CONNECT
 * proxy, Debian's `tinyproxy`) and a child-process runner that also reports the CPU time the
 * child used (through `/usr/bin/time`), to show that a waiting client does not spin.
 *
 * @module
 */

import {
  DEFAULT_TIMEOUT_MS,
  findExecutable,
  freePort,
  type ProcessResult,
  type RunOptions,
  runProcess,
  waitForPort,
} from "./_harness.ts";

/** A running tinyproxy started by {@linkcode startTinyproxy}. */
export interface Tinyproxy extends AsyncDisposable {
  /** Port it listens on (127.0.0.1). */
  readonly port: number;
  /** `http://127.0.0.1:PORT`, for `--proxy`. */
  readonly url: string;
  /** Its log so far. */
  log(): Promise<string>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills it at once and removes its folder, synchronously (for an unload handler). */
  kill(): void;
}

/** Options for {@linkcode startTinyproxy}. */
export interface TinyproxyOptions {
  /**
   * Ports CONNECT may reach (tinyproxy's `ConnectPort`). Undefined: every port (no ConnectPort
   * line at all). Debian's stock config allows only 443 and 563, so CONNECT to an RTMP port is
   * refused with "403 Access violation".
   */
  readonly connectPorts?: readonly number[];
}

const START_ATTEMPTS = 5;

/**
 * Starts tinyproxy in the foreground on a free 127.0.0.1 port, allowing 127.0.0.1 only, and
 * waits until it accepts connections. Retries on a port clash.
 */
export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const tinyproxy = findExecutable("tinyproxy");
  if (tinyproxy === undefined) throw new Error("Cannot start tinyproxy: it is not installed");
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-tinyproxy-" });
  // Started as root, tinyproxy drops to nobody, who must be able to write its log.
  await Deno.chmod(dir, 0o777);
  let lastError = "";
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = freePort();
    const conf = `${dir}/tinyproxy.conf`;
    await Deno.writeTextFile(
      conf,
      [
        ...(Deno.uid() === 0 ? ["User nobody", "Group nogroup"] : []),
        `Port ${port}`,
        "Listen 127.0.0.1",
        "Allow 127.0.0.1",
        "Timeout 120",
        "MaxClients 64",
        `LogFile "${dir}/tinyproxy.log"`,
        "LogLevel Info",
        `PidFile "${dir}/tinyproxy.pid"`,
        ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
        "",
      ].join("\n"),
    );
    const child = new Deno.Command(tinyproxy, {
      args: ["-d", "-c", conf],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const exited = child.status.then(() => "exited" as const);
    const ready = waitForPort(port, 10_000).then(() => "ready" as const, () => "timeout" as const);
    const outcome = await Promise.race([exited, ready]);
    if (outcome === "ready") return handle(child, port, dir, stderr);
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await child.status;
    lastError = (await stderr).trim();
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  throw new Error(`Cannot start tinyproxy after ${START_ATTEMPTS} attempts: ${lastError}`);
}

function handle(
  child: Deno.ChildProcess,
  port: number,
  dir: string,
  stderr: Promise<string>,
): Tinyproxy {
  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Exited already.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited already.
        }
      }, 5_000);
      await child.status;
      clearTimeout(timer);
      await stderr.catch(() => "");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Removed already.
    }
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => Deno.readTextFile(`${dir}/tinyproxy.log`).catch(() => ""),
    stop,
    kill,
    [Symbol.asyncDispose]: stop,
  };
}

/** A {@linkcode ProcessResult} with the CPU time the process used. */
export interface MeasuredResult extends ProcessResult {
  /** User plus system CPU time of the process and its children, in milliseconds. */
  readonly cpuMs: number;
}

/**
 * Runs a command under `/usr/bin/time` and reports, with its output and exit code, the CPU time
 * it used. The time report goes to a file, so stderr is the command's own.
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<MeasuredResult> {
  const report = await Deno.makeTempFile({ prefix: "rtmpkit-time-" });
  try {
    const result = await runProcess(
      "/usr/bin/time",
      ["-f", "%U %S", "-o", report, command, ...args],
      { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    const text = (await Deno.readTextFile(report)).trim().split("\n").at(-1) ?? "";
    const [user, system] = text.split(" ").map(Number);
    const cpuMs = Number.isFinite(user + system) ? Math.round((user + system) * 1000) : NaN;
    return { ...result, cpuMs };
  } finally {
    await Deno.remove(report).catch(() => {});
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system) a running process has used so far, from /proc, in milliseconds. */
export function processCpuMs(pid: number): number {
  if (clockTicks === undefined) {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    clockTicks = Number(new TextDecoder().decode(out.stdout).trim()) || 100;
  }
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name: state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / clockTicks;
}

/** A running `rtmpkit serve` child process. */
export interface RtmpkitServe extends AsyncDisposable {
  /** Ports of the listen URLs, in the order given. */
  readonly ports: number[];
  /** What it printed on stderr so far is available once stopped. */
  stop(): Promise<string>;
}

/**
 * Starts `rtmpkit serve --root ROOT` with one listener per scheme on free 127.0.0.1 ports,
 * through the command line on `command` (from `rtmpkitCommand`), and waits for every port.
 */
export async function startRtmpkitServe(
  command: string[],
  root: string,
  schemes: string[],
): Promise<RtmpkitServe> {
  const ports = schemes.map(() => freePort());
  const [program, ...prefix] = command;
  const child = new Deno.Command(program, {
    args: [
      ...prefix,
      "serve",
      "--root",
      root,
      ...schemes.flatMap((s, i) => ["--listen", `${s}://127.0.0.1:${ports[i]}`]),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let stopping: Promise<string> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await child.status;
      return await stderr;
    })();
  try {
    for (const port of ports) await waitForPort(port, 20_000);
  } catch (err) {
    const log = await stop();
    throw new Error(`Cannot start rtmpkit serve: ${log.trim()}`, { cause: err });
  }
  return { ports, stop, [Symbol.asyncDispose]: async () => void await stop() };
}
