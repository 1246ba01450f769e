/**
 * Records the seed corpus of the fuzz harness from real peers on loopback: a recording TCP proxy
 * sits between a client and a server and keeps the first bytes each side sends.
 *
 *     deno run -A scripts/fuzz_corpus.ts [--out tests/fuzz/corpus]
 *
 * Captures (each `LABEL.c2s.bin` / `LABEL.s2c.bin`: the handshake and then up to 12 KiB):
 * rtmpdump (plain and digest handshake) and ffmpeg playing from nginx-rtmp, ffmpeg publishing
 * to nginx-rtmp, and rtmpdump and ffmpeg playing from and publishing to `rtmpkit serve`. Also
 * the first 12 KiB of the FLV files rtmpdump and ffmpeg wrote. The other seeds (AMF values,
 * URLs) are derived from these files when the harness loads them (tests/fuzz/_corpus.ts).
 *
 * Needs nginx with the RTMP module, rtmpdump and ffmpeg (see the interop reference).
 *
 * @module
 */

import {
  CLI_PATH,
  freePort,
  REPO_ROOT,
  runProcess,
  startNginxRtmp,
  waitForPort,
} from "../tests/interop/_harness.ts";

/** Bytes kept after the handshake in each direction. */
const KEEP_AFTER_HANDSHAKE = 12 * 1024;
/** C0 + C1 + C2 (or S0 + S1 + S2). */
const HANDSHAKE_BYTES = 1 + 1536 + 1536;
/** Bytes kept of each FLV file written by a peer. */
const KEEP_FLV = 12 * 1024;
/** Limit on each peer's run. */
const PEER_TIMEOUT_MS = 60_000;
/** A SWF hash and size given by hand make rtmpdump use the digest (Flash Player 9) handshake. */
const SWF_HASH = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/** Both directions of one proxied connection. */
interface Capture {
  label: string;
  c2s: Uint8Array[];
  s2c: Uint8Array[];
}

/** A TCP proxy that records the first bytes of each direction of every connection. */
class RecordingProxy {
  readonly port: number;
  readonly captures: Capture[] = [];
  label = "unlabelled";
  readonly #listener: Deno.TcpListener;
  readonly #upstream: number;
  readonly #tasks: Promise<void>[] = [];

  constructor(upstream: number) {
    this.#upstream = upstream;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#tasks.push(this.#accept());
  }

  async #accept(): Promise<void> {
    for await (const client of this.#listener) {
      const capture: Capture = { label: this.label, c2s: [], s2c: [] };
      this.captures.push(capture);
      this.#tasks.push(this.#relay(client, capture));
    }
  }

  async #relay(client: Deno.TcpConn, capture: Capture): Promise<void> {
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: this.#upstream });
    } catch {
      client.close();
      return;
    }
    await Promise.all([
      pipe(client, server, capture.c2s),
      pipe(server, client, capture.s2c),
    ]);
  }

  async close(): Promise<void> {
    this.#listener.close();
    await Promise.allSettled(this.#tasks);
  }
}

