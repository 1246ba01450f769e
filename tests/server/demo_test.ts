import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runProcess } from "../_process.ts";

const DEMO = new URL("../../scripts/demo.ts", import.meta.url).pathname;

Deno.test("deno task demo: downloads the sample over every transport stack, each identical, OK", async () => {
  const output = await runProcess(Deno.execPath(), ["run", "-A", DEMO]);
  const text = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, text + output.stderr);
  for (const listener of ["rtmp", "rtmpt", "rtmps", "rtmpts"]) {
    assert(new RegExp(`${listener}://127\\.0\\.0\\.1:\\d+`).test(text), `${listener} in\n${text}`);
  }
  const lines = text.split("\n").filter((line) => /^ {2}rtmp\w*\s/.test(line));
  assertEquals(
    lines.map((line) => line.trim().split(/\s+/)[0]),
    ["rtmp", "rtmpe", "rtmpe", "rtmpt", "rtmpte", "rtmps", "rtmpts"],
    text,
  );
  for (const line of lines) assert(/ 235,993 bytes .* identical/.test(line), line);
  assert(/check {6}each download: 345 tags identical/.test(text), text);
  assert(text.trimEnd().endsWith("OK"), text);
});
