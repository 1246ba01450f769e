import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { AmfObject } from "../../src/amf/types.ts";
import { buildDownloadOptions, type DownloadOptions } from "../../src/cli/download_options.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import { BANNER, formatUsage } from "../../src/cli/usage.ts";
import { captureLogger } from "./_capture.ts";

/** Runs the command-line front half and returns its result and everything it printed. */
function run(args: string[], level?: LogLevel) {
  const { log, out } = captureLogger(level);
  const result = buildDownloadOptions(args, log);
  return { result, text: out.text(), log };
}

/** The options of a run that must get as far as connecting. */
function optionsOf(args: string[]): DownloadOptions {
  const { result } = run(args);
  if (!("options" in result)) throw new Error(`exited with ${result.exitCode}`);
  return result.options;
}

/**
 * rtmpdump's stderr for each command, captured with the Debian rtmpdump 2.4 binary, up to the
 * point where rtmpdump starts connecting ("Connecting ..."), without the two banner lines (our
 * second banner line differs on purpose) and without the main loop's "Setting buffer time" line.
 * `exitCode` is rtmpdump's exit status when it stopped before connecting.
 */
const CAPTURES: { args: string[]; banner?: false; stderr: string; exitCode?: number }[] = [
  {
    // rtmpdump -r rtmp://127.0.0.1:1/app/x -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"],
    stderr: "",
    exitCode: undefined,
  },
  {
    // rtmpdump -l 9
    args: ["-l", "9"],
    stderr: "ERROR: Unknown protocol specified: 9\n",
    exitCode: 1,
  },
  {
    // rtmpdump -r rtmp://h/app
    args: ["-r", "rtmp://h/app"],
    stderr:
      'ERROR: You must specify a playpath (--playpath) or url (-r "rtmp://host[:port]/playpath") containing a playpath\n',
    exitCode: 1,
  },
  {
    // rtmpdump -b -5 -r rtmp://127.0.0.1:1/app/x -o /tmp/x.flv
    args: ["-b", "-5", "-r", "rtmp://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"],
    stderr: "ERROR: Buffer time must be greater than zero, ignoring the specified value -5!\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -w zz -r rtmp://127.0.0.1:1/app/x -o /tmp/x.flv
    args: ["-w", "zz", "-r", "rtmp://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"],
    stderr:
      "WARNING: Couldn't parse swf hash hex string, not hexstring or not 32 bytes, ignoring!\n" +
      "WARNING: Ignoring SWF hash, supply also the swf size  with --swfsize\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -n 127.0.0.1 -c 1 -y x
    args: ["-n", "127.0.0.1", "-c", "1", "-y", "x"],
    stderr:
      "WARNING: You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP\n" +
      "WARNING: You haven't specified an output file (-o filename), using stdout\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -n 127.0.0.1 -y x -e -v -A 5 -x 10 -o /tmp/x.flv
    args: ["-n", "127.0.0.1", "-y", "x", "-e", "-v", "-A", "5", "-x", "10", "-o", "/tmp/x.flv"],
    stderr:
      "WARNING: You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP\n" +
      "WARNING: You haven't specified a port (--port) or rtmp url (-r), using default port 1935\n" +
      "WARNING: Can't resume live stream, ignoring --resume option\n" +
      "WARNING: Ignoring SWF size, supply also the hash with --swfhash\n" +
      "WARNING: Can't seek in a live stream, ignoring --start option\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -n 127.0.0.1 -c 1 -y x -e -o -
    args: ["-n", "127.0.0.1", "-c", "1", "-y", "x", "-e", "-o", "-"],
    stderr:
      "WARNING: You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP\n" +
      "WARNING: Can't resume in stdout mode, ignoring --resume option\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -n 127.0.0.1 -c 1 -y x -x 0 -X -1 -k -3 -o /tmp/x.flv
    args: [
      "-n",
      "127.0.0.1",
      "-c",
      "1",
      "-y",
      "x",
      "-x",
      "0",
      "-X",
      "-1",
      "-k",
      "-3",
      "-o",
      "/tmp/x.flv",
    ],
    stderr: "ERROR: SWF Size must be at least 1, ignoring\n" +
      "\n" +
      "ERROR: SWF Age must be non-negative, ignoring\n" +
      "\n" +
      "ERROR: Number of keyframes skipped must be greater or equal zero, using zero!\n" +
      "WARNING: You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:1/app/x -x 10 -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:1/app/x", "-x", "10", "-o", "/tmp/x.flv"],
    stderr: "WARNING: Ignoring SWF size, supply also the hash with --swfhash\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:1/app/x -w 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -o /tmp/x.flv
    args: [
      "-r",
      "rtmp://127.0.0.1:1/app/x",
      "-w",
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "-o",
      "/tmp/x.flv",
    ],
    stderr: "WARNING: Ignoring SWF hash, supply also the swf size  with --swfsize\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:1/app/x -C X:1 -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:1/app/x", "-C", "X:1", "-o", "/tmp/x.flv"],
    stderr: "ERROR: Invalid AMF parameter: X:1\n",
    exitCode: 1,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:99999/app/x -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:99999/app/x", "-o", "/tmp/x.flv"],
    stderr: "WARNING: Invalid port number!\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:1 -y x -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:1", "-y", "x", "-o", "/tmp/x.flv"],
    stderr: "WARNING: No application or playpath in URL!\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp:// -n 127.0.0.1 -c 1 -y x -o /tmp/x.flv
    args: ["-r", "rtmp://", "-n", "127.0.0.1", "-c", "1", "-y", "x", "-o", "/tmp/x.flv"],
    stderr: "WARNING: No hostname in URL!\n" +
      "WARNING: Couldn't parse the specified url (rtmp://)!\n" +
      "WARNING: You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r foo://127.0.0.1:1/app/x -o /tmp/x.flv
    args: ["-r", "foo://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"],
    stderr: "WARNING: Unknown protocol!\n" +
      "\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -i rtmp://127.0.0.1:1/app/x -n foo -l 9 -o /tmp/x.flv
    args: ["-i", "rtmp://127.0.0.1:1/app/x", "-n", "foo", "-l", "9", "-o", "/tmp/x.flv"],
    stderr: "ERROR: Unknown protocol specified: 9\n",
    exitCode: 1,
  },
  {
    // rtmpdump -i x -o /tmp/x.flv
    args: ["-i", "x", "-o", "/tmp/x.flv"],
    stderr: "ERROR: RTMP URL: No :// in url!\n" +
      "ERROR: Couldn't parse URL: x\n",
    exitCode: 1,
  },
  {
    // rtmpdump -i rtmp://127.0.0.1:1/app/x -v -e -A 3 -o /tmp/x.flv
    args: ["-i", "rtmp://127.0.0.1:1/app/x", "-v", "-e", "-A", "3", "-o", "/tmp/x.flv"],
    stderr: "WARNING: Can't resume live stream, ignoring --resume option\n" +
      "WARNING: Can't seek in a live stream, ignoring --start option\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -r rtmp://127.0.0.1:1/app/x --rtm= -o /tmp/x.flv
    args: ["-r", "rtmp://127.0.0.1:1/app/x", "--rtm=", "-o", "/tmp/x.flv"],
    stderr: "ERROR: RTMP URL: No :// in url!\n" +
      "WARNING: Couldn't parse the specified url ()!\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -V -k 2 -r rtmp://127.0.0.1:1/app/x -o /tmp/x.flv -s '' -S 127.0.0.1:1 -j jj -d sub -B 2 -w 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -x 5 -u au -f fv -c 70000
    args: [
      "-V",
      "-k",
      "2",
      "-r",
      "rtmp://127.0.0.1:1/app/x",
      "-o",
      "/tmp/x.flv",
      "-s",
      "",
      "-S",
      "127.0.0.1:1",
      "-j",
      "jj",
      "-d",
      "sub",
      "-B",
      "2",
      "-w",
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "-x",
      "5",
      "-u",
      "au",
      "-f",
      "fv",
      "-c",
      "70000",
    ],
    stderr: "DEBUG: Number of skipped key frames for resume: 2\n" +
      "DEBUG: Parsing...\n" +
      "DEBUG: Parsed protocol: 0\n" +
      "DEBUG: Parsed host    : 127.0.0.1\n" +
      "DEBUG: Parsed app     : app\n" +
      "DEBUG: Protocol : RTMP\n" +
      "DEBUG: Hostname : 127.0.0.1\n" +
      "DEBUG: Port     : 70000\n" +
      "DEBUG: Playpath : x\n" +
      "DEBUG: tcUrl    : rtmp://127.0.0.1:70000/app\n" +
      "DEBUG: swfUrl   : \n" +
      "DEBUG: app      : app\n" +
      "DEBUG: auth     : au\n" +
      "DEBUG: subscribepath : sub\n" +
      "DEBUG: NetStream.Authenticate.UsherToken : jj\n" +
      "DEBUG: flashVer : fv\n" +
      "DEBUG: StopTime      : 2000 msec\n" +
      "DEBUG: live     : no\n" +
      "DEBUG: timeout  : 30 sec\n" +
      "DEBUG: SWFSHA256:\n" +
      "DEBUG: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff\n" +
      "DEBUG: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff\n" +
      "DEBUG: SWFSize  : 5\n" +
      "DEBUG: Connecting via SOCKS proxy: 127.0.0.1:1\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -V -r rtmp://127.0.0.1:1/app/x -c 100000 -S 127.0.0.1 -p pg -o /tmp/x.flv
    args: [
      "-V",
      "-r",
      "rtmp://127.0.0.1:1/app/x",
      "-c",
      "100000",
      "-S",
      "127.0.0.1",
      "-p",
      "pg",
      "-o",
      "/tmp/x.flv",
    ],
    stderr: "DEBUG: Parsing...\n" +
      "DEBUG: Parsed protocol: 0\n" +
      "DEBUG: Parsed host    : 127.0.0.1\n" +
      "DEBUG: Parsed app     : app\n" +
      "DEBUG: Protocol : RTMP\n" +
      "DEBUG: Hostname : 127.0.0.1\n" +
      "DEBUG: Port     : 100000\n" +
      "DEBUG: Playpath : x\n" +
      "DEBUG: tcUrl    : rtmp://127.0.0.1:100000/ap\n" +
      "DEBUG: pageUrl  : pg\n" +
      "DEBUG: app      : app\n" +
      "DEBUG: live     : no\n" +
      "DEBUG: timeout  : 30 sec\n" +
      "DEBUG: Connecting via SOCKS proxy: 127.0.0.1:1080\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -V -i rtmp://127.0.0.1:1/app/x -o /tmp/x.flv
    args: ["-V", "-i", "rtmp://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"],
    stderr: "DEBUG: Parsing...\n" +
      "DEBUG: Parsed protocol: 0\n" +
      "DEBUG: Parsed host    : 127.0.0.1\n" +
      "DEBUG: Parsed app     : app\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -V -r rtmpe://127.0.0.1:1/a/b/c/d.mp4 -a other -o /tmp/x.flv
    args: ["-V", "-r", "rtmpe://127.0.0.1:1/a/b/c/d.mp4", "-a", "other", "-o", "/tmp/x.flv"],
    stderr: "DEBUG: Parsing...\n" +
      "DEBUG: Parsed protocol: 2\n" +
      "DEBUG: Parsed host    : 127.0.0.1\n" +
      "DEBUG: Parsed app     : a/b/c\n" +
      "DEBUG: Protocol : RTMPE\n" +
      "DEBUG: Hostname : 127.0.0.1\n" +
      "DEBUG: Port     : 1\n" +
      "DEBUG: Playpath : mp4:d\n" +
      "DEBUG: tcUrl    : rtmpe://127.0.0.1:1/other\n" +
      "DEBUG: app      : other\n" +
      "DEBUG: live     : no\n" +
      "DEBUG: timeout  : 30 sec\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -n 127.0.0.1 -y x -l 1 -o /tmp/x.flv -V
    args: ["-n", "127.0.0.1", "-y", "x", "-l", "1", "-o", "/tmp/x.flv", "-V"],
    stderr:
      "WARNING: You haven't specified a port (--port) or rtmp url (-r), using default port 1935\n" +
      "DEBUG: Protocol : RTMPT\n" +
      "DEBUG: Hostname : 127.0.0.1\n" +
      "DEBUG: Port     : 80\n" +
      "DEBUG: Playpath : x\n" +
      "DEBUG: tcUrl    : rtmpt://127.0.0.1:80/\n" +
      "DEBUG: live     : no\n" +
      "DEBUG: timeout  : 30 sec\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -z -n 127.0.0.1 -y x -l 4 -c 0 -o /tmp/x.flv -V
    args: ["-z", "-n", "127.0.0.1", "-y", "x", "-l", "4", "-c", "0", "-o", "/tmp/x.flv", "-V"],
    stderr: "DEBUG: Protocol : RTMPS\n" +
      "DEBUG: Hostname : 127.0.0.1\n" +
      "DEBUG: Port     : 443\n" +
      "DEBUG: Playpath : x\n" +
      "DEBUG: tcUrl    : rtmps://127.0.0.1:443/\n" +
      "DEBUG: live     : no\n" +
      "DEBUG: timeout  : 30 sec\n",
    exitCode: undefined,
  },
  {
    // rtmpdump -qQ
    args: ["-qQ"],
    stderr: "rtmpdump: invalid option -- 'Q'\n",
    exitCode: 1,
  },
  {
    // rtmpdump -q --bogus
    args: ["-q", "--bogus"],
    banner: false,
    stderr: "rtmpdump: unrecognized option '--bogus'\n",
    exitCode: 1,
  },
  {
    // rtmpdump -o -q --bogus
    args: ["-o", "-q", "--bogus"],
    banner: false,
    stderr: "rtmpdump: unrecognized option '--bogus'\n",
    exitCode: 1,
  },
  {
    // rtmpdump -q -h
    args: ["-q", "-h"],
    banner: false,
    stderr: "",
    exitCode: 0,
  },
  {
    // rtmpdump -i "rtmp://127.0.0.1:1/app/x bogus=1" -o /tmp/x.flv
    args: ["-i", "rtmp://127.0.0.1:1/app/x bogus=1", "-o", "/tmp/x.flv"],
    stderr: "ERROR: Unknown option bogus\n" +
      "ERROR: Valid RTMP options are:\n" +
      "\n" +
      "ERROR:      socks string   Use the specified SOCKS proxy\n" +
      "\n" +
      "ERROR:        app string   Name of target app on server\n" +
      "\n" +
      "ERROR:      tcUrl string   URL to played stream\n" +
      "\n" +
      "ERROR:    pageUrl string   URL of played media's web page\n" +
      "\n" +
      "ERROR:     swfUrl string   URL to player SWF file\n" +
      "\n" +
      "ERROR:   flashver string   Flash version string (default LNX 10,0,32,18)\n" +
      "\n" +
      "ERROR:       conn AMF      Append arbitrary AMF data to Connect message\n" +
      "\n" +
      "ERROR:   playpath string   Path to target media on server\n" +
      "\n" +
      "ERROR:   playlist boolean  Set playlist before play command\n" +
      "\n" +
      "ERROR:       live boolean  Stream is live, no seeking possible\n" +
      "\n" +
      "ERROR:  subscribe string   Stream to subscribe to\n" +
      "\n" +
      "ERROR:        jtv string   Justin.tv authentication token\n" +
      "\n" +
      "ERROR:      token string   Key for SecureToken response\n" +
      "\n" +
      "ERROR:     swfVfy boolean  Perform SWF Verification\n" +
      "\n" +
      "ERROR:     swfAge integer  Number of days to use cached SWF hash\n" +
      "\n" +
      "ERROR:      start integer  Stream start position in milliseconds\n" +
      "\n" +
      "ERROR:       stop integer  Stream stop position in milliseconds\n" +
      "\n" +
      "ERROR:     buffer integer  Buffer time in milliseconds\n" +
      "\n" +
      "ERROR:    timeout integer  Session timeout in seconds\n" +
      "\n" +
      "ERROR:    pubUser string   Publisher username\n" +
      "\n" +
      "ERROR:  pubPasswd string   Publisher password\n" +
      "\n" +
      "ERROR: Couldn't parse URL: rtmp://127.0.0.1:1/app/x\n",
    exitCode: 1,
  },
  {
    // rtmpdump -i "rtmp://127.0.0.1:1/app/x conn=X:1" -o /tmp/x.flv
    args: ["-i", "rtmp://127.0.0.1:1/app/x conn=X:1", "-o", "/tmp/x.flv"],
    stderr: "ERROR: Couldn't parse URL: rtmp://127.0.0.1:1/app/x\n",
    exitCode: 1,
  },
  {
    // rtmpdump -i '' -o /tmp/x.flv
    args: ["-i", "", "-o", "/tmp/x.flv"],
    stderr:
      'ERROR: You must specify a hostname (--host) or url (-r "rtmp://host[:port]/playpath") containing a hostname\n',
    exitCode: 1,
  },
];

