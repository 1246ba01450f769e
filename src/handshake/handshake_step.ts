/**
 * What one call of a handshake's `receive` hands back.
 *
 * @module
 */

/** The outcome of feeding bytes to `ClientHandshake` or `ServerHandshake`. */
export interface HandshakeStep {
  /** Bytes to write to the peer now, if any. */
  send?: Uint8Array;
  /** Whether the handshake has completed; later bytes belong to the chunk stream. */
  done: boolean;
  /**
   * Bytes of the fed data that follow the handshake (chunks that arrived with S2/C2). A view
   * into the data passed to `receive`: copy or consume it before that buffer is reused.
   */
  rest?: Uint8Array;
}
