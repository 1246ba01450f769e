/**
 * SOCKS through dante-server: the transport conformance suite over SOCKS4 and SOCKS5 tunnels
 * (IPv6 targets included); rtmpkit's downloads through dante with -S and socks= (SOCKS4, as
 * rtmpdump), socks4:// and socks5:// equal the direct download, as does rtmpdump -S through the same proxy;
 * rtmps:// through SOCKS5 (dante, then stunnel) too. A destination the proxy's rules refuse and
 * a proxy that is not there are one line and exit 3. (dante speaks no SOCKS4a: that kind is
 * covered by the byte-level tests against a scripted proxy.)
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseProxyUrl } from "../../transports/proxy_url.ts";
import { socksDialer } from "../../transports/socks.ts";
import { tcpDialer } from "../../transports/dialer.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import { transportConformance, type TransportPair } from "../transports/_conformance.ts";
import {
  assertSameBytes,
  freePort,
  genMedia,
  interopTest,
  IS_CI,
  peersAvailable,
  RTMPKIT_RUNTIMES,
  runRtmpdump,
  runRtmpkit,
  runtimePeers,
  skipMessage,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";
import { type Peer, startDante, startStunnel, testCertificates } from "./_tls_proxy_peers.ts";

const PEERS = ["nginx-rtmp", "rtmpdump", "ffmpeg", "dante"];
const TIMEOUT_MS = 90_000;

function lastLine(stderr: string): string {
  return stderr.trimEnd().split("\n").at(-1) ?? "";
}

// ---- the conformance suite through dante ----

const danteMissing = !peersAvailable(["dante"]).ok;
if (danteMissing && !IS_CI) {
  console.log(`SOCKS conformance: ${skipMessage(peersAvailable(["dante"]))}`);
}

let dante: Promise<Peer> | undefined;
globalThis.addEventListener("unload", () => {
  dante?.then((d) => d.stop());
});

/** A pair through dante: a TCP listener on `host`, reached through the proxy `kind`. */
async function socksPair(kind: "socks4" | "socks5", host: string): Promise<TransportPair> {
  dante ??= startDante();
  const proxy = await dante;
  const listener = await listenTcp({ hostname: host, port: 0 });
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a connection arrived");
  })();
  const dial = socksDialer(parseProxyUrl(`${kind}://127.0.0.1:${proxy.port}`), tcpDialer);
  const client = await dial({ host, port: listener.addr.port }, { connectTimeoutMs: 20_000 });
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
}

const conformanceIgnore = danteMissing && !IS_CI;
transportConformance("socks4 through dante", () => socksPair("socks4", "127.0.0.1"), {}, {
  ignore: conformanceIgnore,
});
transportConformance("socks5 through dante", () => socksPair("socks5", "127.0.0.1"), {}, {
  ignore: conformanceIgnore,
});
transportConformance(
  "socks5 through dante to an IPv6 address",
  () => socksPair("socks5", "::1"),
  {},
  {
    ignore: conformanceIgnore,
  },
);

Deno.test({
  name: "SOCKS conformance: stop dante",
  ignore: conformanceIgnore,
  async fn() {
    await (await dante)?.stop();
    dante = undefined;
  },
});

// ---- downloads through dante ----

for (const runtime of RTMPKIT_RUNTIMES) {
  interopTest(
    `interop proxy (${runtime}): downloads through dante with -S, socks=, socks4:// and socks5:// equal the direct download`,
    { peers: [...PEERS, ...runtimePeers(runtime)] },
    async () => {
      const source = await genMedia("bframes");
      await using nginx = await startNginxRtmp({
        mediaDir: source.slice(0, source.lastIndexOf("/")),
      });
      await using proxy = await startDante();
      await using dir = await tempDir();
      const url = nginx.url("vod", "bframes.flv");
      const direct = await runRtmpdump(["-r", url, "-o", `${dir.path}/direct.flv`], {
        timeoutMs: TIMEOUT_MS,
      });
      assert(direct.code === 0 || direct.code === 2, `rtmpdump: ${direct.code}\n${direct.stderr}`);
      const expected = await Deno.readFile(`${dir.path}/direct.flv`);
      if (runtime === "deno") {
        // rtmpdump's own SOCKS4 through the same proxy: the reference for -S.
        const viaRtmpdump = await runRtmpdump(
          ["-r", url, "-S", `127.0.0.1:${proxy.port}`, "-o", `${dir.path}/rtmpdump-S.flv`],
          { timeoutMs: TIMEOUT_MS },
        );
        assertEquals(viaRtmpdump.code, direct.code, viaRtmpdump.stderr);
        assertSameBytes(await Deno.readFile(`${dir.path}/rtmpdump-S.flv`), expected, "rtmpdump -S");
      }
      const cases: [string, string[]][] = [
        ["-S", ["-S", `127.0.0.1:${proxy.port}`]],
        ["socks4://", ["--proxy", `socks4://127.0.0.1:${proxy.port}`]],
        ["socks5://", ["--proxy", `socks5://127.0.0.1:${proxy.port}`]],
        ["socks5:// to a name", ["--proxy", `socks5://localhost:${proxy.port}`, "-n", "localhost"]],
        ["socks= of -i", ["-i", `${url} socks=127.0.0.1:${proxy.port}`]],
      ];
      for (const [what, args] of cases) {
        const out = `${dir.path}/out.flv`;
        const run = await runRtmpkit(["-r", url, ...args, "-o", out], {
          runtime,
          timeoutMs: TIMEOUT_MS,
        });
        assertEquals(run.code, direct.code, `${what}: exit code\n${run.stderr}`);
        assertSameBytes(await Deno.readFile(out), expected, what);
      }
    },
  );
}