for (const capture of CAPTURES) {
  Deno.test(`buildDownloadOptions prints what rtmpdump prints: ${capture.args.join(" ")}`, () => {
    const { result, text } = run(capture.args);
    assertEquals(text, (capture.banner === false ? "" : BANNER) + capture.stderr);
    if (capture.exitCode === undefined) assertEquals("options" in result, true);
    else assertEquals(result, { exitCode: capture.exitCode });
  });
}

Deno.test("the banner is RTMPDump v2.4 and our own second line", () => {
  assertEquals(BANNER, "RTMPDump v2.4\nrtmpkit 0.1.0 - rtmpdump 2.4 compatible downloader\n");
});

Deno.test("getopt errors print glibc's line, 'unknown option: ?' and the usage, exit 1", () => {
  // rtmpdump --bogus   (exit 1): banner, then
  //   rtmpdump: unrecognized option '--bogus'
  //   unknown option: ?
  //   <usage>
  const { result, text } = run(["--bogus"]);
  assertEquals(result, { exitCode: 1 });
  assertEquals(
    text,
    BANNER + "rtmpdump: unrecognized option '--bogus'\nunknown option: ?\n" +
      formatUsage("rtmpdump"),
  );
  // rtmpdump -r   (exit 1)
  assertEquals(
    run(["-r"]).text,
    BANNER + "rtmpdump: option requires an argument -- 'r'\nunknown option: ?\n" +
      formatUsage("rtmpdump"),
  );
});

