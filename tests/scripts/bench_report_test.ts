import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { median, summarize } from "../../scripts/bench_measure.ts";
import { megabyteTarget, ratio, ratioTarget, secondsTarget } from "../../scripts/bench_report.ts";

Deno.test("median takes the middle value, or the mean of the middle two", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertEquals(Number.isNaN(median([])), true);
});

Deno.test("summarize gives the medians of wall, CPU and RSS", () => {
  const sample = (wallS: number, cpuS: number, rssBytes: number) => ({
    wallS,
    cpuS,
    rssBytes,
    code: 0,
    sha256: "",
  });
  assertEquals(summarize([sample(1, 0.5, 10), sample(3, 0.1, 30), sample(2, 0.3, 20)]), {
    wallS: 2,
    cpuS: 0.3,
    rssBytes: 20,
    runs: 3,
  });
});

Deno.test("targets pass at their limit and miss past it", () => {
  assertEquals(ratio(1.234), "1.23x");
  assertEquals(ratio(undefined), "-");
  assertEquals(ratioTarget("CPU", 1.3, 1.3).pass, true);
  assertEquals(ratioTarget("CPU", 1.31, 1.3), {
    what: "CPU",
    limit: "≤ 1.3x",
    value: "1.31x",
    pass: false,
  });
  assertEquals(ratioTarget("CPU", NaN, 1.3).pass, false);
  assertEquals(megabyteTarget("RSS", 48e6, 48).pass, true);
  assertEquals(megabyteTarget("RSS", 30e6, 30, false).pass, false, "< is strict");
  assertEquals(megabyteTarget("RSS", 29.9e6, 30, false).value, "29.9 MB");
  assertEquals(secondsTarget("CPU", 0.049, 0.05).pass, true);
  assertEquals(secondsTarget("CPU", 0.05, 0.05).pass, false);
});
