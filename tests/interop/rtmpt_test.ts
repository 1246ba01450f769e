/**
 * The RTMPT tunnel against peers we did not write: rtmpdump (rtmpt and rtmpte) and ffmpeg as
 * clients of rtmpkit's rtmpt:// listener (rtmpdump's output equal to what it gets from nginx-rtmp
 * over rtmp), rtmpdump's polling of a silent session held cheap, rtmpkit over rtmpt and rtmpte
 * (types 6, 8, 9) against its own server (equal to plain rtmp, on Deno and Bun), and the tunnel and
 * plain streams through tinyproxy's HTTP CONNECT (the conformance suite, a download equal to the
 * direct one, and tinyproxy's refusal of a port it does not allow).
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ClientSession } from "../../src/session/client_session.ts";
import { FlvRecorder } from "../../src/session/flv_recorder.ts";
import { RtmpClient } from "../../src/session/rtmp_client.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import { buildTcUrl } from "../../src/url/build_tc_url.ts";
import { tcpDialer } from "../../transports/dialer.ts";
import { httpConnectDialer } from "../../transports/http_connect.ts";
import { parseProxyUrl } from "../../transports/proxy_url.ts";
import { rtmptDialer } from "../../transports/rtmpt.ts";
import { rtmptListener } from "../../transports/rtmpt_listener.ts";
import { openTransport, type TransportRequest } from "../../transports/stack.ts";
import type { Listener } from "../../transports/listen.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { transportConformance, type TransportPair } from "../transports/_conformance.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  IS_CI,
  MEDIA_DIR,
  type MediaKind,
  peersAvailable,
  RTMPKIT_RUNTIMES,
  rtmpkitCommand,
  runProcess,
  runRtmpdump,
  runRtmpkit,
  runtimePeers,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";
import {
  processCpuMs,
  startRtmpkitServe,
  startTinyproxy,
  type Tinyproxy,
} from "./_tunnel_peers.ts";

/** Media served over the tunnel (ext_ts crosses 0xFFFFFF ms; bframes has composition offsets). */
const KINDS: MediaKind[] = ["h264_aac", "bframes", "audio_only_mp3", "ext_ts"];

/** Starts rtmpkit's server in this process on rtmp:// and rtmpt:// (free ports). */
async function startRtmpkit(root: string) {
  const server = new RtmpServer({
    root,
    listen: ["rtmp://127.0.0.1:0", "rtmpt://127.0.0.1:0"],
    log: () => {},
  });
  await server.start();
  const [rtmp, rtmpt] = server.addresses;
  return {
    server,
    rtmpPort: rtmp.port,
    rtmptPort: rtmpt.port,
    rtmp: (app: string, name: string) => `rtmp://127.0.0.1:${rtmp.port}/${app}/${name}`,
    rtmpt: (app: string, name: string) => `rtmpt://127.0.0.1:${rtmpt.port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

interopTest(
  "rtmpdump over rtmpt and rtmpte from rtmpkit's listener gets the bytes and exit code nginx-rtmp gives it",
  { peers: ["nginx-rtmp", "rtmpdump", "ffmpeg"] },
  async () => {
    for (const kind of KINDS) await genMedia(kind);
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    await using rtmpkit = await startRtmpkit(MEDIA_DIR);
    await using dir = await tempDir();
    for (const kind of KINDS) {
      const args = (url: string, out: string) => ["-r", url, "-o", out, "-m", "3"];
      const fromNginx = await runRtmpdump(
        args(nginx.url("vod", `${kind}.flv`), `${dir.path}/n.flv`),
      );
      // rtmpte: the RTMPE handshake (type 6, as rtmpdump sends) and RC4 inside the tunnel.
      for (const scheme of ["rtmpt", "rtmpte"]) {
        const url = rtmpkit.rtmpt("vod", `${kind}.flv`).replace(/^rtmpt:/, `${scheme}:`);
        const overTunnel = await runRtmpdump(args(url, `${dir.path}/t.flv`));
        assertEquals(
          overTunnel.code,
          fromNginx.code,
          `${kind} over ${scheme}: exit code\n${overTunnel.stderr}`,
        );
        assertSameBytes(
          await Deno.readFile(`${dir.path}/t.flv`),
          await Deno.readFile(`${dir.path}/n.flv`),
          `${kind}: rtmpdump's output over ${scheme} from rtmpkit vs over rtmp from nginx-rtmp`,
        );
      }
    }
  },
);

