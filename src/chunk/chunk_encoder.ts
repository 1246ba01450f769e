/**
 * Splits RTMP messages into chunks with compressed headers (RTMP spec section 5.3).
 *
 * @module
 */

import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_CHUNK_SIZE,
  MAX_CSID,
  MAX_MESSAGE_LENGTH,
  MESSAGE_HEADER_SIZE,
  MIN_CSID,
} from "./chunk_constants.ts";
import { BufferPool } from "./buffer_pool.ts";
import { ChunkError } from "./chunk_error.ts";
import type { RtmpMessage } from "./rtmp_message.ts";

/** Per-message choices for {@linkcode ChunkEncoder.write}. */
export interface EncodeOptions {
  /** Always send a fmt-0 header (librtmp's "large" header), whatever the previous message was. */
  forceFull?: boolean;
}

/** Options for a {@linkcode ChunkEncoder}. */
export interface ChunkEncoderOptions {
  /** Initial outgoing chunk size; default 128. */
  chunkSize?: number;
  /**
   * Where output buffers come from and go back to (see {@linkcode ChunkEncoder.releaseOutput});
   * default {@linkcode SHARED_OUTPUT_POOL}.
   */
  pool?: BufferPool;
}

/** The output buffer pool encoders share unless given their own. */
export const SHARED_OUTPUT_POOL: BufferPool = new BufferPool();

/**
 * Payloads declared shared by {@linkcode sharePayload}: their bytes do not change any more and
 * many encoders write them in turn.
 */
const sharedPayloads = new WeakSet<Uint8Array>();

/** The chunked form of the shared payload written last (a live message, player after player). */
interface ChunkedBody {
  payload: Uint8Array;
  chunkSize: number;
  csid: number;
  /** The payload with a fmt-3 basic header before every chunk but the first. */
  bytes: Uint8Array;
}

let lastChunkedBody: ChunkedBody | undefined;

/**
 * Declares that `payload`'s bytes will not change any more and that many encoders will write it
 * (a live stream relays one message to every player). Encoders then split it into chunks once
 * per chunk size and chunk stream, and copy that whole after each connection's own first chunk
 * header, instead of splitting it again for every connection.
 */
export function sharePayload(payload: Uint8Array): void {
  sharedPayloads.add(payload);
}

/** The shared payload's chunks after the first header, made once and reused while it lasts. */
function chunkedBody(payload: Uint8Array, chunkSize: number, csid: number): Uint8Array {
  const last = lastChunkedBody;
  if (
    last !== undefined && last.payload === payload && last.chunkSize === chunkSize &&
    last.csid === csid
  ) {
    return last.bytes;
  }
  const basicSize = basicHeaderSize(csid);
  const chunks = Math.ceil(payload.length / chunkSize);
  const bytes = new Uint8Array(payload.length + (chunks - 1) * basicSize);
  let p = 0;
  for (let sent = 0; sent < payload.length; sent += chunkSize) {
    if (sent > 0) p = writeBasicHeader(bytes, p, 3, csid);
    const piece = payload.subarray(sent, Math.min(payload.length, sent + chunkSize));
    bytes.set(piece, p);
    p += piece.length;
  }
  lastChunkedBody = { payload, chunkSize, csid, bytes };
  return bytes;
}

/** What the encoder remembers per chunk stream id: the last header it sent there. */
interface OutboundChunkStream {
  timestamp: number;
  /** Delta a fmt-3 header starting a new message stands for (a fmt-0 header's timestamp). */
  delta: number;
  /**
   * Whether a fmt-3 header may start a new message: peers disagree on the delta a fmt-3 header
   * inherits from a fmt-0 header (the spec says its timestamp, nginx-rtmp says 0), so the encoder
   * only relies on it when both readings agree.
   */
  deltaUnambiguous: boolean;
  length: number;
  typeId: number;
  messageStreamId: number;
}

const EMPTY = new Uint8Array(0);
const NO_OPTIONS: EncodeOptions = {};

