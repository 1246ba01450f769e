/**
 * What librtmp's `HandleMetadata` learns from an `onMetaData` message: the duration that drives
 * rtmpdump's progress percentage and exit code, and the FLV header flags.
 *
 * @module
 */

import { AmfDate, AmfEcmaArray, AmfObject } from "../amf/mod.ts";
import type { AmfValue } from "../amf/mod.ts";

/** The name of the data message rtmpdump records (every other data message is dropped). */
export const ON_METADATA = "onMetaData";

/** FLV header flag set when a property name starts with "video" (FLV TypeFlagsVideo). */
const FLAG_VIDEO = 0x01;
/** FLV header flag set when a property name starts with "audio" (FLV TypeFlagsAudio). */
const FLAG_AUDIO = 0x04;

const AMF0_STRING = 0x02;
const AMF0_LONG_STRING = 0x0c;
/** "onMetaData" in ASCII. */
const ON_METADATA_BYTES = new TextEncoder().encode(ON_METADATA);

/** Bounds the recursion on values built by hand (decoded values are already bounded). */
const MAX_SEARCH_DEPTH = 1024;

/** Facts librtmp takes from a decoded `onMetaData`. */
export interface MetadataInfo {
  /** Value of the first property named "duration", in seconds; 0 when there is none. */
  duration: number;
  /** Whether a "duration" property was found (librtmp keeps the previous duration otherwise). */
  hasDuration: boolean;
  /** FLV header flags: 0x01 if a property name starts with "video", 0x04 for "audio". */
  flags: number;
}

/**
 * Whether the first AMF0 value of a data message body is the string "onMetaData" (as a string
 * or a long string, the two types librtmp reads as strings). Decided from the first bytes only.
 */
export function isOnMetaData(payload: Uint8Array): boolean {
  const length = ON_METADATA_BYTES.length;
  let start: number;
  if (payload[0] === AMF0_STRING) {
    if (payload[1] !== 0 || payload[2] !== length) return false;
    start = 3;
  } else if (payload[0] === AMF0_LONG_STRING) {
    if (payload[1] !== 0 || payload[2] !== 0 || payload[3] !== 0 || payload[4] !== length) {
      return false;
    }
    start = 5;
  } else {
    return false;
  }
  if (payload.length < start + length) return false;
  for (let i = 0; i < length; i++) {
    if (payload[start + i] !== ON_METADATA_BYTES[i]) return false;
  }
  return true;
}

/**
 * librtmp's `HandleMetadata` facts from the decoded values of an `onMetaData` message.
 *
 * - duration: the first property named exactly "duration", searched depth first through
 *   objects and ECMA arrays (not strict arrays), like `RTMP_FindFirstMatchingProperty`. Numbers
 *   count as they are, booleans as 0/1 and dates as their milliseconds (librtmp reads the number
 *   slot of the property); anything else gives 0.
 * - flags: like `RTMP_FindPrefixProperty`, a property whose name starts with "video" (or
 *   "audio") and is longer than that prefix, searched only through **objects**. The usual
 *   `onMetaData` carries an ECMA array, which is not searched, so it sets no flags; only an
 *   object (AMF0 0x03, or an AMF3 object behind the AVM+ switch) does.
 *
 * @example
 * ```ts
 * import { AmfEcmaArray, AmfObject } from "../amf/mod.ts";
 * import { inspectMetadata } from "./metadata_info.ts";
 *
 * const ecma = new AmfEcmaArray([["duration", 12.5], ["videocodecid", 7]]);
 * const fromEcma = inspectMetadata(["onMetaData", ecma]);
 * if (fromEcma.duration !== 12.5 || fromEcma.flags !== 0) throw new Error("unexpected");
 * const object = new AmfObject([["audiocodecid", 10]]);
 * if (inspectMetadata(["onMetaData", object]).flags !== 0x04) throw new Error("unexpected");
 * ```
 */
export function inspectMetadata(values: AmfValue[]): MetadataInfo {
  const found = findDuration(values);
  let flags = 0;
  if (hasPrefixedName(values, "video")) flags |= FLAG_VIDEO;
  if (hasPrefixedName(values, "audio")) flags |= FLAG_AUDIO;
  return {
    duration: found === undefined ? 0 : durationValue(found.value),
    hasDuration: found !== undefined,
    flags,
  };
}

/** A plain `{ name: value }` object, which the AMF encoders write as an AMF0 object. */
function isPlainObject(value: AmfValue): value is { [key: string]: AmfValue } {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Property entries of a value librtmp stores as a property list, or undefined. */
function entriesOf(
  value: AmfValue,
  includeEcmaArrays: boolean,
): Iterable<[string, AmfValue]> | undefined {
  if (value instanceof AmfObject) return value;
  if (value instanceof AmfEcmaArray) return includeEcmaArrays ? value : undefined;
  if (isPlainObject(value)) return Object.entries(value);
  return undefined;
}

function findDuration(values: AmfValue[]): { value: AmfValue } | undefined {
  // Top-level values have no names: only their contents are searched.
  for (const value of values) {
    const found = findDurationIn(value, 0);
    if (found !== undefined) return found;
  }
  return undefined;
}

function findDurationIn(container: AmfValue, depth: number): { value: AmfValue } | undefined {
  const entries = entriesOf(container, true);
  if (entries === undefined || depth > MAX_SEARCH_DEPTH) return undefined;
  for (const [name, value] of entries) {
    if (name === "duration") return { value };
    const found = findDurationIn(value, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function hasPrefixedName(values: AmfValue[], prefix: string): boolean {
  for (const value of values) {
    if (hasPrefixedNameIn(value, prefix, 0)) return true;
  }
  return false;
}

function hasPrefixedNameIn(container: AmfValue, prefix: string, depth: number): boolean {
  const entries = entriesOf(container, false);
  if (entries === undefined || depth > MAX_SEARCH_DEPTH) return false;
  for (const [name, value] of entries) {
    if (name.length > prefix.length && name.startsWith(prefix)) return true;
    if (hasPrefixedNameIn(value, prefix, depth + 1)) return true;
  }
  return false;
}

function durationValue(value: AmfValue): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof AmfDate) return value.time;
  return 0;
}
