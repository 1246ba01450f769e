/**
 * The command line's debug levels: `-V` shows rtmpdump's DEBUG lines and `-z` adds its DEBUG2
 * packet dumps (the default shows neither), with the socket's descriptor as rtmpdump numbers
 * it, and the end of a download in rtmpdump's order: the outcome, "Closing connection." and
 * then the stream closed. Against a fake server that plays a live stream and then stops
 * sending.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { normaliseStderrLines } from "../_stderr.ts";
import { type PeerScript, startFakeServer } from "./_fake_server.ts";
import { runCli } from "./_run_cli.ts";

/** Generous bound on one run (a 1 s receive timeout ends it). */
const RUN_MS = 60_000;

const playsThenStalls: PeerScript = async (peer) => {
  if (!(await peer.acceptPlay())) return;
  await peer.sendMedia(4);
  await peer.stall();
};

async function run(level: string[], output: "file" | "stdout") {
  await using server = startFakeServer(playsThenStalls);
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-debug-log-" });
  try {
    const out = output === "file" ? ["-o", `${dir}/live.flv`] : ["-o", "-"];
    return await runCli([...level, "-v", "-m", "1", "-r", server.url(), ...out], {
      timeoutMs: RUN_MS,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("-V ends a download in rtmpdump's order: the outcome, Closing connection, then the stream's close", async () => {
  const result = await run(["-V"], "file");
  assertEquals(result.code, 2, result.stderr);
  const lines = normaliseStderrLines(result.stderr);
  assertEquals(lines.slice(-7), [
    "DEBUG: RTMPSockBuf_Fill, recv returned -1. GetSockError(): 11 (Resource temporarily unavailable)",
    "ERROR: RTMP_ReadPacket, failed to read RTMP packet header",
    "DEBUG: RTMP_Read returned: 0",
    "Download may be incomplete (downloaded about 0.00%), try resuming",
    "DEBUG: Closing connection.",
    "",
    "DEBUG: Invoking deleteStream",
  ]);
  assert(lines.includes("DEBUG: Setting buffer time to: 36000000ms"));
  assert(!lines.some((line) => line.startsWith("DEBUG2:")), "no packet dumps with -V");
});

Deno.test("-z adds the packet dumps, with the socket numbered after the output file", async () => {
  const result = await run(["-z"], "file");
  assertEquals(result.code, 2, result.stderr);
  const lines = normaliseStderrLines(result.stderr);
  assert(lines.includes("DEBUG2: RTMP_ReadPacket: fd=4"), result.stderr);
  assert(lines.some((line) => /^DEBUG2: RTMP_SendPacket: fd=4, size=\d+$/.test(line)));
  assert(lines.some((line) => line.startsWith("DEBUG2:   0000:  ")), "hex dumps");
  // To stdout no file is opened first: the socket is descriptor 3.
  const toStdout = await run(["-z"], "stdout");
  assert(normaliseStderrLines(toStdout.stderr).includes("DEBUG2: RTMP_ReadPacket: fd=3"));
});

Deno.test("without -V or -z no debug line is printed", async () => {
  const result = await run([], "file");
  assertEquals(result.code, 2, result.stderr);
  const lines = normaliseStderrLines(result.stderr);
  assert(!lines.some((line) => line.startsWith("DEBUG")), result.stderr);
  assertEquals(lines.slice(-2), [
    "ERROR: RTMP_ReadPacket, failed to read RTMP packet header",
    "Download may be incomplete (downloaded about 0.00%), try resuming",
  ]);
});
