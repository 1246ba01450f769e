/**
 * From rtmpdump's command line to the settings of one download, with rtmpdump 2.4's messages
 * and exit codes (rtmpdump.c `main()` up to the resume-file step; librtmp-facts.md §1.2–1.3).
 *
 * The order is rtmpdump's: `--quiet` is looked for first, the banner is printed, the options are
 * applied one by one in command-line order (so `-l 9` fails before a later `--bogus` is seen,
 * and `-r` fills only what earlier options left empty), then the checks of §1.3 run with their
 * warnings and errors, then the URL of `-i` is set up. rtmpkit's own options (`--proxy`,
 * `--tlsCa`, `--tlsInsecure`) are collected on the way and checked last.
 *
 * Deviations: rtmpdump crashes when an unparsable `--swfhash` is combined with `--swfsize`
 * outside `-i` mode; here the size is dropped with rtmpdump's "Ignoring SWF size" warning.
 * With `--swfVfy` the hash/size pairing check is left to the SWF verification step, which
 * computes both.
 *
 * @module
 */

import type { RtmpeType } from "../handshake/mod.ts";
import type { AmfValue } from "../amf/types.ts";
import type { ConnItem } from "../url/conn_item.ts";
import { buildTcUrl } from "../url/build_tc_url.ts";
import { atoi } from "../url/c_number.ts";
import { defaultPort, Protocol, PROTOCOL_FEATURE } from "../url/protocol.ts";
import { setupUrl, type SetupUrlResult } from "../url/setup_url.ts";
import { UrlError } from "../url/url_error.ts";
import { toInt32, toUint16 } from "./_c_cast.ts";
import {
  applyOption,
  initialOptionState,
  logUrlLines,
  type OptionState,
  PROTOCOL_UNDEFINED,
} from "./_option_state.ts";
import { parseProxyUrl, proxyLabel } from "../../transports/proxy_url.ts";
import { parseArgs, PROGRAM_NAME } from "./args.ts";
import {
  DEFAULT_FLASH_VERSION,
  DEFAULT_SOCKS_PORT,
  DEFAULT_SWF_AGE_DAYS,
  DEFAULT_TIMEOUT_SEC,
} from "./defaults.ts";
import { ExitCode } from "./exit_code.ts";
import { type Logger, LogLevel } from "./logger.ts";
import { BANNER, usageLines } from "./usage.ts";

/**
 * Everything one rtmpdump download needs. The first group is what rtmpdump's `main()` and
 * `Download()` use themselves; the second is what librtmp's connection holds (`r->Link`). The
 * two differ in `-i` mode, where librtmp takes its settings from the URL's `key=value` options
 * and ignores most command-line options, while rtmpdump still applies `-v`, `-e`, `-A`, `-B`,
 * `-b`, `-k`, `-#`, `-R` and `-o` itself.
 *
 * Strings that librtmp leaves out of connect when empty (`app`, `tcUrl`) are `""` then; the
 * optional ones are `undefined` when not given or given empty.
 */
export interface DownloadOptions {
  /** The log level after the options (`-q` CRIT, `-V` DEBUG, `-z` ALL, else INFO). */
  logLevel: LogLevel;
  /** `-i` was given (non-empty): librtmp was set up from {@linkcode fullUrl}. */
  fullUrlMode: boolean;
  /** The `-i` string as given. */
  fullUrl: string | undefined;
  /**
   * Output file name; `"-"` when writing to stdout. `-o a.flv -o -` leaves rtmpdump in file
   * mode, so it writes a file named `-`: check {@linkcode outputIsStdout}, not the name.
   */
  output: string;
  /** Write the FLV to stdout (no `-o`, or `-o -` before any other `-o`). */
  outputIsStdout: boolean;
  /** `--resume`, after the stdout and live checks turned it off where it cannot apply. */
  resume: boolean;
  /** `--skip`: keyframes to skip back when looking for the resume point (≥ 0). */
  skipFrames: number;
  /** `--reconnect N` (rtmpkit's own): reconnects after a dropped stream; 0 as rtmpdump. */
  reconnect: number;
  /** `--live`: "Starting Live Stream", no resume, no seeking, no BUFX, no retry on timeout. */
  live: boolean;
  /** `--realtime`: no BUFX; prints the realtime note. */
  realtime: boolean;
  /** `--hashes`: `#` progress. */
  hashes: boolean;
  /** `--rtmpeType`: the C0 of an RTMPE handshake, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType: RtmpeType | undefined;
  /** Buffer time in ms that rtmpdump sets before connecting (overrides `buffer=` of `-i`). */
  bufferMs: number;
  /** `--buffer` was given: never raise the buffer to the stream's duration. */
  bufferOverridden: boolean;
  /**
   * `--start` in ms as rtmpdump holds it (`uint32_t`; 0 for live streams). When non-zero and
   * not resuming it becomes the seek position passed to `RTMP_ConnectStream`, which stores it
   * as an `int` and uses it only when positive.
   */
  startMs: number;
  /** `--stop` in ms (`uint32_t`), for "For duration" and "Already Completed". */
  stopMs: number;
  /** Pause/unpause on BufferEmpty (`RTMP_LF_BUFX`): not live, not realtime, no HTTP bit. */
  bufx: boolean;

