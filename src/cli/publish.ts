/**
 * `rtmpkit publish FILE.flv|- URL [--fast]`: pushes an FLV file (or FLV on stdin, for example
 * piped from ffmpeg) to an RTMP server at real-time pace, as a live stream; over rtmps:// and
 * through a proxy (`--proxy`, `--tlsCa`, `--tlsInsecure` as for downloads).
 *
 * Every wait ends: connecting and each answer of the server are bounded by `-m` (as rtmpdump's
 * receive timeout), a write the server does not take within it fails, and SIGINT, SIGTERM,
 * SIGHUP or SIGQUIT stop publishing (FCUnpublish is sent when the server still takes data); a
 * second signal exits at once.
 *
 * @module
 */

import { open } from "node:fs/promises";
import process from "node:process";
import { isEncrypted, openTransport } from "../../transports/stack.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { HandshakeError } from "../handshake/mod.ts";
import { splitUrlCredentials } from "../auth/url_credentials.ts";
import { type PublishDialer, Publisher } from "../session/publisher.ts";
import { buildTcUrl } from "../url/build_tc_url.ts";
import { parseRtmpUrl } from "../url/parse_rtmp_url.ts";
import { defaultPort } from "../url/protocol.ts";
import { parseProxyUrl } from "../../transports/proxy_url.ts";
import { describeFileError } from "./describe_file_error.ts";
import { missingPermission } from "./missing_permission.ts";
import { ExitCode } from "./exit_code.ts";
import { type Logger, LogLevel } from "./logger.ts";
import { io, printToStdout, type StopSignal } from "./runtime_io.ts";

/** Bytes read from the input at a time. */
const READ_BLOCK = 256 * 1024;
/** Default of `-m`: seconds to wait for the server (rtmpdump's receive timeout). */
const DEFAULT_TIMEOUT_SEC = 30;
/** Signals that stop publishing. */
const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

const USAGE = `Usage: rtmpkit publish FILE.flv|- URL [--fast] [options]

Publishes an FLV file (or FLV read from stdin with "-") as a live stream to
rtmp://HOST[:PORT]/APP/NAME (also rtmps://, rtmpt://, rtmpts://, rtmpe://), at the
pace of its timestamps. With rtmp://USER:PASS@HOST/APP/NAME it answers the
server's publisher authentication (Adobe or Limelight, whichever it asks for).

  --fast                 send as fast as the server takes it instead of in real time
  --timeout, -m SECONDS  wait at most this long for the server to connect, answer or take
                         data (default ${DEFAULT_TIMEOUT_SEC}, 0 = no limit)
  --proxy URL            connect through a proxy: socks4://, socks4a://, socks5:// or
                         http://[USER:PASS@]HOST:PORT (CONNECT)
  --tlsCa FILE           trust the certificate authorities in this PEM file (rtmps://)
  --tlsInsecure          do not verify the server's certificate (rtmps://)
  --verbose, -V          log more
  --quiet, -q            log errors only
  --help, -h             show this help
`;

/** Parsed `publish` arguments. */
interface PublishArgs {
  input: string;
  url: string;
  fast: boolean;
  timeoutSec: number;
  /** `--proxy URL`. */
  proxy?: string;
  /** `--tlsCa FILE`. */
  tlsCaFile?: string;
  /** `--tlsInsecure`. */
  tlsInsecure?: boolean;
}

/**
 * Publishes and resolves to an exit code: 0 when everything was sent, 1 for bad arguments, an
 * unreadable input, a refused publish or a server that stops answering, 2 when interrupted, 3
 * when the connection or the handshake failed. `args` are the arguments after `publish`.
 */
