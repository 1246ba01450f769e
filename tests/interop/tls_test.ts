/**
 * rtmps:// against stunnel in front of nginx-rtmp, with a CA and a server certificate made for
 * the test. rtmpkit's download over TLS must equal the plain rtmp:// download of the same stream
 * (Debian's rtmpdump fails over TLS here, so it cannot be the reference; its plain download is).
 * Certificates are verified: an unknown issuer is refused by default and accepted with --tlsCa
 * or --tlsInsecure, a certificate for another name is refused; each refusal is one line and
 * exit 3. A TLS client pointed at a plain RTMP server gives up at its timeout without spinning.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  assertSameBytes,
  genMedia,
  interopTest,
  RTMPKIT_RUNTIMES,
  rtmpkitCommand,
  runRtmpdump,
  runRtmpkit,
  runtimePeers,
  startNginxRtmp,
  tempDir,
} from "./_harness.ts";
import { startStunnel, testCertificates } from "./_tls_proxy_peers.ts";
import { runMeasured } from "./_tunnel_peers.ts";

const PEERS = ["nginx-rtmp", "rtmpdump", "ffmpeg", "stunnel", "openssl"];
const TIMEOUT_MS = 90_000;

/** The last non-empty line of stderr. */
function lastLine(stderr: string): string {
  return stderr.trimEnd().split("\n").at(-1) ?? "";
}

for (const runtime of RTMPKIT_RUNTIMES) {
  interopTest(
    `interop tls (${runtime}): rtmps through stunnel equals the plain rtmp download`,
    { peers: [...PEERS, ...runtimePeers(runtime)] },
    async () => {
      const source = await genMedia("h264_aac");
      const certs = await testCertificates();
      await using nginx = await startNginxRtmp({
        mediaDir: source.slice(0, source.lastIndexOf("/")),
      });
      await using stunnel = await startStunnel([
        { connectPort: nginx.port, cert: certs.cert, key: certs.key },
      ]);
      await using dir = await tempDir();
      const plain = await runRtmpdump(
        ["-r", nginx.url("vod", "h264_aac.flv"), "-o", `${dir.path}/plain.flv`],
        { timeoutMs: TIMEOUT_MS },
      );
      assert(plain.code === 0 || plain.code === 2, `rtmpdump: ${plain.code}\n${plain.stderr}`);
      const expected = await Deno.readFile(`${dir.path}/plain.flv`);
      for (const host of ["localhost", "127.0.0.1"]) {
        const out = `${dir.path}/${host}.flv`;
        const run = await runRtmpkit([
          "-r",
          `rtmps://${host}:${stunnel.port}/vod/h264_aac.flv`,
          "--tlsCa",
          certs.ca,
          "-o",
          out,
        ], { runtime, timeoutMs: TIMEOUT_MS });
        assertEquals(run.code, plain.code, `${host}: exit code\n${run.stderr}`);
        assertSameBytes(await Deno.readFile(out), expected, `rtmps://${host} against rtmp://`);
      }
    },
  );
}

interopTest(
  "interop tls: an unknown issuer is refused, --tlsCa and --tlsInsecure are accepted, another name is refused",
  { peers: PEERS },
  async () => {
    const source = await genMedia("aac_only");
    const certs = await testCertificates();
    await using nginx = await startNginxRtmp({
      mediaDir: source.slice(0, source.lastIndexOf("/")),
    });
    await using stunnel = await startStunnel([
      { connectPort: nginx.port, cert: certs.cert, key: certs.key },
      { connectPort: nginx.port, cert: certs.otherCert, key: certs.otherKey },
    ]);
    await using dir = await tempDir();
    const [good, other] = stunnel.ports;
    const download = (url: string, ...args: string[]) =>
      runRtmpkit(["-r", url, ...args, "-o", `${dir.path}/out.flv`], { timeoutMs: TIMEOUT_MS });

    const refused = await download(`rtmps://localhost:${good}/vod/aac_only.flv`);
    assertEquals(refused.code, 3, refused.stderr);
    assertEquals(
      lastLine(refused.stderr),
      `ERROR: Cannot connect to localhost:${good}: the certificate is not trusted ` +
        "(self-signed or unknown issuer); use --tlsCa FILE or --tlsInsecure",
    );
    for (const args of [["--tlsCa", certs.ca], ["--tlsInsecure"]]) {
      const run = await download(`rtmps://localhost:${good}/vod/aac_only.flv`, ...args);
      assert(run.code === 0 || run.code === 2, `${args.join(" ")}: ${run.code}\n${run.stderr}`);
      assert((await Deno.readFile(`${dir.path}/out.flv`)).length > 100_000, args.join(" "));
    }
    const wrongName = await download(
      `rtmps://localhost:${other}/vod/aac_only.flv`,
      "--tlsCa",
      certs.ca,
    );
    assertEquals(wrongName.code, 3, wrongName.stderr);
    assertEquals(
      lastLine(wrongName.stderr),
      `ERROR: Cannot connect to localhost:${other}: the certificate is for rtmpkit.test, not localhost`,
    );
    const missingCa = await download(
      `rtmps://localhost:${good}/vod/aac_only.flv`,
      "--tlsCa",
      `${dir.path}/none.pem`,
    );
    assertEquals(missingCa.code, 1, missingCa.stderr);
    assertEquals(
      lastLine(missingCa.stderr),
      `ERROR: Cannot read the CA file ${dir.path}/none.pem: no such file or folder`,
    );
  },
);

interopTest(
  "interop tls: a TLS client pointed at a plain RTMP server gives up at its timeout without spinning",
  { peers: [...PEERS, "time"] },
  async () => {
    const source = await genMedia("aac_only");
    await using nginx = await startNginxRtmp({
      mediaDir: source.slice(0, source.lastIndexOf("/")),
    });
    await using dir = await tempDir();
    // nginx-rtmp waits for 1537 handshake bytes; the ClientHello is shorter, so nothing comes
    // back until rtmpkit's connect timeout (-m) ends the wait.
    const waitSeconds = 6;
    const [command, ...prefix] = rtmpkitCommand("deno");
    for (const extra of [[], ["--tlsInsecure"]]) {
      const run = await runMeasured(command, [
        ...prefix,
        "-r",
        `rtmps://127.0.0.1:${nginx.port}/vod/aac_only.flv`,
        "-m",
        String(waitSeconds),
        ...extra,
        "-o",
        `${dir.path}/out.flv`,
      ], { timeoutMs: TIMEOUT_MS });
      assertEquals(run.code, 3, run.stderr);
      assertEquals(
        lastLine(run.stderr),
        `ERROR: Cannot connect to 127.0.0.1:${nginx.port}: no TLS handshake within ${waitSeconds} s`,
      );
      // A busy loop would burn about one CPU second per second waited; start-up costs well
      // under one on a loaded machine.
      const cpuLimitMs = (waitSeconds / 3) * 1000;
      assert(
        run.cpuMs < cpuLimitMs,
        `${extra.join(" ") || "verified"}: ${run.cpuMs} ms of CPU while waiting ` +
          `${waitSeconds} s (limit ${cpuLimitMs} ms): a busy wait?`,
      );
    }
  },
);
