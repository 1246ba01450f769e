/**
 * The error the SWF verification layer throws.
 *
 * @module
 */

/**
 * A SWF that cannot be verified: it cannot be fetched (HTTP error, timeout, too large), is not a
 * SWF file, or its compressed body is corrupt. The message is one line meant for users; `cause`
 * keeps the underlying error.
 *
 * @example
 * ```ts
 * import { SwfError } from "./swf_error.ts";
 *
 * const error = new SwfError("Cannot fetch the SWF file: HTTP 404 Not Found");
 * console.assert(error.name === "SwfError");
 * ```
 */
export class SwfError extends Error {
  /** Creates the error; `options.cause` keeps an underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SwfError";
  }
}
