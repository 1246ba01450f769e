/**
 * The RTMPE-through-rtmpsuck runs, meant to be started inside a private network namespace
 * (`unshare -n`), since rtmpsuck always listens on 0.0.0.0:1935. Starts nginx-rtmp (a free
 * port) and rtmpsuck (its fixed port, stdin held open on a pipe that is never written, which
 * keeps its control thread from spinning), then downloads each file given through rtmpsuck with
 * rtmpdump and with rtmpkit's downloader (RTMPE types 6 and 8), and checks that an rtmpkit
 * client of type 6 that is not Flash Player 10 (answered 6) and one of type 9 (refused by
 * librtmp's server) behave as expected. Writes the FLV files and `results.json` into OUT_DIR,
 * and `nginx-prefix` (nginx's folder, which holds its pid file until it is stopped).
 *
 * Usage: `deno run -A tests/interop/_rtmpe_netns.ts OUT_DIR KIND...` (KIND: a test media kind).
 *
 * @module
 */

import { encodeAmf0 } from "../../src/amf/mod.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import { ClientHandshake, RtmpeVariant } from "../../src/handshake/mod.ts";
import { LogLevel } from "../../src/session/log.ts";
import {
  findExecutable,
  MEDIA_DIR,
  runRtmpdump,
  startNginxRtmp,
  tempDir,
  waitForPort,
} from "./_harness.ts";

/** rtmpsuck's fixed listening port. */
const RTMPSUCK_PORT = 1935;

/** Most time the type 6 handshake and connect through rtmpsuck may take. */
const EXCHANGE_TIMEOUT_MS = 20_000;

/** What the outer test reads back. */
export interface RtmpeNetnsResults {
  /** Per media kind: rtmpdump's exit code and stderr, and each rtmpkit run's outcome. */
  downloads: Record<string, {
    rtmpdump: { code: number; stderr: string };
    rtmpkit: Record<string, { reason: string; bytes: number; warnings: string[] }>;
  }>;
  /** rtmpkit type 6 with a Flash Player 9 version: the S0 answered and the connect result. */
  type6Answered6: { serverType: number | undefined; connectSucceeded: boolean };
  /** rtmpkit type 9: the error it failed with (librtmp's server refuses type 9). */
  type9Error: string;
}