export async function runPublish(args: string[], log: Logger): Promise<number> {
  let parsed: PublishArgs | "help";
  try {
    parsed = parsePublishArgs(args, log);
  } catch (err) {
    log.log(LogLevel.ERROR, (err as Error).message);
    log.raw(USAGE);
    return ExitCode.FAILED;
  }
  if (parsed === "help") {
    printToStdout(USAGE);
    return ExitCode.SUCCESS;
  }
  const { input, fast, timeoutSec } = parsed;
  const { url: urlText, user, password } = splitUrlCredentials(parsed.url);
  let url;
  try {
    url = parseRtmpUrl(urlText);
  } catch (err) {
    log.log(LogLevel.ERROR, `Cannot publish to ${urlText}: ${(err as Error).message}`);
    return ExitCode.FAILED;
  }
  if (url.host === "" || url.app === "" || url.playpath === "") {
    log.log(LogLevel.ERROR, `Cannot publish to ${urlText}: expected rtmp://HOST[:PORT]/APP/NAME`);
    return ExitCode.FAILED;
  }
  if (parsed.proxy !== undefined) {
    try {
      parseProxyUrl(parsed.proxy);
    } catch (err) {
      log.log(LogLevel.ERROR, (err as Error).message);
      return ExitCode.FAILED;
    }
  }
  const port = url.port || defaultPort(url.protocol);
  let source: AsyncIterable<Uint8Array>;
  try {
    source = input === "-" ? stdinChunks() : await fileChunks(input);
  } catch (err) {
    log.log(
      LogLevel.ERROR,
      err instanceof NotFlvFileError
        ? err.message
        : `Cannot read ${input}: ${describeFileError(err, input)}`,
    );
    return ExitCode.FAILED;
  }

  const stop = new AbortController();
  const removeSignals = installSignals(stop, log);
  const interrupted = () => stop.signal.aborted;
  const timeoutMs = timeoutSec * 1000;
  let dialFailed = false;
  // The URL's server first, then each server a redirect names.
  const dial: PublishDialer = async (target) => {
    try {
      return await openTransport({
        protocol: target?.protocol ?? url.protocol,
        host: target?.host ?? url.host,
        port: target?.port ?? port,
        connectTimeoutMs: Math.max(timeoutSec, 1) * 1000,
        signal: stop.signal,
        proxy: parsed.proxy,
        tls: { caFile: parsed.tlsCaFile, insecure: parsed.tlsInsecure },
      });
    } catch (err) {
      dialFailed = true;
      throw err;
    }
  };
  let publisher: Publisher | undefined;
  try {
    try {
      publisher = await Publisher.open(dial, {
        app: url.app,
        playpath: url.playpath,
        tcUrl: buildTcUrl(url.protocol, url.host, port, url.app),
        handshake: isEncrypted(url.protocol) ? "rtmpe" : "plain",
        log: (level, message) => log.log(level, message),
        timeoutMs,
        signal: stop.signal,
        credentials: user === undefined ? undefined : { user, password: password ?? "" },
      });
    } catch (err) {
      if (interrupted()) {
        log.log(LogLevel.ERROR, "Publishing interrupted before it started");
        return ExitCode.INCOMPLETE;
      }
      const refused = missingPermission(err);
      log.log(LogLevel.ERROR, refused ?? oneLine(err));
      // Settings the stack cannot use (an unreadable --tlsCa file), or a run without network
      // access.
      if (refused !== undefined || err instanceof TypeError) return ExitCode.FAILED;
      const noConnect = dialFailed || err instanceof ConnectError ||
        err instanceof HandshakeError;
      return noConnect ? ExitCode.NO_CONNECT : ExitCode.FAILED;
    }
    log.log(
      LogLevel.INFO,
      `Publishing ${input === "-" ? "stdin" : input} to ${urlText}${fast ? " (fast)" : ""}`,
    );
    const started = performance.now();
    let failure: unknown;
    let result;
    try {
      result = await publisher.publishFlv(source, { realtime: !fast });
    } catch (err) {
      failure = err;
    }
    await publisher.close();
    const seconds = (performance.now() - started) / 1000;
    const sent = `${(publisher.bytesOut / 1024).toFixed(3)} kB sent`;
    if (failure !== undefined && !interrupted()) {
      log.log(LogLevel.ERROR, oneLine(failure));
      return ExitCode.FAILED;
    }
    if (result === undefined || result.stopped || interrupted()) {
      const tags = result?.tags ?? 0;
      log.log(
        LogLevel.INFO,
        `Publishing interrupted after ${tags} tags, ${sent}, ` +
          `${((result?.lastTimestamp ?? 0) / 1000).toFixed(2)} s of media in ${
            seconds.toFixed(2)
          } s`,
      );
      return ExitCode.INCOMPLETE;
    }
    log.log(
      LogLevel.INFO,
      `Published ${result.tags} tags, ${sent}, ` +
        `${(result.lastTimestamp / 1000).toFixed(2)} s of media in ${seconds.toFixed(2)} s`,
    );
    return ExitCode.SUCCESS;
  } finally {
    removeSignals();
    await publisher?.close(0);
  }
}

