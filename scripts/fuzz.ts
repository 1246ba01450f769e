/**
 * Long fuzz runs by hand, on the targets and corpus of tests/fuzz (where `deno task test` runs a
 * short seeded pass of each):
 *
 *     deno run -A scripts/fuzz.ts --target chunk --seconds 600
 *     deno run -A scripts/fuzz.ts --target all --seconds 120 --seed 7
 *     deno run -A scripts/fuzz.ts --list
 *     deno run -A scripts/fuzz.ts --target amf0 --replay FILE [--run-seed N]
 *
 * Each target runs in a worker. Before each case the worker copies the input into memory shared
 * with this process, so when a case does not finish (no progress for `--hang-seconds`, default
 * 20) or the process grows past `--max-rss-mb` (default 2048), the input at fault is saved and
 * the worker is replaced. Failing inputs are saved under `--out` (default .tmp/fuzz/TARGET/),
 * at most three per distinct error, as `NAME-sRUNSEED.bin` with the error next to it in a .txt
 * file; a saved input replays with `--replay`, and belongs in tests/fuzz/regressions/TARGET/
 * once the fault is fixed.
 *
 * @module
 */

import { loadCorpus } from "../tests/fuzz/_corpus.ts";
import { describeFailure, fuzz } from "../tests/fuzz/_engine.ts";
import { MAX_INPUT } from "../tests/fuzz/_mutate.ts";
import { Random } from "../tests/fuzz/_random.ts";
import { targetNamed, TARGETS } from "../tests/fuzz/_targets.ts";

const WORKER_NAME = "rtmpkit-fuzz-worker";

/** The worker's side of its message port (this file runs as both main module and worker). */
interface WorkerScope {
  name?: string;
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
}
const scope = self as unknown as WorkerScope;
const ROOT = new URL("../", import.meta.url);

/** Slots of the shared counters: cases started, length of the current input, its run seed. */
const CASES = 0;
const INPUT_LENGTH = 1;
const RUN_SEED = 2;
const COUNTERS = 4;

interface StartMessage {
  target: string;
  seed: number;
  seconds: number;
  shared: SharedArrayBuffer;
}

type WorkerMessage =
  | { type: "failure"; description: string; signature: string; input: Uint8Array; runSeed: number }
  | { type: "done"; iterations: number };

// ---- the worker ----

async function runWorker(start: StartMessage): Promise<void> {
  const target = targetNamed(start.target)!;
  const counters = new Int32Array(start.shared, 0, COUNTERS);
  const input = new Uint8Array(start.shared, COUNTERS * 4);
  const deadline = performance.now() + start.seconds * 1000;
  const post = (message: WorkerMessage) => scope.postMessage(message);
  const result = await fuzz(target, loadCorpus(), {
    seed: start.seed,
    iterations: Number.MAX_SAFE_INTEGER,
    maxFailures: Number.MAX_SAFE_INTEGER,
    stop: () => performance.now() > deadline,
    onCase(bytes, runSeed) {
      input.set(bytes.subarray(0, MAX_INPUT));
      Atomics.store(counters, INPUT_LENGTH, Math.min(bytes.length, MAX_INPUT));
      Atomics.store(counters, RUN_SEED, runSeed | 0);
      Atomics.add(counters, CASES, 1);
    },
    onFailure(failure) {
      post({
        type: "failure",
        description: describeFailure(failure),
        signature: signature(failure.error),
        input: failure.input,
        runSeed: failure.runSeed,
      });
    },
  });
  post({ type: "done", iterations: result.iterations });
}

/** An error with its numbers taken out: what makes two failures the same fault. */
function signature(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0].replace(/\d+/g, "N").slice(0, 200);
}

// ---- the main process ----

interface Options {
  targets: string[];
  seconds: number;
  seed: number;
  out: string;
  hangSeconds: number;
  maxRssMb: number;
}

function usage(): never {
  console.error(
    "Usage: deno run -A scripts/fuzz.ts --target NAME|all [--seconds N] [--seed N] [--out DIR]\n" +
      "         [--hang-seconds N] [--max-rss-mb N]\n" +
      "       deno run -A scripts/fuzz.ts --target NAME --replay FILE [--run-seed N]\n" +
      "       deno run -A scripts/fuzz.ts --list",
  );
  Deno.exit(2);
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined) usage();
  return value;
}

function numberArg(args: string[], name: string, fallback: number): number {
  const text = argValue(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) usage();
  return value;
}

function fileName(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60).toLowerCase();
}