Deno.test("options are applied in order: an error stops before later options are read", () => {
  // rtmpdump -l 7 -h   → "ERROR: Unknown protocol specified: 7", exit 1
  const stopped = run(["-l", "7", "-h"]);
  assertEquals(stopped.result, { exitCode: 1 });
  assertEquals(stopped.text, BANNER + "ERROR: Unknown protocol specified: 7\n");
  // rtmpdump -h --bogus   → banner and usage, exit 0
  const help = run(["-h", "--bogus"]);
  assertEquals(help.result, { exitCode: 0 });
  assertEquals(help.text, BANNER + formatUsage("rtmpdump"));
  // rtmpdump foo -l 7   → operands are skipped
  assertEquals(run(["foo", "-l", "7"]).text, BANNER + "ERROR: Unknown protocol specified: 7\n");
  // rtmpdump -- -l 7   → after --, nothing is an option: no hostname
  assertEquals(run(["--", "-l", "7"]).result, { exitCode: 1 });
});

Deno.test("--quiet is found before the banner; -q inside a cluster comes too late for it", () => {
  // rtmpdump -q -h   → prints nothing, exit 0
  assertEquals(run(["-q", "-h"]).text, "");
  assertEquals(run(["-q", "-h"]).result, { exitCode: 0 });
  // rtmpdump -qQ   → banner, then only glibc's line (printf output is off after -q), exit 1
  assertEquals(run(["-qQ"]).text, BANNER + "rtmpdump: invalid option -- 'Q'\n");
  // rtmpdump -o -q --bogus   → the pre-scan sees "-q" even as -o's value
  assertEquals(run(["-o", "-q", "--bogus"]).text, "rtmpdump: unrecognized option '--bogus'\n");
  assertEquals("options" in run(["--quiet", "-r", "rtmp://h/a/b"]).result, true);
});

