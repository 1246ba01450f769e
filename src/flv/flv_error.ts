/**
 * The error class of the FLV layer.
 *
 * @module
 */

/**
 * Thrown for FLV input that cannot be decoded (bad signature, a tag overrunning its container,
 * an inconsistent PreviousTagSize, a tag larger than the configured limit) and for values that
 * cannot be encoded (a body longer than 24 bits can express).
 */
export class FlvError extends Error {
  /** Creates an FLV error; `cause` carries the underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FlvError";
  }
}
