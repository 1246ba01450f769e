/**
 * The npm package `rtmpdump` 0.1.1 ("A streamable wrapper around the rtmpdump CLI"), run by Node
 * with Debian's rtmpdump and then with rtmpkit's built binary first on PATH as `rtmpdump`,
 * against rtmpkit serve and nginx-rtmp: every event the wrapper emits, the values it parses and
 * the FLV bytes it streams must be the same with both.
 *
 * What the wrapper does, read from its source (index.js, with `split` 0.3):
 * - `createStream(options)` turns each key into `-k` (one letter) or `--key`, followed by the
 *   value unless the value is falsy (`null` gives a bare switch), and spawns `rtmpdump` from
 *   PATH with exactly those arguments. It adds no `-o`: rtmpdump writes the FLV to stdout, and
 *   the stream it returns is the child's stdout.
 * - stderr is cut at every `\r` not followed by `\n` (the progress redraws). The first piece
 *   (all of stderr when nothing is redrawn) is read line by line: the first line whose first
 *   word is `ERROR:` or `rtmpdump:` makes it an `error` event with the rest of that line as the
 *   message; after `INFO: Connected...`, an `INFO:` line holding a colon opens a section (its text
 *   minus the last character, lowercased) and any other `INFO:` line is `key value` (key
 *   lowercased, the value a number when it reads as one, only its first word). A piece that
 *   reached `Connected...` without an error gives `connected` with those sections; anything
 *   else gives `error` (an Error made from an undefined message, so "", when no line said
 *   why). An `INFO:` line without a colon before the first section would throw a TypeError in
 *   the wrapper's stderr handler, which neither tool prints.
 * - Every later piece gives `progress` with each `\d+\.\d+` it holds, as strings: kB, seconds
 *   and percent of the counter, plus any decimal in the lines printed after it (the last piece
 *   carries "downloaded about N.NN%" of an incomplete download).
 * - The exit status and the rest of stderr are ignored; nothing stops the child.
 *
 * rtmpdump redraws its counter at most every 200 ms, so how many `progress` events come between
 * the first and the last depends on the machine's speed: the first and the last must be equal,
 * the ones between well formed and in order. The order of `end` (stdout) against the events
 * read from stderr is a race in the wrapper, so `end` is compared as "seen or not". The exit
 * status is compared too, though the wrapper drops it.
 *
 * The wrapper is installed at test time into a temporary folder (`npm install --no-save
 * --prefix TMP rtmpdump@0.1.1`). When npm or its registry cannot be reached the tests are
 * skipped with a message, except under `CI=true`, where that fails them. At most two processes
 * run at once (Node and the `rtmpdump` it starts); the servers are rtmpkit's, in this process,
 * and nginx-rtmp, a daemon.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Publisher } from "../../src/session/publisher.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import { hashSwf } from "../../src/swf/mod.ts";
import { startSwfHttpServer } from "../swf/_http_server.ts";
import { fwsFile, swfBody } from "../swf/_swf_fixtures.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  assertSameBytes,
  findExecutable,
  genMedia,
  interopTest,
  IS_CI,
  MEDIA_DIR,
  type MediaKind,
  peersAvailable,
  refusedPort,
  REPO_ROOT,
  RTMPKIT_BINARY,
  runProcess,
  startNginxRtmp,
} from "./_harness.ts";
import { RTMPDUMP } from "../_process.ts";
import { delay } from "../_wait.ts";

/** The package and version under test. */
const WRAPPER_SPEC = "rtmpdump@0.1.1";
/** Limit of the npm install (a registry that does not answer must not hang the suite). */
const INSTALL_TIMEOUT_MS = 180_000;
/** Limit of one Node run; the script itself kills its rtmpdump earlier (CHILD_LIMIT_MS). */
const RUN_TIMEOUT_MS = 120_000;
/** How long the Node script lets the wrapper's rtmpdump run before it kills it. */
const CHILD_LIMIT_MS = 90_000;
/** How long a live player may take to start and ask to play (a limit, not an expected time). */
const JOIN_WAIT_MS = 60_000;
/** How often nginx-rtmp's log is read while waiting for a player. */
const POLL_MS = 50;