  /** Protocol number (`Protocol`); 8 (RTMFP) connects like plain RTMP. */
  protocol: number;
  /** Server host. */
  host: string;
  /** Port to connect to: the `unsigned short` librtmp stores, the protocol default if 0. */
  port: number;
  /** Stream name for play. */
  playpath: string;
  /** connect's `app` (`""`: not sent). */
  app: string;
  /** connect's `tcUrl` (`""`: not sent). */
  tcUrl: string;
  /** connect's `swfUrl`. */
  swfUrl: string | undefined;
  /** connect's `pageUrl`. */
  pageUrl: string | undefined;
  /** connect's `flashVer` (no default in `-i` mode: then not sent unless `flashver=`). */
  flashVer: string | undefined;
  /** `--auth`: appended to connect as Boolean true and this String. */
  auth: string | undefined;
  /** Extra connect arguments (`-C`, then `conn=` of `-i`). */
  conn: AmfValue[];
  /** The same arguments exactly as librtmp holds them, for byte-exact encoding. */
  connItems: ConnItem[];
  /** FCSubscribe target (`--subscribe`, `subscribe=`). */
  subscribe: string | undefined;
  /** Justin.tv usher token (`--jtv`, `jtv=`). */
  jtv: string | undefined;
  /** SecureToken key (`--token`, overridden by `token=`). */
  token: string | undefined;
  /** Send set_playlist before play (`--playlist`, `playlist=`). */
  playlist: boolean;
  /** librtmp's live flag (`RTMP_LF_LIVE`): `--live`, or in `-i` mode only `live=`. */
  linkLive: boolean;
  /** librtmp's play start (`Link.seekTime`, an `int`): 0, or `start=` in `-i` mode. */
  linkStartMs: number;
  /** librtmp's play stop (`Link.stopTime`, an `int`): `--stop`, or `stop=` in `-i` mode. */
  linkStopMs: number;
  /** Receive timeout in seconds (`--timeout`, or `timeout=` in `-i` mode; default 30). */
  timeoutSec: number;
  /** SOCKS4 proxy as `host:port`, the port defaulted (`--socks`, or `socks=` in `-i` mode). */
  socks: string | undefined;
  /** The host part of {@linkcode socks}. */
  socksHost: string | undefined;
  /** The port of {@linkcode socks} (an `unsigned short`, as librtmp stores it; default 1080). */
  socksPort: number | undefined;
  /** SWF verification hash (32 bytes), present only together with {@linkcode swfSize}. */
  swfHash: Uint8Array | undefined;
  /** Uncompressed SWF size for SWF verification; 0 when none. */
  swfSize: number;
  /** Fetch `swfUrl` and compute hash and size (`--swfVfy`, `swfVfy=`). */
  swfVfy: boolean;
  /** Days a cached SWF hash stays valid. */
  swfAge: number;
  /** `pubUser=` of `-i` (publisher authentication). */
  pubUser: string | undefined;
  /** `pubPasswd=` of `-i`. */
  pubPasswd: string | undefined;

  /** `--proxy`: a proxy URL (socks4://, socks4a://, socks5://, http://); never with `socks`. */
  proxy?: string;
  /** `--tlsCa`: PEM file with the certificate authorities rtmps:// trusts. */
  tlsCaFile?: string;
  /** `--tlsInsecure`: rtmps:// does not verify the server's certificate. */
  tlsInsecure?: boolean;
}

