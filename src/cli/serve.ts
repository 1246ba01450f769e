/**
 * `rtmpkit serve --root DIR --listen URL [--listen URL …]`: the embedded server on the command
 * line. Logs one line per connection, play, publish and drop to stderr; SIGINT and SIGTERM close
 * it cleanly.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { LISTEN_SCHEMES } from "../../transports/listen.ts";
import { type ListenAddress, parseListenUrl } from "../server/listen_address.ts";
import { RtmpServer } from "../server/rtmp_server.ts";
import type {
  RtmpServerLimits,
  RtmpServerOptions,
  RtmpServerStats,
} from "../server/server_options.ts";
import type { PublisherAuthMethod } from "../auth/auth_rejection.ts";
import { hashSwf } from "../swf/swf_hash.ts";
import { describeFileError } from "./describe_file_error.ts";
import { ExitCode } from "./exit_code.ts";
import { type Logger, LogLevel } from "./logger.ts";
import { io, printToStdout, type StopSignal } from "./runtime_io.ts";

/** Signals that stop the server. */
const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

/** Where `serve` listens when no `--listen` is given. */
export const DEFAULT_SERVE_LISTEN = "rtmp://127.0.0.1:1935";

/** The `--listen` lines of the usage text, from the listen scheme list. */
function listenHelp(): string {
  return LISTEN_SCHEMES.map((s) =>
    `                           ${s.scheme}://HOST[:${s.defaultPort}]`.padEnd(50) + s.layers +
    (s.needsTls ? ", needs --cert and --key" : "")
  ).join("\n");
}

const USAGE = `Usage: rtmpkit serve --root DIR [--listen URL ...] [options]

Serves the FLV files under DIR to RTMP players (rtmp://HOST:PORT/APP/NAME plays DIR/NAME for
any APP) and relays live streams published to APP/NAME to the players of APP/NAME.

  --root DIR             folder of FLV files to serve (required)
  --listen URL           where to listen (repeatable; default ${DEFAULT_SERVE_LISTEN}):
${listenHelp()}
  --cert FILE            PEM certificate chain for rtmps:// and rtmpts:// listeners
  --key FILE             PEM private key for rtmps:// and rtmpts:// listeners
  --max-connections N    connections open at once (default 1000); at the limit a new client
                         takes the place of the slowest one that has not connected yet
  --idle-timeout S       close connections silent for S seconds (default 60, 0 = never)
  --connect-timeout S    close clients that have not connected S seconds after they were
                         accepted (handshake and connect; default 10, 0 = never)
  --max-message-size N   largest message a client may send once connected, in bytes
                         (default 8388608; 65536 before connect succeeds)
  --max-partial-bytes N  bytes of unfinished messages all clients together may hold; near
                         it the client holding the most is closed (default 67108864)
  --player-queue N       bytes queued per live player before it loses frames (default 8388608)
  --auth adobe|llnw      publishers must authenticate (Adobe or Limelight) as a --user
  --user NAME:PASS       a publisher's credentials (repeatable; needs --auth)
  --swf-verify FILE      players must pass SWF verification for this SWF (FWS, CWS or ZWS)
  --verbose, -V          log more
  --quiet, -q            log errors only
  --help, -h             show this help
`;

/** Parsed `serve` options. */
interface ServeOptions {
  root: string;
  listen: ListenAddress[];
  limits: Partial<RtmpServerLimits>;
  level: LogLevel;
  /** Certificate and key files for TLS listeners. */
  tls?: { certFile: string; keyFile: string };
  /** `--auth` and its `--user`s. */
  publisherAuth?: RtmpServerOptions["publisherAuth"];
  /** `--swf-verify FILE`. */
  swfVerifyFile?: string;
}

const AUTH_METHODS: readonly PublisherAuthMethod[] = ["adobe", "llnw"];

/**
 * Runs the server until SIGINT, SIGTERM, SIGHUP or SIGQUIT. `args` are the arguments after
 * `serve`. Resolves to 0 after a clean stop, 1 for bad options, a root that is not a folder or
 * a listen address that cannot be bound. A second signal while closing exits at once with 2.
 */
export async function runServe(args: string[], log: Logger): Promise<number> {
  let options: ServeOptions | "help";
  try {
    options = parseServeArgs(args);
  } catch (err) {
    log.log(LogLevel.ERROR, (err as Error).message);
    log.raw(USAGE);
    return ExitCode.FAILED;
  }
  if (options === "help") {
    printToStdout(USAGE);
    return ExitCode.SUCCESS;
  }
  log.level = options.level;
  let swfVerification: RtmpServerOptions["swfVerification"];
  if (options.swfVerifyFile !== undefined) {
    try {
      swfVerification = await hashSwf(new Uint8Array(await readFile(options.swfVerifyFile)));
    } catch (err) {
      const file = options.swfVerifyFile;
      log.log(LogLevel.ERROR, `Cannot use ${file}: ${describeFileError(err, file)}`);
      return ExitCode.FAILED;
    }
  }
  // Caught from before the server starts: a signal as soon as it says it serves must not find
  // the default action (which would end the process without closing).
  let caught: StopSignal | undefined;
  const signalled = Promise.withResolvers<StopSignal>();
  const removers = STOP_SIGNALS.map((name) =>
    io.onSignal(name, () => {
      if (caught !== undefined) io.exit(ExitCode.INCOMPLETE);
      caught = name;
      // Said at once: a second signal may end the process before closing starts.
      log.log(LogLevel.INFO, `Caught ${name}, closing the server (a second signal exits at once)`);
      signalled.resolve(name);
    })
  );
  const server = new RtmpServer({
    root: options.root,
    listen: options.listen,
    limits: options.limits,
    tls: options.tls,
    publisherAuth: options.publisherAuth,
    swfVerification,
    log: (level, message) => log.log(level, message),
  });
  try {
    await server.start();
  } catch (err) {
    for (const remove of removers) remove();
    log.log(LogLevel.ERROR, String((err as Error).message ?? err).split("\n")[0]);
    await server.close();
    return ExitCode.FAILED;
  }
  for (const address of server.addresses) {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    log.log(
      LogLevel.INFO,
      `Serving ${options.root} on ${address.scheme}://${host}:${address.port}`,
    );
  }
  try {
    await signalled.promise;
    await server.close();
  } finally {
    for (const remove of removers) remove();
  }
  log.log(LogLevel.INFO, formatServeSummary(server.stats));
  return ExitCode.SUCCESS;
}

