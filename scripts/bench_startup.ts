/**
 * The start-up case of `deno task bench`: what a client has spent when its first byte reaches
 * the server. Short downloads are dominated by it.
 *
 * The benchmark listens on a free loopback port and starts the client with
 * `-r rtmp://127.0.0.1:PORT/vod/startup.flv -o FILE`. As soon as the first bytes (C0 and C1)
 * arrive it reads, from /proc, the client's CPU time so far (the sum of every thread's run time
 * in /proc/PID/task/TID/schedstat, nanoseconds) and its peak RSS (VmHWM), then kills it. The
 * time from spawning the process to that moment is the wall figure. Bare programs that only
 * connect and send a byte (scripts/bench_floor.ts) give each runtime's floor.
 *
 * @module
 */

import { median } from "./bench_measure.ts";

/** Longest wait for a client's first byte. */
const FIRST_BYTE_TIMEOUT_MS = 60_000;

/** A process whose start-up is measured; `argv(port)` starts it against that port. */
export interface StartupSubject {
  readonly name: string;
  readonly argv: (port: number) => string[];
}

/** One start-up measurement. */
export interface StartupSample {
  /** From spawn to the first byte received, seconds. */
  readonly wallS: number;
  /** CPU the client used until then, seconds. */
  readonly cpuS: number;
  /** Its peak RSS until then, bytes. */
  readonly rssBytes: number;
}

/** CPU time of every thread of `pid`, in seconds (from each thread's schedstat). */
export function processCpuSeconds(pid: number): number {
  let ns = 0;
  for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/schedstat`);
      ns += Number(stat.split(" ")[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ns / 1e9;
}

/** Peak RSS of `pid` (VmHWM), in bytes. */
export function processPeakRss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Starts `subject` once and measures it at its first byte. */
export async function measureStartup(
  subject: StartupSubject,
  workDir: string,
): Promise<StartupSample> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const started = performance.now();
  const child = new Deno.Command(subject.argv(listener.addr.port)[0], {
    args: subject.argv(listener.addr.port).slice(1),
    cwd: workDir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const status = child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const accepted = listener.accept();
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${subject.name}: no byte within ${FIRST_BYTE_TIMEOUT_MS} ms`)),
        FIRST_BYTE_TIMEOUT_MS,
      );
    });
    const exited = status.then((s) => {
      throw new Error(`${subject.name} exited with ${s.code} before sending a byte`);
    });
    using conn = await Promise.race([accepted, limit, exited]);
    const n = await Promise.race([conn.read(new Uint8Array(4096)), limit, exited]);
    if (n === null) throw new Error(`${subject.name} closed the connection without a byte`);
    const wallS = (performance.now() - started) / 1000;
    const sample = {
      wallS,
      cpuS: processCpuSeconds(child.pid),
      rssBytes: processPeakRss(child.pid),
    };
    return sample;
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await status;
  }
}

/** Medians of each subject's start-up over `runs` runs, taken in turns. */
export async function benchStartup(
  subjects: readonly StartupSubject[],
  runs: number,
  workDir: string,
): Promise<Map<string, { wallS: number; cpuS: number; rssBytes: number }>> {
  const samples = new Map<string, StartupSample[]>(subjects.map((s) => [s.name, []]));
  // One unmeasured start each first: caches (Deno's transpile cache, the page cache) filled.
  for (const subject of subjects) await measureStartup(subject, workDir);
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? subjects : [...subjects].reverse();
    for (const subject of order) {
      samples.get(subject.name)!.push(await measureStartup(subject, workDir));
    }
  }
  const result = new Map<string, { wallS: number; cpuS: number; rssBytes: number }>();
  for (const [name, list] of samples) {
    result.set(name, {
      wallS: median(list.map((s) => s.wallS)),
      cpuS: median(list.map((s) => s.cpuS)),
      rssBytes: median(list.map((s) => s.rssBytes)),
    });
  }
  return result;
}
