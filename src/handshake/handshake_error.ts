/**
 * The error the handshake layer throws for anything the peer can cause.
 *
 * @module
 */

/**
 * A failed RTMP handshake: an unsupported handshake type, a digest or signature that does not
 * verify, or bytes that are not an RTMP handshake at all.
 *
 * @example
 * ```ts
 * import { HandshakeError } from "./handshake_error.ts";
 *
 * const error = new HandshakeError("Server not genuine Adobe!");
 * console.assert(error.name === "HandshakeError");
 * ```
 */
export class HandshakeError extends Error {
  /** Creates the error; `options.cause` keeps an underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HandshakeError";
  }
}