const SAMPLE = `${REPO_ROOT}/assets/sample.flv`;
/** Offset of the FLV header's flags byte, and its audio bit. */
const FLV_FLAGS_OFFSET = 4;
const FLV_AUDIO_FLAG = 4;

/** Peers every test here needs, besides npm's registry. */
const PEERS = ["node", "npm", "rtmpdump", "rtmpkit-binary", "ffmpeg"];

/**
 * Node (CommonJS) program that drives the wrapper as its README shows: `createStream(options)`
 * piped into a file, with a listener on each event it emits. It keeps a handle on the child the
 * wrapper spawns, only to know when that child's stderr has been read to its end and how it
 * exited, and kills it past its limit. Arguments: wrapper folder, options as JSON, output file,
 * limit in ms, and optionally a byte count after which the stream is destroyed (a consumer
 * that stops early). Prints one JSON object.
 */
const DRIVER = `"use strict";
const childProcess = require("child_process");
const fs = require("fs");
const path = require("path");
const [wrapperDir, optionsJson, outPath, limitMs, destroyAfter] = process.argv.slice(2);
const spawn = childProcess.spawn;
let child;
childProcess.spawn = function (...args) {
  child = spawn.apply(this, args);
  return child;
};
const wrapper = require(path.join(wrapperDir, "node_modules", "rtmpdump"));
const events = [];
let timedOut = false;
let written = 0;
const stream = wrapper.createStream(JSON.parse(optionsJson));
stream.on("connected", (info) => events.push(["connected", info]));
stream.on("progress", (...values) => events.push(["progress", ...values]));
stream.on("error", (error) => events.push(["error", error.message === undefined ? null : error.message]));
stream.on("end", () => events.push(["end"]));
if (destroyAfter !== undefined) {
  stream.on("data", (chunk) => {
    written += chunk.length;
    if (written >= Number(destroyAfter)) stream.destroy();
  });
}
const file = fs.createWriteStream(outPath);
stream.pipe(file);
const timer = setTimeout(() => {
  timedOut = true;
  child.kill("SIGKILL");
}, Number(limitMs));
const exited = new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
const flushed = destroyAfter === undefined
  ? new Promise((resolve) => file.on("close", resolve))
  : Promise.resolve();
Promise.all([exited, flushed]).then(([status]) => setImmediate(() => {
  clearTimeout(timer);
  if (destroyAfter !== undefined) file.end();
  process.stdout.write(JSON.stringify({ events, code: status.code, signal: status.signal, timedOut }));
}));
`;

// ---------------------------------------------------------------------------------------------
// Installing the wrapper

/** Network failures npm reports when its registry cannot be reached. */
const UNREACHABLE =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|fetch failed|socket hang up/i;

type Install = { dir: string } | { unreachable: string };

/** Installs the wrapper into a new temporary folder, removed when this module unloads. */
async function installWrapper(): Promise<Install> {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-npm-wrapper-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort.
    }
  });
  const npm = findExecutable("npm")!;
  const run = await runProcess(npm, [
    "install",
    "--no-save",
    "--prefix",
    dir,
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--fetch-retries=1",
    WRAPPER_SPEC,
  ], { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS });
  if (run.timedOut) {
    return { unreachable: `npm install ${WRAPPER_SPEC} took over ${INSTALL_TIMEOUT_MS} ms` };
  }
  if (run.code !== 0) {
    const line = run.stderr.split("\n").find((l) => UNREACHABLE.test(l));
    if (line !== undefined) return { unreachable: `npm registry unreachable (${line.trim()})` };
    throw new Error(`npm install ${WRAPPER_SPEC} failed (exit ${run.code}): ${run.stderr}`);
  }
  const manifest = JSON.parse(
    await Deno.readTextFile(`${dir}/node_modules/rtmpdump/package.json`),
  );
  if (manifest.version !== "0.1.1") {
    throw new Error(`npm installed rtmpdump ${manifest.version}, not 0.1.1`);
  }
  await Deno.writeTextFile(`${dir}/driver.cjs`, DRIVER);
  // rtmpkit as `rtmpdump`, for the PATH of the second run.
  await Deno.mkdir(`${dir}/rtmpkit-bin`);
  await Deno.symlink(RTMPKIT_BINARY, `${dir}/rtmpkit-bin/rtmpdump`);
  return { dir };
}

