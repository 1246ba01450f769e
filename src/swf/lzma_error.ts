/**
 * The error the LZMA decoder throws.
 *
 * @module
 */

/**
 * LZMA data that cannot be decoded: an invalid properties header, a stream that ends early or
 * carries an end marker before the declared size, or a distance before the start of the output.
 *
 * @example
 * ```ts
 * import { LzmaError } from "./lzma_error.ts";
 *
 * const error = new LzmaError("LZMA data ends early");
 * console.assert(error.name === "LzmaError");
 * ```
 */
export class LzmaError extends Error {
  /** Creates the error; `options.cause` keeps an underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LzmaError";
  }
}
