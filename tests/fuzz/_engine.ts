/**
 * The fuzz loop: draws a seed, mutates it a few times and feeds it to a target, case after case,
 * all from one seeded generator, so a run is the same run every time.
 *
 * @module
 */

import type { Corpus } from "./_corpus.ts";
import { MAX_INPUT, mutateBytes } from "./_mutate.ts";
import { Random } from "./_random.ts";
import type { FuzzTarget } from "./_targets.ts";

/** An input that broke a target, and how to replay it. */
export interface FuzzFailure {
  /** The target's name. */
  readonly target: string;
  /** Case number within the run. */
  readonly iteration: number;
  /** Seed of the generator the target got for this case (replay with `new Random(runSeed)`). */
  readonly runSeed: number;
  /** The input. */
  readonly input: Uint8Array;
  /** What was thrown. */
  readonly error: unknown;
}

/** How long a run goes and what it reports. */
export interface FuzzOptions {
  /** Seed of the whole run. */
  readonly seed: number;
  /** Number of cases; the run may also stop earlier through `stop`. */
  readonly iterations: number;
  /** Asked before each case; true ends the run (the long-run script's clock). */
  readonly stop?: () => boolean;
  /** Called with each case before the target runs it (the long-run script's watchdog). */
  readonly onCase?: (input: Uint8Array, runSeed: number, iteration: number) => void;
  /** Stop after this many failures (default 10). */
  readonly maxFailures?: number;
  /** Receives each failure instead of the result keeping it (long runs). */
  readonly onFailure?: (failure: FuzzFailure) => void;
}

/** What a run did. */
export interface FuzzResult {
  /** Cases run. */
  readonly iterations: number;
  /** Inputs that broke the target (unless `onFailure` took them). */
  readonly failures: FuzzFailure[];
  /** How many cases failed. */
  readonly failed: number;
}

/** The input of one case: a seed, used as it is now and then, else mutated one to four times. */
export function makeCase(
  target: FuzzTarget,
  seeds: readonly Uint8Array[],
  rng: Random,
): Uint8Array {
  let input = rng.pick(seeds);
  if (rng.chance(0.05)) return input;
  for (let round = rng.between(1, 4); round > 0; round--) {
    input = target.structured !== undefined && rng.chance(0.5)
      ? target.structured(input, rng)
      : mutateBytes(input, rng, seeds);
  }
  return input.length > MAX_INPUT ? input.subarray(0, MAX_INPUT) : input;
}

/** Runs `target` on mutations of its seeds from `corpus`. */
export async function fuzz(
  target: FuzzTarget,
  corpus: Corpus,
  options: FuzzOptions,
): Promise<FuzzResult> {
  const seeds = target.seeds(corpus);
  if (seeds.length === 0) throw new Error(`The ${target.name} target has no seeds`);
  const rng = new Random(options.seed);
  const failures: FuzzFailure[] = [];
  const maxFailures = options.maxFailures ?? 10;
  let failed = 0;
  let iteration = 0;
  for (; iteration < options.iterations; iteration++) {
    if (options.stop?.()) break;
    const caseRng = rng.fork();
    const input = makeCase(target, seeds, caseRng);
    const runSeed = caseRng.u32();
    options.onCase?.(input, runSeed, iteration);
    try {
      await target.run(input, new Random(runSeed));
    } catch (error) {
      const failure = { target: target.name, iteration, runSeed, input, error };
      if (options.onFailure !== undefined) options.onFailure(failure);
      else failures.push(failure);
      if (++failed >= maxFailures) {
        iteration++;
        break;
      }
    }
  }
  return { iterations: iteration, failures, failed };
}

/** One line per failure: target, case, error, and the input's first bytes in hex. */
export function describeFailure(failure: FuzzFailure): string {
  const error = failure.error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const head = Array.from(failure.input.subarray(0, 48), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  return `${failure.target} case ${failure.iteration} (run seed ${failure.runSeed}, ` +
    `${failure.input.length} bytes ${head}${failure.input.length > 48 ? "…" : ""}): ${
      what.split("\n")[0]
    }`;
}
