import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatTotals, parseDenoSummary, splitArgs, stripAnsi } from "../../scripts/run_tests.ts";

Deno.test("parseDenoSummary reads a passing summary", () => {
  assertEquals(parseDenoSummary("x ... ok\n\nok | 80 passed | 0 failed (764ms)\n"), {
    passed: 80,
    failed: 0,
    ignored: 0,
  });
});

Deno.test("parseDenoSummary counts tests, not steps, and reads ignored", () => {
  const out = "FAILED | 1 passed (2 steps) | 1 failed (1 step) | 1 ignored (9ms)";
  assertEquals(parseDenoSummary(out), { passed: 1, failed: 1, ignored: 1 });
});

Deno.test("parseDenoSummary reads ignored steps and filtered tests without confusion", () => {
  const out = "ok | 3 passed (4 steps) | 0 failed | 2 ignored (1 step) | 5 filtered out (1s)";
  assertEquals(parseDenoSummary(out), { passed: 3, failed: 0, ignored: 2 });
});

Deno.test("parseDenoSummary sees through colour codes", () => {
  const out =
    "\x1b[0m\x1b[31mFAILED\x1b[0m | 57 passed | 1 failed \x1b[0m\x1b[38;5;245m(20s)\x1b[0m\n";
  assertEquals(parseDenoSummary(out), { passed: 57, failed: 1, ignored: 0 });
});

Deno.test("parseDenoSummary takes the last summary and ignores look-alike lines", () => {
  const out = [
    "test prints ok | 99 passed inside a message ... ok",
    "ok | 1 passed | 0 failed (1ms)",
    "ok | 4 passed | 2 failed (1ms)",
    "",
  ].join("\n");
  assertEquals(parseDenoSummary(out), { passed: 4, failed: 2, ignored: 0 });
});

Deno.test("parseDenoSummary returns undefined when deno test never reported", () => {
  assertEquals(parseDenoSummary("error: Type checking failed.\n"), undefined);
  assertEquals(parseDenoSummary(""), undefined);
});

Deno.test("formatTotals adds skipped only when tests were ignored", () => {
  assertEquals(formatTotals({ passed: 5, failed: 0, ignored: 0 }), "5 passed, 0 failed");
  assertEquals(formatTotals({ passed: 5, failed: 1, ignored: 2 }), "5 passed, 1 failed, 2 skipped");
});

Deno.test("splitArgs keeps flag values with their flags", () => {
  assertEquals(splitArgs(["--filter", "chunk", "tests/chunk", "--fail-fast", "--seed=3"]), {
    flags: ["--filter", "chunk", "--fail-fast", "--seed=3"],
    paths: ["tests/chunk"],
  });
});

Deno.test("stripAnsi removes colour codes only", () => {
  assertEquals(stripAnsi("\x1b[0m\x1b[32mok\x1b[0m | 1"), "ok | 1");
});
