/**
 * Helpers for interop tests against real peers (nginx-rtmp, rtmpdump, ffmpeg, stunnel, dante):
 * peer detection with skip-or-fail semantics, a throw-away nginx-rtmp server, cached test media,
 * ports, and the runners for rtmpdump and rtmpkit (Deno, Bun or the compiled binary), which come
 * from the shared child-process helper (`tests/_process.ts`: hard timeouts, process groups, at
 * most two processes at once per test file).
 *
 * A missing peer skips the test with a message ("skipped: nginx-rtmp not installed"), except
 * when the environment has `CI=true`, where it fails: CI machines must have every peer.
 *
 * Every process a helper starts is stopped by the helper (or by the handle it returns); as a
 * last resort, servers still running when the test module unloads are killed.
 *
 * @module
 */

import { genMedia, MEDIA_DIR, type MediaKind, REPO_ROOT } from "../../scripts/gen_media.ts";
import {
  findExecutable,
  isExecutable,
  isRunning,
  RTMPKIT_BINARY,
  type RtmpkitRuntime,
  runProcess,
  signalGroup,
} from "../_process.ts";
import { DEFAULT_WAIT_MS, waitFor } from "../_wait.ts";
import { freePort, waitForPort } from "../_ports.ts";

export { genMedia, MEDIA_DIR, type MediaKind, REPO_ROOT };
export { TEST_MEDIA_KINDS } from "../../scripts/gen_media.ts";
export {
  CLI_PATH,
  DEFAULT_TIMEOUT_MS,
  findExecutable,
  type ProcessResult,
  RTMPKIT_BINARY,
  RTMPKIT_RUNTIMES,
  rtmpkitCommand,
  type RtmpkitRunOptions,
  type RtmpkitRuntime,
  type RunOptions,
  runProcess,
  runRtmpdump,
  runRtmpkit,
} from "../_process.ts";
export { normaliseStderr } from "../_stderr.ts";
export { freePort, type RefusedPort, refusedPort, waitForPort } from "../_ports.ts";

/** True when running in CI (`CI=true`), where a missing peer is a failure, not a skip. */
export const IS_CI: boolean = Deno.env.get("CI") === "true";

/** Path of the nginx-rtmp dynamic module on Debian. */
export const NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

// ---------------------------------------------------------------------------------------------
// Peers

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A peer's availability check: returns why it is missing, or undefined when available. */
type PeerCheck = () => string | undefined;

const needsExecutable = (peer: string, ...candidates: string[]): PeerCheck => () =>
  candidates.some((c) => findExecutable(c) !== undefined) ? undefined : `${peer} not installed`;

const PEER_CHECKS: Readonly<Record<string, PeerCheck>> = {
  "nginx-rtmp": () => {
    if (findExecutable("nginx") === undefined) return "nginx-rtmp not installed (no nginx)";
    if (!isFile(NGINX_RTMP_MODULE)) return `nginx-rtmp not installed (no ${NGINX_RTMP_MODULE})`;
    return undefined;
  },
  nginx: needsExecutable("nginx", "nginx"),
  rtmpdump: needsExecutable("rtmpdump", "rtmpdump"),
  rtmpsuck: needsExecutable("rtmpsuck", "rtmpsuck"),
  ffmpeg: needsExecutable("ffmpeg", "ffmpeg"),
  ffprobe: needsExecutable("ffprobe", "ffprobe"),
  stunnel: needsExecutable("stunnel", "stunnel4", "stunnel"),
  dante: needsExecutable("dante-server", "danted"),
  danted: needsExecutable("dante-server", "danted"),
  openssl: needsExecutable("openssl", "openssl"),
  time: () => isExecutable("/usr/bin/time") ? undefined : "/usr/bin/time not installed",
  bun: needsExecutable("bun", "bun"),
  "rtmpkit-binary": () =>
    isExecutable(RTMPKIT_BINARY) ? undefined : "dist/rtmpkit not built (run `deno task build`)",
};

/** Result of {@linkcode peersAvailable}. */
export interface PeersAvailability {
  /** True when every named peer is available. */
  readonly ok: boolean;
  /** Names of the missing peers, in the order asked. */
  readonly missing: string[];
  /** One reason per missing peer ("nginx-rtmp not installed"). */
  readonly reasons: string[];
}