async function save(dir: string, name: string, input: Uint8Array, note: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${name}.bin`;
  await Deno.writeFile(path, input);
  await Deno.writeTextFile(`${dir}/${name}.txt`, note + "\n");
  return path;
}

/** Runs one target for `seconds`, replacing its worker after a hang or a memory blow-up. */
async function runTarget(name: string, options: Options): Promise<number> {
  const dir = `${options.out}/${name}`;
  const perSignature = new Map<string, number>();
  let cases = 0;
  let problems = 0;
  let seed = options.seed;
  const end = performance.now() + options.seconds * 1000;
  while (performance.now() < end - 100) {
    const shared = new SharedArrayBuffer(COUNTERS * 4 + MAX_INPUT);
    const counters = new Int32Array(shared, 0, COUNTERS);
    const worker = new Worker(import.meta.url, { type: "module", name: WORKER_NAME });
    const seconds = (end - performance.now()) / 1000;
    const outcome = await new Promise<"done" | "hang" | "memory" | "error">((resolve) => {
      let lastCases = -1;
      let lastProgress = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        const current = Atomics.load(counters, CASES);
        if (current !== lastCases) {
          lastCases = current;
          lastProgress = now;
        } else if (now - lastProgress > options.hangSeconds * 1000) {
          clearInterval(timer);
          resolve("hang");
        }
        if (current > 0 && Deno.memoryUsage().rss > options.maxRssMb * 1024 * 1024) {
          clearInterval(timer);
          resolve("memory");
        }
      }, 250);
      worker.onmessage = async (event: MessageEvent<WorkerMessage>) => {
        const message = event.data;
        if (message.type === "done") {
          clearInterval(timer);
          resolve("done");
          return;
        }
        problems++;
        const count = (perSignature.get(message.signature) ?? 0) + 1;
        perSignature.set(message.signature, count);
        if (count <= 3) {
          const path = await save(
            dir,
            `${fileName(message.signature)}-${count}-s${message.runSeed >>> 0}`,
            message.input,
            message.description,
          );
          console.log(`${message.description}\n  saved as ${path}`);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        console.log(`${name}: the worker failed: ${event.message}`);
        clearInterval(timer);
        resolve("error");
      };
      worker.postMessage({ target: name, seed, seconds, shared } satisfies StartMessage);
    });
    cases += Atomics.load(counters, CASES);
    if (outcome !== "done") {
      worker.terminate();
      const length = Atomics.load(counters, INPUT_LENGTH);
      const runSeed = Atomics.load(counters, RUN_SEED) >>> 0;
      const input = new Uint8Array(shared, COUNTERS * 4, length).slice();
      if (outcome === "hang" || outcome === "memory") {
        problems++;
        const note = outcome === "hang"
          ? `${name}: a case made no progress for ${options.hangSeconds} s`
          : `${name}: the process grew past ${options.maxRssMb} MiB`;
        const path = await save(dir, `${outcome}-s${runSeed}-${Date.now()}`, input, note);
        console.log(`${note}\n  input saved as ${path}`);
      }
      // Let the terminated worker's memory go before the next one is measured.
      const settle = performance.now() + 10_000;
      while (
        Deno.memoryUsage().rss > options.maxRssMb * 1024 * 1024 / 2 && performance.now() < settle
      ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    seed = (seed + 1) >>> 0; // a fresh sequence for the replacement worker
    if (outcome === "done") break;
  }
  const distinct = perSignature.size;
  console.log(
    `${name}: ${cases} cases in ${options.seconds} s, ${problems} failing ` +
      `(${distinct} distinct error${distinct === 1 ? "" : "s"})`,
  );
  return problems;
}

async function replay(name: string, file: string, runSeed: number): Promise<number> {
  const target = targetNamed(name);
  if (target === undefined) usage();
  const input = await Deno.readFile(file);
  try {
    await target.run(input, new Random(runSeed));
  } catch (error) {
    console.log(`${name}: ${file} fails:`);
    console.log(error);
    return 1;
  }
  console.log(`${name}: ${file} passes`);
  return 0;
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--list")) {
    for (const target of TARGETS) console.log(`${target.name.padEnd(18)} ${target.description}`);
    return 0;
  }
  const targetArg = argValue(args, "--target") ?? usage();
  const replayFile = argValue(args, "--replay");
  if (replayFile !== undefined) {
    const fromName = /-s(\d+)\.bin$/.exec(replayFile)?.[1];
    return await replay(
      targetArg,
      replayFile,
      numberArg(args, "--run-seed", Number(fromName ?? 0)),
    );
  }
  const targets = targetArg === "all" ? TARGETS.map((t) => t.name) : targetArg.split(",");
  for (const name of targets) if (targetNamed(name) === undefined) usage();
  const options: Options = {
    targets,
    seconds: numberArg(args, "--seconds", 60),
    seed: numberArg(args, "--seed", Date.now() % 0x1_0000_0000),
    out: argValue(args, "--out") ?? decodeURIComponent(new URL(".tmp/fuzz", ROOT).pathname),
    hangSeconds: numberArg(args, "--hang-seconds", 20),
    maxRssMb: numberArg(args, "--max-rss-mb", 2048),
  };
  console.log(`seed ${options.seed}, ${options.seconds} s per target`);
  let problems = 0;
  for (const name of targets) problems += await runTarget(name, options);
  return problems > 0 ? 1 : 0;
}

if (scope.name === WORKER_NAME) {
  scope.onmessage = (event: MessageEvent<StartMessage>) => {
    runWorker(event.data).catch((error) => {
      throw error;
    });
  };
} else if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