async function pipe(from: Deno.TcpConn, to: Deno.TcpConn, record: Uint8Array[]): Promise<void> {
  const limit = HANDSHAKE_BYTES + KEEP_AFTER_HANDSHAKE;
  let kept = 0;
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      if (kept < limit) {
        const take = Math.min(n, limit - kept);
        record.push(buffer.slice(0, take));
        kept += take;
      }
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
  } catch {
    // One side went away: the capture ends here.
  }
  await to.closeWrite().catch(() => {}); // the other side may be closed already
  try {
    from.close();
  } catch {
    // Already closed.
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function runPeer(proxy: RecordingProxy, label: string, command: string, args: string[]) {
  proxy.label = label;
  const result = await runProcess(command, args, { timeoutMs: PEER_TIMEOUT_MS });
  console.log(`${label}: ${command} exited with ${result.code}`);
  if (result.code !== 0 && !label.includes("publish")) {
    console.log(result.stderr.split("\n").slice(-5).join("\n"));
  }
}

async function startRtmpkitServer(root: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_PATH, "serve", "--root", root, "--listen", `rtmp://127.0.0.1:${port}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port, 30_000);
  return {
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Gone already.
      }
      await child.status;
    },
  };
}

async function main(args: string[]): Promise<void> {
  const outIndex = args.indexOf("--out");
  const out = outIndex >= 0 ? args[outIndex + 1] : `${REPO_ROOT}/tests/fuzz/corpus`;
  const work = await Deno.makeTempDir({ prefix: "rtmpkit-corpus-" });
  await Deno.chmod(work, 0o755);
  const media = `${work}/media`;
  await Deno.mkdir(media, { mode: 0o755 });
  await Deno.copyFile(`${REPO_ROOT}/assets/sample.flv`, `${media}/sample.flv`);
  await Deno.chmod(`${media}/sample.flv`, 0o644);
  const sample = `${REPO_ROOT}/assets/sample.flv`;
  const flvs: Record<string, string> = {};

  const nginx = await startNginxRtmp({ mediaDir: media });
  const server = await startRtmpkitServer(media);
  const toNginx = new RecordingProxy(nginx.port);
  const toRtmpkit = new RecordingProxy(server.port);
  try {
    for (const [proxy, name] of [[toNginx, "nginx"], [toRtmpkit, "rtmpkit"]] as const) {
      const vod = `rtmp://127.0.0.1:${proxy.port}/vod/sample.flv`;
      const live = `rtmp://127.0.0.1:${proxy.port}/live/capture`;
      flvs[`rtmpdump-${name}`] = `${work}/rtmpdump-${name}.flv`;
      await runPeer(proxy, `rtmpdump-play-${name}`, "rtmpdump", [
        "-q",
        "-m",
        "20",
        "-r",
        vod,
        "-o",
        flvs[`rtmpdump-${name}`],
      ]);
      await runPeer(proxy, `rtmpdump-digest-play-${name}`, "rtmpdump", [
        "-q",
        "-m",
        "20",
        "-r",
        vod,
        "-w",
        SWF_HASH,
        "-x",
        "1000",
        "-o",
        "/dev/null",
      ]);
      flvs[`ffmpeg-${name}`] = `${work}/ffmpeg-${name}.flv`;
      await runPeer(proxy, `ffmpeg-play-${name}`, "ffmpeg", [
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        vod,
        "-c",
        "copy",
        "-f",
        "flv",
        "-y",
        flvs[`ffmpeg-${name}`],
      ]);
      await runPeer(proxy, `ffmpeg-publish-${name}`, "ffmpeg", [
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        sample,
        "-c",
        "copy",
        "-f",
        "flv",
        live,
      ]);
    }
  } finally {
    await toNginx.close();
    await toRtmpkit.close();
    await server.stop();
    await nginx.stop();
  }

  const captures = `${out}/captures`;
  const flvOut = `${out}/flv`;
  await Deno.mkdir(captures, { recursive: true });
  await Deno.mkdir(flvOut, { recursive: true });
  const seen = new Map<string, number>();
  for (const capture of [...toNginx.captures, ...toRtmpkit.captures]) {
    const count = (seen.get(capture.label) ?? 0) + 1;
    seen.set(capture.label, count);
    const name = count === 1 ? capture.label : `${capture.label}-${count}`;
    const c2s = concat(capture.c2s);
    const s2c = concat(capture.s2c);
    if (c2s.length <= HANDSHAKE_BYTES || s2c.length <= HANDSHAKE_BYTES) {
      console.log(`${name}: too short (${c2s.length} / ${s2c.length} bytes), skipped`);
      continue;
    }
    await Deno.writeFile(`${captures}/${name}.c2s.bin`, c2s);
    await Deno.writeFile(`${captures}/${name}.s2c.bin`, s2c);
    console.log(`${name}: ${c2s.length} bytes to the server, ${s2c.length} to the client`);
  }
  const flvSeen = new Set<string>();
  for (const [name, path] of Object.entries(flvs)) {
    try {
      const bytes = await Deno.readFile(path);
      const kept = bytes.subarray(0, KEEP_FLV);
      const key = Array.from(kept, (b) => b.toString(16).padStart(2, "0")).join("");
      if (flvSeen.has(key)) {
        console.log(`${name}.flv: same as one written already, skipped`);
        continue;
      }
      flvSeen.add(key);
      await Deno.writeFile(`${flvOut}/${name}.flv`, kept);
      console.log(`${name}.flv: ${Math.min(bytes.length, KEEP_FLV)} of ${bytes.length} bytes`);
    } catch {
      console.log(`${name}.flv: not written`);
    }
  }
  await Deno.remove(work, { recursive: true });
}

if (import.meta.main) {
  await main(Deno.args);
}
