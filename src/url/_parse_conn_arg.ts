/**
 * librtmp's `parseAMF` (the `-C` / `conn=` grammar) on a binary string.
 *
 * @module
 */

import { AMF_MAX_DEPTH } from "../amf/amf_limits.ts";
import { byteAt, cIndexOf, cString, fromBinary } from "./_c_string.ts";
import { atoi, strtod } from "./c_number.ts";
import type { ConnItem } from "./conn_item.ts";

/** The state librtmp keeps between items: the top-level list and the open-object depth. */
export interface ConnState {
  items: ConnItem[];
  /** Objects open; C lets `O:0` take it below zero, after which items go to the top level. */
  depth: number;
}

/**
 * Deepest object nesting accepted. librtmp has no limit of its own (its 4 KiB connect buffer
 * stops near a thousand levels); this one matches what the AMF encoder writes.
 */
export const MAX_CONN_DEPTH = AMF_MAX_DEPTH;

const COLON = 0x3a;

/**
 * Parses one item of `length` bytes at `start` of `binary` into `state` and returns true, or
 * returns false (leaving `state` untouched) where librtmp's `parseAMF` fails. Numbers are read
 * with C semantics from the bytes at the value, up to the next NUL, as in C.
 */
export function parseConnArg(
  state: ConnState,
  binary: string,
  start: number,
  length: number,
): boolean {
  const end = start + length;
  const type = byteAt(binary, start);
  let item: ConnItem;
  if (byteAt(binary, start + 1) === COLON) {
    const value = start + 2;
    switch (type) {
      case 0x42: // B
        item = { kind: "boolean", value: atoi(cString(binary, value)) !== 0 };
        break;
      case 0x53: // S
        if (value > end) return false; // a negative length in C
        item = { kind: "string", value: fromBinary(binary.slice(value, end)) };
        break;
      case 0x4e: // N
        item = { kind: "number", value: strtod(cString(binary, value)) };
        break;
      case 0x5a: // Z
        item = { kind: "null" };
        break;
      case 0x4f: // O
        if (atoi(cString(binary, value)) === 0) {
          state.depth--;
          return true;
        }
        item = { kind: "object", items: [] };
        break;
      default:
        return false;
    }
  } else if (byteAt(binary, start + 2) === COLON && type === 0x4e) {
    const nameEnd = cIndexOf(binary, ":", start + 3);
    if (nameEnd < 0 || state.depth === 0) return false;
    const name = fromBinary(binary.slice(start + 3, nameEnd));
    const value = nameEnd + 1;
    switch (byteAt(binary, start + 1)) {
      case 0x42: // NB
        item = { kind: "boolean", name, value: atoi(cString(binary, value)) !== 0 };
        break;
      case 0x53: // NS
        // C would pass a negative length on (and crash) if the name ran past the value.
        if (value > end) return false;
        item = { kind: "string", name, value: fromBinary(binary.slice(value, end)) };
        break;
      case 0x4e: // NN
        item = { kind: "number", name, value: strtod(cString(binary, value)) };
        break;
      case 0x4f: // NO: the value is not looked at
        item = { kind: "object", name, items: [] };
        break;
      default:
        return false;
    }
  } else {
    return false;
  }
  if (item.kind === "object" && state.depth >= MAX_CONN_DEPTH) return false;
  let target = state.items;
  for (let level = 0; level < state.depth; level++) {
    const last = target[target.length - 1];
    // The last item at each open level is the object opened there (see ConnState).
    if (last?.kind !== "object") return false;
    target = last.items;
  }
  target.push(item);
  if (item.kind === "object") state.depth++;
  return true;
}
