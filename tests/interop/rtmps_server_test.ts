/**
 * rtmpkit's rtmps:// and rtmpts:// listeners with clients we did not write and with our own:
 * ffmpeg's rtmps and rtmpts clients get from them what ffmpeg gets over rtmp:// from the same
 * server; rtmpkit (Deno and Bun) downloads the same bytes over rtmps:// and rtmpts:// as over
 * rtmp://, also through an HTTP CONNECT proxy (tinyproxy); the server on Bun (node:tls) serves
 * rtmps:// too; rtmpkit publish goes over rtmps://.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { FlvReader } from "../../src/flv/mod.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  rtmpkitCommand,
  runProcess,
  runRtmpkit,
  tempDir,
} from "./_harness.ts";
import { testCertificates } from "./_tls_proxy_peers.ts";
import { startTinyproxy } from "./_tunnel_peers.ts";

const TIMEOUT_MS = 90_000;

/** rtmpkit's server in this process, listening on rtmp:// and rtmps://. */
async function startServer(root: string) {
  const certs = await testCertificates();
  const log: string[] = [];
  const server = new RtmpServer({
    root,
    listen: ["rtmp://127.0.0.1:0", "rtmps://127.0.0.1:0", "rtmpts://127.0.0.1:0"],
    tls: { certFile: certs.cert, keyFile: certs.key },
    log: (_level, message) => log.push(message),
  });
  await server.start();
  const port = (scheme: string) => server.addresses.find((a) => a.scheme === scheme)!.port;
  return {
    log,
    rtmp: port("rtmp"),
    rtmps: port("rtmps"),
    rtmpts: port("rtmpts"),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

function countTags(flv: Uint8Array): number {
  let tags = 0;
  new FlvReader().push(flv, () => tags++);
  return tags;
}

interopTest(
  "interop rtmps server: ffmpeg's rtmps and rtmpts clients get what they get over rtmp",
  { peers: ["ffmpeg", "openssl"] },
  async () => {
    const source = await genMedia("h264_aac");
    await using server = await startServer(source.slice(0, source.lastIndexOf("/")));
    await using dir = await tempDir();
    const ffmpeg = findExecutable("ffmpeg")!;
    const outputs: Uint8Array[] = [];
    const schemes = [
      ["rtmp", server.rtmp],
      ["rtmps", server.rtmps],
      ["rtmpts", server.rtmpts],
    ] as const;
    for (const [scheme, port] of schemes) {
      const out = `${dir.path}/${scheme}.flv`;
      const run = await runProcess(ffmpeg, [
        "-nostdin",
        "-v",
        "error",
        "-i",
        `${scheme}://127.0.0.1:${port}/vod/h264_aac.flv`,
        "-c",
        "copy",
        "-f",
        "flv",
        out,
      ], { timeoutMs: TIMEOUT_MS });
      assertEquals(run.code, 0, `ffmpeg over ${scheme}: ${run.stderr}`);
      outputs.push(await Deno.readFile(out));
    }
    assert(countTags(outputs[0]) > 500, "ffmpeg received the stream");
    assertSameBytes(outputs[1], outputs[0], "ffmpeg over rtmps against rtmp");
    assertSameBytes(outputs[2], outputs[0], "ffmpeg over rtmpts against rtmp");
  },
);

for (const runtime of ["deno", "bun"] as const) {
  interopTest(
    `interop rtmps server (${runtime} client): rtmpkit over rtmps and rtmpts equals rtmp`,
    { peers: ["openssl", ...(runtime === "bun" ? ["bun"] : [])] },
    async () => {
      const source = await genMedia("bframes");
      const certs = await testCertificates();
      await using server = await startServer(source.slice(0, source.lastIndexOf("/")));
      await using dir = await tempDir();
      const plain = await runRtmpkit([
        "-r",
        `rtmp://127.0.0.1:${server.rtmp}/vod/bframes.flv`,
        "-o",
        `${dir.path}/rtmp.flv`,
      ], { runtime, timeoutMs: TIMEOUT_MS });
      assert(plain.code === 0 || plain.code === 2, plain.stderr);
      const cases: [string, number, string[]][] = [
        ["rtmps", server.rtmps, ["--tlsCa", certs.ca]],
        ["rtmps", server.rtmps, ["--tlsInsecure"]],
        ["rtmpts", server.rtmpts, ["--tlsCa", certs.ca]],
        ["rtmpts", server.rtmpts, ["--tlsInsecure"]],
      ];
      for (const [scheme, port, args] of cases) {
        const run = await runRtmpkit([
          "-r",
          `${scheme}://localhost:${port}/vod/bframes.flv`,
          ...args,
          "-o",
          `${dir.path}/tls.flv`,
        ], { runtime, timeoutMs: TIMEOUT_MS });
        assertEquals(run.code, plain.code, `${scheme} ${args[0]}: ${run.stderr}`);
        assertSameBytes(
          await Deno.readFile(`${dir.path}/tls.flv`),
          await Deno.readFile(`${dir.path}/rtmp.flv`),
          `${scheme} (${args[0]}) against rtmp`,
        );
      }
    },
  );
}

interopTest(
  "interop rtmps server: rtmpkit serve on Bun (node:tls) serves rtmps, and publish goes over rtmps",
  { peers: ["openssl", "bun"] },
  async () => {
    const source = await genMedia("aac_only");
    const root = source.slice(0, source.lastIndexOf("/"));
    const certs = await testCertificates();
    await using reference = await startServer(root);
    await using dir = await tempDir();
    const [command, ...prefix] = rtmpkitCommand("bun");
    const child = new Deno.Command(command, {
      args: [
        ...prefix,
        "serve",
        "--root",
        root,
        "--listen",
        "rtmps://127.0.0.1:0",
        "--cert",
        certs.cert,
        "--key",
        certs.key,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
    })();
    const killer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    try {
      const deadline = performance.now() + 30_000;
      let port: number | undefined;
      while (port === undefined && performance.now() < deadline) {
        const match = /Serving .* on rtmps:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
        if (match) port = Number(match[1]);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert(port !== undefined, `serve on Bun did not start within 30 s:\n${stderr}`);

      const plain = await runRtmpkit([
        "-r",
        `rtmp://127.0.0.1:${reference.rtmp}/vod/aac_only.flv`,
        "-o",
        `${dir.path}/rtmp.flv`,
      ], { timeoutMs: TIMEOUT_MS });
      const overTls = await runRtmpkit([
        "-r",
        `rtmps://localhost:${port}/vod/aac_only.flv`,
        "--tlsCa",
        certs.ca,
        "-o",
        `${dir.path}/rtmps.flv`,
      ], { timeoutMs: TIMEOUT_MS });
      assertEquals(overTls.code, plain.code, overTls.stderr);
      assertSameBytes(
        await Deno.readFile(`${dir.path}/rtmps.flv`),
        await Deno.readFile(`${dir.path}/rtmp.flv`),
        "rtmps from serve on Bun against rtmp",
      );

      const published = await runRtmpkit([
        "publish",
        source,
        `rtmps://localhost:${port}/live/feed`,
        "--fast",
        "--tlsCa",
        certs.ca,
      ], { timeoutMs: TIMEOUT_MS });
      assertEquals(published.code, 0, published.stderr);
      const tags = countTags(await Deno.readFile(source));
      assert(
        published.stderr.includes(`Published ${tags} tags`),
        `expected ${tags} tags published:\n${published.stderr}`,
      );
      assert(/publish "live\/feed"/.test(stderr), `the server saw no publish:\n${stderr}`);
    } finally {
      clearTimeout(killer);
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await reading;
    }
  },
);

interopTest(
  "interop rtmps server: rtmps and rtmpts through an HTTP CONNECT proxy (tinyproxy) equal rtmp",
  { peers: ["openssl", "tinyproxy"] },
  async () => {
    const source = await genMedia("h264_aac");
    const certs = await testCertificates();
    await using server = await startServer(source.slice(0, source.lastIndexOf("/")));
    await using proxy = await startTinyproxy({ connectPorts: [server.rtmps, server.rtmpts] });
    await using dir = await tempDir();
    const plain = await runRtmpkit([
      "-r",
      `rtmp://127.0.0.1:${server.rtmp}/vod/h264_aac.flv`,
      "-o",
      `${dir.path}/rtmp.flv`,
    ], { timeoutMs: TIMEOUT_MS });
    assert(plain.code === 0 || plain.code === 2, plain.stderr);
    for (const [scheme, port] of [["rtmps", server.rtmps], ["rtmpts", server.rtmpts]] as const) {
      const run = await runRtmpkit([
        "-r",
        `${scheme}://localhost:${port}/vod/h264_aac.flv`,
        "--tlsCa",
        certs.ca,
        "--proxy",
        proxy.url,
        "-o",
        `${dir.path}/${scheme}.flv`,
      ], { timeoutMs: TIMEOUT_MS });
      assertEquals(run.code, plain.code, `${scheme}: ${run.stderr}`);
      assertSameBytes(
        await Deno.readFile(`${dir.path}/${scheme}.flv`),
        await Deno.readFile(`${dir.path}/rtmp.flv`),
        `${scheme} through HTTP CONNECT against rtmp`,
      );
    }
  },
);
