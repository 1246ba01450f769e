import { EXTENSION_OPTIONS } from "../../src/cli/args.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BANNER, formatUsage, usageLines } from "../../src/cli/usage.ts";
import { RTMPDUMP_VERSION, VERSION } from "../../src/cli/version.ts";

/** The option column of `rtmpdump -h` (Debian rtmpdump 2.4), in its order. */
const RTMPDUMP_OPTION_COLUMN = [
  "--help|-h",
  "--url|-i url",
  "--rtmp|-r url",
  "--host|-n hostname",
  "--port|-c port",
  "--socks|-S host:port",
  "--protocol|-l num",
  "--playpath|-y path",
  "--playlist|-Y",
  "--swfUrl|-s url",
  "--tcUrl|-t url",
  "--pageUrl|-p url",
  "--app|-a app",
  "--swfhash|-w hexstring",
  "--swfsize|-x num",
  "--swfVfy|-W url",
  "--swfAge|-X days",
  "--auth|-u string",
  "--conn|-C type:data",
  "--flashVer|-f string",
  "--live|-v",
  "--subscribe|-d string",
  "--realtime|-R",
  "--flv|-o string",
  "--resume|-e",
  "--timeout|-m num",
  "--start|-A num",
  "--stop|-B num",
  "--token|-T key",
  "--jtv|-j JSON",
  "--hashes|-#",
  "--buffer|-b",
  "--skip|-k num",
  "--quiet|-q",
  "--verbose|-V",
  "--debug|-z",
];

Deno.test("the banner's first line is rtmpdump's version line, the second our own", () => {
  const [first, second, rest] = BANNER.split("\n");
  assertEquals(first, "RTMPDump v2.4");
  assertEquals(`RTMPDump ${RTMPDUMP_VERSION}`, first);
  assertEquals(second, `rtmpkit ${VERSION} - rtmpdump 2.4 compatible downloader`);
  assertEquals(VERSION, "0.1.0");
  assertEquals(rest, "");
});

/** The help's lines up to rtmpdump's closing note: what rtmpdump itself prints. */
function rtmpdumpPart(program: string): string[] {
  const lines = usageLines(program);
  return lines.slice(0, lines.findIndex((line) => line.startsWith("swfUrl, pageUrl")) + 1);
}

Deno.test("the help lists rtmpdump's options in its order, with its syntax, aligned at 24", () => {
  const options = rtmpdumpPart("rtmpdump")
    .filter((line) => line.startsWith("--"))
    .map((line) => {
      assertEquals(line[23], " ");
      assertEquals(line[24] !== " ", true, line);
      return line.slice(0, 24).trimEnd();
    });
  assertEquals(options, RTMPDUMP_OPTION_COLUMN);
});

Deno.test("the help lists rtmpkit's own options and commands after rtmpdump's", () => {
  const text = formatUsage("rtmpkit");
  const own = text.slice(text.indexOf("Options rtmpkit adds"));
  for (const option of EXTENSION_OPTIONS) {
    assertEquals(own.includes(`--${option.name}`), true, option.name);
  }
  assertEquals(own.includes("rtmpkit serve"), true);
  assertEquals(own.includes("rtmpkit publish"), true);
});

Deno.test("the help names rtmpkit's commands by rtmpkit's name under rtmpdump's too", () => {
  // The program name of the first line is rtmpdump's (argv[0] as it prints it); the commands
  // are rtmpkit's own, and "rtmpdump serve" would name a program that has none.
  const text = formatUsage("rtmpdump");
  assertEquals(text.startsWith("\nrtmpdump: "), true);
  assertEquals(text.includes("\nrtmpkit serve "), true);
  assertEquals(text.includes("\nrtmpkit publish "), true);
  assertEquals(text.includes("rtmpdump serve") || text.includes("rtmpdump publish"), false);
});

Deno.test("the help keeps rtmpdump's defaults and layout", () => {
  const text = rtmpdumpPart("/usr/bin/rtmpdump").join("") + "\n";
  assertEquals(text.startsWith("\n/usr/bin/rtmpdump: "), true);
  assertEquals(text.endsWith("\n\n"), true);
  for (
    const fragment of [
      '(default: "rtmp://host[:port]/app")',
      '(default: "LNX 10,0,32,18")',
      "(default: 30)",
      "(default: 36000000)",
      "(default: 0)\n\n--quiet|-q",
      "(0 - RTMP, 2 - RTMPE)",
      "(e.g. rtmp://host[:port]/path swfUrl=url tcUrl=url)",
    ]
  ) {
    assertEquals(text.includes(fragment), true, fragment);
  }
  // Two continuation lines under --conn describe the item syntax.
  const lines = usageLines("rtmpdump");
  const conn = lines.findIndex((line) => line.startsWith("--conn|-C"));
  assertEquals(lines[conn + 1].startsWith(" ".repeat(24)), true);
  assertEquals(lines[conn + 2].startsWith(" ".repeat(24)), true);
  assertEquals(lines.every((line) => line.endsWith("\n") && line.length < 2046), true);
});

Deno.test("the help describes the options in its own words", () => {
  const text = formatUsage("rtmpdump");
  for (
    const theirs of [
      "This program dumps the media content streamed over RTMP.",
      "Prints this help screen.",
      "Overrides the hostname in the rtmp url",
      "Suppresses all command output.",
      "If you don't pass parameters for swfUrl",
    ]
  ) {
    assertEquals(text.includes(theirs), false, theirs);
  }
});
