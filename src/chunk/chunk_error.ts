/**
 * The error the chunk layer throws for malformed or hostile chunk streams.
 *
 * @module
 */

/**
 * Thrown by {@linkcode ChunkDecoder} and {@linkcode ChunkEncoder} for input that breaks the chunk
 * stream rules or a configured limit. After a decoder throws, its state is undefined: discard it
 * and close the connection.
 */
export class ChunkError extends Error {
  /** Creates a chunk error with a sentence-case message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ChunkError";
  }
}