/** rtmpkit's own options (`--proxy`, `--tlsCa`, `--tlsInsecure`), as given. */
interface ExtraOptions {
  proxy?: string;
  tlsCaFile?: string;
  tlsInsecure?: boolean;
}

/** Takes `--proxy`, `--tlsCa` or `--tlsInsecure`; false for any other option. */
function applyExtraOption(extras: ExtraOptions, name: string, value: string): boolean {
  if (name === "proxy") extras.proxy = value;
  else if (name === "tlsCa") extras.tlsCaFile = value;
  else if (name === "tlsInsecure") extras.tlsInsecure = true;
  else return false;
  return true;
}

/** Options of {@linkcode buildDownloadOptions}. */
export interface BuildDownloadOptionsOptions {
  /** `argv[0]` for getopt's messages and the help text; default `rtmpdump`. */
  programName?: string;
  /** glibc's `POSIXLY_CORRECT`: options end at the first operand. */
  posixlyCorrect?: boolean;
}

/** Either the download's settings or the exit code rtmpdump ends with before connecting. */
export type BuildDownloadOptionsResult = { options: DownloadOptions } | { exitCode: number };

/** The "hostname missing" error. */
const NO_HOSTNAME =
  'You must specify a hostname (--host) or url (-r "rtmp://host[:port]/playpath") containing a hostname';
/** The "playpath missing" error. */
const NO_PLAYPATH =
  'You must specify a playpath (--playpath) or url (-r "rtmp://host[:port]/playpath") containing a playpath';
/** Digits of a port beyond which rtmpdump's tcUrl buffer (sized for ":65535") cuts the text. */
const TC_URL_PORT_DIGITS = 5;
/** rtmpdump's protocol names for the `-V` listing (`RTMPProtocolStrings[protocol & 7]`). */
const PROTOCOL_LABELS = ["RTMP", "RTMPT", "RTMPE", "RTMPTE", "RTMPS", "RTMPTS", "", ""];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `undefined` for a string librtmp treats as absent (not given, or empty). */
function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.length === 0 ? undefined : text;
}

/**
 * Reads rtmpdump's command line (`argv` without the program name), printing the banner and every
 * message rtmpdump prints up to this point through `log`, whose level it sets. Returns the
 * download's settings, or the exit code when rtmpdump would stop: 0 after `--help`, 1 for a bad
 * option, a failed check or an unusable `-i` URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDownloadOptions } from "./download_options.ts";
 * import { Logger } from "./logger.ts";
 * const log = new Logger(() => {});
 * const result = buildDownloadOptions(["-r", "rtmp://example.com/vod/clip", "-o", "x.flv"], log);
 * if ("options" in result) assert.equal(result.options.tcUrl, "rtmp://example.com:1935/vod");
 * ```
 */
export function buildDownloadOptions(
  argv: readonly string[],
  log: Logger,
  options: BuildDownloadOptionsOptions = {},
): BuildDownloadOptionsResult {
  const program = options.programName ?? PROGRAM_NAME;
  log.level = LogLevel.INFO;
  if (argv.some((arg) => arg === "-q" || arg === "--quiet")) log.level = LogLevel.CRIT;
  log.printf(BANNER);

  const state = initialOptionState();
  const extras: ExtraOptions = {};
  const parsed = parseArgs(argv, { programName: program, posixlyCorrect: options.posixlyCorrect });
  for (const item of parsed.items) {
    if (item.kind === "error") {
      log.raw(item.message);
      log.printf("unknown option: ?\n");
      printUsage(log, program);
      return { exitCode: ExitCode.FAILED };
    }
    if (item.short === "h") {
      printUsage(log, program);
      return { exitCode: ExitCode.SUCCESS };
    }
    if (applyExtraOption(extras, item.short, item.value ?? "")) continue;
    const exitCode = applyOption(state, item.short, item.value ?? "", log);
    if (exitCode !== undefined) return { exitCode };
  }
  const result = validate(state, log);
  return "options" in result ? withExtras(result.options, extras, log) : result;
}

