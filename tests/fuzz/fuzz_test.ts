import { AssertionError } from "node:assert";
import { loadCorpus } from "./_corpus.ts";
import { describeFailure, fuzz } from "./_engine.ts";
import { TARGETS } from "./_targets.ts";

/** Seed of the short runs in `deno task test`: the same cases every time. */
const TEST_SEED = 0x5eed;

/** Where failing inputs are written, to be replayed or added to tests/fuzz/regressions. */
const FAILURES_DIR = new URL("../../.tmp/fuzz-failures/", import.meta.url);

for (const target of TARGETS) {
  Deno.test(
    `Fuzz ${target.name}: ${target.testIterations} seeded mutations of real captures break no invariant`,
    async () => {
      const result = await fuzz(target, loadCorpus(), {
        seed: TEST_SEED,
        iterations: target.testIterations,
        maxFailures: 5,
      });
      if (result.failures.length === 0) return;
      await Deno.mkdir(FAILURES_DIR, { recursive: true });
      for (const failure of result.failures) {
        const name = `${failure.target}-case${failure.iteration}-s${failure.runSeed}.bin`;
        await Deno.writeFile(new URL(name, FAILURES_DIR), failure.input);
      }
      throw new AssertionError({
        message: `${result.failures.length} of ${result.iterations} cases failed ` +
          `(inputs in .tmp/fuzz-failures):\n${result.failures.map(describeFailure).join("\n")}`,
      });
    },
  );
}
