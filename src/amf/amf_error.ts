/**
 * The error the AMF codecs throw for truncated or invalid input.
 *
 * @module
 */

/**
 * Thrown by the AMF0 and AMF3 decoders when the input is truncated or invalid: a buffer that
 * ends inside a value, an unknown or reserved marker, a bad reference, nesting that is too deep
 * or references that expand the message too far. The message is one sentence-case line naming
 * the action and the byte offset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AmfError, decodeAmf0 } from "./mod.ts";
 *
 * // A string that claims 5 bytes but has 1.
 * assert.throws(() => decodeAmf0(new Uint8Array([0x02, 0x00, 0x05, 0x68])), AmfError);
 * ```
 */
export class AmfError extends Error {
  /** Creates the error; `options.cause` carries an underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AmfError";
  }
}
