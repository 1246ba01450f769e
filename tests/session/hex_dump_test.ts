/**
 * librtmp's two hex dump formats. The golden lines are rtmpdump's own: `--debug` output for the
 * connect `_result` nginx-rtmp sent (its chunk header and its 190-byte body, the body as in
 * fixtures/amf_dumps.json), and `--verbose` output for a `--swfhash` of the bytes 00..1f.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { hexLines, hexStringLines } from "../../src/session/hex_dump.ts";

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.replace(/\s/g, "").match(/../g)!, (pair) => parseInt(pair, 16));
}

const RESULT_HEADER = fromHex("03 000000 0000be 14 00000000");
const RESULT_BODY = fromHex(
  "0200075f726573756c74003ff0000000000000030006666d7356657202000d464d532f332c302c312c313233" +
    "000c6361706162696c697469657300403f0000000000000000090300056c6576656c02000673746174757300" +
    "04636f646502001d4e6574436f6e6e656374696f6e2e436f6e6e6563742e53756363657373000b6465736372" +
    "697074696f6e020015436f6e6e656374696f6e207375636365656465642e000e6f626a656374456e636f6469" +
    "6e67000000000000000000000009",
);

Deno.test("hexStringLines prints rtmpdump's packet dump of a chunk header and body", () => {
  assertEquals(hexStringLines(RESULT_HEADER), [
    "  0000:  03 00 00 00 00 00 be 14  00 00 00 00               ............      ",
  ]);
  assertEquals(hexStringLines(RESULT_BODY), [
    "  0000:  02 00 07 5f 72 65 73 75  6c 74 00 3f f0 00 00 00   ..._result.?....  ",
    "  0010:  00 00 00 03 00 06 66 6d  73 56 65 72 02 00 0d 46   ......fmsVer...F  ",
    "  0020:  4d 53 2f 33 2c 30 2c 31  2c 31 32 33 00 0c 63 61   MS/3,0,1,123..ca  ",
    "  0030:  70 61 62 69 6c 69 74 69  65 73 00 40 3f 00 00 00   pabilities.@?...  ",
    "  0040:  00 00 00 00 00 09 03 00  05 6c 65 76 65 6c 02 00   .........level..  ",
    "  0050:  06 73 74 61 74 75 73 00  04 63 6f 64 65 02 00 1d   .status..code...  ",
    "  0060:  4e 65 74 43 6f 6e 6e 65  63 74 69 6f 6e 2e 43 6f   NetConnection.Co  ",
    "  0070:  6e 6e 65 63 74 2e 53 75  63 63 65 73 73 00 0b 64   nnect.Success..d  ",
    "  0080:  65 73 63 72 69 70 74 69  6f 6e 02 00 15 43 6f 6e   escription...Con  ",
    "  0090:  6e 65 63 74 69 6f 6e 20  73 75 63 63 65 65 64 65   nection succeede  ",
    "  00a0:  64 2e 00 0e 6f 62 6a 65  63 74 45 6e 63 6f 64 69   d...objectEncodi  ",
    "  00b0:  6e 67 00 00 00 00 00 00  00 00 00 00 00 09         ng............    ",
  ]);
});

Deno.test("hexStringLines prints one empty line for no bytes", () => {
  assertEquals(hexStringLines(new Uint8Array(0)), [""]);
});

Deno.test("hexStringLines shows only printable ASCII as text", () => {
  const [line] = hexStringLines(Uint8Array.from([0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff]));
  assertEquals(line.slice(60, 66), ". ~...");
});

Deno.test("hexStringLines reduces offsets modulo 0xffff, as log.c does", () => {
  const lines = hexStringLines(new Uint8Array(0x10010));
  assertEquals(lines[0xfff].slice(0, 7), "  fff0:");
  assertEquals(lines[0x1000].slice(0, 7), "  0001:"); // 0x10000 % 0xffff
});

Deno.test("hexLines prints rtmpdump's dump of a SWF hash", () => {
  const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
  assertEquals(hexLines(hash), [
    "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
    "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f",
  ]);
});

Deno.test("hexLines keeps the space after the last pair of a short line, and prints nothing for no bytes", () => {
  assertEquals(hexLines(Uint8Array.from([0xab, 0x01, 0xff])), ["ab 01 ff "]);
  assertEquals(hexLines(new Uint8Array(0)), []);
});

/** The bytes a hexStringLines line shows in its hex columns. */
function bytesOfHexStringLine(line: string): number[] {
  const bytes: number[] = [];
  for (let n = 0; n < 16; n++) {
    const column = 9 + n * 3 + (n >= 8 ? 1 : 0);
    const pair = line.slice(column, column + 2);
    if (pair === "  ") break;
    bytes.push(parseInt(pair, 16));
  }
  return bytes;
}

Deno.test("hexStringLines: 78 columns, 16 bytes a line, the bytes read back from the hex columns", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (data) => {
      const lines = hexStringLines(data);
      ok(lines.length === Math.ceil(data.length / 16));
      ok(lines.every((line) => line.length === 78));
      lines.forEach((line, i) =>
        ok(line.slice(2, 7) === `${(i * 16).toString(16).padStart(4, "0")}:`)
      );
      assertEquals(lines.flatMap(bytesOfHexStringLine), [...data]);
    }),
  );
});

Deno.test("hexLines: the pairs read back to the bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
      const lines = hexLines(data);
      ok(lines.length === Math.ceil(data.length / 16));
      const pairs = lines.flatMap((line) => line.split(" ").filter((p) => p !== ""));
      assertEquals(pairs.map((p) => parseInt(p, 16)), [...data]);
    }),
  );
});
