/**
 * `deno task demo` (or `bun scripts/demo.ts`): the embedded default. Starts rtmpkit's server on
 * free loopback ports (rtmp, rtmpt, rtmps and rtmpts listeners, with the demo certificate in
 * `assets/tls/`) with `assets/` as its root, downloads `sample.flv` from it with rtmpkit's own
 * downloader (`cli.ts -r URL -o FILE`, a child process on the same runtime) once per client
 * transport stack (rtmp, rtmpe types 6 and 9, rtmpt, rtmpte, rtmps, rtmpts), checks that each
 * download holds the file's tags byte for byte (minus what rtmpdump drops: video bodies of 5
 * bytes or less such as the AVC end-of-sequence tag, audio of 1 byte or less, data messages other
 * than onMetaData) and prints one line per stack: bytes, time, identical or not. Needs nothing
 * but Deno or Bun.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { FlvReader, type FlvTag, FlvTagType } from "../src/flv/mod.ts";
import { RtmpServer } from "../src/server/mod.ts";
import { isOnMetaData } from "../src/session/metadata_info.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");
const ASSETS = join(ROOT, "assets");
const SAMPLE = "sample.flv";
const CHILD_TIMEOUT_MS = 60_000;

// deno-lint-ignore no-explicit-any
const isDeno = typeof (globalThis as any).Deno?.version?.deno === "string" &&
  // deno-lint-ignore no-explicit-any
  typeof (globalThis as any).Bun === "undefined";

/** Tags of an FLV file, with its header flags. */
function readFlv(bytes: Uint8Array): { flags: number; tags: FlvTag[] } {
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  reader.push(bytes, (tag) => tags.push(tag));
  reader.finish();
  return { flags: reader.header?.flags ?? -1, tags };
}