async function main(outDir: string, kinds: string[]): Promise<void> {
  await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
  // Where nginx's pid file is, for the outer test to clean up if this process is killed.
  await Deno.writeTextFile(`${outDir}/nginx-prefix`, nginx.prefix);
  await using workDir = await tempDir("rtmpkit-rtmpsuck-");
  const rtmpsuck = new Deno.Command(findExecutable("rtmpsuck") ?? "rtmpsuck", {
    cwd: workDir.path,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(RTMPSUCK_PORT);
    const upstream = `rtmp://127.0.0.1:${nginx.port}/vod`;
    const results: RtmpeNetnsResults = {
      downloads: {},
      type6Answered6: await connectAnswered6(upstream),
      type9Error: await type9Failure(),
    };
    for (const kind of kinds) {
      const url = `rtmpe://127.0.0.1:${RTMPSUCK_PORT}/vod/${kind}.flv`;
      // rtmpkit asks for the encrypted handshake over an rtmp:// URL: the same connection.
      const plainUrl = `rtmp://127.0.0.1:${RTMPSUCK_PORT}/vod/${kind}.flv`;
      const run = await runRtmpdump(
        ["-r", url, "-t", upstream, "-o", `${outDir}/${kind}.rtmpdump.flv`, "-m", "5"],
        { timeoutMs: 60_000 },
      );
      const rtmpkit: RtmpeNetnsResults["downloads"][string]["rtmpkit"] = {};
      for (const rtmpeType of [6, 8] as const) {
        const file = await Deno.open(`${outDir}/${kind}.rtmpkit-${rtmpeType}.flv`, {
          write: true,
          create: true,
          truncate: true,
        });
        const warnings: string[] = [];
        try {
          const result = await downloadFlv(plainUrl, async (bytes) => {
            let at = 0;
            while (at < bytes.length) at += await file.write(bytes.subarray(at));
          }, {
            tcUrl: upstream,
            handshake: "rtmpe",
            rtmpeType,
            timeoutMs: 5000,
            log: (level, line) => {
              if (level === LogLevel.Warning && line.startsWith("HandShake")) warnings.push(line);
            },
          });
          rtmpkit[rtmpeType] = { reason: result.reason, bytes: result.bytes, warnings };
        } finally {
          file.close();
        }
      }
      results.downloads[kind] = { rtmpdump: { code: run.code, stderr: run.stderr }, rtmpkit };
    }
    await Deno.writeTextFile(`${outDir}/results.json`, JSON.stringify(results, null, 1));
  } finally {
    rtmpsuck.kill("SIGKILL");
    await rtmpsuck.status;
  }
}

/**
 * An RTMPE handshake of type 6 with C1 version 9.0.124.2 (so librtmp's server answers 6, not
 * 8), then an encrypted connect relayed to nginx-rtmp: resolves whether its decrypted answer
 * carries NetConnection.Connect.Success.
 */
async function connectAnswered6(
  upstream: string,
): Promise<RtmpeNetnsResults["type6Answered6"]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: RTMPSUCK_PORT });
  // One deadline for the whole exchange: closing the connection ends a read in flight.
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    conn.close();
  }, EXCHANGE_TIMEOUT_MS);
  try {
    const handshake = new ClientHandshake({
      mode: "rtmpe",
      variant: new RtmpeVariant({ role: "client", version: [9, 0, 124, 2] }),
    });
    await writeAll(conn, await handshake.start());
    const buffer = new Uint8Array(64 * 1024);
    let received = new Uint8Array(0);
    while (!handshake.done) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error("rtmpsuck closed the connection during the handshake");
      const step = await handshake.receive(buffer.subarray(0, n));
      if (step.send) await writeAll(conn, step.send);
      if (step.rest) received = step.rest.slice();
    }
    const ciphers = handshake.ciphers!;
    ciphers.decrypt.process(received);
    const connect = connectChunks(upstream);
    ciphers.encrypt.process(connect);
    await writeAll(conn, connect);
    let text = latin1(received);
    while (!text.includes("NetConnection.Connect.Success")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const data = buffer.slice(0, n);
      ciphers.decrypt.process(data);
      text += latin1(data);
    }
    return {
      serverType: handshake.serverType,
      connectSucceeded: text.includes("NetConnection.Connect.Success"),
    };
  } catch (error) {
    if (expired) throw new Error(`No connect result within ${EXCHANGE_TIMEOUT_MS / 1000} s`);
    throw error;
  } finally {
    clearTimeout(timer);
    if (!expired) conn.close();
  }
}

/** An rtmpkit download of type 9 through rtmpsuck: resolves the error message it failed with. */
async function type9Failure(): Promise<string> {
  try {
    await downloadFlv(`rtmp://127.0.0.1:${RTMPSUCK_PORT}/vod/x.flv`, () => {}, {
      handshake: "rtmpe",
      rtmpeType: 9,
      timeoutMs: 5000,
    });
    return "";
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

/** A connect command in 128-byte chunks on chunk stream 3 (fmt 0, then fmt 3). */
function connectChunks(tcUrl: string): Uint8Array {
  const body = encodeAmf0("connect", 1, {
    app: "vod",
    flashVer: "LNX 10,0,32,18",
    tcUrl,
    fpad: false,
    capabilities: 15,
    audioCodecs: 3191,
    videoCodecs: 252,
    videoFunction: 1,
  });
  const bytes: number[] = [
    0x03,
    0,
    0,
    0,
    (body.length >> 16) & 0xff,
    (body.length >> 8) & 0xff,
    body.length & 0xff,
    0x14,
    0,
    0,
    0,
    0,
  ];
  for (let at = 0; at < body.length; at += 128) {
    if (at > 0) bytes.push(0xc3);
    bytes.push(...body.subarray(at, at + 128));
  }
  return new Uint8Array(bytes);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

if (import.meta.main) {
  const [outDir, ...kinds] = Deno.args;
  if (!outDir) {
    console.error("Usage: _rtmpe_netns.ts OUT_DIR KIND...");
    Deno.exit(2);
  }
  await main(outDir, kinds);
}