const peers = peersAvailable(PEERS);
const install: Install | undefined = peers.ok ? await installWrapper() : undefined;

/**
 * Registers a test that needs the wrapper: like {@linkcode interopTest}, and also skipped (or,
 * under CI, failed) when the registry could not be reached.
 */
function wrapperTest(name: string, fn: (dir: string) => Promise<void>): void {
  if (install !== undefined && "unreachable" in install) {
    if (!IS_CI) {
      console.log(`${name}: skipped: ${install.unreachable}`);
      Deno.test({ name, ignore: true, fn() {} });
      return;
    }
    const reason = install.unreachable;
    Deno.test(name, () => {
      throw new Error(`Cannot run in CI: ${reason}`);
    });
    return;
  }
  interopTest(name, { peers: PEERS }, () => fn((install as { dir: string }).dir));
}

// ---------------------------------------------------------------------------------------------
// Running it

/** Which program the wrapper finds as `rtmpdump`. */
type Tool = "rtmpdump" | "rtmpkit";

/** One event as the driver recorded it: its name and its arguments. */
type WrapperEvent = [string, ...unknown[]];

/** What one run of the wrapper gave. */
interface WrapperRun {
  readonly events: WrapperEvent[];
  readonly code: number | null;
  readonly signal: string | null;
  /** The bytes the wrapper's stream delivered. */
  readonly flv: Uint8Array;
  /** Node's own stderr (an exception thrown inside the wrapper shows here). */
  readonly nodeStderr: string;
}

/** Options of {@linkcode runWrapper}. */
interface WrapperRunOptions {
  /** Destroy the wrapper's stream after this many bytes (a consumer that stops early). */
  readonly destroyAfter?: number;
  /** Give each tool an empty HOME of its own (for `.swfinfo`). */
  readonly ownHome?: boolean;
}

/** Runs the wrapper with `options`, `tool` being the `rtmpdump` it finds first on PATH. */
async function runWrapper(
  dir: string,
  tool: Tool,
  options: Record<string, string | null>,
  run: WrapperRunOptions = {},
): Promise<WrapperRun> {
  const bin = tool === "rtmpkit" ? `${dir}/rtmpkit-bin` : RTMPDUMP!.replace(/\/[^/]+$/, "");
  const out = `${dir}/${tool}.flv`;
  await Deno.remove(out).catch(() => {});
  const args = [`${dir}/driver.cjs`, dir, JSON.stringify(options), out, String(CHILD_LIMIT_MS)];
  if (run.destroyAfter !== undefined) args.push(String(run.destroyAfter));
  const env: Record<string, string> = { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` };
  if (run.ownHome) {
    env.HOME = `${dir}/home-${tool}`;
    await Deno.remove(env.HOME, { recursive: true }).catch(() => {});
    await Deno.mkdir(env.HOME);
  }
  const node = await runProcess(findExecutable("node")!, args, {
    cwd: dir,
    timeoutMs: RUN_TIMEOUT_MS,
    env,
  });
  const what = `${tool} ${JSON.stringify(options)}`;
  if (node.timedOut) throw new Error(`${what}: Node ran over its ${RUN_TIMEOUT_MS} ms limit`);
  if (node.code !== 0) throw new Error(`${what}: Node exited with ${node.code}\n${node.stderr}`);
  const result = JSON.parse(new TextDecoder().decode(node.stdout));
  if (result.timedOut) {
    throw new Error(`${what}: the wrapper's rtmpdump ran over its ${CHILD_LIMIT_MS} ms limit`);
  }
  return {
    events: result.events,
    code: result.code,
    signal: result.signal,
    flv: await Deno.readFile(out),
    nodeStderr: node.stderr,
  };
}

/** Runs the wrapper with Debian's rtmpdump, then with rtmpkit. */
async function runBoth(
  dir: string,
  options: Record<string, string | null>,
  run: WrapperRunOptions = {},
): Promise<{ dump: WrapperRun; kit: WrapperRun }> {
  const dump = await runWrapper(dir, "rtmpdump", options, run);
  const kit = await runWrapper(dir, "rtmpkit", options, run);
  return { dump, kit };
}

