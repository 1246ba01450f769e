/**
 * `serve --swf-verify` end to end: rtmpdump with `--swfVfy` (hash fetched over HTTP) and with
 * `-w/-x` plays from rtmpkit's server when its SWF matches, and is refused when it does not or
 * when it has no SWF data.
 */
import { ok, strictEqual } from "node:assert/strict";
import { RtmpServer } from "../../src/server/rtmp_server.ts";
import { hashSwf } from "../../src/swf/mod.ts";
import { interopTest, runRtmpdump, tempDir } from "../interop/_harness.ts";
import { startSwfHttpServer } from "./_http_server.ts";
import { cwsFile, fwsFile, swfBody } from "./_swf_fixtures.ts";

const ASSETS = new URL("../../assets/", import.meta.url).pathname;
const RUN_TIMEOUT_MS = 60_000;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

interopTest("rtmpdump passes our server's SWF verification, and fails it with another SWF", {
  peers: ["rtmpdump"],
}, async () => {
  await using http = startSwfHttpServer();
  await using home = await tempDir("serve-swf-");
  const player = fwsFile(swfBody(40000, 11));
  const other = fwsFile(swfBody(40000, 12));
  http.files.set("player.swf", cwsFile(player));
  http.files.set("other.swf", cwsFile(other));
  const log: string[] = [];
  const server = new RtmpServer({
    root: ASSETS,
    listen: ["rtmp://127.0.0.1:0"],
    swfVerification: await hashSwf(player),
    log: (_level, message) => log.push(message),
  });
  await server.start();
  const rtmp = `rtmp://127.0.0.1:${server.addresses[0].port}/vod/sample.flv`;
  const download = (args: string[]) =>
    runRtmpdump(["-r", rtmp, ...args, "-o", "-", "-m", "20"], {
      env: { HOME: home.path },
      timeoutMs: RUN_TIMEOUT_MS,
    });
  try {
    const sample = await Deno.readFile(`${ASSETS}sample.flv`);
    const good = await download(["-W", http.url("player.swf")]);
    strictEqual(good.code, 0, good.stderr);
    ok(good.stdout.length > sample.length / 2, `${good.stdout.length} bytes`);

    const info = await hashSwf(player);
    const byHand = await download(["-w", hex(info.hash), "-x", String(info.size)]);
    strictEqual(byHand.code, 0, byHand.stderr);

    const wrong = await download(["-W", http.url("other.swf")]);
    ok(wrong.code !== 0, wrong.stderr);
    strictEqual(wrong.stdout.length, 0);
    ok(log.some((l) => l.includes("SWF verification: wrong SWF hash or size")), log.join("\n"));

    const none = await download([]);
    ok(none.code !== 0, none.stderr);
    ok(log.some((l) => l.includes("SWF verification: the client used the plain handshake")));
  } finally {
    await server.close();
  }
});
