/**
 * librtmp's AMF0 encoding of the `-C` / `conn=` items (`AMFProp_Encode` over `Link.extras`).
 *
 * @module
 */

import type { ConnItem } from "./conn_item.ts";

/** AMF0 markers used by the items. */
const MARKER = { NUMBER: 0x00, BOOLEAN: 0x01, STRING: 0x02, OBJECT: 0x03, NULL: 0x05 } as const;
/** AMF0 long-string marker, used from 65536 bytes on. */
const LONG_STRING_MARKER = 0x0c;
/** Shortest string that needs the long-string form. */
const LONG_STRING_MIN = 0x10000;
/** The object-end sequence: an empty name and marker 0x09. */
const OBJECT_END = [0x00, 0x00, 0x09] as const;

const encoder = new TextEncoder();

/**
 * Encodes items exactly as librtmp appends them to the connect command: a named item gets its
 * name (u16 length + UTF-8) before the value unless the name is empty or the value is null,
 * wherever it stands; an unnamed item inside an object gets none. Strings of 65536 bytes or more
 * use the long-string marker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnBuilder } from "./conn_builder.ts";
 * import { encodeConnItems } from "./encode_conn_items.ts";
 *
 * const conn = new ConnBuilder();
 * conn.add("B:1");
 * conn.add("Z:");
 * assert.deepEqual(encodeConnItems(conn.items()), new Uint8Array([0x01, 0x01, 0x05]));
 * ```
 */
export function encodeConnItems(items: readonly ConnItem[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const push = (bytes: Uint8Array) => {
    chunks.push(bytes);
    length += bytes.length;
  };
  const writeItem = (item: ConnItem) => {
    if (item.kind !== "null" && item.name) {
      const name = encoder.encode(item.name);
      // librtmp writes the two low bytes of the length.
      push(new Uint8Array([(name.length >> 8) & 0xff, name.length & 0xff]));
      push(name);
    }
    switch (item.kind) {
      case "number": {
        const bytes = new Uint8Array(9);
        bytes[0] = MARKER.NUMBER;
        new DataView(bytes.buffer).setFloat64(1, item.value);
        push(bytes);
        break;
      }
      case "boolean":
        push(new Uint8Array([MARKER.BOOLEAN, item.value ? 1 : 0]));
        break;
      case "string": {
        const text = encoder.encode(item.value);
        const long = text.length >= LONG_STRING_MIN;
        const header = new Uint8Array(long ? 5 : 3);
        const view = new DataView(header.buffer);
        if (long) {
          header[0] = LONG_STRING_MARKER;
          view.setUint32(1, text.length);
        } else {
          header[0] = MARKER.STRING;
          view.setUint16(1, text.length);
        }
        push(header);
        push(text);
        break;
      }
      case "null":
        push(new Uint8Array([MARKER.NULL]));
        break;
      case "object":
        push(new Uint8Array([MARKER.OBJECT]));
        for (const member of item.items) writeItem(member);
        push(new Uint8Array(OBJECT_END));
        break;
    }
  };
  for (const item of items) writeItem(item);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