/** The events in order without `end`, runs of `progress` collapsed into one name. */
function eventShape(run: WrapperRun): string[] {
  const names: string[] = [];
  for (const [name] of run.events) {
    if (name === "end") continue;
    if (name === "progress" && names.at(-1) === "progress") continue;
    names.push(name);
  }
  return names;
}

/** The events called `name`, in order. */
function eventsNamed(run: WrapperRun, name: string): WrapperEvent[] {
  return run.events.filter((event) => event[0] === name);
}

/** A counter redraw: `kB sec` or `kB sec percent` (rtmpdump's %.3f, %.2f, %.1f). */
const PROGRESS_VALUES = [/^\d+\.\d{3}$/, /^\d+\.\d{2}$/, /^\d+\.\d$/];

/**
 * Checks every progress event: a counter (kB, seconds and, with a known duration, percent)
 * whose kB never go back. The last one may carry more values, from the lines printed after it.
 */
function assertProgressInOrder(run: WrapperRun, what: string): void {
  const progress = eventsNamed(run, "progress");
  let lastKb = -Infinity;
  progress.forEach((event, i) => {
    const values = event.slice(1);
    const counter = i === progress.length - 1 ? values.slice(0, 2) : values;
    assert(
      counter.length >= 2 && counter.length <= 3 &&
        counter.every((v, j) => typeof v === "string" && PROGRESS_VALUES[j].test(v)),
      `${what}: progress event ${i} is not a counter: ${JSON.stringify(event)}`,
    );
    const kb = Number(counter[0]);
    assert(kb >= lastKb, `${what}: progress goes back at event ${i}: ${JSON.stringify(event)}`);
    lastKb = kb;
  });
}

/** What the wrapper reported with `run`, for failure messages. */
function describe(run: WrapperRun): string {
  const events = JSON.stringify(run.events);
  const shown = events.length > 1500 ? `${events.slice(0, 1500)}…` : events;
  return `exit ${run.code}${run.signal ? ` (${run.signal})` : ""}, ${run.flv.length} bytes, ` +
    `events ${shown}${run.nodeStderr ? `\nNode said: ${run.nodeStderr}` : ""}`;
}

/**
 * Throws unless the wrapper reported the same with rtmpkit as with rtmpdump: the events in
 * order, `connected`'s values, the error messages, the first and the last progress values, the
 * FLV bytes and the exit status.
 */
function assertSameReport(kit: WrapperRun, dump: WrapperRun, what: string): void {
  const context = `\n  rtmpdump: ${describe(dump)}\n  rtmpkit:  ${describe(kit)}`;
  assertEquals(eventShape(kit), eventShape(dump), `${what}: events${context}`);
  assertEquals(
    kit.events.some((e) => e[0] === "end"),
    dump.events.some((e) => e[0] === "end"),
    `${what}: end of the stream${context}`,
  );
  assertEquals(eventsNamed(kit, "connected"), eventsNamed(dump, "connected"), `${what}: connected`);
  assertEquals(eventsNamed(kit, "error"), eventsNamed(dump, "error"), `${what}: error${context}`);
  const kitProgress = eventsNamed(kit, "progress");
  const dumpProgress = eventsNamed(dump, "progress");
  assertEquals(kitProgress[0], dumpProgress[0], `${what}: first progress${context}`);
  assertEquals(kitProgress.at(-1), dumpProgress.at(-1), `${what}: last progress${context}`);
  assertProgressInOrder(dump, `${what}, rtmpdump`);
  assertProgressInOrder(kit, `${what}, rtmpkit`);
  assertSameBytes(kit.flv, dump.flv, `${what}: the streamed FLV`);
  assertEquals(kit.code, dump.code, `${what}: exit status (the wrapper drops it)${context}`);
  assertEquals(kit.nodeStderr, dump.nodeStderr, `${what}: Node's stderr${context}`);
}