Deno.test("-q, -V and -z set the log level in command-line order", () => {
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "x"]).logLevel, LogLevel.INFO);
  assertEquals(optionsOf(["-q", "-r", "rtmp://h/a/b", "-o", "x"]).logLevel, LogLevel.CRIT);
  assertEquals(optionsOf(["-q", "-V", "-r", "rtmp://h/a/b", "-o", "x"]).logLevel, LogLevel.DEBUG);
  assertEquals(optionsOf(["-z", "-r", "rtmp://h/a/b", "-o", "x"]).logLevel, LogLevel.ALL);
  assertEquals(optionsOf(["-zq", "-r", "rtmp://h/a/b", "-o", "x"]).logLevel, LogLevel.CRIT);
});

Deno.test("a plain -r download gets rtmpdump's defaults", () => {
  const options = optionsOf(["-r", "rtmp://example.com/vod/clip.mp4", "-o", "out.flv"]);
  assertEquals(options, {
    logLevel: LogLevel.INFO,
    fullUrlMode: false,
    fullUrl: undefined,
    output: "out.flv",
    outputIsStdout: false,
    resume: false,
    rtmpeType: undefined,
    skipFrames: 0,
    reconnect: 0,
    live: false,
    realtime: false,
    hashes: false,
    bufferMs: 36000000,
    bufferOverridden: false,
    startMs: 0,
    stopMs: 0,
    bufx: true,
    protocol: 0,
    host: "example.com",
    port: 1935,
    playpath: "mp4:clip",
    app: "vod",
    tcUrl: "rtmp://example.com:1935/vod",
    swfUrl: undefined,
    pageUrl: undefined,
    flashVer: "LNX 10,0,32,18",
    auth: undefined,
    conn: [],
    connItems: [],
    subscribe: undefined,
    jtv: undefined,
    token: undefined,
    playlist: false,
    linkLive: false,
    linkStartMs: 0,
    linkStopMs: 0,
    timeoutSec: 30,
    socks: undefined,
    socksHost: undefined,
    socksPort: undefined,
    swfHash: undefined,
    swfSize: 0,
    swfVfy: false,
    swfAge: 30,
    pubUser: undefined,
    pubPasswd: undefined,
  });
});

