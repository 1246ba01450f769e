/**
 * The items `-C` / `conn=` append to the connect command, as librtmp stores them.
 *
 * @module
 */

import { AmfObject, type AmfValue } from "../amf/types.ts";

/**
 * One AMF item exactly as librtmp's `parseAMF` builds it. `name` is set for the named forms
 * (`NB:`, `NN:`, `NS:`, `NO:`). librtmp lets through shapes a clean AMF value cannot express:
 * unnamed items inside an object (written without a name, which corrupts the object on the
 * wire), named items at the top level (after an unmatched `O:0`; the name is written there
 * too) and repeated names. {@linkcode encodeConnItems} reproduces them byte for byte.
 */
export type ConnItem =
  | { kind: "boolean"; name?: string; value: boolean }
  | { kind: "number"; name?: string; value: number }
  | { kind: "string"; name?: string; value: string }
  | { kind: "null"; name?: string }
  | { kind: "object"; name?: string; items: ConnItem[] };

/**
 * Converts items to AMF values: objects become {@linkcode AmfObject}s. Lossy only for the
 * shapes well-formed input cannot produce: top-level names are dropped, unnamed members of an
 * object are stored under "" and a repeated name keeps its last value.
 */
export function connItemsToValues(items: readonly ConnItem[]): AmfValue[] {
  return items.map(connItemToValue);
}

/** Converts one item (its name is the caller's business). */
function connItemToValue(item: ConnItem): AmfValue {
  switch (item.kind) {
    case "null":
      return null;
    case "object": {
      const object = new AmfObject();
      for (const member of item.items) object.set(member.name ?? "", connItemToValue(member));
      return object;
    }
    default:
      return item.value;
  }
}