/** Throws unless rtmpdump's run is a whole download (so that equality means something). */
function assertDownloaded(dump: WrapperRun, what: string): void {
  assert(
    eventsNamed(dump, "connected").length === 1 && eventsNamed(dump, "progress").length >= 2 &&
      dump.flv.length > 13,
    `${what}: rtmpdump did not download through the wrapper: ${describe(dump)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Servers

/** rtmpkit's server in this process, serving the test media. */
async function startRtmpkitServer() {
  const server = new RtmpServer({ root: MEDIA_DIR, listen: ["rtmp://127.0.0.1:0"], log: () => {} });
  await server.start();
  const port = server.addresses[0].port;
  return {
    port,
    url: (app: string, name: string) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** Media served in the VOD tests: a keyframe index (nested objects), A/V, audio only. */
const VOD_KINDS: MediaKind[] = ["small_keyframe_index", "h264_aac", "aac_only"];

async function prepareMedia(): Promise<void> {
  for (const kind of VOD_KINDS) await genMedia(kind);
}

// ---------------------------------------------------------------------------------------------
// Tests

wrapperTest("npm rtmpdump wrapper: VODs from rtmpkit serve report the same", async (dir) => {
  await prepareMedia();
  await using server = await startRtmpkitServer();
  for (const kind of VOD_KINDS) {
    const { dump, kit } = await runBoth(dir, { rtmp: server.url("vod", `${kind}.flv`) });
    assertDownloaded(dump, kind);
    assertSameReport(kit, dump, `rtmpkit serve, ${kind}`);
  }
});

wrapperTest(
  "npm rtmpdump wrapper: metadata with colons and spaces, and none, is parsed the same",
  async (dir) => {
    // A metadata line holding a colon opens a section in the wrapper, a value of several words
    // keeps only its first: both tools must print the same lines for it to see the same.
    const root = `${dir}/media`;
    await Deno.mkdir(root, { recursive: true });
    await Deno.chmod(root, 0o755);
    const ffmpeg = findExecutable("ffmpeg")!;
    const make = async (name: string, args: string[]) => {
      const run = await runProcess(ffmpeg, [
        "-v",
        "error",
        "-y",
        "-i",
        SAMPLE,
        "-c",
        "copy",
        ...args,
        `${root}/${name}`,
      ]);
      assertEquals(run.code, 0, run.stderr);
    };
    await make("tagged.flv", [
      "-metadata",
      "title=Show: part 1",
      "-metadata",
      "comment=three words here",
      "-metadata",
      "ARTIST=Some Body",
    ]);
    await make("bare.flv", ["-map_metadata", "-1", "-flvflags", "no_metadata"]);
    const server = new RtmpServer({ root, listen: ["rtmp://127.0.0.1:0"], log: () => {} });
    await server.start();
    try {
      const port = server.addresses[0].port;
      for (const name of ["tagged.flv", "bare.flv"]) {
        const { dump, kit } = await runBoth(dir, { rtmp: `rtmp://127.0.0.1:${port}/vod/${name}` });
        assertDownloaded(dump, name);
        assertSameReport(kit, dump, name);
      }
    } finally {
      await server.close();
    }
  },
);

wrapperTest("npm rtmpdump wrapper: VODs from nginx-rtmp report the same", async (dir) => {
  if (!peersAvailable(["nginx-rtmp"]).ok) {
    if (IS_CI) throw new Error("Cannot run in CI: nginx-rtmp not installed");
    console.log("skipped: nginx-rtmp not installed");
    return;
  }
  await prepareMedia();
  await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR });
  for (const kind of VOD_KINDS) {
    const { dump, kit } = await runBoth(dir, { rtmp: nginx.url("vod", `${kind}.flv`) });
    assertDownloaded(dump, kind);
    assertSameReport(kit, dump, `nginx-rtmp, ${kind}`);
  }
});

wrapperTest(
  "npm rtmpdump wrapper: options in the wrapper's long and short forms report the same",
  async (dir) => {
    await prepareMedia();
    await using server = await startRtmpkitServer();
    const base = `rtmp://127.0.0.1:${server.port}`;
    const cases: Record<string, string | null>[] = [
      // As the wrapper's README passes them: app and playpath apart, page and SWF URLs.
      {
        rtmp: `${base}/`,
        app: "vod",
        playpath: "h264_aac.flv",
        pageUrl: "http://127.0.0.1/page.html",
        swfUrl: "http://127.0.0.1/player.swf",
        flashVer: "LNX 10,0,32,18",
        conn: "S:token",
      },
      { r: `${base}/vod/small_keyframe_index.flv`, o: "-", b: "36000000" },
      // A bare switch (null), here --hashes: no counter redraws, so no progress events.
      { rtmp: `${base}/vod/h264_aac.flv`, hashes: null },
      // A valued option and a switch that prints a line of its own before the metadata.
      { rtmp: `${base}/vod/aac_only.flv`, timeout: "20", realtime: null },
    ];
    for (const options of cases) {
      const { dump, kit } = await runBoth(dir, options);
      assert(dump.flv.length > 13, `rtmpdump ${JSON.stringify(options)}: ${describe(dump)}`);
      assertSameReport(kit, dump, JSON.stringify(options));
    }
  },
);