/**
 * Turns {@linkcode RtmpMessage}s into chunk stream bytes, batching them until
 * {@linkcode ChunkEncoder.takeOutput} is called.
 *
 * Header choice per chunk stream: fmt 0 for the first message, when `forceFull` is set, when the
 * message stream id changes or when the timestamp goes backwards; otherwise fmt 1 (timestamp
 * delta), fmt 2 when length and type id equal the previous message's, fmt 3 when the delta also
 * equals the previous delta. Timestamps (or deltas) of 0xFFFFFF and above go in an extended
 * timestamp field, repeated in every fmt-3 continuation chunk.
 *
 * @example
 * ```ts
 * import { ChunkEncoder } from "./chunk_encoder.ts";
 * const encoder = new ChunkEncoder();
 * encoder.write({ csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0, payload: new Uint8Array([5]) });
 * const bytes = encoder.takeOutput(); // 03 000000 000001 14 00000000 05
 * ```
 */
export class ChunkEncoder {
  readonly #streams = new Map<number, OutboundChunkStream>();
  readonly #pool: BufferPool;
  #chunkSize = DEFAULT_CHUNK_SIZE;
  #buffer: Uint8Array = EMPTY;
  #length = 0;

  /** Creates an encoder; the outgoing chunk size starts at 128 unless given. */
  constructor(options: ChunkEncoderOptions = {}) {
    if (options.chunkSize !== undefined) this.chunkSize = options.chunkSize;
    this.#pool = options.pool ?? SHARED_OUTPUT_POOL;
  }

  /**
   * Outgoing chunk size (1..0x7FFFFFFF). Send a Set Chunk Size message first, then set this; it
   * applies to messages written afterwards.
   */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  set chunkSize(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
      throw new ChunkError(`Cannot set chunk size to ${size}: out of range`);
    }
    this.#chunkSize = size;
  }

  /** Number of encoded bytes waiting for {@linkcode ChunkEncoder.takeOutput}. */
  get pendingBytes(): number {
    return this.#length;
  }

  /**
   * Appends the chunks of one message to the pending output. Throws {@linkcode ChunkError} for a
   * csid outside 2..65599, a type id outside 0..255, a timestamp or message stream id that is
   * not a 32-bit unsigned integer, or a payload longer than 0xFFFFFF bytes.
   */
  write(message: RtmpMessage, options: EncodeOptions = NO_OPTIONS): void {
    const { csid, typeId, timestamp, messageStreamId, payload } = message;
    validate(message);
    const length = payload.length;
    let stream = this.#streams.get(csid);
    let fmt: number;
    let field: number;
    if (
      stream === undefined || options.forceFull === true ||
      stream.messageStreamId !== messageStreamId || timestamp < stream.timestamp
    ) {
      fmt = 0;
      field = timestamp;
    } else {
      field = timestamp - stream.timestamp;
      if (length !== stream.length || typeId !== stream.typeId) fmt = 1;
      else if (field === stream.delta && stream.deltaUnambiguous) fmt = 3;
      else fmt = 2;
    }
    const extended = field >= EXTENDED_TIMESTAMP_MARKER;

    const basicSize = basicHeaderSize(csid);
    const extendedSize = extended ? 4 : 0;
    const chunkSize = this.#chunkSize;
    const chunks = length === 0 ? 1 : Math.ceil(length / chunkSize);
    const total = basicSize + MESSAGE_HEADER_SIZE[fmt] + extendedSize +
      (chunks - 1) * (basicSize + extendedSize) + length;
    this.#reserve(total);

    const out = this.#buffer;
    let p = this.#length;
    p = writeBasicHeader(out, p, fmt, csid);
    if (fmt !== 3) {
      const t = extended ? EXTENDED_TIMESTAMP_MARKER : field;
      out[p] = t >>> 16;
      out[p + 1] = t >>> 8;
      out[p + 2] = t;
      p += 3;
      if (fmt !== 2) {
        out[p] = length >>> 16;
        out[p + 1] = length >>> 8;
        out[p + 2] = length;
        out[p + 3] = typeId;
        p += 4;
        if (fmt === 0) {
          out[p] = messageStreamId;
          out[p + 1] = messageStreamId >>> 8;
          out[p + 2] = messageStreamId >>> 16;
          out[p + 3] = messageStreamId >>> 24;
          p += 4;
        }
      }
    }
    if (extended) p = writeU32(out, p, field);
    if (length > chunkSize && !extended && sharedPayloads.has(payload)) {
      const body = chunkedBody(payload, chunkSize, csid);
      out.set(body, p);
      p += body.length;
    } else {
      p = writeChunks(out, p, payload, chunkSize, csid, extended, field);
    }
    this.#length = p;

    if (stream === undefined) {
      stream = {
        timestamp,
        delta: field,
        deltaUnambiguous: false,
        length,
        typeId,
        messageStreamId,
      };
      this.#streams.set(csid, stream);
    }
    stream.timestamp = timestamp;
    stream.length = length;
    stream.typeId = typeId;
    stream.messageStreamId = messageStreamId;
    if (fmt !== 3) {
      stream.delta = field;
      stream.deltaUnambiguous = fmt !== 0 || field === 0;
    }
  }

  /**
   * Returns all pending bytes as one buffer, which the caller owns, and clears them. A caller
   * done with the bytes (its write completed) may hand the buffer back with
   * {@linkcode ChunkEncoder.releaseOutput}, so that its memory is reused; otherwise it is
   * collected as usual.
   */
  takeOutput(): Uint8Array {
    const output = this.#buffer.subarray(0, this.#length);
    this.#buffer = EMPTY;
    this.#length = 0;
    return output;
  }

  /**
   * Hands back a buffer from {@linkcode ChunkEncoder.takeOutput} whose bytes nothing reads any
   * more: the next output of this or another encoder on the same pool may reuse it.
   */
  releaseOutput(output: Uint8Array): void {
    this.#pool.give(output);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    // A fresh output is as large as its first message needs (rounded up by the pool), not as
    // the last output was: a live server has one output per player in flight at once, and
    // after a keyframe buffers sized for it would be taken for every small message that
    // follows, overflowing the pool's free memory and allocating afresh. A batch of several
    // messages grows by doubling.
    const grown = this.#pool.take(
      this.#buffer === EMPTY ? needed : Math.max(needed, this.#buffer.length * 2),
    );
    grown.set(this.#buffer.subarray(0, this.#length));
    if (this.#buffer !== EMPTY) this.#pool.give(this.#buffer);
    this.#buffer = grown;
  }
}

