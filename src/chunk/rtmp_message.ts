/**
 * The unit the chunk layer produces and consumes: one complete RTMP message.
 *
 * @module
 */

/** One RTMP message as carried by the chunk stream (RTMP spec section 5.3 / 6.1). */
export interface RtmpMessage {
  /** Chunk stream id it arrived on (2..65599), or should be sent on. */
  csid: number;
  /** Message type id (1 Set Chunk Size … 0x16 Aggregate). */
  typeId: number;
  /** Absolute timestamp in milliseconds, 32-bit unsigned (wraps). */
  timestamp: number;
  /** Message stream id (little-endian on the wire). */
  messageStreamId: number;
  /** The message body. Owned by the receiver: the decoder never reuses it. */
  payload: Uint8Array;
}