for (const runtime of RTMPKIT_RUNTIMES.filter((r) => r !== "binary")) {
  interopTest(
    `rtmpdump over rtmpt from \`rtmpkit serve --listen rtmpt://\` (${runtime}): the bytes of rtmp`,
    { peers: ["rtmpdump", "ffmpeg", ...runtimePeers(runtime)] },
    async () => {
      await genMedia("bframes");
      await using serve = await startRtmpkitServe(rtmpkitCommand(runtime), MEDIA_DIR, [
        "rtmp",
        "rtmpt",
      ]);
      await using dir = await tempDir();
      const [rtmpPort, rtmptPort] = serve.ports;
      const run = (url: string, out: string) => runRtmpdump(["-r", url, "-o", out, "-m", "5"]);
      const plain = await run(`rtmp://127.0.0.1:${rtmpPort}/vod/bframes`, `${dir.path}/p.flv`);
      const tunnel = await run(`rtmpt://127.0.0.1:${rtmptPort}/vod/bframes`, `${dir.path}/t.flv`);
      assertEquals(tunnel.code, plain.code, tunnel.stderr);
      const bytes = await Deno.readFile(`${dir.path}/t.flv`);
      assert(bytes.length > 1_000_000, `only ${bytes.length} bytes`);
      assertSameBytes(bytes, await Deno.readFile(`${dir.path}/p.flv`), "rtmpt vs rtmp");
    },
  );
}

interopTest(
  "ffmpeg reads rtmpt:// from rtmpkit's listener: the same FLV as over rtmp://",
  { peers: ["ffmpeg"] },
  async () => {
    await genMedia("h264_aac");
    await using rtmpkit = await startRtmpkit(MEDIA_DIR);
    await using dir = await tempDir();
    const ffmpeg = findExecutable("ffmpeg")!;
    const run = (url: string, out: string) =>
      runProcess(ffmpeg, [
        "-hide_banner",
        "-loglevel",
        "error",
        "-rw_timeout",
        "20000000",
        "-i",
        url,
        "-c",
        "copy",
        "-f",
        "flv",
        out,
      ], { timeoutMs: 120_000 });
    const plain = await run(rtmpkit.rtmp("vod", "h264_aac.flv"), `${dir.path}/p.flv`);
    assertEquals(plain.code, 0, plain.stderr);
    const tunnel = await run(rtmpkit.rtmpt("vod", "h264_aac.flv"), `${dir.path}/t.flv`);
    assertEquals(tunnel.code, 0, tunnel.stderr);
    const bytes = await Deno.readFile(`${dir.path}/t.flv`);
    assert(bytes.length > 100_000, `only ${bytes.length} bytes over rtmpt`);
    assertSameBytes(bytes, await Deno.readFile(`${dir.path}/p.flv`), "ffmpeg over rtmpt vs rtmp");
  },
);

