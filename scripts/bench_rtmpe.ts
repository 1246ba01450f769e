/**
 * The RTMPE case of `deno task bench`: a file played over RTMPE through rtmpsuck (librtmp's own
 * server handshake, type 6 answered 8, relaying to nginx-rtmp), by rtmpdump and by each rtmpkit
 * client in turns, outputs checked against rtmpdump's.
 *
 * rtmpsuck always listens on 0.0.0.0:1935, so the case runs inside a private network namespace
 * (`unshare -n`, loopback brought up), where this file is started again as a script: it starts
 * nginx-rtmp and rtmpsuck (stdin on a pipe that is never written, or its control thread spins
 * at 100 % CPU and skews every figure), measures, and writes its samples to a JSON file. Each
 * client runs `-r rtmpe://127.0.0.1:1935/vod/FILE -t rtmp://127.0.0.1:NGINX/vod`: rtmpsuck
 * connects upstream to the tcUrl the client sent.
 *
 * @module
 */

import {
  findExecutable,
  MEDIA_DIR,
  REPO_ROOT,
  startNginxRtmp,
  waitForPort,
} from "../tests/interop/_harness.ts";
import { type BenchClient, measureInTurns, type Sample, summarize } from "./bench_measure.ts";
import type { VodResult } from "./bench_vod.ts";

/** rtmpsuck's fixed port. */
const RTMPSUCK_PORT = 1935;
/** How long the whole namespace run may take, per measured download. */
const PER_RUN_LIMIT_MS = 120_000;
/** How long rtmpsuck may take to listen. */
const RTMPSUCK_START_MS = 15_000;

/** What the namespace run writes back. */
interface NetnsOutput {
  samples: Record<string, Sample[]>;
  problems: string[];
}

/** Why the case cannot run here (a missing peer or no network namespace), or undefined. */
export function rtmpeUnavailable(): string | undefined {
  for (const tool of ["rtmpsuck", "rtmpdump", "nginx", "unshare", "ip"]) {
    if (findExecutable(tool) === undefined) return `${tool} not installed`;
  }
  try {
    const { success } = new Deno.Command(findExecutable("unshare")!, {
      args: ["-n", findExecutable("ip")!, "link", "set", "lo", "up"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return success ? undefined : "no permission to make a network namespace (unshare -n)";
  } catch {
    return "unshare cannot be started";
  }
}

/**
 * Runs the case: `clients` (rtmpdump first, the reference) download `file` from MEDIA_DIR
 * through rtmpsuck `runs` times each.
 */
export async function benchRtmpe(
  clients: readonly BenchClient[],
  file: string,
  runs: number,
  workDir: string,
): Promise<{ results: VodResult[]; problems: string[] }> {
  const out = `${workDir}/rtmpe-results.json`;
  await Deno.remove(out).catch(() => {});
  const limitMs = PER_RUN_LIMIT_MS * (runs + 1) * clients.length;
  const child = new Deno.Command(findExecutable("unshare")!, {
    args: [
      "-n",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" run -A "$1" "$2" "$3" "$4" "$5" "$6"',
      Deno.execPath(),
      new URL(import.meta.url).pathname,
      out,
      workDir,
      String(runs),
      file,
      JSON.stringify(clients),
    ],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, limitMs);
  const status = await child.output();
  clearTimeout(timer);
  if (status.code !== 0) {
    const stderr = new TextDecoder().decode(status.stderr).trim().split("\n").slice(-3);
    return { results: [], problems: [`namespace run exited with ${status.code}: ${stderr}`] };
  }
  const output: NetnsOutput = JSON.parse(await Deno.readTextFile(out));
  return {
    results: clients.map((c) => ({ name: c.name, summary: summarize(output.samples[c.name]) })),
    problems: output.problems,
  };
}

/** Inside the namespace: nginx-rtmp, rtmpsuck, the measurements. */
async function insideNamespace(
  out: string,
  workDir: string,
  runs: number,
  file: string,
  clients: BenchClient[],
): Promise<void> {
  await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
  const suckDir = await Deno.makeTempDir({ prefix: "rtmpkit-bench-rtmpsuck-" });
  const rtmpsuck = new Deno.Command(findExecutable("rtmpsuck")!, {
    cwd: suckDir,
    stdin: "piped", // held open, never written: see the module doc
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(RTMPSUCK_PORT, RTMPSUCK_START_MS);
    const tcUrl = `rtmp://127.0.0.1:${nginx.port}/vod`;
    const withTcUrl = clients.map((c) => ({ ...c, extraArgs: ["-t", tcUrl] }));
    const url = `rtmpe://127.0.0.1:${RTMPSUCK_PORT}/vod/${file}`;
    const { samples, problems } = await measureInTurns(withTcUrl, url, runs, workDir);
    const result: NetnsOutput = { samples: Object.fromEntries(samples), problems };
    await Deno.writeTextFile(out, JSON.stringify(result));
  } finally {
    try {
      rtmpsuck.kill("SIGKILL");
    } catch { /* exited */ }
    await rtmpsuck.status;
    await Deno.remove(suckDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const [out, workDir, runs, file, clients] = Deno.args;
  await insideNamespace(out, workDir, Number(runs), file, JSON.parse(clients));
}