interopTest(
  "interop proxy: rtmps through SOCKS5 (dante, then stunnel) equals the plain download",
  { peers: [...PEERS, "stunnel", "openssl", "bun"] },
  async () => {
    const source = await genMedia("h264_aac");
    const certs = await testCertificates();
    await using nginx = await startNginxRtmp({
      mediaDir: source.slice(0, source.lastIndexOf("/")),
    });
    await using stunnel = await startStunnel([
      { connectPort: nginx.port, cert: certs.cert, key: certs.key },
    ]);
    await using proxy = await startDante();
    await using dir = await tempDir();
    const direct = await runRtmpdump(
      ["-r", nginx.url("vod", "h264_aac.flv"), "-o", `${dir.path}/direct.flv`],
      { timeoutMs: TIMEOUT_MS },
    );
    const expected = await Deno.readFile(`${dir.path}/direct.flv`);
    for (const runtime of ["deno", "bun"] as const) {
      for (
        const proxyArgs of [["--proxy", `socks5://127.0.0.1:${proxy.port}`], [
          "-S",
          `127.0.0.1:${proxy.port}`,
        ]]
      ) {
        const out = `${dir.path}/${runtime}.flv`;
        const run = await runRtmpkit([
          "-r",
          `rtmps://localhost:${stunnel.port}/vod/h264_aac.flv`,
          "--tlsCa",
          certs.ca,
          ...proxyArgs,
          "-o",
          out,
        ], { runtime, timeoutMs: TIMEOUT_MS });
        assertEquals(run.code, direct.code, `${runtime} ${proxyArgs[0]}: exit code\n${run.stderr}`);
        assertSameBytes(
          await Deno.readFile(out),
          expected,
          `${runtime}: rtmps through ${proxyArgs[0]}`,
        );
      }
    }
  },
);

interopTest(
  "interop proxy: a destination dante refuses and a proxy that is not there are one line, exit 3",
  { peers: ["dante"] },
  async () => {
    await using proxy = await startDante();
    await using dir = await tempDir();
    // dante's rules allow loopback targets only.
    const target = "rtmp://10.255.255.1:1935/vod/x.flv";
    const cases: [string[], string][] = [
      [
        ["--proxy", `socks5://127.0.0.1:${proxy.port}`],
        "ERROR: Cannot connect to 10.255.255.1:1935: the SOCKS5 proxy refused: connection not allowed by ruleset (code 2)",
      ],
      [
        ["-S", `127.0.0.1:${proxy.port}`],
        "ERROR: Cannot connect to 10.255.255.1:1935: the SOCKS4 proxy refused: request rejected or failed (code 91)",
      ],
    ];
    for (const [args, line] of cases) {
      const run = await runRtmpkit(["-r", target, ...args, "-o", `${dir.path}/x.flv`], {
        timeoutMs: TIMEOUT_MS,
      });
      assertEquals(run.code, 3, run.stderr);
      assertEquals(lastLine(run.stderr), line);
    }
    const closedPort = freePort();
    const absent = await runRtmpkit(
      ["-r", target, "--proxy", `socks5://127.0.0.1:${closedPort}`, "-o", `${dir.path}/x.flv`],
      { timeoutMs: TIMEOUT_MS },
    );
    assertEquals(absent.code, 3, absent.stderr);
    assertEquals(
      lastLine(absent.stderr),
      `ERROR: Cannot connect to the SOCKS5 proxy 127.0.0.1:${closedPort}: connection refused`,
    );
  },
);