/** Splits `payload` into `chunkSize` pieces after the first header (already written at `p`). */
function writeChunks(
  out: Uint8Array,
  p: number,
  payload: Uint8Array,
  chunkSize: number,
  csid: number,
  extended: boolean,
  field: number,
): number {
  const length = payload.length;
  let sent = 0;
  while (true) {
    const count = Math.min(chunkSize, length - sent);
    out.set(payload.subarray(sent, sent + count), p);
    p += count;
    sent += count;
    if (sent >= length) return p;
    p = writeBasicHeader(out, p, 3, csid);
    if (extended) p = writeU32(out, p, field);
  }
}

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function validate(message: RtmpMessage): void {
  const { csid, typeId, timestamp, messageStreamId, payload } = message;
  if (!Number.isInteger(csid) || csid < MIN_CSID || csid > MAX_CSID) {
    throw new ChunkError(`Cannot encode message: csid ${csid} is out of range 2..65599`);
  }
  if (!Number.isInteger(typeId) || typeId < 0 || typeId > 0xff) {
    throw new ChunkError(`Cannot encode message: type id ${typeId} is out of range 0..255`);
  }
  if (!isU32(timestamp)) {
    throw new ChunkError(`Cannot encode message: timestamp ${timestamp} is not a 32-bit value`);
  }
  if (!isU32(messageStreamId)) {
    throw new ChunkError(
      `Cannot encode message: message stream id ${messageStreamId} is not a 32-bit value`,
    );
  }
  if (payload.length > MAX_MESSAGE_LENGTH) {
    throw new ChunkError(
      `Cannot encode message: payload of ${payload.length} bytes exceeds ${MAX_MESSAGE_LENGTH}`,
    );
  }
}

function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function writeBasicHeader(out: Uint8Array, p: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[p] = (fmt << 6) | csid;
    return p + 1;
  }
  const id = csid - 64;
  if (csid < 320) {
    out[p] = fmt << 6;
    out[p + 1] = id;
    return p + 2;
  }
  out[p] = (fmt << 6) | 1;
  out[p + 1] = id & 0xff;
  out[p + 2] = id >>> 8;
  return p + 3;
}

function writeU32(out: Uint8Array, p: number, value: number): number {
  out[p] = value >>> 24;
  out[p + 1] = value >>> 16;
  out[p + 2] = value >>> 8;
  out[p + 3] = value;
  return p + 4;
}
