/**
 * The `-C` / `conn=` option grammar (librtmp `parseAMF`), item by item.
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import { toBinary } from "./_c_string.ts";
import { addFromBuffer } from "./_conn_internal.ts";
import { type ConnState, parseConnArg } from "./_parse_conn_arg.ts";
import { type ConnItem, connItemsToValues } from "./conn_item.ts";
import { UrlError } from "./url_error.ts";

/**
 * Builds the extra connect arguments of rtmpdump's `-C` (and `conn=` in `-i` URLs), one
 * argument at a time, as librtmp does:
 * - `B:<int>` Boolean (`atoi`, nonzero is true), `N:<number>` Number (`strtod`),
 *   `S:<text>` String (the rest, colons included), `Z:<anything>` Null;
 * - `O:1` (any nonzero `atoi`) opens an anonymous object, `O:0` closes the innermost one;
 * - `NB:name:value`, `NN:name:value`, `NS:name:value` and `NO:name:<anything>` (opens a named
 *   object) are the named forms, allowed only while an object is open;
 * - objects still open at the end are closed.
 *
 * `-C` items and the `conn=` items of a `-i` URL share one builder (and its depth), as they
 * share librtmp's state; pass the builder to `setupUrl`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AmfObject } from "../amf/types.ts";
 * import { ConnBuilder } from "./conn_builder.ts";
 *
 * const conn = new ConnBuilder();
 * for (const arg of ["B:1", "S:hi", "O:1", "NN:n:1.5", "O:0"]) conn.add(arg);
 * assert.deepEqual(conn.values(), [true, "hi", new AmfObject([["n", 1.5]])]);
 * ```
 */
export class ConnBuilder {
  #state: ConnState = { items: [], depth: 0 };

  /**
   * Parses one argument and appends its item.
   *
   * @throws {UrlError} `Invalid AMF parameter: ARG` (rtmpdump's message) when it does not
   * parse; the builder is then unchanged.
   */
  add(arg: string): void {
    const nul = arg.indexOf("\0");
    const binary = toBinary(nul < 0 ? arg : arg.slice(0, nul));
    if (!parseConnArg(this.#state, binary, 0, binary.length)) {
      throw new UrlError(`Invalid AMF parameter: ${arg}`, "bad-conn");
    }
  }

  /** Objects currently open (negative after more `O:0` than `O:1`, as in librtmp). */
  get depth(): number {
    return this.#state.depth;
  }

  /** The items exactly as librtmp holds them; encode them with `encodeConnItems`. */
  items(): ConnItem[] {
    return structuredClone(this.#state.items);
  }

  /** The items as AMF values (see `connItemsToValues` for the rare lossy cases). */
  values(): AmfValue[] {
    return connItemsToValues(this.#state.items);
  }

  /** Used by `setupUrl`: parses `length` bytes at `start` of a binary option buffer. */
  [addFromBuffer](binary: string, start: number, length: number): boolean {
    return parseConnArg(this.#state, binary, start, length);
  }
}
