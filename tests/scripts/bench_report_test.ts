import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { median, summarize } from "../../scripts/bench_measure.ts";
import { cpuSeconds, isRunning, withChildren } from "../../scripts/bench_proc.ts";
import { waitFor } from "../_wait.ts";
import {
  type BenchRow,
  floorNotes,
  megabyteTarget,
  ratio,
  ratioTarget,
  secondsTarget,
} from "../../scripts/bench_report.ts";

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

Deno.test("summarize gives the peers' median CPU only when every run measured it", () => {
  const sample = (cpuS: number, peerCpuS?: number) => ({
    wallS: 1,
    cpuS,
    rssBytes: 1,
    code: 0,
    sha256: "",
    ...(peerCpuS === undefined ? {} : { peerCpuS }),
  });
  assertEquals(summarize([sample(1, 0.4), sample(1, 0.2), sample(1, 0.3)]).peerCpuS, 0.3);
  assertEquals("peerCpuS" in summarize([sample(1, 0.4), sample(1)]), false);
  assertEquals("peerCpuS" in summarize([]), false);
});

Deno.test("bench_proc reads a process's CPU time and children from /proc", async () => {
  const child = new Deno.Command("sh", {
    args: ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; read line"],
    stdin: "piped",
    stdout: "null",
  }).spawn();
  try {
    await waitFor(() => cpuSeconds([child.pid]) >= 0.05, "the child's CPU time");
    assertEquals(withChildren(Deno.pid).includes(child.pid), true);
    assertEquals(isRunning(child.pid), true);
    assertEquals(cpuSeconds([child.pid, 0x7fffffff]) >= 0.05, true, "a gone pid counts 0");
  } finally {
    await child.stdin.close();
    await child.status;
  }
  assertEquals(isRunning(child.pid), false);
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

Deno.test("floorNotes puts each missed target beside the same runtime's floor for that quantity", () => {
  const rows: BenchRow[] = [
    { caseName: "start-up", name: "rtmpdump", cpuS: 0.002, rssBytes: 5e6 },
    {
      caseName: "start-up",
      name: "rtmpkit (deno)",
      cpuS: 0.044,
      rssBytes: 45.2e6,
      targets: [secondsTarget("CPU", 0.044, 0.05), megabyteTarget("RSS", 45.2e6, 30, false)],
    },
    { caseName: "start-up", name: "floor: Deno, connect + 1 byte", cpuS: 0.015, rssBytes: 33.2e6 },
    { caseName: "start-up", name: "floor: Bun binary, connect + 1 byte", rssBytes: 29.5e6 },
    {
      caseName: "240 MB VOD",
      name: "rtmpkit (binary)",
      cpuX: 1.73,
      wallX: 1.22,
      targets: [ratioTarget("CPU", 1.73, 1.3), ratioTarget("wall", 1.22, 1.05)],
    },
    { caseName: "240 MB VOD", name: "floor: Bun binary socket to file", cpuX: 0.86 },
  ];
  const prefixes = new Map([["rtmpkit (deno)", "floor: Deno"], [
    "rtmpkit (binary)",
    "floor: Bun binary",
  ]]);
  assertEquals(floorNotes(rows, prefixes), [
    "start-up, rtmpkit (deno): RSS 45.2 MB misses < 30 MB; floor: Deno, connect + 1 byte: 33.2 MB",
    "240 MB VOD, rtmpkit (binary): CPU 1.73x misses ≤ 1.3x; floor: Bun binary socket to file: 0.86x",
  ]);
});