wrapperTest(
  "npm rtmpdump wrapper: its README's example (playpath, pageUrl, swfVfy) against a server asking for SWF verification",
  async (dir) => {
    await using http = startSwfHttpServer();
    const player = fwsFile(swfBody(30_000, 7));
    http.files.set("player.swf", player);
    const server = new RtmpServer({
      root: `${REPO_ROOT}/assets`,
      listen: ["rtmp://127.0.0.1:0"],
      swfVerification: await hashSwf(player),
      log: () => {},
    });
    await server.start();
    try {
      const options = {
        rtmp: `rtmp://127.0.0.1:${server.addresses[0].port}/vod`,
        playpath: "sample.flv",
        pageUrl: "http://127.0.0.1/page.html",
        swfVfy: http.url("player.swf"),
      };
      // Each tool fetches and hashes the SWF itself (an empty HOME: no .swfinfo to reuse).
      const { dump, kit } = await runBoth(dir, options, { ownHome: true });
      assertDownloaded(dump, "--swfVfy");
      assertSameReport(kit, dump, "--swfVfy");
      assertEquals(http.requests.length, 2, "each tool fetched the SWF once");
    } finally {
      await server.close();
    }
  },
);

wrapperTest(
  "npm rtmpdump wrapper: failures give the same error events and messages",
  async (dir) => {
    await using server = await startRtmpkitServer();
    using refused = await refusedPort();
    const cases: [string, Record<string, string | null>][] = [
      ["a refused connection", { rtmp: `rtmp://127.0.0.1:${refused.port}/vod/x.flv` }],
      ["a stream the server does not have", { rtmp: server.url("vod", "missing.flv") }],
      ["an option rtmpdump does not know", { rtmp: server.url("vod", "x.flv"), bogus: null }],
      ["no URL", { o: "-" }],
      ["a URL that is not RTMP", { rtmp: "http://127.0.0.1/x" }],
      ["an option without its value", { rtmp: server.url("vod", "x.flv"), timeout: null }],
      // -q prints nothing: the wrapper reports an error with an empty message.
      ["-q", { q: null, rtmp: server.url("vod", "aac_only.flv") }],
    ];
    await genMedia("aac_only");
    for (const [what, options] of cases) {
      const { dump, kit } = await runBoth(dir, options);
      assertEquals(eventsNamed(dump, "error").length, 1, `${what}: ${describe(dump)}`);
      assertSameReport(kit, dump, what);
    }
  },
);

wrapperTest(
  "npm rtmpdump wrapper: a consumer that stops reading early ends both the same way",
  async (dir) => {
    await genMedia("h264_aac");
    await using server = await startRtmpkitServer();
    // The stream is destroyed after 100 kB: the child's next write fails (rtmpdump reports
    // "Failed writing" and exits 1); neither may keep running.
    const { dump, kit } = await runBoth(dir, { rtmp: server.url("vod", "h264_aac.flv") }, {
      destroyAfter: 100_000,
    });
    assertEquals(eventShape(kit), eventShape(dump), `events\n${describe(dump)}\n${describe(kit)}`);
    assertEquals(eventsNamed(kit, "connected"), eventsNamed(dump, "connected"));
    assertEquals(eventsNamed(kit, "progress")[0], eventsNamed(dump, "progress")[0]);
    assertEquals(kit.code, dump.code, `exit status\n${describe(dump)}\n${describe(kit)}`);
  },
);

