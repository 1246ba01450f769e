/**
 * Errors of the session layer.
 *
 * @module
 */

/** The peer broke the protocol or the session cannot go on; the message is one line. */
export class SessionError extends Error {
  /** Creates the error with an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SessionError";
  }
}