/** What rtmpdump writes of a file's tags (librtmp-facts §7.2). */
function keptByRtmpdump(tag: FlvTag): boolean {
  if (tag.type === FlvTagType.Video) return tag.data.length > 5;
  if (tag.type === FlvTagType.Audio) return tag.data.length > 1;
  return tag.type === FlvTagType.Script && isOnMetaData(tag.data);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs the downloader; resolves to its exit code and stderr. */
function download(
  url: string,
  output: string,
  extra: string[],
): Promise<{ code: number; stderr: string }> {
  const cli = join(ROOT, "cli.ts");
  const args = [...(isDeno ? ["run", "-A"] : []), cli, "-r", url, "-o", output, ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

const kB = (n: number) => `${n.toLocaleString("en-US")} bytes`;

/** One transport stack the demo downloads over, and how to reach it. */
interface DemoStack {
  /** URL scheme, also the stack's name in the report. */
  scheme: string;
  /** The layers, bottom first, as the report shows them. */
  layers: string;
  /** The listen scheme of the server that serves it. */
  listener: string;
  /** Extra downloader options. */
  args: string[];
}

const TLS_CA = join(ASSETS, "tls", "demo-ca.pem");

/** Every client stack that needs no outside peer. */
const STACKS: DemoStack[] = [
  { scheme: "rtmp", layers: "tcp", listener: "rtmp", args: [] },
  { scheme: "rtmpe", layers: "tcp + RC4 (RTMPE handshake type 6)", listener: "rtmp", args: [] },
  {
    scheme: "rtmpe",
    layers: "tcp + RC4 (type 9, Blowfish)",
    listener: "rtmp",
    args: ["--rtmpeType", "9"],
  },
  { scheme: "rtmpt", layers: "tcp + HTTP tunnel", listener: "rtmpt", args: [] },
  { scheme: "rtmpte", layers: "tcp + HTTP tunnel + RC4", listener: "rtmpt", args: [] },
  { scheme: "rtmps", layers: "tcp + TLS (verified)", listener: "rtmps", args: ["--tlsCa", TLS_CA] },
  {
    scheme: "rtmpts",
    layers: "tcp + TLS + HTTP tunnel",
    listener: "rtmpts",
    args: ["--tlsCa", TLS_CA],
  },
];

/** What one download over one stack gave. */
interface StackResult {
  stack: DemoStack;
  url: string;
  code: number;
  stderr: string;
  seconds: number;
  bytes: number;
  problems: string[];
}

/** The differences between a download and the file's tags rtmpdump would write. */
function compare(got: Uint8Array, want: { flags: number; tags: FlvTag[] }, kept: FlvTag[]) {
  const problems: string[] = [];
  let downloaded: { flags: number; tags: FlvTag[] } = { flags: -1, tags: [] };
  try {
    downloaded = readFlv(got);
  } catch (err) {
    problems.push(`the download is not whole FLV tags: ${(err as Error).message}`);
  }
  if (downloaded.flags !== want.flags) {
    problems.push(`header flags ${downloaded.flags}, expected ${want.flags}`);
  }
  if (downloaded.tags.length !== kept.length) {
    problems.push(`${downloaded.tags.length} tags, expected ${kept.length}`);
  }
  const n = Math.min(downloaded.tags.length, kept.length);
  for (let i = 0; i < n && problems.length < 5; i++) {
    const a = downloaded.tags[i];
    const b = kept[i];
    if (a.type !== b.type || a.timestamp !== b.timestamp || !sameBytes(a.data, b.data)) {
      problems.push(
        `tag ${i} differs (type ${a.type}/${b.type}, timestamp ${a.timestamp}/${b.timestamp})`,
      );
    }
  }
  return problems;
}

async function main(): Promise<number> {
  const log: string[] = [];
  const listeners = [...new Set(STACKS.map((s) => s.listener))];
  const server = new RtmpServer({
    root: ASSETS,
    listen: listeners.map((scheme) => `${scheme}://127.0.0.1:0`),
    tls: {
      certFile: join(ASSETS, "tls", "demo-cert.pem"),
      keyFile: join(ASSETS, "tls", "demo-key.pem"),
    },
    log: (_level, message) => log.push(message),
  });
  await server.start();
  const ports = new Map(server.addresses.map((a) => [a.scheme, a.port]));
  const dir = await mkdtemp(join(tmpdir(), "rtmpkit-demo-"));
  try {
    const source = new Uint8Array(await readFile(join(ASSETS, SAMPLE)));
    const want = readFlv(source);
    const kept = want.tags.filter(keptByRtmpdump);
    const results: StackResult[] = [];
    for (const [index, stack] of STACKS.entries()) {
      // "localhost" for TLS: the certificate names it, and the client checks the name.
      const host = stack.listener.endsWith("s") ? "localhost" : "127.0.0.1";
      const url = `${stack.scheme}://${host}:${ports.get(stack.listener)}/vod/${SAMPLE}`;
      const output = join(dir, `${index}-${stack.scheme}.flv`);
      const started = performance.now();
      const run = await download(url, output, stack.args);
      const seconds = (performance.now() - started) / 1000;
      const got = new Uint8Array(await readFile(output).catch(() => new Uint8Array()));
      const problems = compare(got, want, kept);
      if (run.code !== 0 || !run.stderr.includes("Download complete")) {
        problems.unshift(`the downloader exited with ${run.code}:\n${run.stderr.trim()}`);
      }
      results.push({ stack, url, ...run, seconds, bytes: got.length, problems });
    }
    await server.close();

    const dropped = want.tags.length - kept.length;
    const video = kept.filter((t) => t.type === FlvTagType.Video).length;
    const audio = kept.filter((t) => t.type === FlvTagType.Audio).length;
    const last = kept.length > 0 ? kept[kept.length - 1].timestamp / 1000 : 0;
    const size = (await stat(join(ASSETS, SAMPLE))).size;
    const width = Math.max(...STACKS.map((s) => s.layers.length));
    const out = [
      `rtmpkit demo: the embedded server and the downloader on loopback (${
        isDeno ? "Deno" : "Bun"
      })`,
      `  served     assets/${SAMPLE}: ${kB(size)}, ${
        last.toFixed(2)
      } s, ${video} video + ${audio} audio tags, on ${
        listeners.map((l) => `${l}://127.0.0.1:${ports.get(l)}`).join(", ")
      }`,
      `  client     cli.ts -r URL -o FILE, once per transport stack:`,
      ...results.map((r) =>
        `  ${r.stack.scheme.padEnd(8)} ${r.stack.layers.padEnd(width)}  ${
          kB(r.bytes).padStart(15)
        }  ${r.seconds.toFixed(2)} s  ${r.problems.length === 0 ? "identical" : "DIFFERENT"}${
          r.stack.args.length > 0 ? `  (${r.stack.args.join(" ").replace(ROOT + "/", "")})` : ""
        }`
      ),
      `  check      each download: ${kept.length} tags identical to the file's` +
      (dropped > 0 ? `, minus ${dropped} that rtmpdump does not write either` : ""),
      `  time       each includes the downloader's start-up`,
    ];
    const failed = results.filter((r) => r.problems.length > 0);
    if (failed.length > 0) {
      console.log(out.join("\n"));
      for (const r of failed) console.log(`FAILED ${r.url}:\n  ${r.problems.join("\n  ")}`);
      console.log(`server log:\n  ${log.join("\n  ")}`);
      return 1;
    }
    console.log([...out, "OK"].join("\n"));
    return 0;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