/**
 * Adds rtmpkit's own options to the settings, after checking them: a proxy URL must parse and
 * cannot be combined with `-S`/`socks=`. Keys are only added for options that were given.
 */
function withExtras(
  options: DownloadOptions,
  extras: ExtraOptions,
  log: Logger,
): BuildDownloadOptionsResult {
  if (extras.proxy !== undefined) {
    let proxy;
    try {
      proxy = parseProxyUrl(extras.proxy);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      log.error(error.message);
      return { exitCode: ExitCode.FAILED };
    }
    if (options.socks !== undefined) {
      log.error("Cannot use two proxies: give either --socks (or socks=) or --proxy");
      return { exitCode: ExitCode.FAILED };
    }
    log.debug(`Connecting via proxy: ${proxyLabel(proxy)}`);
    options.proxy = extras.proxy;
  }
  if (extras.tlsCaFile !== undefined) options.tlsCaFile = extras.tlsCaFile;
  if (extras.tlsInsecure) options.tlsInsecure = true;
  return { options };
}

/** Prints the help text, one print per line as rtmpdump does. */
function printUsage(log: Logger, program: string): void {
  for (const line of usageLines(program)) log.printf(line);
}

/** rtmpdump's checks after the option loop (librtmp-facts.md §1.3), in order. */
function validate(state: OptionState, log: Logger): BuildDownloadOptionsResult {
  const fullUrlMode = state.fullUrl.length > 0;
  if (state.hostname.length === 0 && !fullUrlMode) {
    log.error(NO_HOSTNAME);
    return { exitCode: ExitCode.FAILED };
  }
  if (state.playpath.length === 0 && !fullUrlMode) {
    log.error(NO_PLAYPATH);
    return { exitCode: ExitCode.FAILED };
  }
  if (state.protocol === PROTOCOL_UNDEFINED && !fullUrlMode) {
    log.warning(
      "You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP",
    );
    state.protocol = Protocol.RTMP;
  }
  if (state.port === -1 && !fullUrlMode) {
    log.warning(
      "You haven't specified a port (--port) or rtmp url (-r), using default port 1935",
    );
    state.port = 0;
  }
  if (state.port === 0 && !fullUrlMode) state.port = defaultPort(state.protocol);

  if (state.output === undefined) {
    log.warning("You haven't specified an output file (-o filename), using stdout");
    state.stdoutMode = true;
  }
  if (state.stdoutMode && state.resume) {
    log.warning("Can't resume in stdout mode, ignoring --resume option");
    state.resume = false;
  }
  if (state.live && state.resume) {
    log.warning("Can't resume live stream, ignoring --resume option");
    state.resume = false;
  }

  pairSwfHashAndSize(state, log, fullUrlMode);

  let tcUrl = state.tcUrl;
  if (tcUrl.length === 0 && !fullUrlMode) tcUrl = defaultTcUrl(state);

  if (state.startMs > 0 && state.live) {
    log.warning("Can't seek in a live stream, ignoring --start option");
    state.startMs = 0;
  }

  let link: Omit<DownloadOptions, keyof LocalPart>;
  if (fullUrlMode) {
    let setup: SetupUrlResult;
    try {
      setup = setupUrl(state.fullUrl, { conn: state.conn });
    } catch (error) {
      if (!(error instanceof UrlError)) throw error;
      logUrlLines(log, error.log);
      if (error.code === "bad-ipv6") log.error(error.message);
      // SetupURL has cut the string at its first space by the time rtmpdump prints it.
      log.error(`Couldn't parse URL: ${state.fullUrl.split(" ")[0]}`);
      return { exitCode: ExitCode.FAILED };
    }
    logUrlLines(log, setup.log);
    link = linkFromSetupUrl(state, setup);
  } else {
    link = linkFromOptions(state, tcUrl);
    logSetupStream(state, link, log);
  }

  const bufx = !state.live && !state.realtime && !(state.protocol & PROTOCOL_FEATURE.HTTP);
  const local: LocalPart = {
    logLevel: log.level,
    fullUrlMode,
    fullUrl: fullUrlMode ? state.fullUrl : undefined,
    output: state.output ?? "-",
    outputIsStdout: state.stdoutMode,
    resume: state.resume,
    skipFrames: state.skipFrames,
    reconnect: state.reconnect,
    live: state.live,
    realtime: state.realtime,
    hashes: state.hashes,
    bufferMs: state.bufferMs,
    bufferOverridden: state.bufferOverridden,
    startMs: state.startMs,
    stopMs: state.stopMs,
    bufx,
    rtmpeType: state.rtmpeType,
  };
  return { options: { ...local, ...link } };
}

