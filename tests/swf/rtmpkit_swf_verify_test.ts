/**
 * rtmpkit's `-W/--swfVfy`, `-w/-x` and `-X` against rtmpkit's server demanding SWF
 * verification: FWS, CWS and ZWS player SWFs served over HTTP behind a redirect are accepted and
 * the file equals rtmpdump's download of the same stream; a wrong SWF and no SWF are refused; the
 * cache is written to $HOME/.swfinfo in rtmpdump's format and used on the next run. yt-dlp with
 * rtmpkit's binary as `rtmpdump` does a `--swfVfy` download (from an info JSON with a
 * player_url) and ends with Debian's rtmpdump's file.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { downloadFlv } from "../../src/download_flv.ts";
import { RtmpServer } from "../../src/server/rtmp_server.ts";
import { cacheText, findSwfInfo, hashSwf } from "../../src/swf/mod.ts";
import {
  assertSameBytes,
  findExecutable,
  interopTest,
  RTMPKIT_BINARY,
  runProcess,
  runRtmpdump,
  runRtmpkit,
  tempDir,
} from "../interop/_harness.ts";
import { startSwfHttpServer } from "./_http_server.ts";
import { plainData } from "./_lzma_plain_data.ts";
import { cwsFile, fwsFile, swfBody, zwsFile } from "./_swf_fixtures.ts";

const ASSETS = new URL("../../assets/", import.meta.url).pathname;
const RUN_TIMEOUT_MS = 120_000;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function verifyingServer(player: Uint8Array, log: string[]) {
  const server = new RtmpServer({
    root: ASSETS,
    listen: ["rtmp://127.0.0.1:0"],
    swfVerification: await hashSwf(player),
    log: (_level, message) => log.push(message),
  });
  await server.start();
  return {
    url: `rtmp://127.0.0.1:${server.addresses[0].port}/vod/sample.flv`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

interopTest("rtmpkit --swfVfy passes SWF verification for FWS, CWS and ZWS players", {
  peers: ["rtmpdump"],
}, async () => {
  await using http = startSwfHttpServer();
  await using home = await tempDir("rtmpkit-swfvfy-");
  const { zws, fws } = await zwsFile("mixed_302", plainData("mixed"));
  http.files.set("fws.swf", fws);
  http.files.set("cws.swf", cwsFile(fws));
  http.files.set("zws.swf", zws);
  const log: string[] = [];
  await using server = await verifyingServer(fws, log);
  const env = { HOME: home.path };
  const reference = await runRtmpdump(
    ["-r", server.url, "-W", http.url("cws.swf"), "-o", "-"],
    { env, timeoutMs: RUN_TIMEOUT_MS },
  );
  strictEqual(reference.code, 0, reference.stderr);
  for (const name of ["fws.swf", "cws.swf", "zws.swf"]) {
    const run = await runRtmpkit(
      ["-r", server.url, "-W", http.url(`redirect/2/${name}`), "-o", "-"],
      { env, timeoutMs: RUN_TIMEOUT_MS },
    );
    strictEqual(run.code, 0, `${name}: ${run.stderr}`);
    assertSameBytes(run.stdout, reference.stdout, name);
  }
  strictEqual(log.filter((l) => l.includes("SWF verification: verified")).length, 4);
  // Each URL has its entry in the cache, in rtmpdump's format, with the hash of the FWS form.
  const text = cacheText(await Deno.readFile(`${home.path}/.swfinfo`));
  const expected = await hashSwf(fws);
  for (const name of ["fws.swf", "cws.swf", "zws.swf"]) {
    deepStrictEqual(findSwfInfo(text, http.url(`redirect/2/${name}`))?.entry.info, expected);
  }
  // The next run takes the hash from the cache (-X 30 days): no HTTP request.
  const requests = http.requests.length;
  const cached = await runRtmpkit(
    ["-r", server.url, "-W", http.url("redirect/2/zws.swf"), "-X", "30", "-o", "-"],
    { env, timeoutMs: RUN_TIMEOUT_MS },
  );
  strictEqual(cached.code, 0, cached.stderr);
  strictEqual(http.requests.length, requests);
});

Deno.test("rtmpkit -w/-x passes; a wrong SWF, a failed --swfVfy and no SWF are refused", async () => {
  await using http = startSwfHttpServer();
  await using home = await tempDir("rtmpkit-swfvfy-");
  const player = fwsFile(swfBody(30000, 21));
  http.files.set("other.swf", cwsFile(fwsFile(swfBody(30000, 22))));
  const log: string[] = [];
  await using server = await verifyingServer(player, log);
  const download = (args: string[]) =>
    runRtmpkit(["-r", server.url, ...args, "-o", "-"], {
      env: { HOME: home.path },
      timeoutMs: RUN_TIMEOUT_MS,
    });
  const info = await hashSwf(player);
  const byHand = await download(["-w", hex(info.hash), "-x", String(info.size)]);
  strictEqual(byHand.code, 0, byHand.stderr);

  const wrong = await download(["-W", http.url("other.swf")]);
  strictEqual(wrong.code, 1, wrong.stderr); // rtmpdump's code for a refused play
  ok(wrong.stderr.includes("NetStream.Play.Failed"), wrong.stderr);
  strictEqual(wrong.stdout.length, 0);

  // A SWF that cannot be fetched is one error line; the download goes on without it.
  const missing = await download(["-W", http.url("missing.swf")]);
  ok(
    missing.stderr.includes(
      `ERROR: Cannot fetch the SWF file ${http.url("missing.swf")}: HTTP 404 Not Found\n`,
    ),
    missing.stderr,
  );
  strictEqual(missing.code, 1, missing.stderr);
  ok(log.some((l) => l.includes("SWF verification: the client used the plain handshake")));
});

interopTest("yt-dlp with rtmpkit as rtmpdump does a --swfVfy download like rtmpdump", {
  peers: ["yt-dlp", "rtmpdump", "rtmpkit-binary"],
}, async () => {
  await using http = startSwfHttpServer();
  await using dir = await tempDir("ytdlp-swfvfy-");
  const player = fwsFile(swfBody(20000, 31));
  http.files.set("player.swf", cwsFile(player));
  const log: string[] = [];
  await using server = await verifyingServer(player, log);
  // An extractor's result with a player_url: yt-dlp then runs rtmpdump with --swfVfy.
  const info = {
    id: "sample",
    title: "sample",
    url: server.url,
    ext: "flv",
    protocol: "rtmp",
    player_url: http.url("player.swf"),
    extractor: "generic",
    extractor_key: "Generic",
    webpage_url: "http://127.0.0.1/page",
  };
  await Deno.writeTextFile(`${dir.path}/info.json`, JSON.stringify(info));
  const bin = `${dir.path}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(RTMPKIT_BINARY, `${bin}/rtmpdump`);
  const path = Deno.env.get("PATH") ?? "";
  const ytdlp = (out: string, withRtmpkit: boolean) =>
    runProcess(findExecutable("yt-dlp")!, [
      "-v",
      "--no-cache-dir",
      "--load-info-json",
      `${dir.path}/info.json`,
      "-o",
      out,
    ], {
      timeoutMs: RUN_TIMEOUT_MS,
      env: { HOME: dir.path, PATH: withRtmpkit ? `${bin}:${path}` : path },
    });
  const ref = await ytdlp(`${dir.path}/ref.flv`, false);
  strictEqual(ref.code, 0, ref.stderr);
  const kit = await ytdlp(`${dir.path}/kit.flv`, true);
  strictEqual(kit.code, 0, kit.stderr);
  ok(
    /rtmpdump command line: rtmpdump .* --swfVfy http:\/\/127\.0\.0\.1:\d+\/player\.swf/.test(
      kit.stderr,
    ),
    kit.stderr,
  );
  assertSameBytes(
    await Deno.readFile(`${dir.path}/kit.flv`),
    await Deno.readFile(`${dir.path}/ref.flv`),
    "yt-dlp --swfVfy download",
  );
  strictEqual(log.filter((l) => l.includes("SWF verification: verified")).length, 2);
});

Deno.test("downloadFlv with swf passes SWF verification; without it the play is refused", async () => {
  const player = fwsFile(swfBody(10000, 41));
  const log: string[] = [];
  await using server = await verifyingServer(player, log);
  const chunks: Uint8Array[] = [];
  const verified = await downloadFlv(server.url, (bytes) => {
    chunks.push(bytes.slice());
  }, { swf: await hashSwf(player) });
  strictEqual(verified.reason, "complete");
  ok(chunks.reduce((n, c) => n + c.length, 0) > 200_000);
  const refused = await downloadFlv(server.url, () => {}, {});
  ok(refused.reason !== "complete", refused.reason);
  deepStrictEqual(
    log.filter((l) => l.includes("SWF verification:")).map((l) => l.replace(/^#\d+ /, "")),
    [
      "SWF verification: verified",
      "SWF verification: the client used the plain handshake (no SWF data)",
    ],
  );
});