/**
 * Tells which of the named peers are available. Known names: nginx-rtmp, nginx, rtmpdump,
 * rtmpsuck, ffmpeg, ffprobe, stunnel, dante (or danted), openssl, time, bun, rtmpkit-binary; any
 * other name is looked up as an executable.
 */
export function peersAvailable(names: string[]): PeersAvailability {
  const missing: string[] = [];
  const reasons: string[] = [];
  for (const name of names) {
    const check = PEER_CHECKS[name] ?? needsExecutable(name, name);
    const reason = check();
    if (reason !== undefined) {
      missing.push(name);
      reasons.push(reason);
    }
  }
  return { ok: missing.length === 0, missing, reasons };
}

/** The message printed for a test skipped because peers are missing. */
export function skipMessage(availability: PeersAvailability): string {
  return `skipped: ${availability.reasons.join(", ")}`;
}

/**
 * Checks peers from inside a running test. Returns true when they are all available. Otherwise
 * it throws when `CI=true`, and elsewhere prints "skipped: … not installed" and returns false, so
 * the test body can `return` early. (Deno cannot mark a running test as ignored; prefer
 * {@linkcode interopTest}, which decides before the test starts so Deno counts it as ignored.)
 */
export function requirePeers(t: Deno.TestContext, names: string[]): boolean {
  const availability = peersAvailable(names);
  if (availability.ok) return true;
  if (IS_CI) throw new Error(`Cannot run "${t.name}" in CI: ${availability.reasons.join(", ")}`);
  console.log(`${t.name}: ${skipMessage(availability)}`);
  return false;
}

/** Options for {@linkcode interopTest}. */
export interface InteropTestOptions {
  /** Peers the test needs (see {@linkcode peersAvailable}). */
  readonly peers: string[];
}

/**
 * Registers a Deno test that needs real peers. When one is missing the test is registered as
 * ignored (counted as skipped) and "skipped: … not installed" is printed, except with `CI=true`,
 * where it is registered as a test that fails with that reason. Every process the helpers start
 * has its own hard timeout, so a test cannot hang on a silent peer.
 */
