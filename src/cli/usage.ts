/**
 * The banner every run starts with and the `--help` text. Both follow rtmpdump 2.4's layout: the
 * first banner line is `RTMPDump v2.4` (scripts parse it), and the help lists the same options in
 * the same order with the same syntax, argument names and defaults, described in our own words.
 *
 * @module
 */

import { EXTENSION_OPTIONS } from "./args.ts";
import { DEFAULT_BUFFER_MS, DEFAULT_FLASH_VERSION, DEFAULT_TIMEOUT_SEC } from "./defaults.ts";
import { RTMPDUMP_VERSION, VERSION } from "./version.ts";

/** The two banner lines, printed unless `--quiet` is on the command line. */
export const BANNER = `RTMPDump ${RTMPDUMP_VERSION}\n` +
  `rtmpkit ${VERSION} - rtmpdump 2.4 compatible downloader\n`;

/** rtmpkit's own name, which its commands beyond rtmpdump's are listed under. */
const OWN_NAME = "rtmpkit";

/** Width of the option column, as in rtmpdump's help. */
const COLUMN = 24;

/** Pads an option's syntax to the description column. */
function row(syntax: string, description: string): string {
  return `${syntax.padEnd(COLUMN - 1)} ${description}\n`;
}

/**
 * The help text printed for `-h` after the banner (and after getopt errors), with `program`
 * where rtmpdump prints `argv[0]`, as one string.
 */
export function formatUsage(program: string): string {
  return usageLines(program).join("");
}

/**
 * The help text line by line, each ending in a newline. Print them one at a time, as rtmpdump
 * does, since one print is limited to 2046 bytes.
 */
export function usageLines(program: string): string[] {
  return usageText(program).split(/(?<=\n)/);
}

function usageText(program: string): string {
  const indent = " ".repeat(COLUMN);
  return `\n${program}: Saves the media of an RTMP stream as FLV, to a file or to stdout.\n\n` +
    row("--help|-h", "Shows this help and exits.") +
    row(
      "--url|-i url",
      "URL followed by librtmp options (e.g. rtmp://host[:port]/path swfUrl=url tcUrl=url)",
    ) +
    row("--rtmp|-r url", "Stream URL (e.g. rtmp://host[:port]/path)") +
    row("--host|-n hostname", "Server host name, replacing the one in the URL") +
    row("--port|-c port", "Server port, replacing the one in the URL") +
    row("--socks|-S host:port", "Connects through this SOCKS4 proxy") +
    row(
      "--protocol|-l num",
      "Protocol number, replacing the URL's scheme (0 - RTMP, 2 - RTMPE)",
    ) +
    row("--playpath|-y path", "Stream name to play, replacing the one taken from the URL") +
    row("--playlist|-Y", "Sends set_playlist before play") +
    row("--swfUrl|-s url", "Player SWF URL sent with connect") +
    row(
      "--tcUrl|-t url",
      'Target URL sent with connect (default: "rtmp://host[:port]/app")',
    ) +
    row("--pageUrl|-p url", "URL of the web page embedding the player") +
    row("--app|-a app", "Application name on the server") +
    row("--swfhash|-w hexstring", "SHA-256 of the uncompressed SWF, as hex (32 bytes)") +
    row("--swfsize|-x num", "Size of the uncompressed SWF; SWF verification needs it") +
    row("--swfVfy|-W url", "Player SWF URL; its hash and size are computed by fetching it") +
    row("--swfAge|-X days", "Days a cached SWF hash is used before it is fetched again") +
    row("--auth|-u string", "Authentication string added after the connect object") +
    row("--conn|-C type:data", "An AMF value added to connect; repeat for more") +
    `${indent}B:0|1 boolean, N:number, S:string, Z: null, O:1 opens and O:0 closes an object;\n` +
    `${indent}inside objects NB:name:0|1, NN:name:number, NS:name:string, NO:name:1\n` +
    row(
      "--flashVer|-f string",
      `Flash Player version sent with connect (default: "${DEFAULT_FLASH_VERSION}")`,
    ) +
    row("--live|-v", "The stream is live: no seeking, no --resume") +
    row(
      "--subscribe|-d string",
      "Name to FCSubscribe to (live streams use the playpath when it is not given)",
    ) +
    row("--realtime|-R", "Plays at normal speed: no pause/unpause (BUFX) speed-up") +
    row("--flv|-o string", "Output FLV file; - writes the stream to stdout") +
    row("--resume|-e", "Continues a partial download found in the output file") +
    row(
      "--timeout|-m num",
      `Seconds without data before giving up (default: ${DEFAULT_TIMEOUT_SEC})`,
    ) +
    row("--start|-A num", "Starts num seconds into the stream (not with --live)") +
    row("--stop|-B num", "Stops num seconds into the stream") +
    row("--token|-T key", "Key to answer a SecureToken challenge") +
    row("--jtv|-j JSON", "Justin.tv usher token for legacy servers") +
    row("--hashes|-#", "Shows progress as # marks instead of the byte counter") +
    row("--buffer|-b", `Client buffer length in milliseconds (default: ${DEFAULT_BUFFER_MS})`) +
    row(
      "--skip|-k num",
      "Keyframes to step back when finding where to resume; raise it when resuming fails (default: 0)",
    ) +
    "\n" +
    row("--quiet|-q", "Prints nothing but fatal errors.") +
    row("--verbose|-V", "Prints debugging messages.") +
    row("--debug|-z", "Prints everything, packet dumps included.") +
    "swfUrl, pageUrl and auth are sent with connect only when they are given.\n\n" +
    "Options rtmpkit adds (only by their full names):\n" +
    EXTENSION_OPTIONS.map((o) => row(EXTENSION_HELP[o.name][0], EXTENSION_HELP[o.name][1]))
      .join("") +
    "\nOther commands (each has --help):\n" +
    // rtmpkit's own commands carry its own name (rtmpdump has none): `rtmpdump serve` would
    // name a program that cannot run it.
    row(`${OWN_NAME} serve`, "Runs the embedded RTMP server: --root DIR --listen URL ...") +
    row(`${OWN_NAME} publish`, "Publishes an FLV file or stdin live: FILE.flv|- URL") +
    "\n";
}

/** Syntax and description of each of rtmpkit's own options, by name. */
const EXTENSION_HELP: Readonly<Record<string, readonly [string, string]>> = {
  rtmpeType: ["--rtmpeType 6|8|9", "RTMPE handshake type to ask for (default: 6, as rtmpdump)"],
  reconnect: ["--reconnect num", "Reconnect a dropped stream up to num times (default: 0)"],
  proxy: [
    "--proxy url",
    "Connects through this proxy: socks4://, socks4a://, socks5:// or http://[user:pass@]host:port",
  ],
  tlsCa: ["--tlsCa file", "Trusts the certificate authorities in this PEM file (rtmps://)"],
  tlsInsecure: ["--tlsInsecure", "Does not verify the server's certificate (rtmps://)"],
};