Deno.test("-r fills only what earlier options left empty; later options override", () => {
  const early = optionsOf([
    "-a",
    "mine",
    "-y",
    "p",
    "-l",
    "0",
    "-c",
    "99",
    "-r",
    "rtmpe://h:5/vod/x",
    "-o",
    "o",
  ]);
  assertEquals([early.app, early.playpath, early.protocol, early.port], ["mine", "p", 0, 99]);
  assertEquals(early.tcUrl, "rtmp://h:99/mine");
  const late = optionsOf([
    "-r",
    "rtmpe://h:5/vod/x",
    "-a",
    "mine",
    "-y",
    "p",
    "-c",
    "99",
    "-o",
    "o",
  ]);
  assertEquals([late.app, late.playpath, late.protocol, late.port], ["mine", "p", 2, 99]);
  // An empty -a leaves the app for -r to fill; a second -r fills nothing already set.
  const twice = optionsOf(["-a", "", "-r", "rtmp://h/one/x", "-r", "rtmp://g/two/y", "-o", "o"]);
  assertEquals([twice.host, twice.app, twice.playpath], ["h", "one", "x"]);
  // -c 0 counts as given: no default-port warning, then the protocol's default.
  assertEquals(
    run(["-n", "h", "-y", "x", "-l", "4", "-c", "0", "-o", "o"]).text.includes("port"),
    false,
  );
  assertEquals(optionsOf(["-n", "h", "-y", "x", "-l", "5", "-o", "o"]).port, 443);
  assertEquals(optionsOf(["-n", "h", "-y", "x", "-l", "1", "-o", "o"]).port, 80);
});