interopTest(
  "rtmpdump polling a silent rtmpt session of rtmpkit's listener: held answers, no busy loop",
  { peers: ["rtmpdump"] },
  async () => {
    // The application never answers: librtmp posts /idle again as soon as an answer comes, for
    // as long as it waits. The listener holds each idle up to the interval (16 ms, doubling
    // every ten empty answers up to 528 ms): about 50 polls in 4 s instead of thousands.
    const polls = { count: 0 };
    const listener = rtmptListener(countIdlePolls(
      await listenTcp({ hostname: "127.0.0.1", port: 0 }),
      polls,
    ));
    const sessions = (async () => {
      for await (const session of listener.accept()) void session.read();
    })();
    const child = new Deno.Command(findExecutable("rtmpdump")!, {
      args: ["-q", "-r", `rtmpt://127.0.0.1:${listener.addr.port}/vod/x`, "-o", "/dev/null"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const started = performance.now();
    const ownCpuBefore = ownCpuMs();
    try {
      await new Promise((r) => setTimeout(r, 4000));
      const wall = performance.now() - started;
      const theirs = processCpuMs(child.pid);
      const ours = ownCpuMs() - ownCpuBefore;
      assert(polls.count >= 10, `only ${polls.count} idle polls: rtmpdump is not polling`);
      assert(polls.count <= 200, `${polls.count} idle polls in ${Math.round(wall)} ms`);
      assert(theirs < wall * 0.25, `rtmpdump used ${theirs} ms of CPU in ${Math.round(wall)} ms`);
      assert(ours < wall * 0.25, `the listener used ${ours} ms of CPU in ${Math.round(wall)} ms`);
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await listener.close();
      await sessions;
    }
  },
);

/** Passes a listener's connections through, counting the reads that carry an idle request. */
function countIdlePolls(below: Listener, polls: { count: number }): Listener {
  const marker = new TextEncoder().encode("POST /idle/");
  const holds = (data: Uint8Array) => {
    for (let i = data.indexOf(marker[0]); i >= 0; i = data.indexOf(marker[0], i + 1)) {
      if (marker.every((b, k) => data[i + k] === b)) polls.count++;
    }
  };
  return {
    addr: below.addr,
    close: () => below.close(),
    async *accept() {
      for await (const conn of below.accept()) {
        yield {
          remoteAddr: conn.remoteAddr,
          write: (data: Uint8Array) => conn.write(data),
          close: () => conn.close(),
          read: async () => {
            const data = await conn.read();
            if (data !== null) holds(data);
            return data;
          },
        };
      }
    },
  };
}

/** CPU time this process used so far, in milliseconds. */
function ownCpuMs(): number {
  return processCpuMs(Deno.pid);
}

for (const runtime of RTMPKIT_RUNTIMES.filter((r) => r !== "binary")) {
  interopTest(
    `rtmpkit (${runtime}) over rtmpt and rtmpte from its own server: the same bytes as rtmp`,
    { peers: ["ffmpeg", ...runtimePeers(runtime)] },
    async () => {
      for (const kind of KINDS) await genMedia(kind);
      await using rtmpkit = await startRtmpkit(MEDIA_DIR);
      await using dir = await tempDir();
      let lastCode = -1;
      for (const kind of KINDS) {
        const args = (url: string, out: string) => ["-r", url, "-o", out, "-m", "10"];
        const plain = await runRtmpkit(args(rtmpkit.rtmp("vod", kind), `${dir.path}/p.flv`), {
          runtime,
        });
        const tunnel = await runRtmpkit(args(rtmpkit.rtmpt("vod", kind), `${dir.path}/t.flv`), {
          runtime,
        });
        assertEquals(tunnel.code, plain.code, `${kind}: exit code\n${tunnel.stderr}`);
        lastCode = plain.code;
        assertSameBytes(
          await Deno.readFile(`${dir.path}/t.flv`),
          await Deno.readFile(`${dir.path}/p.flv`),
          `${kind}: rtmpkit over rtmpt vs rtmp`,
        );
      }
      // rtmpte with each RTMPE handshake type: RC4 over the tunnel.
      const plainBytes = await Deno.readFile(`${dir.path}/p.flv`); // the last kind's
      const last = KINDS[KINDS.length - 1];
      for (const type of ["6", "8", "9"]) {
        const url = rtmpkit.rtmpt("vod", last).replace(/^rtmpt:/, "rtmpte:");
        const run = await runRtmpkit(
          ["-r", url, "-o", `${dir.path}/e.flv`, "-m", "10", "--rtmpeType", type],
          { runtime },
        );
        assertEquals(run.code, lastCode, `rtmpte type ${type}: exit code\n${run.stderr}`);
        assertSameBytes(
          await Deno.readFile(`${dir.path}/e.flv`),
          plainBytes,
          `${last}: rtmpkit over rtmpte (type ${type}) vs rtmp`,
        );
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Through tinyproxy (HTTP CONNECT)

const tinyproxyPeers = peersAvailable(["tinyproxy"]);
/** Registered as ignored without tinyproxy, except in CI where a missing peer fails. */
const noTinyproxy = !tinyproxyPeers.ok && !IS_CI;
if (noTinyproxy) console.log(`tinyproxy tests: skipped: ${tinyproxyPeers.reasons.join(", ")}`);

/** One tinyproxy (every port allowed) shared by the conformance steps, stopped at unload. */
let sharedProxy: Promise<Tinyproxy> | undefined;
function proxy(): Promise<Tinyproxy> {
  if (sharedProxy === undefined) {
    sharedProxy = startTinyproxy();
    sharedProxy.then((started) => {
      globalThis.addEventListener("unload", () => started.kill());
    }, () => {});
  }
  return sharedProxy;
}

transportConformance(
  "http CONNECT through tinyproxy",
  async (): Promise<TransportPair> => {
    const { url } = await proxy();
    const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
    const accepted = (async () => {
      for await (const transport of listener.accept()) return transport;
      throw new Error("listener closed before a connection arrived");
    })();
    const client = await httpConnectDialer(parseProxyUrl(url), tcpDialer)({
      host: "127.0.0.1",
      port: listener.addr.port,
    });
    const server = await accepted;
    return {
      client,
      server,
      dispose: async () => {
        await client.close();
        await server.close();
        await listener.close();
      },
    };
  },
  { maxBufferedBytes: 32 * 1024 * 1024 },
  { ignore: noTinyproxy },
);

transportConformance(
  "rtmpt tunnel through tinyproxy",
  async (): Promise<TransportPair> => {
    const { url } = await proxy();
    const listener = rtmptListener(await listenTcp({ hostname: "127.0.0.1", port: 0 }));
    const accepted = (async () => {
      for await (const transport of listener.accept()) return transport;
      throw new Error("listener closed before a session opened");
    })();
    const client = await rtmptDialer(httpConnectDialer(parseProxyUrl(url), tcpDialer))({
      host: "127.0.0.1",
      port: listener.addr.port,
    });
    const server = await accepted;
    return {
      client,
      server,
      dispose: async () => {
        await client.close();
        await server.close();
        await listener.close();
      },
    };
  },
  { maxBufferedBytes: 32 * 1024 * 1024 },
  { ignore: noTinyproxy },
);

/** Downloads app/name over the stack `request` describes, as the downloader does; the FLV. */
async function download(request: TransportRequest, app: string, name: string) {
  const pieces: Uint8Array[] = [];
  const recorder = new FlvRecorder({ resumeTimestamp: 0, initialTimestamp: 0 });
  const session = new ClientSession({
    app,
    tcUrl: buildTcUrl(request.protocol, request.host, request.port, app),
    flashVer: "LNX 10,0,32,18",
    playpath: name,
    bufferMs: 36_000_000,
    bufx: true,
  }, { onMedia: (m) => recorder.push(m, (p) => pieces.push(p.slice())) });
  const client = new RtmpClient(await openTransport(request), session);
  try {
    await client.connect();
    const result = await client.pump(() => false);
    recorder.finish((p) => pieces.push(p.slice()));
    const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of pieces) {
      out.set(p, off);
      off += p.length;
    }
    return { result, flv: out, status: session.lastStatus };
  } finally {
    await client.close();
  }
}

interopTest(
  "rtmpkit over rtmpt and over rtmp through tinyproxy: the same FLV as the direct download",
  { peers: ["tinyproxy", "ffmpeg"] },
  async () => {
    await genMedia("bframes");
    await using rtmpkit = await startRtmpkit(MEDIA_DIR);
    await using tinyproxy = await startTinyproxy({
      connectPorts: [rtmpkit.rtmpPort, rtmpkit.rtmptPort],
    });
    const base = { host: "127.0.0.1", connectTimeoutMs: 20_000 };
    const direct = await download(
      { ...base, protocol: 0, port: rtmpkit.rtmpPort },
      "vod",
      "bframes",
    );
    assert(direct.flv.length > 1_000_000, `direct download: ${direct.flv.length} bytes`);
    const cases: [string, TransportRequest][] = [
      ["rtmp via CONNECT", { ...base, protocol: 0, port: rtmpkit.rtmpPort, proxy: tinyproxy.url }],
      ["rtmpt direct", { ...base, protocol: 1, port: rtmpkit.rtmptPort }],
      ["rtmpt via CONNECT", {
        ...base,
        protocol: 1,
        port: rtmpkit.rtmptPort,
        proxy: tinyproxy.url,
      }],
    ];
    for (const [name, request] of cases) {
      const got = await download(request, "vod", "bframes");
      assertEquals(got.status, direct.status, `${name}: last status`);
      assertSameBytes(got.flv, direct.flv, `${name} vs direct rtmp`);
    }
    const log = await tinyproxy.log();
    assert(
      log.includes(`CONNECT 127.0.0.1:${rtmpkit.rtmptPort}`),
      "the tunnel went through tinyproxy",
    );
  },
);

interopTest(
  "tinyproxy's refusal of a port it does not allow (Debian's stock ConnectPort) is a clear error",
  { peers: ["tinyproxy"] },
  async () => {
    const target = await listenTcp({ hostname: "127.0.0.1", port: 0 });
    await using tinyproxy = await startTinyproxy({ connectPorts: [443, 563] });
    try {
      const error = await rtmptDialer(httpConnectDialer(parseProxyUrl(tinyproxy.url), tcpDialer))(
        { host: "127.0.0.1", port: target.addr.port },
        { connectTimeoutMs: 20_000 },
      ).then(() => undefined, (err) => err);
      assert(error instanceof ConnectError, String(error));
      assertEquals(
        error.message,
        `Cannot connect through HTTP proxy http://127.0.0.1:${tinyproxy.port}: CONNECT ` +
          `127.0.0.1:${target.addr.port} refused with 403 Access violation`,
      );
    } finally {
      await target.close();
    }
  },
);
