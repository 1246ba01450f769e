/**
 * The two hex dump formats of librtmp's log (`RTMP_LogHex` and `RTMP_LogHexString` in
 * librtmp/log.c), as the lines they log: the engine logs packets with them at DEBUG2 (`--debug`)
 * and digests and keys at DEBUG (`--verbose`). Each line is one log message.
 *
 * @module
 */

const HEX_DIGITS = "0123456789abcdef";
const BYTES_PER_LINE = 16;
/** RTMP_LogHexString fills an 80-byte buffer with 78 spaces and the terminating NUL. */
const HEX_STRING_LINE_WIDTH = 78;
/** RTMP_LogHexString reduces offsets modulo 0xffff (not 0x10000). */
const HEX_STRING_OFFSET_MODULUS = 0xffff;
/** Column of the four offset digits (a colon follows them). */
const HEX_STRING_OFFSET_COLUMN = 2;
/** Column of the first hex pair; one more space after the eighth pair. */
const HEX_STRING_BYTES_COLUMN = 9;
/** Column of the printable text. */
const HEX_STRING_TEXT_COLUMN = 60;
/** Bytes shown as themselves in the text column (C's `isprint` in the C locale). */
const FIRST_PRINTABLE = 0x20;
const LAST_PRINTABLE = 0x7e;

function hexPair(byte: number): string {
  return HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 0x0f];
}

/**
 * `RTMP_LogHex`: 16 bytes per line as lower-case hex pairs separated by spaces; a short last
 * line keeps the space after its last pair. No line for no bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexLines } from "./hex_dump.ts";
 * assert.deepEqual(hexLines(new Uint8Array([0x01, 0xab])), ["01 ab "]);
 * ```
 */
export function hexLines(data: Uint8Array): string[] {
  const lines: string[] = [];
  let line = "";
  for (let i = 0; i < data.length; i++) {
    line += hexPair(data[i]);
    if ((i & 0x0f) === 0x0f) {
      lines.push(line);
      line = "";
    } else {
      line += " ";
    }
  }
  if (data.length & 0x0f) lines.push(line);
  return lines;
}

/**
 * `RTMP_LogHexString`: one 78-column line per 16 bytes: two spaces, the offset as four hex
 * digits and a colon, the hex pairs from column 9 (an extra space after the eighth), and from
 * column 60 the bytes as text (`.` for what is not printable ASCII). No bytes give one empty
 * line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexStringLines } from "./hex_dump.ts";
 * const [line] = hexStringLines(new TextEncoder().encode("AB"));
 * assert.equal(line.slice(0, 14), "  0000:  41 42");
 * assert.equal(line.slice(60, 62), "AB");
 * assert.equal(line.length, 78);
 * ```
 */
export function hexStringLines(data: Uint8Array): string[] {
  if (data.length === 0) return [""];
  const lines: string[] = [];
  let line: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const n = i % BYTES_PER_LINE;
    if (n === 0) {
      if (i !== 0) lines.push(line.join(""));
      line = new Array<string>(HEX_STRING_LINE_WIDTH).fill(" ");
      const offset = i % HEX_STRING_OFFSET_MODULUS;
      for (let d = 0; d < 4; d++) {
        line[HEX_STRING_OFFSET_COLUMN + d] = HEX_DIGITS[(offset >> (12 - 4 * d)) & 0x0f];
      }
      line[HEX_STRING_OFFSET_COLUMN + 4] = ":";
    }
    const column = HEX_STRING_BYTES_COLUMN + n * 3 + (n >= 8 ? 1 : 0);
    line[column] = HEX_DIGITS[data[i] >> 4];
    line[column + 1] = HEX_DIGITS[data[i] & 0x0f];
    const byte = data[i];
    line[HEX_STRING_TEXT_COLUMN + n] = byte >= FIRST_PRINTABLE && byte <= LAST_PRINTABLE
      ? String.fromCharCode(byte)
      : ".";
  }
  lines.push(line.join(""));
  return lines;
}