/** The fields of {@linkcode DownloadOptions} that rtmpdump itself uses. */
type LocalPart = Pick<
  DownloadOptions,
  | "logLevel"
  | "fullUrlMode"
  | "fullUrl"
  | "output"
  | "outputIsStdout"
  | "resume"
  | "skipFrames"
  | "reconnect"
  | "live"
  | "realtime"
  | "hashes"
  | "bufferMs"
  | "bufferOverridden"
  | "startMs"
  | "stopMs"
  | "bufx"
  | "rtmpeType"
>;

/** §1.3 step 5: a hash without a size, or a size without a hash, is dropped with a warning. */
function pairSwfHashAndSize(state: OptionState, log: Logger, fullUrlMode: boolean): void {
  if (state.swfVfy) return;
  if (state.swfHashLength === 0 && state.swfSize > 0) {
    log.warning("Ignoring SWF size, supply also the hash with --swfhash");
    state.swfSize = 0;
  }
  if (state.swfHashLength !== 0 && state.swfSize === 0) {
    log.warning("Ignoring SWF hash, supply also the swf size  with --swfsize");
    state.swfHashLength = 0;
    state.swfHash = null;
  }
  if (state.swfHash === null && state.swfSize > 0 && !fullUrlMode) {
    // rtmpdump dereferences the missing hash here and crashes; drop the size instead.
    log.warning("Ignoring SWF size, supply also the hash with --swfhash");
    state.swfSize = 0;
    state.swfHashLength = 0;
  }
}

/**
 * rtmpdump's default tcUrl, `<scheme>://<host>:<port>/<app>`, including its buffer limit: the
 * buffer has room for a 5-digit port, so a longer port text (`-c 100000`, `-c -10000`) cuts
 * as many bytes off the end.
 */
function defaultTcUrl(state: OptionState): string {
  const tcUrl = buildTcUrl(state.protocol, state.hostname, state.port, state.app ?? "");
  const excess = String(state.port).length - TC_URL_PORT_DIGITS;
  if (excess <= 0) return tcUrl;
  const bytes = encoder.encode(tcUrl);
  return decoder.decode(bytes.subarray(0, Math.max(0, bytes.length - excess)));
}

/** The `-S host[:port]` proxy as librtmp's `SocksSetup` reads it. */
function parseSocks(text: string): Pick<DownloadOptions, "socks" | "socksHost" | "socksPort"> {
  if (text.length === 0) return { socks: undefined, socksHost: undefined, socksPort: undefined };
  const colon = text.indexOf(":");
  const host = colon < 0 ? text : text.slice(0, colon);
  const port = colon < 0 ? DEFAULT_SOCKS_PORT : toUint16(atoi(text.slice(colon + 1)));
  return { socks: `${host}:${port}`, socksHost: host, socksPort: port };
}

/** librtmp's settings from the command line (`RTMP_SetupStream`). */
function linkFromOptions(
  state: OptionState,
  tcUrl: string,
): Omit<DownloadOptions, keyof LocalPart> {
  const port = toUint16(state.port);
  const hasSwf = state.swfHash !== null && state.swfSize > 0;
  return {
    protocol: state.protocol,
    host: state.hostname,
    port: port === 0 ? defaultPort(state.protocol) : port,
    playpath: state.playpath,
    app: state.app ?? "",
    tcUrl,
    swfUrl: nonEmpty(state.swfUrl),
    pageUrl: nonEmpty(state.pageUrl),
    flashVer: nonEmpty(state.flashVer) ?? DEFAULT_FLASH_VERSION,
    auth: nonEmpty(state.auth),
    conn: state.conn.values(),
    connItems: state.conn.items(),
    subscribe: nonEmpty(state.subscribe),
    jtv: nonEmpty(state.jtv),
    token: nonEmpty(state.token),
    playlist: state.playlist,
    linkLive: state.live,
    linkStartMs: 0,
    linkStopMs: toInt32(state.stopMs),
    timeoutSec: state.timeoutSec,
    ...parseSocks(state.socks),
    swfHash: hasSwf ? state.swfHash ?? undefined : undefined,
    swfSize: hasSwf ? state.swfSize : 0,
    swfVfy: state.swfVfy,
    swfAge: state.swfAge,
    pubUser: undefined,
    pubPasswd: undefined,
  };
}