/**
 * The closing line: what was served and what was refused, each counted once ("Served 1 play
 * and 0 publishes on 2 connections; refused 0 connections, 0 plays and 1 publish; …").
 */
export function formatServeSummary(stats: RtmpServerStats): string {
  const refused = [
    count(stats.refusedConnections, "connection"),
    count(stats.playsRefused, "play"),
    count(stats.publishesRefused, "publish"),
  ];
  const closed = stats.unconnectedClosed > 0
    ? `, ${count(stats.unconnectedClosed, "client")} closed before connecting`
    : "";
  return `Served ${count(stats.plays, "play")} and ${count(stats.publishes, "publish")} on ` +
    `${count(stats.acceptedConnections, "connection")}; refused ${refused[0]}, ${refused[1]} ` +
    `and ${refused[2]}${closed}; ${stats.bytesOut} bytes out, ${
      count(stats.droppedFrames, "frame")
    } dropped`;
}

/** "1 play", "2 plays", "1 publish", "0 publishes". */
function count(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  return `${n} ${noun}${/(s|sh|ch|x)$/.test(noun) ? "es" : "s"}`;
}

/** Parses the arguments after `serve`. Throws TypeError. */
export function parseServeArgs(args: string[]): ServeOptions | "help" {
  let root: string | undefined;
  const listen: ListenAddress[] = [];
  const limits: Partial<RtmpServerLimits> = {};
  let level: LogLevel = LogLevel.INFO;
  let certFile: string | undefined;
  let keyFile: string | undefined;
  let authMethod: PublisherAuthMethod | undefined;
  const users = new Map<string, string>();
  let swfVerifyFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= args.length) throw new TypeError(`Option ${arg} needs a value`);
      return args[++i];
    };
    switch (arg) {
      case "--help":
      case "-h":
        return "help";
      case "--root":
        root = value();
        break;
      case "--listen":
        listen.push(parseListenUrl(value()));
        break;
      case "--max-connections":
        limits.maxConnections = positiveInteger(arg, value());
        break;
      case "--idle-timeout":
        limits.idleTimeoutMs = nonNegativeNumber(arg, value()) * 1000;
        break;
      case "--connect-timeout":
        limits.connectTimeoutMs = nonNegativeNumber(arg, value()) * 1000;
        break;
      case "--max-message-size":
        limits.maxMessageSize = positiveInteger(arg, value());
        break;
      case "--max-partial-bytes":
        limits.maxPartialMessageBytes = positiveInteger(arg, value());
        break;
      case "--player-queue":
        limits.playerQueueBytes = positiveInteger(arg, value());
        break;
      case "--verbose":
      case "-V":
        level = LogLevel.DEBUG;
        break;
      case "--quiet":
      case "-q":
        level = LogLevel.ERROR;
        break;
      case "--cert":
        certFile = value();
        break;
      case "--key":
        keyFile = value();
        break;
      case "--auth": {
        const method = value();
        if (!AUTH_METHODS.includes(method as PublisherAuthMethod)) {
          throw new TypeError(`Option --auth needs adobe or llnw, got "${method}"`);
        }
        authMethod = method as PublisherAuthMethod;
        break;
      }
      case "--user": {
        const credentials = value();
        const colon = credentials.indexOf(":");
        if (colon <= 0 || colon === credentials.length - 1) {
          throw new TypeError(`Option --user needs NAME:PASS, got "${credentials}"`);
        }
        users.set(credentials.slice(0, colon), credentials.slice(colon + 1));
        break;
      }
      case "--swf-verify":
        swfVerifyFile = value();
        break;
      default:
        throw new TypeError(`Unknown option for serve: ${args[i]}`);
    }
  }
  if (root === undefined) throw new TypeError("serve needs --root DIR");
  if (listen.length === 0) listen.push(parseListenUrl(DEFAULT_SERVE_LISTEN));
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new TypeError("serve needs both --cert FILE and --key FILE for TLS listeners");
  }
  if (authMethod !== undefined && users.size === 0) {
    throw new TypeError("serve --auth needs at least one --user NAME:PASS");
  }
  if (authMethod === undefined && users.size > 0) {
    throw new TypeError("serve --user needs --auth adobe or --auth llnw");
  }
  const options: ServeOptions = { root, listen, limits, level };
  if (certFile !== undefined && keyFile !== undefined) options.tls = { certFile, keyFile };
  if (authMethod !== undefined) options.publisherAuth = { method: authMethod, users };
  if (swfVerifyFile !== undefined) options.swfVerifyFile = swfVerifyFile;
  return options;
}

function positiveInteger(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TypeError(`Option ${option} needs a positive integer, got "${text}"`);
  }
  return n;
}

function nonNegativeNumber(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || text.trim() === "") {
    throw new TypeError(`Option ${option} needs a number of seconds, got "${text}"`);
  }
  return n;
}
