/**
 * The VOD cases of `deno task bench`: a file downloaded from nginx-rtmp by rtmpdump and by each
 * rtmpkit client in turns (scripts/bench_measure.ts), every output checked against rtmpdump's,
 * and the same bytes read by the bare floor programs (scripts/bench_floor.ts) from a plain TCP
 * sender, which shows what each runtime costs for the copy alone.
 *
 * @module
 */

import {
  type BenchClient,
  measureCommand,
  measureInTurns,
  type Sample,
  summarize,
  type Summary,
} from "./bench_measure.ts";

/** A client's medians in one VOD case. */
export interface VodResult {
  readonly name: string;
  readonly summary: Summary;
}

/**
 * Downloads `url` with each client (the first is the reference) `runs` times in turns; with
 * `peers`, the CPU time of the processes it names is measured during each run too. Problems (a
 * differing output or exit code) are returned, not thrown.
 */
export async function benchVod(
  clients: readonly BenchClient[],
  url: string,
  runs: number,
  workDir: string,
  peers?: () => number[],
): Promise<{ results: VodResult[]; problems: string[] }> {
  const { samples, problems } = await measureInTurns(clients, url, runs, workDir, peers);
  return {
    results: clients.map((c) => ({ name: c.name, summary: summarize(samples.get(c.name)!) })),
    problems,
  };
}

/**
 * Serves `path` to every connection on a free loopback port, as fast as the reader takes it,
 * until the returned handle is disposed.
 */
export function serveFileOverTcp(path: string): { port: number } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const conn of listener) {
      const job = (async () => {
        using file = await Deno.open(path);
        const buffer = new Uint8Array(1024 * 1024);
        try {
          for (;;) {
            const n = await file.read(buffer);
            if (n === null) break;
            let offset = 0;
            while (offset < n) offset += await conn.write(buffer.subarray(offset, n));
          }
        } catch {
          // The reader went away.
        } finally {
          try {
            conn.close();
          } catch { /* closed */ }
        }
      })();
      serving.add(job);
      job.finally(() => serving.delete(job));
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      try {
        listener.close();
      } catch { /* closed */ }
      await loop;
      await Promise.all(serving);
    },
  };
}

/** A floor program: `argv(port, file)` reads the served file to `file`. */
export interface FloorProgram {
  readonly name: string;
  readonly argv: (port: number, output: string) => string[];
}

/**
 * Runs each floor program `runs` times (in turns, after a warm-up) against a sender of `path`
 * (behind `relay` when given: stunnel, for TLS); a run whose copy differs from the file is
 * reported as a problem.
 */
export async function benchFloors(
  floors: readonly FloorProgram[],
  path: string,
  expectedSha256: string,
  runs: number,
  workDir: string,
  relay?: (port: number) => Promise<{ port: number } & AsyncDisposable>,
): Promise<{ results: VodResult[]; problems: string[] }> {
  await using plain = serveFileOverTcp(path);
  await using sender = relay
    ? await relay(plain.port)
    : { port: plain.port, async [Symbol.asyncDispose]() {} };
  const problems: string[] = [];
  const samples = new Map<string, Sample[]>(floors.map((f) => [f.name, []]));
  const once = async (floor: FloorProgram) => {
    const out = `${workDir}/floor.out`;
    const sample = await measureCommand(floor.name, floor.argv(sender.port, out), out, workDir);
    if (sample.code !== 0 || sample.sha256 !== expectedSha256) {
      problems.push(`${floor.name}: exit ${sample.code}, copy ${sample.sha256.slice(0, 12)}`);
    }
    return sample;
  };
  for (const floor of floors) await once(floor);
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? floors : [...floors].reverse();
    for (const floor of order) samples.get(floor.name)!.push(await once(floor));
  }
  return {
    results: floors.map((f) => ({ name: f.name, summary: summarize(samples.get(f.name)!) })),
    problems,
  };
}