/** The first signal stops publishing; a second one exits at once. */
function installSignals(stop: AbortController, log: Logger): () => void {
  const removers = STOP_SIGNALS.map((name) =>
    io.onSignal(name, () => {
      if (stop.signal.aborted) io.exit(ExitCode.INCOMPLETE);
      log.log(LogLevel.INFO, `Caught ${name}, stopping (a second signal exits at once)`);
      stop.abort();
    })
  );
  return () => {
    for (const remove of removers) remove();
  };
}

/** Parses the arguments after `publish`. Throws TypeError for bad ones. */
function parsePublishArgs(args: string[], log: Logger): PublishArgs | "help" {
  const positional: string[] = [];
  const parsed: Omit<PublishArgs, "input" | "url"> = {
    fast: false,
    timeoutSec: DEFAULT_TIMEOUT_SEC,
  };
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
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--fast") parsed.fast = true;
    else if (arg === "--proxy") parsed.proxy = value();
    else if (arg === "--tlsCa") parsed.tlsCaFile = value();
    else if (arg === "--tlsInsecure") parsed.tlsInsecure = true;
    else if (arg === "--verbose" || arg === "-V") log.level = LogLevel.DEBUG;
    else if (arg === "--quiet" || arg === "-q") log.level = LogLevel.ERROR;
    else if (arg === "--timeout" || arg === "-m") {
      const text = value();
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
        throw new TypeError(`Option ${arg} needs a number of seconds, got "${text}"`);
      }
      parsed.timeoutSec = n;
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new TypeError(`Unknown option for publish: ${args[i]}`);
    } else positional.push(args[i]);
  }
  if (positional.length !== 2) {
    throw new TypeError("publish needs an input (FILE.flv or -) and a URL");
  }
  return { input: positional[0], url: positional[1], ...parsed };
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0];
}

/** The first bytes of every FLV file: "FLV". */
const FLV_SIGNATURE = new Uint8Array([0x46, 0x4c, 0x56]);

/** The input file is readable but not FLV. */
class NotFlvFileError extends Error {
  override name = "NotFlvFileError";
}

/**
 * Reads a file in blocks, each in a fresh buffer. Throws when it is not a readable file, or
 * {@linkcode NotFlvFileError} when it does not start as an FLV file.
 */
async function fileChunks(path: string): Promise<AsyncIterable<Uint8Array>> {
  if (io.pathKind(path) === "folder") {
    throw Object.assign(new Error("Is a directory"), { code: "EISDIR" });
  }
  const handle = await open(path, "r");
  const readBlock = async (buffer: Uint8Array): Promise<number> => {
    try {
      // Read in order, not at a position: a named pipe or <(...) has none.
      return (await handle.read(buffer, 0, buffer.length, null)).bytesRead;
    } catch (err) {
      throw new Error(`Cannot read ${path}: ${describeFileError(err, path)}`, { cause: err });
    }
  };
  // Said before connecting: a file that is not FLV would only fail once publishing started.
  const signature = new Uint8Array(FLV_SIGNATURE.length);
  let signatureRead = 0;
  try {
    while (signatureRead < signature.length) {
      const n = await readBlock(signature.subarray(signatureRead));
      if (n === 0) break;
      signatureRead += n;
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (signatureRead < signature.length || signature.some((byte, i) => byte !== FLV_SIGNATURE[i])) {
    await handle.close();
    throw new NotFlvFileError(`${path} is not an FLV file (it does not start with "FLV")`);
  }
  return (async function* () {
    try {
      yield signature;
      for (;;) {
        const buffer = new Uint8Array(READ_BLOCK);
        const bytesRead = await readBlock(buffer);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  })();
}

/** Reads stdin as it arrives. */
async function* stdinChunks(): AsyncIterable<Uint8Array> {
  for await (const chunk of process.stdin) {
    yield chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(String(chunk));
  }
}
