/**
 * The chunk stream layer: {@linkcode ChunkDecoder} reassembles {@linkcode RtmpMessage}s from the
 * bytes after the handshake, {@linkcode ChunkEncoder} splits messages into chunks. Both keep the
 * per-chunk-stream header state and chunk size the RTMP specification (section 5.3, "Chunking")
 * describes; rtmpdump 2.4's `RTMP_ReadPacket` / `RTMP_SendPacket` follow the same rules.
 *
 * Where this layer differs from rtmpdump, and why:
 * - Set Chunk Size values of 0 or with the top bit set, fmt 2/3 headers on a chunk stream with
 *   no previous header, and messages beyond the configured size limits are errors (rtmpdump
 *   accepts them and may allocate without bound). A fmt-1 header there is read against a zero
 *   state, as every peer reads it (librtmp sends its first control message of a chunk stream
 *   with such a header).
 * - Abort (type 2) drops the partial message of the chunk stream it names (rtmpdump ignores it).
 * - A fmt 0/1/2 header on a chunk stream whose message is incomplete drops that partial message
 *   and starts a new one.
 * - A message's buffer grows with the bytes that arrive instead of being allocated at its
 *   declared length when the header arrives (rtmpdump allocates at once), so headers that declare
 *   large messages and never send them cost nothing. The limits (message size, bytes in flight,
 *   chunk streams) can change at run time, and a {@linkcode ChunkBudget} shared between
 *   decoders bounds the partial messages of every connection of a server together.
 * - A fmt-3 header that starts a new message adds the previous delta, where a fmt-0 header's
 *   delta is its timestamp (spec section 5.3.1.2.4). The encoder only sends such a header when
 *   the previous one was fmt 1/2 or a fmt 0 with timestamp 0, because nginx-rtmp reads a fmt-0
 *   header's delta as 0.
 *
 * @example
 * ```ts
 * import { ChunkDecoder, ChunkEncoder } from "./mod.ts";
 * const encoder = new ChunkEncoder();
 * encoder.write({ csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0, payload: new Uint8Array(300) });
 * const decoder = new ChunkDecoder();
 * decoder.push(encoder.takeOutput(), (message) => console.log(message.payload.length)); // 300
 * ```
 *
 * @module
 */

export {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CSID,
  MAX_MESSAGE_LENGTH,
  MIN_CSID,
} from "./chunk_constants.ts";
export { ChunkBudget } from "./chunk_budget.ts";
export {
  ChunkDecoder,
  type ChunkDecoderOptions,
  DEFAULT_MAX_BYTES_IN_FLIGHT,
  DEFAULT_MAX_CHUNK_STREAMS,
  INITIAL_MESSAGE_BUFFER,
} from "./chunk_decoder.ts";
export { ChunkEncoder, type ChunkEncoderOptions, type EncodeOptions } from "./chunk_encoder.ts";
export { SHARED_OUTPUT_POOL, sharePayload } from "./chunk_encoder.ts";
export { BufferPool, type BufferPoolOptions } from "./buffer_pool.ts";
export { ChunkError } from "./chunk_error.ts";
export type { RtmpMessage } from "./rtmp_message.ts";