Deno.test("ports wrap as librtmp's unsigned short; tcUrl keeps the text and its buffer limit", () => {
  // rtmpdump -V -r rtmp://127.0.0.1:1/app/x -c 100000 ...  → "tcUrl    : rtmp://127.0.0.1:100000/ap"
  const big = optionsOf(["-r", "rtmp://127.0.0.1:1/app/x", "-c", "100000", "-o", "o"]);
  assertEquals([big.port, big.tcUrl], [34464, "rtmp://127.0.0.1:100000/ap"]);
  const wrapsToZero = optionsOf(["-r", "rtmp://h/app/x", "-c", "65536", "-o", "o"]);
  assertEquals([wrapsToZero.port, wrapsToZero.tcUrl], [1935, "rtmp://h:65536/app"]);
  const negative = optionsOf(["-r", "rtmp://h/app/x", "-c", "-5", "-o", "o"]);
  assertEquals([negative.port, negative.tcUrl], [65531, "rtmp://h:-5/app"]);
});

Deno.test("numeric options follow atoi/atof and C's casts", () => {
  const o = optionsOf([
    "-r",
    "rtmp://h/a/b",
    "-o",
    "o",
    "-b",
    "12abc",
    "-m",
    "0x10",
    "-A",
    "1.5",
    "-B",
    "2.0009",
    "-k",
    "3",
  ]);
  assertEquals([o.bufferMs, o.bufferOverridden, o.timeoutSec, o.startMs, o.stopMs], [
    12,
    true,
    0,
    1500,
    2000,
  ]);
  assertEquals([o.skipFrames, o.linkStopMs], [3, 2000]);
  // (int)(atof * 1000) stored in uint32_t: a negative start becomes a huge unsigned value.
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-A", "-1"]).startMs, 4294966296);
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-B", "1e20"]).stopMs, 2147483648);
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-b", "0"]).bufferMs, 0);
});

