import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { decodeAmf0 } from "../../src/amf/mod.ts";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "../../src/amf/types.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import {
  formatMetadata,
  formatMetadataBytes,
  METADATA_HEADING,
} from "../../src/cli/metadata_dump.ts";
import { captureLogger } from "./_capture.ts";

async function fixture(name: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Logs the dump at INFO, as librtmp does, and returns the text. */
function logged(values: AmfValue[]): string {
  const { log, out } = captureLogger(LogLevel.INFO);
  log.info(METADATA_HEADING);
  for (const line of formatMetadataBytes(values)) log.log(LogLevel.INFO, line);
  return out.text();
}

Deno.test("formatMetadata reproduces rtmpdump's dump of an ffmpeg onMetaData", async () => {
  // metadata_ffmpeg.amf is the script tag body of
  //   ffmpeg -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine -t 2 -c:v libx264 \
  //     -c:a aac -f flv m.flv
  // and the expected lines are rtmpdump's stderr for that file served by nginx-rtmp:
  //   rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -o out.flv
  const expected = [
    "INFO: Metadata:",
    "INFO:   duration              2.08",
    "INFO:   width                 320.00",
    "INFO:   height                240.00",
    "INFO:   videodatarate         0.00",
    "INFO:   framerate             25.00",
    "INFO:   videocodecid          7.00",
    "INFO:   audiodatarate         67.38",
    "INFO:   audiosamplerate       44100.00",
    "INFO:   audiosamplesize       16.00",
    "INFO:   stereo                FALSE",
    "INFO:   audiocodecid          10.00",
    "INFO:   encoder               Lavf59.27.100",
    "INFO:   filesize              87992.00",
  ];
  const values = decodeAmf0(await fixture("metadata_ffmpeg.amf"));
  assertEquals(logged(values), expected.join("\n") + "\n");
});

/** rtmpdump's dump of metadata_rich.amf (made by make_metadata_rich.py, served by nginx-rtmp). */
const RICH_EXPECTED = [
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/meta.flv -o out2.flv
  "INFO: Metadata:",
  "INFO:   duration              2.08",
  "INFO:   tie                   0.12",
  "INFO:   neg                   -0.00",
  "INFO:   big                   10000000000000000525047602552044202487044685811081591549158541155118024579889081957863713750804478640437044438328838781769425232353604305756447921847867069828483872009265758037378302337947880900593689532349707999450811190389676408800746527427801424945792",
  "INFO:   yes                   TRUE",
  "INFO:   no                    FALSE",
  "INFO:   nl                    line",
  "INFO:   nl2                   a",
  "",
  "INFO:   nul                   INVALID TYPE 0x05",
  "INFO:   undef                 INVALID TYPE 0x05",
  "INFO:   when                  timestamp:1700000000123.00",
  "INFO:   longstr               hello",
  "INFO:   xml                   INVALID TYPE 0x0f",
  "INFO:   averyveryverylongpropertyname1.00",
  "INFO:   exactly22characters___2.00",
  "INFO: obj:",
  "INFO:   inner                 1.50",
  "INFO: deep:",
  "INFO:   x                     y",
  "INFO: arr:",
  "INFO:   inarr                 3.00",
  "INFO: ecma:",
  "INFO:   k                     v",
  "INFO:   long                  " + "L".repeat(254), // 300 sent, 254 kept
  "INFO:   utf                   caf\u00e9",
];

Deno.test("formatMetadata reproduces rtmpdump's dump of every value kind", async () => {
  // Not printed: the empty string, the "no-name" string (log filter), the unnamed property and
  // the strict array's unnamed scalars.
  const values = decodeAmf0(await fixture("metadata_rich.amf"));
  assertEquals(logged(values), RICH_EXPECTED.join("\n") + "\n");
});

Deno.test("formatMetadata builds the same dump from hand-made values", () => {
  const nested = new AmfObject([["x", "y"]]);
  const values: AmfValue[] = [
    "onMetaData",
    new AmfEcmaArray([
      ["duration", 2.08],
      ["when", new AmfDate(1700000000123)],
      ["xml", new AmfXml("<a/>")],
      ["undef", undefined],
      ["bytes", new Uint8Array([1])],
      ["plain", { inner: 1.5, deep: nested }],
      ["arr", [7, "lost", new AmfObject([["inarr", 3]])]],
      ["", 5],
      ["empty", ""],
    ]),
  ];
  assertEquals(formatMetadata(values), [
    "  duration              2.08",
    "  when                  timestamp:1700000000123.00",
    "  xml                   INVALID TYPE 0x0f",
    "  undef                 INVALID TYPE 0x05",
    "  bytes                 INVALID TYPE 0xff",
    "plain:",
    "  inner                 1.50",
    "deep:",
    "  x                     y",
    "arr:",
    "  inarr                 3.00",
  ]);
});

Deno.test("formatMetadata stops names and strings at NUL and keeps a long string's newline", () => {
  const long = `${"a".repeat(253)}\n`; // 254 bytes: fits, newline dropped
  const longer = `${"b".repeat(254)}\n`; // 255 bytes: cut to 254, nothing dropped
  assertEquals(
    formatMetadata([new AmfEcmaArray([["na\0me", "va\0lue"], ["l", long], ["m", longer]])]),
    [
      "  na                    va",
      `  l                     ${"a".repeat(253)}`,
      `  m                     ${"b".repeat(254)}`,
    ],
  );
});

Deno.test("formatMetadataBytes cuts a value at 254 bytes even inside a UTF-8 sequence", () => {
  const value = `${"x".repeat(253)}é`;
  const [line] = formatMetadataBytes([new AmfEcmaArray([["s", value]])]);
  assertEquals(line.length, 2 + 22 + 254);
  assertEquals(line[line.length - 1], 0xc3);
});
