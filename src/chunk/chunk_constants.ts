/**
 * Chunk stream constants shared by the decoder and the encoder (RTMP spec section 5.3).
 *
 * @module
 */

/** Chunk size both directions start with, until a Set Chunk Size message changes it. */
export const DEFAULT_CHUNK_SIZE = 128;

/** Largest chunk size a Set Chunk Size message may announce (the top bit must be zero). */
export const MAX_CHUNK_SIZE = 0x7fffffff;

/** Smallest chunk stream id a message may use (0 and 1 select the longer basic headers). */
export const MIN_CSID = 2;

/** Largest chunk stream id (3-byte basic header: 65535 + 64). */
export const MAX_CSID = 65599;

/** Largest message length the 24-bit length field can carry. */
export const MAX_MESSAGE_LENGTH = 0xffffff;

/** Timestamp field value that announces a 4-byte extended timestamp. */
export const EXTENDED_TIMESTAMP_MARKER = 0xffffff;

/** Longest chunk header: 3-byte basic header, 11-byte message header, 4-byte extended timestamp. */
export const MAX_HEADER_SIZE = 18;

/** Message header length (after the basic header) for fmt 0, 1, 2 and 3. */
export const MESSAGE_HEADER_SIZE: readonly number[] = [11, 7, 3, 0];

/** Message type id of Set Chunk Size, which the decoder applies itself. */
export const TYPE_SET_CHUNK_SIZE = 1;

/** Message type id of Abort, which the decoder applies itself. */
export const TYPE_ABORT = 2;
