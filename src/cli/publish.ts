/**
 * `rtmpkit publish FILE.flv|- URL [--fast]`: pushes an FLV file (or FLV on stdin, for example
 * piped from ffmpeg) to an RTMP server at real-time pace, as a live stream; over rtmps:// and
 * through a proxy (`--proxy`, `--tlsCa`, `--tlsInsecure` as for downloads).
 *
 * @module
 */

import { open } from "node:fs/promises";
import process from "node:process";
import { isEncrypted, openTransport } from "../../transports/stack.ts";
import { ConnectError, UnsupportedTransportError } from "../../transports/transport_error.ts";
import { splitUrlCredentials } from "../auth/url_credentials.ts";
import { Publisher } from "../session/publisher.ts";
import { buildTcUrl } from "../url/build_tc_url.ts";
import { parseRtmpUrl } from "../url/parse_rtmp_url.ts";
import { defaultPort } from "../url/protocol.ts";
import { parseProxyUrl } from "../../transports/proxy_url.ts";
import { ExitCode } from "./exit_code.ts";
import { type Logger, LogLevel } from "./logger.ts";

/** Bytes read from the input at a time. */
const READ_BLOCK = 256 * 1024;
/** Connect timeout. */
const CONNECT_TIMEOUT_MS = 30_000;

const USAGE = `Usage: rtmpkit publish FILE.flv|- URL [--fast] [options]

Publishes an FLV file (or FLV read from stdin with "-") as a live stream to
rtmp://HOST[:PORT]/APP/NAME (also rtmps://, rtmpt://, rtmpts://, rtmpe://), at the
pace of its timestamps. With rtmp://USER:PASS@HOST/APP/NAME it answers the
server's publisher authentication (Adobe or Limelight, whichever it asks for).

  --fast             send as fast as the server takes it instead of in real time
  --proxy URL        connect through a proxy: socks4://, socks4a://, socks5:// or
                     http://[USER:PASS@]HOST:PORT (CONNECT)
  --tlsCa FILE       trust the certificate authorities in this PEM file (rtmps://)
  --tlsInsecure      do not verify the server's certificate (rtmps://)
  --verbose, -V      log more
  --quiet, -q        log errors only
  --help, -h         show this help
`;

/** How `publish` connects, from its options. */
interface ConnectOptions {
  proxy?: string;
  tlsCaFile?: string;
  tlsInsecure?: boolean;
}

/**
 * Publishes and resolves to an exit code: 0 when everything was sent, 1 for bad arguments, an
 * unreadable input or a refused publish, 2 when interrupted, 3 when the connection failed.
 * `args` are the arguments after `publish`.
 */
export async function runPublish(args: string[], log: Logger): Promise<number> {
  const positional: string[] = [];
  let fast = false;
  const connect: ConnectOptions = {};
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === "--proxy" || arg === "--tlsCa") {
      const value = inline ?? args[++i];
      if (value === undefined) {
        log.log(LogLevel.ERROR, `Option ${arg} needs a value`);
        log.raw(USAGE);
        return ExitCode.FAILED;
      }
      if (arg === "--proxy") connect.proxy = value;
      else connect.tlsCaFile = value;
      continue;
    }
    if (inline !== undefined) arg = args[i];
    if (arg === "--help" || arg === "-h") {
      log.raw(USAGE);
      return ExitCode.SUCCESS;
    } else if (arg === "--fast") fast = true;
    else if (arg === "--tlsInsecure") connect.tlsInsecure = true;
    else if (arg === "--verbose" || arg === "-V") log.level = LogLevel.DEBUG;
    else if (arg === "--quiet" || arg === "-q") log.level = LogLevel.ERROR;
    else if (arg.startsWith("-") && arg !== "-") {
      log.log(LogLevel.ERROR, `Unknown option for publish: ${arg}`);
      log.raw(USAGE);
      return ExitCode.FAILED;
    } else positional.push(arg);
  }
  if (positional.length !== 2) {
    log.log(LogLevel.ERROR, "publish needs an input (FILE.flv or -) and a URL");
    log.raw(USAGE);
    return ExitCode.FAILED;
  }
  const [input, urlWithCredentials] = positional;
  const { url: urlText, user, password } = splitUrlCredentials(urlWithCredentials);
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
  if (connect.proxy !== undefined) {
    try {
      parseProxyUrl(connect.proxy);
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
    log.log(LogLevel.ERROR, `Cannot read ${input}: ${(err as Error).message}`);
    return ExitCode.FAILED;
  }

  const engineLog = (level: LogLevel, message: string) => log.log(level, message);
  let dialFailed = false;
  const dial = async () => {
    try {
      return await openTransport({
        protocol: url.protocol,
        host: url.host,
        port,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        proxy: connect.proxy,
        tls: { caFile: connect.tlsCaFile, insecure: connect.tlsInsecure },
      });
    } catch (err) {
      dialFailed = true;
      throw err;
    }
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let publisher: Publisher | undefined;
  try {
    try {
      publisher = await Publisher.open(dial, {
        app: url.app,
        playpath: url.playpath,
        tcUrl: buildTcUrl(url.protocol, url.host, port, url.app),
        handshake: isEncrypted(url.protocol) ? "rtmpe" : "plain",
        log: engineLog,
        credentials: user === undefined ? undefined : { user, password: password ?? "" },
      });
    } catch (err) {
      log.log(LogLevel.ERROR, (err as Error).message.split("\n")[0]);
      // A stack this version lacks, or settings it cannot use (an unreadable --tlsCa file).
      if (err instanceof UnsupportedTransportError || err instanceof TypeError) {
        return ExitCode.FAILED;
      }
      return dialFailed || err instanceof ConnectError ? ExitCode.NO_CONNECT : ExitCode.FAILED;
    }
    log.log(
      LogLevel.INFO,
      `Publishing ${input === "-" ? "stdin" : input} to ${urlText}${fast ? " (fast)" : ""}`,
    );
    const started = performance.now();
    const result = await publisher.publishFlv(source, {
      realtime: !fast,
      stop: () => interrupted,
    });
    const seconds = (performance.now() - started) / 1000;
    log.log(
      LogLevel.INFO,
      `Published ${result.tags} tags, ${(result.bytesRead / 1024).toFixed(3)} kB, ` +
        `${(result.lastTimestamp / 1000).toFixed(2)} s of media in ${seconds.toFixed(2)} s`,
    );
    return interrupted ? ExitCode.INCOMPLETE : ExitCode.SUCCESS;
  } catch (err) {
    log.log(LogLevel.ERROR, (err as Error).message.split("\n")[0]);
    return interrupted ? ExitCode.INCOMPLETE : ExitCode.FAILED;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await publisher?.close();
  }
}

/** Reads a file in blocks, each in a fresh buffer. */
async function fileChunks(path: string): Promise<AsyncIterable<Uint8Array>> {
  const handle = await open(path, "r");
  return (async function* () {
    try {
      let position = 0;
      for (;;) {
        const buffer = new Uint8Array(READ_BLOCK);
        const { bytesRead } = await handle.read(buffer, 0, READ_BLOCK, position);
        if (bytesRead === 0) return;
        position += bytesRead;
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
