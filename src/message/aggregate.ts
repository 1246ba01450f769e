/**
 * Aggregate messages (type 22, RTMP spec section 7.1.6): a run of sub-messages laid out like FLV
 * tags, each followed by a 4-byte back-pointer.
 *
 * @module
 */

import { readU24 } from "./_bytes.ts";
import { MessageError } from "./message_error.ts";

/** Bytes of a sub-message header: type, u24 size, u24 timestamp, u8 timestamp bits 24-31, u24 stream id. */
export const AGGREGATE_TAG_HEADER_SIZE = 11;

/** Bytes of the back-pointer after each sub-message body. */
export const AGGREGATE_BACK_POINTER_SIZE = 4;

/** One sub-message of an aggregate message. */
export interface AggregateTag {
  /** Offset of the sub-message header inside the aggregate payload. */
  offset: number;
  /** Message type id (8 audio, 9 video, 18 data, …). */
  typeId: number;
  /** 32-bit timestamp (low 24 bits, then the extension byte as bits 24-31). */
  timestamp: number;
  /** The u24 stream id field (0 in practice). */
  streamId: number;
  /** The sub-message body: a view into the aggregate payload, not a copy. */
  body: Uint8Array;
}

/**
 * Yields the sub-messages of an aggregate payload in order, as views into it. The back-pointer
 * values are not checked (librtmp rewrites inconsistent ones), and the last one may be missing
 * altogether, which librtmp also accepts.
 *
 * @throws {MessageError} when a sub-message header, body or back-pointer runs past the end of
 * the payload. Sub-messages before the faulty one have been yielded by then.
 *
 * @example
 * ```ts
 * import { aggregateTags } from "./aggregate.ts";
 * const payload = new Uint8Array([
 *   9, 0, 0, 2, 0, 3, 0xe8, 0, 0, 0, 0, // video, size 2, timestamp 1000, stream 0
 *   0x17, 0x01, // body
 *   0, 0, 0, 13, // back-pointer: 11 + 2
 * ]);
 * for (const tag of aggregateTags(payload)) console.log(tag.typeId, tag.timestamp, tag.body);
 * ```
 */
export function* aggregateTags(payload: Uint8Array): Generator<AggregateTag, void, undefined> {
  const length = payload.length;
  let offset = 0;
  while (offset < length) {
    const left = length - offset;
    if (left < AGGREGATE_TAG_HEADER_SIZE) {
      throw new MessageError(
        `Cannot read aggregate message: sub-message header at offset ${offset} needs 11 bytes, ${left} left`,
      );
    }
    const size = readU24(payload, offset + 1);
    const bodyStart = offset + AGGREGATE_TAG_HEADER_SIZE;
    if (size > length - bodyStart) {
      throw new MessageError(
        `Cannot read aggregate message: sub-message at offset ${offset} declares ${size} bytes, ${
          length - bodyStart
        } left`,
      );
    }
    const timestamp = (readU24(payload, offset + 4) | (payload[offset + 7] << 24)) >>> 0;
    const tag: AggregateTag = {
      offset,
      typeId: payload[offset],
      timestamp,
      streamId: readU24(payload, offset + 8),
      body: payload.subarray(bodyStart, bodyStart + size),
    };
    const bodyEnd = bodyStart + size;
    const after = length - bodyEnd;
    if (after !== 0 && after < AGGREGATE_BACK_POINTER_SIZE) {
      throw new MessageError(
        `Cannot read aggregate message: payload ends inside the back-pointer at offset ${bodyEnd}`,
      );
    }
    yield tag;
    offset = bodyEnd + (after === 0 ? 0 : AGGREGATE_BACK_POINTER_SIZE);
  }
}
