/**
 * librtmp's dump of a decoded AMF message (`AMF_Dump` and `AMFProp_Dump` in librtmp/amf.c), as
 * the DEBUG lines rtmpdump `--verbose` prints for every invoke and notify it receives:
 *
 * ```text
 * (object begin)
 * Property: <Name:           no-name., STRING:	_result>
 * Property: <Name:           no-name., NUMBER:	1.00>
 * Property: NULL
 * Property: <Name:           no-name., OBJECT>
 * (object begin)
 * Property: <Name:               code, STRING:	NetStream.Play.Start>
 * (object end)
 * (object end)
 * ```
 *
 * Rules reproduced: the name is cut to 18 bytes and right-aligned in 18 columns, "no-name."
 * standing in for an empty one (log.c then hides those lines below `--debug`); objects, ECMA
 * arrays and strict arrays print their type and then their members between "(object begin)"
 * and "(object end)" (strict array members have no name); numbers print `%.2f`, booleans
 * TRUE/FALSE, strings their text up to a NUL, dates their milliseconds (`%.2f`) and time zone;
 * null and undefined print `Property: NULL` without a name; an XML document prints `INVALID
 * TYPE 0x0f`. The text after the name is formatted into a 255-byte buffer and keeps at most 254
 * bytes.
 *
 * Deviations, all for input that cannot be shown as librtmp shows it: a name or value cut
 * inside a UTF-8 sequence ends with U+FFFD (librtmp prints the bytes); a repeated property name
 * is dumped once (the session's decoder keeps the first value; librtmp keeps both); a date
 * inside AMF3 data counts as an AMF0 date for {@linkcode amfDecodeLines}.
 *
 * @module
 */

import { AmfDate, AmfEcmaArray, type AmfValue, AmfXml } from "../amf/types.ts";
import { formatFixed } from "./format_fixed.ts";

/** What librtmp shows for a property without a name. */
const NO_NAME = "no-name.";
/** Name bytes shown, and the width they are right-aligned in. */
const NAME_WIDTH = 18;
/** `snprintf(str, 255, …)`: the value text keeps 254 bytes. */
const VALUE_TEXT_BYTES = 254;
/** librtmp's type numbers in `INVALID TYPE 0x..` (AMF0 XML document; its own "invalid"). */
const AMF_XML_DOC = 0x0f;
const AMF_INVALID = 0xff;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What librtmp's decoder logs for each date it decodes. */
const AMF_DATE = "AMF_DATE";

/** The line that opens an object's members. */
export const OBJECT_BEGIN = "(object begin)";
/** The line that closes an object's members. */
export const OBJECT_END = "(object end)";

/**
 * The dump of a decoded message: `values` are its top-level values in order (the command name,
 * the transaction id, the command object…), shown as the unnamed members of one object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { amfDumpLines } from "./amf_dump.ts";
 * assert.deepEqual(amfDumpLines(["onStatus", 0, null]), [
 *   "(object begin)",
 *   "Property: <Name:           no-name., STRING:\tonStatus>",
 *   "Property: <Name:           no-name., NUMBER:\t0.00>",
 *   "Property: NULL",
 *   "(object end)",
 * ]);
 * ```
 */
export function amfDumpLines(values: readonly AmfValue[]): string[] {
  const lines: string[] = [];
  dumpMembers(values.map((value): [string, AmfValue] => ["", value]), lines);
  return lines;
}

/**
 * The lines librtmp's decoder logs while it decodes `values` (before the dump): "AMF_DATE" for
 * each date, in the order they occur.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { amfDecodeLines } from "./amf_dump.ts";
 * import { AmfDate } from "../amf/types.ts";
 * assert.deepEqual(amfDecodeLines(["onMetaData", new AmfDate(0)]), ["AMF_DATE"]);
 * ```
 */
export function amfDecodeLines(values: readonly AmfValue[]): string[] {
  const lines: string[] = [];
  const visit = (value: AmfValue): void => {
    if (value instanceof AmfDate) lines.push(AMF_DATE);
    else if (value instanceof Map) { for (const member of value.values()) visit(member); }
    else if (Array.isArray(value)) { for (const item of value) visit(item); }
  };
  for (const value of values) visit(value);
  return lines;
}

function dumpMembers(members: Iterable<[string, AmfValue]>, lines: string[]): void {
  lines.push(OBJECT_BEGIN);
  for (const [name, value] of members) dumpProperty(name, value, lines);
  lines.push(OBJECT_END);
}

function dumpProperty(name: string, value: AmfValue, lines: string[]): void {
  if (value === null || value === undefined) {
    lines.push("Property: NULL");
    return;
  }
  const label = `Name: ${shownName(name)}, `;
  if (value instanceof Map) {
    const kind = value instanceof AmfEcmaArray ? "ECMA_ARRAY" : "OBJECT";
    lines.push(`Property: <${label}${kind}>`);
    dumpMembers(value.entries(), lines);
    return;
  }
  if (Array.isArray(value)) {
    lines.push(`Property: <${label}STRICT_ARRAY>`);
    dumpMembers(value.map((item): [string, AmfValue] => ["", item]), lines);
    return;
  }
  lines.push(`Property: <${label}${cut(valueText(value), VALUE_TEXT_BYTES)}>`);
}

/** The name as `%18.*s` prints it with librtmp's 18-byte cut. */
function shownName(name: string): string {
  const shown = cut(name.length === 0 ? NO_NAME : name, NAME_WIDTH);
  const width = encoder.encode(shown).length;
  return " ".repeat(Math.max(0, NAME_WIDTH - width)) + shown;
}

function valueText(value: AmfValue): string {
  if (typeof value === "number") return `NUMBER:\t${formatFixed(value, 2)}`;
  if (typeof value === "boolean") return `BOOLEAN:\t${value ? "TRUE" : "FALSE"}`;
  if (typeof value === "string") return `STRING:\t${upToNul(value)}`;
  if (value instanceof AmfDate) {
    return `DATE:\ttimestamp: ${formatFixed(value.time, 2)}, UTC offset: ${value.timezone}`;
  }
  if (value instanceof AmfXml) return invalidType(AMF_XML_DOC);
  return invalidType(AMF_INVALID);
}

function invalidType(type: number): string {
  return `INVALID TYPE 0x${type.toString(16).padStart(2, "0")}`;
}

/** C string view: the text up to its first NUL. */
function upToNul(text: string): string {
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

/** The text cut to its first `bytes` UTF-8 bytes (and to its first NUL). */
function cut(text: string, bytes: number): string {
  const plain = upToNul(text);
  const encoded = encoder.encode(plain);
  return encoded.length <= bytes ? plain : decoder.decode(encoded.subarray(0, bytes));
}
