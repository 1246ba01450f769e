/**
 * `deno task demo` (or `bun scripts/demo.ts`): the embedded default. Starts rtmpkit's server on
 * a free loopback port with `assets/` as its root, downloads `sample.flv` from it with rtmpkit's
 * own downloader (`cli.ts -r URL -o FILE`, as a child process on the same runtime), checks that
 * the download holds the file's tags byte for byte (minus what rtmpdump drops: video bodies of
 * 5 bytes or less such as the AVC end-of-sequence tag, audio of 1 byte or less, data messages
 * other than onMetaData) and prints a short report. Needs nothing but Deno or Bun.
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
function download(url: string, output: string): Promise<{ code: number; stderr: string }> {
  const cli = join(ROOT, "cli.ts");
  const args = isDeno
    ? ["run", "-A", cli, "-r", url, "-o", output]
    : [cli, "-r", url, "-o", output];
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

async function main(): Promise<number> {
  const log: string[] = [];
  const server = new RtmpServer({
    root: ASSETS,
    listen: ["rtmp://127.0.0.1:0"],
    log: (_level, message) => log.push(message),
  });
  await server.start();
  const { port } = server.addresses[0];
  const url = `rtmp://127.0.0.1:${port}/vod/${SAMPLE}`;
  const dir = await mkdtemp(join(tmpdir(), "rtmpkit-demo-"));
  const output = join(dir, SAMPLE);
  try {
    const source = new Uint8Array(await readFile(join(ASSETS, SAMPLE)));
    const started = performance.now();
    const run = await download(url, output);
    const seconds = (performance.now() - started) / 1000;
    await server.close();
    const stats = server.stats;
    const got = new Uint8Array(await readFile(output).catch(() => new Uint8Array()));

    const want = readFlv(source);
    const kept = want.tags.filter(keptByRtmpdump);
    const problems: string[] = [];
    let downloaded: { flags: number; tags: FlvTag[] } = { flags: -1, tags: [] };
    try {
      downloaded = readFlv(got);
    } catch (err) {
      problems.push(`the download is not whole FLV tags: ${(err as Error).message}`);
    }
    if (run.code !== 0 || !run.stderr.includes("Download complete")) {
      problems.push(`the downloader exited with ${run.code}:\n${run.stderr.trim()}`);
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
    const dropped = want.tags.length - kept.length;
    const video = kept.filter((t) => t.type === FlvTagType.Video).length;
    const audio = kept.filter((t) => t.type === FlvTagType.Audio).length;
    const last = kept.length > 0 ? kept[kept.length - 1].timestamp / 1000 : 0;
    const size = (await stat(join(ASSETS, SAMPLE))).size;

    const out = [
      `rtmpkit demo: the embedded server and the downloader on loopback (${
        isDeno ? "Deno" : "Bun"
      })`,
      `  served     assets/${SAMPLE}: ${kB(size)}, ${
        last.toFixed(2)
      } s, ${video} video + ${audio} audio tags`,
      `  transport  rtmp over tcp, ${url}`,
      `  client     cli.ts -r ${url} -o ${output}: exit ${run.code}` +
      (run.stderr.includes("Download complete") ? ', "Download complete"' : ""),
      `  received   ${kB(got.length)} of FLV; the server sent ${kB(stats.bytesOut)} ` +
      `(chunk headers and commands included)`,
      `  check      ${downloaded.tags.length} tags identical to the file's` +
      (dropped > 0 ? `, minus ${dropped} that rtmpdump does not write either` : ""),
      `  time       ${seconds.toFixed(2)} s, including the downloader's start-up`,
    ];
    if (problems.length > 0) {
      console.log(out.join("\n"));
      console.log(`FAILED:\n  ${problems.join("\n  ")}`);
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
