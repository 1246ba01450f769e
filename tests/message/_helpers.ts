/**
 * Helpers for the message layer tests.
 *
 * @module
 */

import { throws } from "node:assert/strict";
import { MessageError } from "../../src/message/mod.ts";

/** The bytes of an ASCII string. */
export function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** The 8 big-endian bytes of an IEEE double. */
export function f64(value: number): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return [...bytes];
}

/**
 * Calls `decode` on every strict prefix of `bytes`: each must either throw MessageError or, when
 * `prefixOk` accepts the prefix length, decode without throwing.
 */
export function checkTruncations(
  bytes: Uint8Array,
  decode: (prefix: Uint8Array) => unknown,
  prefixOk: (length: number) => boolean = () => false,
): void {
  for (let length = 0; length < bytes.length; length++) {
    const prefix = bytes.slice(0, length);
    if (prefixOk(length)) decode(prefix);
    else throws(() => decode(prefix), MessageError, `prefix of ${length} bytes`);
  }
}