wrapperTest(
  "npm rtmpdump wrapper: a live stream from nginx-rtmp (-v) reports the same",
  async (dir) => {
    if (!peersAvailable(["nginx-rtmp"]).ok) {
      if (IS_CI) throw new Error("Cannot run in CI: nginx-rtmp not installed");
      console.log("skipped: nginx-rtmp not installed");
      return;
    }
    // publish_notify: the player ends when the publisher leaves, without waiting for -m.
    await using nginx = await startNginxRtmp({ mediaDir: MEDIA_DIR, publishNotify: true });
    const flv = await Deno.readFile(SAMPLE);
    let plays = 0;
    /** Starts the wrapper, publishes once its player asked to play, and waits for the end. */
    const runThenPublish = async (tool: Tool) => {
      const running = runWrapper(dir, tool, { rtmp: nginx.url("live", "cam"), v: null, m: "10" });
      plays++;
      const deadline = performance.now() + JOIN_WAIT_MS;
      while (((await nginx.errorLog()).match(/play: name='cam'/g)?.length ?? 0) < plays) {
        if (performance.now() > deadline) {
          await running.catch(() => {});
          throw new Error(`Timed out after ${JOIN_WAIT_MS} ms waiting for ${tool}'s play`);
        }
        await delay(POLL_MS);
      }
      const publisher = await Publisher.connect(await connectTcp("127.0.0.1", nginx.port), {
        app: "live",
        playpath: "cam",
        tcUrl: `rtmp://127.0.0.1:${nginx.port}/live`,
      });
      try {
        await publisher.publishFlv((async function* () {
          yield flv;
        })());
      } finally {
        await publisher.close();
      }
      return await running;
    };
    const dump = await runThenPublish("rtmpdump");
    const kit = await runThenPublish("rtmpkit");
    assertDownloaded(dump, "live");
    // Live: the counter has no percentage.
    assert(eventsNamed(dump, "progress").every((e) => e.length === 3), describe(dump));
    assertSameReport(kit, dump, "live from nginx-rtmp");
  },
);

wrapperTest(
  "npm rtmpdump wrapper: --stop differs only as the README says (exit 0, no incomplete note)",
  async (dir) => {
    await genMedia("aac_only");
    await using server = await startRtmpkitServer();
    const { dump, kit } = await runBoth(dir, { rtmp: server.url("vod", "aac_only.flv"), B: "2" });
    assertDownloaded(dump, "--stop");
    // rtmpdump calls it incomplete (exit 2), and its last piece of stderr carries "downloaded
    // about 19.90%", which the wrapper adds to the last progress event. rtmpkit exits 0 after
    // "Download complete", so its last progress event is the counter alone.
    assertEquals(dump.code, 2, describe(dump));
    assertEquals(kit.code, 0, describe(kit));
    const lastDump = eventsNamed(dump, "progress").at(-1)!;
    const lastKit = eventsNamed(kit, "progress").at(-1)!;
    assertEquals(lastDump.length, 5, describe(dump));
    assertEquals(lastKit, lastDump.slice(0, 4), describe(kit));
    // Everything else is the same.
    const withoutLast = (run: WrapperRun): WrapperRun => ({
      ...run,
      code: 0,
      events: run.events.filter((e) => e !== eventsNamed(run, "progress").at(-1)),
    });
    assertSameReport(withoutLast(kit), withoutLast(dump), "--stop 2");
  },
);

wrapperTest(
  "npm rtmpdump wrapper: --start reports the same progress (the header flags aside)",
  async (dir) => {
    await genMedia("aac_only");
    await using server = await startRtmpkitServer();
    const { dump, kit } = await runBoth(dir, { rtmp: server.url("vod", "aac_only.flv"), A: "2" });
    assertDownloaded(dump, "--start");
    // As the README says, rtmpkit's FLV header carries the stream's audio/video flags (byte 4),
    // where rtmpdump writes 0; every other byte is the same.
    assertEquals([dump.flv[FLV_FLAGS_OFFSET], kit.flv[FLV_FLAGS_OFFSET]], [0, FLV_AUDIO_FLAG]);
    const patched = kit.flv.slice();
    patched[FLV_FLAGS_OFFSET] = 0;
    // rtmpdump's first counter comes after its first read, the header and the metadata tag
    // ("0.215 kB / 2.00 sec (19.9%)"): with --start librtmp holds no header block. rtmpkit holds
    // the header back until the first audio tag tells its flags, and still counts the header
    // and each tag when it arrives, so the wrapper's progress events are the same.
    assertSameReport({ ...kit, flv: patched }, dump, "--start 2");
  },
);
