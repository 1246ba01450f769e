/**
 * SWF verification against Debian's rtmpdump: the same `.swfinfo` lines for FWS and CWS files
 * served over loopback HTTP; each tool reading the other's cache entries; and rtmpdump's answer
 * to a 0x1A request (from a scripted server) equal to ours for the same S1.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  cacheBytes,
  cacheText,
  findSwfInfo,
  hashSwf,
  parseHttpDate,
  resolveSwfInfo,
  type SwfInfo,
  type SwfInfoStore,
  swfVerificationKey,
  swfVerificationResponse,
  updateSwfInfo,
} from "../../src/swf/mod.ts";
import { MessageType, UserControlEvent } from "../../src/message/mod.ts";
import { encodeUserControl } from "../../src/message/user_control.ts";
import { startFakeServer } from "../cli/_fake_server.ts";
import { freePort, interopTest, runRtmpdump, tempDir } from "../interop/_harness.ts";
import { startSwfHttpServer } from "./_http_server.ts";
import { plainData } from "./_lzma_plain_data.ts";
import { cwsFile, fwsFile, swfBody, zwsFile } from "./_swf_fixtures.ts";

const RUN_TIMEOUT_MS = 30_000;

function fileStore(path: string): SwfInfoStore {
  return {
    read: async () => {
      try {
        return await Deno.readFile(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    },
    write: (bytes) => Deno.writeFile(path, bytes),
  };
}

/** Runs rtmpdump -W URL with HOME=home against a closed RTMP port (it hashes before connecting). */
function rtmpdumpSwfVfy(url: string, home: string, extra: string[] = []) {
  return runRtmpdump(
    ["-W", url, ...extra, "-r", `rtmp://127.0.0.1:${freePort()}/app/x`, "-o", "/dev/null"],
    { env: { HOME: home }, timeoutMs: RUN_TIMEOUT_MS },
  );
}

interopTest("rtmpdump and rtmpkit write the same .swfinfo for FWS and CWS files", {
  peers: ["rtmpdump"],
}, async () => {
  await using server = startSwfHttpServer();
  await using dumpHome = await tempDir("swfinfo-rtmpdump-");
  await using ourHome = await tempDir("swfinfo-rtmpkit-");
  const fws = fwsFile(swfBody(60000, 3));
  server.files.set("players/fws.swf", fws);
  server.files.set("players/cws.swf", cwsFile(fws));
  const urls = [server.url("players/fws.swf?a=1"), server.url("players/cws.swf")];
  for (const url of urls) {
    const result = await rtmpdumpSwfVfy(url, dumpHome.path);
    strictEqual(result.timedOut, false);
  }
  const dumpText = cacheText(await Deno.readFile(`${dumpHome.path}/.swfinfo`));
  // Our resolver, at the times rtmpdump wrote, into our own cache file.
  const ctims = [...dumpText.matchAll(/^ctim: (.*)$/gm)].map((m) => parseHttpDate(m[1])!);
  strictEqual(ctims.length, 2, dumpText);
  const store = fileStore(`${ourHome.path}/.swfinfo`);
  const expected = await hashSwf(fws);
  for (const [i, url] of urls.entries()) {
    const resolved = await resolveSwfInfo(url, { store, now: () => ctims[i], maxAgeDays: 30 });
    deepStrictEqual(resolved, { info: expected, source: "fetched" });
  }
  const ourText = cacheText(await Deno.readFile(`${ourHome.path}/.swfinfo`));
  strictEqual(ourText, dumpText);
  // And we read rtmpdump's entries (the server is not asked again).
  const before = server.requests.length;
  for (const url of urls) {
    const fromDump = await resolveSwfInfo(url, {
      store: fileStore(`${dumpHome.path}/.swfinfo`),
      now: () => ctims[1],
    });
    deepStrictEqual(fromDump, { info: expected, source: "cache" });
  }
  strictEqual(server.requests.length, before);
});

interopTest("rtmpdump refreshes our entry in place after a 304, as we do", {
  peers: ["rtmpdump"],
}, async () => {
  await using server = startSwfHttpServer();
  await using home = await tempDir("swfinfo-304-");
  const fws = fwsFile(swfBody(9000, 5));
  server.files.set("p.swf", fws);
  const url = server.url("p.swf");
  const path = `${home.path}/.swfinfo`;
  // Our entry, a day old, then another entry after it.
  const old = Date.UTC(2024, 0, 1, 0, 0, 0);
  let text = updateSwfInfo("", url, {
    checkedAt: old,
    lastModified: server.lastModified!,
    info: await hashSwf(fws),
  });
  text = updateSwfInfo(text, "http://other.example/x.swf", {
    checkedAt: old,
    lastModified: "",
    info: { hash: new Uint8Array(32).fill(7), size: 77 },
  });
  await Deno.writeFile(path, cacheBytes(text));
  await rtmpdumpSwfVfy(url, home.path, ["-X", "0"]);
  strictEqual(server.requests.length, 1);
  strictEqual(server.requests[0].headers["if-modified-since"], server.lastModified);
  const dumpText = cacheText(await Deno.readFile(path));
  const ctim = findSwfInfo(dumpText, url)!.entry.checkedAt!;
  ok(ctim > old);
  // Ours, given the same time, leaves the same bytes.
  await Deno.writeFile(path, cacheBytes(text));
  const resolved = await resolveSwfInfo(url, {
    store: fileStore(path),
    now: () => ctim,
    maxAgeDays: 0,
  });
  strictEqual(resolved.source, "not-modified");
  strictEqual(cacheText(await Deno.readFile(path)), dumpText);
});