/**
 * librtmp's settings in `-i` mode: from the URL and its options, plus what rtmpdump set through
 * `RTMP_SetOpt` while reading the command line (`-C` items first, `-Y`, `-T` unless `token=`).
 */
function linkFromSetupUrl(
  state: OptionState,
  setup: SetupUrlResult,
): Omit<DownloadOptions, keyof LocalPart> {
  return {
    protocol: setup.protocol,
    host: setup.host,
    port: setup.port,
    playpath: setup.playpath,
    app: setup.app,
    tcUrl: setup.tcUrl,
    swfUrl: nonEmpty(setup.swfUrl),
    pageUrl: nonEmpty(setup.pageUrl),
    flashVer: nonEmpty(setup.flashVer),
    auth: undefined,
    conn: setup.conn,
    connItems: setup.connItems,
    subscribe: nonEmpty(setup.subscribe),
    jtv: nonEmpty(setup.jtv),
    token: nonEmpty(setup.token ?? state.token),
    playlist: state.playlist || setup.playlist,
    linkLive: setup.live,
    linkStartMs: setup.startMs ?? 0,
    linkStopMs: setup.stopMs ?? 0,
    timeoutSec: setup.timeoutSec ?? DEFAULT_TIMEOUT_SEC,
    socks: setup.socks,
    socksHost: setup.socksHost,
    socksPort: setup.socksPort,
    swfHash: undefined,
    swfSize: 0,
    swfVfy: state.swfVfy || (setup.swfVfy && nonEmpty(setup.swfUrl) !== undefined),
    swfAge: setup.swfAge ?? DEFAULT_SWF_AGE_DAYS,
    pubUser: nonEmpty(setup.pubUser),
    pubPasswd: nonEmpty(setup.pubPasswd),
  };
}

/** The DEBUG listing `RTMP_SetupStream` logs (shown with `-V`). */
function logSetupStream(
  state: OptionState,
  link: Omit<DownloadOptions, keyof LocalPart>,
  log: Logger,
): void {
  if (!log.enabled(LogLevel.DEBUG)) return;
  log.debug(`Protocol : ${PROTOCOL_LABELS[state.protocol & 7]}`);
  log.debug(`Hostname : ${state.hostname}`);
  log.debug(`Port     : ${state.port}`);
  log.debug(`Playpath : ${state.playpath}`);
  log.debug(`tcUrl    : ${link.tcUrl}`);
  if (state.swfUrl !== undefined) log.debug(`swfUrl   : ${state.swfUrl}`);
  if (state.pageUrl !== undefined) log.debug(`pageUrl  : ${state.pageUrl}`);
  if (state.app !== undefined) log.debug(`app      : ${state.app}`);
  if (state.auth !== undefined) log.debug(`auth     : ${state.auth}`);
  if (state.subscribe !== undefined) log.debug(`subscribepath : ${state.subscribe}`);
  if (state.jtv !== undefined) log.debug(`NetStream.Authenticate.UsherToken : ${state.jtv}`);
  if (state.flashVer !== undefined) log.debug(`flashVer : ${state.flashVer}`);
  if (link.linkStopMs > 0) log.debug(`StopTime      : ${link.linkStopMs} msec`);
  log.debug(`live     : ${state.live ? "yes" : "no"}`);
  log.debug(`timeout  : ${state.timeoutSec} sec`);
  // With --swfVfy the hash is known once the SWF is fetched: the verification step logs it.
  if (link.swfHash !== undefined && !link.swfVfy) {
    log.debug("SWFSHA256:");
    log.logHex(LogLevel.DEBUG, link.swfHash);
    log.debug(`SWFSize  : ${link.swfSize}`);
  }
  if (link.socks !== undefined) {
    log.debug(`Connecting via SOCKS proxy: ${link.socks}`);
  }
}
