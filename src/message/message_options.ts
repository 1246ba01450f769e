/**
 * Header fields a message encoder may be told to use instead of its defaults.
 *
 * @module
 */

/** Header overrides for the message encoders: each defaults as the encoder documents. */
export interface MessageOptions {
  /** Chunk stream id to send on. */
  csid?: number;
  /** Message stream id; default 0. */
  messageStreamId?: number;
  /** Timestamp in milliseconds; default 0. */
  timestamp?: number;
}