Deno.test("output: stdout without -o or with -o -, but -o x -o - writes a file named -", () => {
  assertEquals(
    [optionsOf(["-r", "rtmp://h/a/b"]).output, optionsOf(["-r", "rtmp://h/a/b"]).outputIsStdout],
    ["-", true],
  );
  const dash = optionsOf(["-r", "rtmp://h/a/b", "-o", "-"]);
  assertEquals([dash.output, dash.outputIsStdout], ["-", true]);
  const quirk = optionsOf(["-r", "rtmp://h/a/b", "-o", "x.flv", "-o", "-"]);
  assertEquals([quirk.output, quirk.outputIsStdout], ["-", false]);
  const empty = optionsOf(["-r", "rtmp://h/a/b", "-o", ""]);
  assertEquals([empty.output, empty.outputIsStdout], ["", false]);
});

Deno.test("BUFX is on unless live, realtime or an HTTP protocol, and never in -i mode", () => {
  const bufx = (args: string[]) => optionsOf([...args, "-o", "o"]).bufx;
  assertEquals(bufx(["-r", "rtmp://h/a/b"]), true);
  assertEquals(bufx(["-r", "rtmp://h/a/b", "-v"]), false);
  assertEquals(bufx(["-r", "rtmp://h/a/b", "-R"]), false);
  assertEquals(bufx(["-r", "rtmpt://h/a/b"]), false);
  assertEquals(bufx(["-r", "rtmpe://h/a/b"]), true);
  assertEquals(bufx(["-i", "rtmp://h/a/b"]), false);
  // With -i, rtmpdump's own protocol variable decides: -l 0 turns BUFX back on.
  assertEquals(bufx(["-i", "rtmp://h/a/b", "-l", "0"]), true);
});

Deno.test("-C items are parsed in order and appended to connect", () => {
  const o = optionsOf([
    "-r",
    "rtmp://h/a/b",
    "-o",
    "o",
    "-u",
    "authstr",
    "-C",
    "B:1",
    "-C",
    "S:hi",
    "-C",
    "O:1",
    "-C",
    "NN:n:1.5",
    "-C",
    "O:0",
    "-C",
    "Z:",
  ]);
  assertEquals(o.auth, "authstr");
  assertEquals(o.conn, [true, "hi", new AmfObject([["n", 1.5]]), null]);
  assertEquals(o.connItems.length, 4);
});