export function interopTest(
  name: string,
  options: InteropTestOptions,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  const availability = peersAvailable(options.peers);
  if (!availability.ok && !IS_CI) {
    console.log(`${name}: ${skipMessage(availability)}`);
    Deno.test({ name, ignore: true, fn() {} });
    return;
  }
  Deno.test({
    name,
    fn(t) {
      if (!availability.ok) {
        throw new Error(`Cannot run in CI: ${availability.reasons.join(", ")}`);
      }
      return fn(t);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Runtimes

/** Peers needed to start rtmpkit on a runtime (for {@linkcode interopTest}). */
export function runtimePeers(runtime: RtmpkitRuntime): string[] {
  switch (runtime) {
    case "deno":
      return [];
    case "bun":
      return ["bun"];
    case "binary":
      return ["rtmpkit-binary"];
  }
}

// ---------------------------------------------------------------------------------------------
// nginx-rtmp

/** A running nginx-rtmp started by {@linkcode startNginxRtmp}. */
export interface NginxRtmp extends AsyncDisposable {
  /** Port the RTMP server listens on (127.0.0.1). */
  readonly port: number;
  /** The master process's id (its workers are its children). */
  readonly pid: number;
  /** Temporary prefix directory holding the config, pid file and error log. */
  readonly prefix: string;
  /** `rtmp://127.0.0.1:PORT/APP/NAME`. */
  url(app: string, name: string): string;
  /** The error log so far (useful when a test fails). */
  errorLog(): Promise<string>;
  /**
   * Waits until a line of the error log matches `pattern` (nginx-rtmp logs connect, play and
   * publish at the info level); rejects after `timeoutMs` (a generous default).
   */
  waitForLog(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its prefix. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startNginxRtmp}. */
export interface NginxRtmpOptions {
  /** Directory served by `application vod { play DIR; }`. */
  readonly mediaDir: string;
  /** How long to wait for the port to accept connections (default 30 s). */
  readonly startTimeoutMs?: number;
  /** Level of the error log (default "info"; nginx here is built with debug logging). */
  readonly errorLogLevel?: "debug" | "info" | "notice" | "warn" | "error";
  /**
   * nginx-rtmp's `publish_notify`: players of `live` get NetStream.Play.PublishNotify and
   * UnpublishNotify, so a player such as rtmpdump ends when the publisher leaves (default off,
   * nginx-rtmp's default).
   */
  readonly publishNotify?: boolean;
}

const START_ATTEMPTS = 5;
/** Limit for nginx to write its pid file and, after SIGTERM or SIGKILL, to exit. */
const NGINX_STEP_LIMIT_MS = 15_000;
const live = new Map<number, string>(); // nginx master pid -> prefix

globalThis.addEventListener("unload", () => {
  for (const [pid, prefix] of live) {
    try {
      Deno.kill(-pid, "SIGKILL");
    } catch {
      // Gone already.
    }
    try {
      Deno.removeSync(prefix, { recursive: true });
    } catch {
      // Best effort.
    }
  }
  live.clear();
});

function nginxConfig(prefix: string, port: number, mediaDir: string, options: NginxRtmpOptions) {
  const isRoot = Deno.uid() === 0;
  return [
    `load_module ${NGINX_RTMP_MODULE};`,
    // As root, nginx's workers would run as nobody and could not read a private media folder.
    ...(isRoot ? ["user root;"] : []),
    "daemon on;",
    "master_process on;",
    "worker_processes 1;",
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log ${options.errorLogLevel ?? "info"};`,
    "events { worker_connections 256; }",
    "rtmp {",
    // Without it nginx-rtmp opens the compiled-in /var/log/nginx/access.log (fails as non-root).
    `  access_log ${prefix}/access.log;`,
    "  server {",
    `    listen 127.0.0.1:${port};`,
    "    chunk_size 4096;",
    // The default (256) drops media when a fast client falls behind for a moment.
    "    out_queue 65536;",
    `    application vod { play ${mediaDir}; }`,
    `    application live { live on; record off; publish_notify ${
      options.publishNotify ? "on" : "off"
    }; }`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * Starts a private nginx-rtmp on a free 127.0.0.1 port serving `mediaDir` as `vod` and a `live`
 * application, and waits until it accepts connections. Retries on a port clash. Stop it with
 * `stop()` (or `await using`).
 */
export async function startNginxRtmp(options: NginxRtmpOptions): Promise<NginxRtmp> {
  const nginx = findExecutable("nginx");
  if (nginx === undefined) throw new Error("Cannot start nginx-rtmp: nginx is not installed");
  const mediaDir = await Deno.realPath(options.mediaDir);
  const prefix = await Deno.makeTempDir({ prefix: "rtmpkit-nginx-" });
  await Deno.chmod(prefix, 0o755);
  let lastError = "";
  try {
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const port = freePort();
      const conf = `${prefix}/nginx.conf`;
      const errorLog = `${prefix}/error.log`;
      await Deno.writeTextFile(conf, nginxConfig(prefix, port, mediaDir, options));
      const run = await runProcess(nginx, ["-c", conf, "-p", `${prefix}/`, "-e", errorLog], {
        timeoutMs: 30_000,
        cwd: prefix,
        killGroupOnExit: false, // nginx's master may still be on its way to setsid()
      });
      if (run.code !== 0) {
        lastError = run.stderr.trim() || (await readOr(errorLog, "")).trim();
        if (/Address already in use/.test(lastError)) continue;
        throw new Error(`Cannot start nginx-rtmp: nginx exited with ${run.code}: ${lastError}`);
      }
      const pid = await readPid(`${prefix}/nginx.pid`);
      live.set(pid, prefix);
      const server = nginxHandle(pid, port, prefix);
      try {
        await waitForPort(port, options.startTimeoutMs);
      } catch (error) {
        const log = await server.errorLog();
        await server.stop();
        if (/Address already in use/.test(log)) {
          lastError = log;
          continue;
        }
        throw new Error(`Cannot start nginx-rtmp: port ${port} never opened: ${log}`, {
          cause: error,
        });
      }
      return server;
    }
  } catch (error) {
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
    throw error;
  }
  await Deno.remove(prefix, { recursive: true }).catch(() => {});
  throw new Error(`Cannot start nginx-rtmp after ${START_ATTEMPTS} attempts: ${lastError}`);
}

function nginxHandle(pid: number, port: number, prefix: string): NginxRtmp {
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= stopNginx(pid, prefix);
  return {
    port,
    pid,
    prefix,
    url: (app, name) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    errorLog: () => readOr(`${prefix}/error.log`, ""),
    waitForLog: (pattern, what, timeoutMs = DEFAULT_WAIT_MS) =>
      waitFor(() => pattern.test(readOrSync(`${prefix}/error.log`, "")), timeoutMs, what),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function stopNginx(pid: number, prefix: string): Promise<void> {
  // nginx daemonises with setsid(), so the master's pid is also its process group: signalling
  // the group reaches the workers too.
  try {
    signalGroup(pid, "SIGTERM");
    const exited = () => !isRunning(pid);
    try {
      await waitFor(exited, NGINX_STEP_LIMIT_MS, `nginx (pid ${pid}) to exit after SIGTERM`);
    } catch {
      signalGroup(pid, "SIGKILL");
      await waitFor(exited, NGINX_STEP_LIMIT_MS, `nginx (pid ${pid}) to exit after SIGKILL`);
    }
  } finally {
    live.delete(pid);
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
  }
}

async function readPid(path: string): Promise<number> {
  let pid = 0;
  await waitFor(
    () => {
      try {
        pid = Number.parseInt(Deno.readTextFileSync(path).trim(), 10);
      } catch {
        return false;
      }
      return Number.isInteger(pid) && pid > 0;
    },
    NGINX_STEP_LIMIT_MS,
    `nginx to write its pid to ${path}`,
  );
  return pid;
}

function readOrSync(path: string, fallback: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------------------------------------
// Files and FLV

/** Creates a temporary directory and returns it with an async disposer that removes it. */
export async function tempDir(
  prefix = "rtmpkit-test-",
): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/** Reads a file, or returns undefined when it does not exist. */
export async function readFileOrUndefined(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Index of the first differing byte of two arrays, or -1 when they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Throws unless two byte arrays are equal, naming the sizes and the first differing offset
 * (rather than dumping megabytes of bytes the way a generic deep-equality assertion would).
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const at = firstDifference(actual, expected);
  if (at === -1) return;
  throw new Error(
    `${what}: bytes differ at offset ${at} (actual ${actual.length} bytes, expected ` +
      `${expected.length} bytes)`,
  );
}

/** FLV file header length plus the first PreviousTagSize field. */
export const FLV_HEADER_AND_FIRST_PREVIOUS_TAG_SIZE = 13;

/** Length of the AVC end-of-sequence video tag ffmpeg writes last (11 + 5 + 4 bytes). */
export const FLV_AVC_END_OF_SEQUENCE_TAG_LENGTH = 20;

/**
 * Returns the file without its final tag when that tag is an AVC end-of-sequence video tag
 * (tag type 9, 5-byte body, AVC packet type 2), else the file unchanged.
 */
export function withoutEndOfSequenceTag(flv: Uint8Array): Uint8Array {
  const n = flv.length;
  if (n < FLV_HEADER_AND_FIRST_PREVIOUS_TAG_SIZE + FLV_AVC_END_OF_SEQUENCE_TAG_LENGTH) return flv;
  const view = new DataView(flv.buffer, flv.byteOffset, flv.byteLength);
  const previousTagSize = view.getUint32(n - 4);
  const tag = n - 4 - previousTagSize;
  const isEndOfSequence = previousTagSize === 16 && flv[tag] === 9 &&
    (flv[tag + 1] << 16 | flv[tag + 2] << 8 | flv[tag + 3]) === 5 &&
    (flv[tag + 11] & 0x0f) === 7 && flv[tag + 12] === 2;
  return isEndOfSequence ? flv.subarray(0, tag) : flv;
}
