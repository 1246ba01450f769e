/**
 * The error the message layer throws for payloads that do not match their message type.
 *
 * @module
 */

/**
 * Thrown when a message payload is too short, malformed or of the wrong type for the decoder it
 * was given. Wraps the underlying {@linkcode AmfError} as `cause` for AMF payloads.
 */
export class MessageError extends Error {
  /** Creates a message error with a sentence-case message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MessageError";
  }
}