Deno.test("-i mode takes librtmp's settings from the URL and ignores most options", () => {
  const o = optionsOf([
    "-C",
    "S:first",
    "-n",
    "ignored",
    "-a",
    "ignored",
    "-f",
    "ignored",
    "-m",
    "5",
    "-T",
    "cli",
    "-v",
    "-i",
    "rtmp://example.com/live/cam live=1 conn=S:second timeout=010 flashver=WIN\\2011 playlist=yes",
    "-o",
    "o",
  ]);
  assertEquals(o.fullUrlMode, true);
  assertEquals(
    o.fullUrl,
    "rtmp://example.com/live/cam live=1 conn=S:second timeout=010 flashver=WIN\\2011 playlist=yes",
  );
  assertEquals([o.host, o.port, o.app, o.playpath, o.tcUrl], [
    "example.com",
    1935,
    "live",
    "cam",
    "rtmp://example.com/live",
  ]);
  assertEquals([o.flashVer, o.timeoutSec, o.conn, o.token, o.playlist], [
    "WIN 11",
    8,
    ["first", "second"],
    "cli",
    true,
  ]);
  assertEquals([o.live, o.linkLive, o.bufx], [true, true, false]);
  // Without flashver= no flashVer is sent, and -v does not set librtmp's live flag.
  const bare = optionsOf(["-v", "-i", "rtmp://h/app/x", "-o", "o"]);
  assertEquals([bare.flashVer, bare.linkLive, bare.live, bare.timeoutSec], [
    undefined,
    false,
    true,
    30,
  ]);
  // token= overrides -T.
  assertEquals(optionsOf(["-T", "a", "-i", "rtmp://h/app/x token=b", "-o", "o"]).token, "b");
});

Deno.test("--reconnect N is rtmpkit's own option, matched by its full name only", () => {
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "o"]).reconnect, 0);
  assertEquals(optionsOf(["--reconnect", "5", "-r", "rtmp://h/a/b", "-o", "o"]).reconnect, 5);
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "--reconnect=3", "-o", "o"]).reconnect, 3);
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "--reconnect=-2", "-o", "o"]).reconnect, 0);
  // Not an rtmpdump option: its abbreviations and getopt's messages stay rtmpdump's.
  const { text } = run(["--rec", "-r", "rtmp://h/a/b"]);
  assert(text.includes("unrecognized option '--rec'"), text);
});

Deno.test("-S reads host and port as librtmp's SocksSetup does", () => {
  const o = optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-S", "proxy:70000"]);
  assertEquals([o.socks, o.socksHost, o.socksPort], ["proxy:4464", "proxy", 4464]);
  assertEquals(optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-S", "proxy"]).socks, "proxy:1080");
});

Deno.test("-w decodes hex without checking the digits, as rtmpdump's hex2bin", () => {
  const o = optionsOf(["-r", "rtmp://h/a/b", "-o", "o", "-w", "zz".repeat(32), "-x", "9"]);
  // 'z' is 0x7a: (0x7a & 0x40) → (0xa + 9) = 19 = 0x13; (0x13 << 4 | 0x13) & 0xff = 0x33.
  assertEquals(o.swfHash, new Uint8Array(32).fill(0x33));
  assertEquals(o.swfSize, 9);
});

Deno.test("an unparsable --swfhash with --swfsize drops the size instead of crashing", () => {
  const { result, text } = run(["-r", "rtmp://h/a/b", "-o", "o", "-w", "zz", "-x", "9"]);
  assertEquals(
    text,
    BANNER +
      "WARNING: Couldn't parse swf hash hex string, not hexstring or not 32 bytes, ignoring!\n" +
      "WARNING: Ignoring SWF size, supply also the hash with --swfhash\n",
  );
  if (!("options" in result)) throw new Error("expected options");
  assertEquals([result.options.swfHash, result.options.swfSize], [undefined, 0]);
  // In -i mode rtmpdump does not use them at all, and prints nothing more.
  // rtmpdump -i rtmp://127.0.0.1:1/app/x -w zz -x 4 -o /tmp/x.flv
  assertEquals(
    run(["-i", "rtmp://127.0.0.1:1/app/x", "-w", "zz", "-x", "4", "-o", "/tmp/x.flv"]).text,
    BANNER +
      "WARNING: Couldn't parse swf hash hex string, not hexstring or not 32 bytes, ignoring!\n",
  );
});
