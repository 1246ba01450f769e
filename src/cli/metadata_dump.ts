/**
 * The `Metadata:` listing librtmp logs at INFO when an `onMetaData` message arrives
 * (`HandleMetadata` and `DumpMetaData` in librtmp/rtmp.c).
 *
 * Rules reproduced: each named scalar prints as two spaces, the name left-justified in 22 columns
 * (longer names are not cut) and the value; numbers use `%.2f`, booleans `TRUE`/`FALSE`, dates
 * `timestamp:%.2f` (milliseconds), strings their text with one trailing newline removed. A value
 * is formatted into a 255-byte buffer, so it keeps at most 254 bytes. An empty value or an
 * unnamed property prints nothing. Objects, ECMA arrays and strict arrays print `name:` (when
 * named) and then their members, without extra indentation. Null and undefined print
 * `INVALID TYPE 0x05` (librtmp stores undefined as null) and XML `INVALID TYPE 0x0f`; a byte
 * array, which librtmp cannot decode at all, prints `INVALID TYPE 0xff`.
 *
 * @module
 */

import { AmfDate, type AmfValue, AmfXml } from "../amf/types.ts";
import { formatFixed } from "./format_fixed.ts";

/** The INFO line librtmp logs before the listing (not part of what the formatters return). */
export const METADATA_HEADING = "Metadata:";

const NAME_WIDTH = 22;
const VALUE_BUFFER_BYTES = 254; // snprintf(str, 255, …) keeps 254 bytes and the NUL
const AMF_NULL = 0x05;
const AMF_XML_DOC = 0x0f;
const AMF_INVALID = 0xff;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;
const SPACE = 0x20;

/** C string view of `text`: its UTF-8 bytes up to the first NUL. */
function cBytes(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

function invalidType(type: number): Uint8Array {
  return ascii(`INVALID TYPE 0x${type.toString(16).padStart(2, "0")}`);
}

/** Members of a container value, or undefined for a scalar. */
function members(value: AmfValue): Iterable<[string, AmfValue]> | undefined {
  if (value instanceof Map) return value.entries();
  if (Array.isArray(value)) return value.map((item): [string, AmfValue] => ["", item]);
  if (
    typeof value === "object" && value !== null && !(value instanceof AmfDate) &&
    !(value instanceof AmfXml) && !(value instanceof Uint8Array)
  ) {
    return Object.entries(value);
  }
  return undefined;
}

/** The value text DumpMetaData builds for a scalar, before the 254-byte cut. */
function scalarBytes(value: AmfValue): Uint8Array {
  if (typeof value === "number") return ascii(formatFixed(value, 2));
  if (typeof value === "boolean") return ascii(value ? "TRUE" : "FALSE");
  if (typeof value === "string") {
    const bytes = cBytes(value);
    const kept = bytes.length > VALUE_BUFFER_BYTES ? bytes.subarray(0, VALUE_BUFFER_BYTES) : bytes;
    // rtmp.c drops one trailing newline, using the untruncated length: a longer string keeps it.
    if (
      bytes.length <= VALUE_BUFFER_BYTES && kept.length > 0 && kept[kept.length - 1] === NEWLINE
    ) {
      return kept.subarray(0, kept.length - 1);
    }
    return kept;
  }
  if (value instanceof AmfDate) return ascii(`timestamp:${formatFixed(value.time, 2)}`);
  if (value === null || value === undefined) return invalidType(AMF_NULL);
  if (value instanceof AmfXml) return invalidType(AMF_XML_DOC);
  return invalidType(AMF_INVALID);
}

function line(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function dump(entries: Iterable<[string, AmfValue]>, out: Uint8Array[]): void {
  for (const [name, value] of entries) {
    const nameBytes = encoder.encode(name);
    const shownName = cBytes(name);
    const nested = members(value);
    if (nested !== undefined) {
      if (nameBytes.length > 0) out.push(line([shownName, ascii(":")]));
      dump(nested, out);
      continue;
    }
    let text = scalarBytes(value);
    if (text.length > VALUE_BUFFER_BYTES) text = text.subarray(0, VALUE_BUFFER_BYTES);
    if (text.length === 0 || nameBytes.length === 0) continue;
    const padding = new Uint8Array(Math.max(0, NAME_WIDTH - shownName.length)).fill(SPACE);
    out.push(line([ascii("  "), shownName, padding, text]));
  }
}

/**
 * The listing as byte strings, one INFO message each, for `logger.log(LogLevel.INFO, message)`
 * after logging {@linkcode METADATA_HEADING}. `values` are the decoded message values, starting
 * with the `onMetaData` name. Bytes rather than text because a value cut at 254 bytes can end
 * inside a UTF-8 sequence, and rtmpdump prints those bytes as they are.
 */
export function formatMetadataBytes(values: readonly AmfValue[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  dump(values.map((value): [string, AmfValue] => ["", value]), out);
  return out;
}

/**
 * The listing as text, one INFO message each, to log after {@linkcode METADATA_HEADING} (see
 * {@linkcode formatMetadataBytes}; a value cut inside a UTF-8 sequence decodes with U+FFFD here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMetadata } from "./metadata_dump.ts";
 * import { AmfEcmaArray } from "../amf/types.ts";
 * const lines = formatMetadata(["onMetaData", new AmfEcmaArray([["duration", 2]])]);
 * assert.equal(lines[0], "  duration              2.00");
 * ```
 */
export function formatMetadata(values: readonly AmfValue[]): string[] {
  return formatMetadataBytes(values).map((bytes) => decoder.decode(bytes));
}