interopTest(
  "rtmpdump does not follow redirects; rtmpkit does",
  { peers: ["rtmpdump"] },
  async () => {
    await using server = startSwfHttpServer();
    await using home = await tempDir("swfinfo-redirect-");
    const fws = fwsFile(swfBody(2000));
    server.files.set("p.swf", cwsFile(fws));
    const url = server.url("redirect/1/p.swf");
    const result = await rtmpdumpSwfVfy(url, home.path);
    ok(result.stderr.includes("(HTTP error 302)"), result.stderr);
    const resolved = await resolveSwfInfo(url);
    deepStrictEqual(resolved.info, await hashSwf(fws));
  },
);

/** Runs rtmpdump against a scripted server that asks for SWF verification after createStream. */
async function captureSwfAnswer(args: string[], home: string): Promise<{
  s1: Uint8Array;
  answer: Uint8Array;
}> {
  let s1: Uint8Array | undefined;
  let answer: Uint8Array | undefined;
  const server = startFakeServer(async (peer) => {
    const write = peer.writeRaw.bind(peer);
    peer.writeRaw = (bytes: Uint8Array) => {
      if (s1 === undefined && bytes.length >= 1 + 1536) s1 = bytes.slice(1, 1 + 1536);
      return write(bytes);
    };
    if (!(await peer.handshake())) return;
    const connect = await peer.expectCommand("connect");
    if (connect === null) return;
    // Asked once the client has sent on chunk stream 2 (its window size after connect):
    // rtmpdump answers with a fmt-1 header there, which needs an earlier header to refer to.
    await peer.acceptConnect(connect.transactionId);
    if ((await peer.expectCommand("createStream")) === null) return;
    await peer.send(encodeUserControl(UserControlEvent.SwfVerifyRequest, [0]));
    for (;;) {
      const message = await peer.nextMessage();
      if (message === null) return;
      if (
        message.typeId === MessageType.UserControl &&
        ((message.payload[0] << 8) | message.payload[1]) === UserControlEvent.SwfVerifyResponse
      ) {
        answer = message.payload.slice(2);
        return;
      }
    }
  });
  try {
    await runRtmpdump([...args, "-r", server.url("app/x"), "-o", "/dev/null", "-m", "5"], {
      env: { HOME: home },
      timeoutMs: RUN_TIMEOUT_MS,
    });
  } finally {
    await server.close();
  }
  strictEqual(server.errors.length, 0, String(server.errors[0]));
  ok(s1 !== undefined, "no S1 sent");
  ok(answer !== undefined, "rtmpdump sent no 0x1B answer");
  return { s1, answer };
}

interopTest("rtmpdump answers 0x1A as we compute it, with -w/-x", {
  peers: ["rtmpdump"],
}, async () => {
  await using home = await tempDir("swf-answer-");
  const info: SwfInfo = await hashSwf(fwsFile(swfBody(1234, 9)));
  const hex = Array.from(info.hash, (b) => b.toString(16).padStart(2, "0")).join("");
  const { s1, answer } = await captureSwfAnswer(["-w", hex, "-x", String(info.size)], home.path);
  deepStrictEqual(answer, await swfVerificationResponse(info, swfVerificationKey(s1)));
});

interopTest("rtmpdump uses our .swfinfo entry for a ZWS file it cannot hash itself", {
  peers: ["rtmpdump"],
}, async () => {
  await using home = await tempDir("swf-zws-");
  const { zws } = await zwsFile("far_302", plainData("far"));
  const info = await hashSwf(zws);
  // The SWF's server is down: rtmpdump must take the entry from the cache.
  const url = `http://127.0.0.1:${freePort()}/player/zws.swf`;
  const text = updateSwfInfo("", url, { checkedAt: Date.now(), lastModified: "", info });
  await Deno.writeFile(`${home.path}/.swfinfo`, cacheBytes(text));
  const { s1, answer } = await captureSwfAnswer(["-W", url], home.path);
  deepStrictEqual(answer, await swfVerificationResponse(info, swfVerificationKey(s1)));
});
