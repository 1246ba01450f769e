import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runProcess } from "../_process.ts";

const DEMO = new URL("../../scripts/demo.ts", import.meta.url).pathname;

Deno.test("deno task demo: serves the sample over rtmp, downloads it, checks it, reports OK", async () => {
  const output = await runProcess(Deno.execPath(), ["run", "-A", DEMO]);
  const text = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, text + output.stderr);
  assert(
    /transport {2}rtmp over tcp, rtmp:\/\/127\.0\.0\.1:\d+\/vod\/sample\.flv/.test(text),
    text,
  );
  assert(/check {6}345 tags identical/.test(text), text);
  assert(/"Download complete"/.test(text), text);
  assert(text.trimEnd().endsWith("OK"), text);
});
