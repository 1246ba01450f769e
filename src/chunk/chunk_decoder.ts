/**
 * Reassembles RTMP messages from a chunk stream (RTMP spec section 5.3).
 *
 * @module
 */

import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_CHUNK_SIZE,
  MAX_HEADER_SIZE,
  MAX_MESSAGE_LENGTH,
  MESSAGE_HEADER_SIZE,
  TYPE_ABORT,
  TYPE_SET_CHUNK_SIZE,
} from "./chunk_constants.ts";
import type { ChunkBudget } from "./chunk_budget.ts";
import { ChunkError } from "./chunk_error.ts";
import type { RtmpMessage } from "./rtmp_message.ts";

/** Default cap on the sum of declared lengths of all partially received messages (64 MiB). */
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** Default cap on the number of chunk streams the decoder keeps state for. */
export const DEFAULT_MAX_CHUNK_STREAMS = 1024;

/**
 * Bytes a message buffer starts with beyond those of its first chunk, whatever length its header
 * declares: buffers grow (doubling, up to the declared length) as the message's bytes arrive.
 * Small, so that headers which declare large messages and are dropped after a few bytes cost
 * little more than the bytes they came with.
 */
export const INITIAL_MESSAGE_BUFFER = 256;

/** Limits that keep a hostile peer from making the decoder allocate without bound. */
export interface ChunkDecoderOptions {
  /** Largest declared message length accepted; default 0xFFFFFF (the 24-bit maximum). */
  maxMessageSize?: number;
  /** Largest sum of declared lengths of partially received messages; default 64 MiB. */
  maxBytesInFlight?: number;
  /** Largest number of distinct chunk stream ids with state; default 1024. */
  maxChunkStreams?: number;
  /**
   * Payloads are valid only during the `onMessage` call: the decoder reassembles each chunk
   * stream's messages in one reused buffer instead of allocating per message. For consumers that
   * copy or discard what they need at once (a downloader writing to a file); it saves the
   * allocation, zero-filling and garbage of every payload. Reused buffers count against
   * `maxBytesInFlight`: idle ones are released when the buffers held would exceed it.
   */
  transientPayloads?: boolean;
  /**
   * Sees every chunk once its body is complete: the chunk's header bytes and its part of the
   * message body (empty for a zero-length message), both valid only during the call; called
   * before the message the chunk completes is emitted. For packet dumps (librtmp logs each
   * chunk it reads).
   */
  onChunk?: (header: Uint8Array, body: Uint8Array) => void;
  /**
   * A budget shared with other decoders (a server-wide limit on partial messages). The decoder
   * reserves the bytes its message buffers hold and gives them back as messages complete and on
   * {@linkcode ChunkDecoder.close}; when a reservation fails it throws {@linkcode ChunkError}.
   */
  budget?: ChunkBudget;
}

/** What the decoder remembers per chunk stream id: the last header and the message in progress. */
interface InboundChunkStream {
  readonly csid: number;
  /** Absolute timestamp of the current (or last) message. */
  timestamp: number;
  /** Timestamp delta a fmt-3 header starting a new message adds (a fmt-0 header's value). */
  delta: number;
  /** Whether the last fmt 0/1/2 header carried an extended timestamp. */
  extended: boolean;
  length: number;
  typeId: number;
  messageStreamId: number;
  /** Whether a message of nonzero length is being reassembled. */
  inProgress: boolean;
  /** Bytes of the message in progress received so far. */
  received: number;
  /**
   * Storage of the message in progress, at most `length` bytes and grown as bytes arrive, or
   * null before its first byte. With transient payloads it is kept between messages and reused.
   */
  buffer: Uint8Array | null;
}

const EMPTY_DECODER_OPTIONS: ChunkDecoderOptions = {};

/** Chunk bodies up to this many bytes are copied byte by byte rather than through a subarray. */
const SMALL_COPY = 32;

/**
 * Turns chunk stream bytes into complete {@linkcode RtmpMessage}s.
 *
 * The decoder keeps per-chunk-stream header state, at most one partial chunk header (up to 18
 * bytes) and the payloads of partially received messages. A payload's buffer grows with the
 * bytes that actually arrive (it starts with the first chunk's bytes, or
 * {@linkcode INITIAL_MESSAGE_BUFFER} if that is more, and doubles, never beyond the declared
 * length), so a header that declares a large message costs nothing until its bytes come; emitted payloads are exactly their message's length and belong
 * to the receiver. Set Chunk Size (type 1) and Abort (type 2) are applied by the decoder as soon
 * as they complete and are emitted as well.
 *
 * Limits: `maxMessageSize` and `maxChunkStreams` are checked when a header arrives,
 * `maxBytesInFlight` against the sum of the declared lengths of the messages in progress, and a
 * shared {@linkcode ChunkBudget} against the bytes actually held. The limits may be changed at
 * any time (a server may allow small messages until a client has connected); a new value
 * applies to the headers that arrive afterwards, messages already in progress keep going.
 *
 * @example
 * ```ts
 * import { ChunkDecoder } from "./chunk_decoder.ts";
 * const decoder = new ChunkDecoder({ maxMessageSize: 4096 });
 * // csid 3, fmt 0: timestamp 0, length 1, type 20, message stream 0, payload 0x05.
 * decoder.push(new Uint8Array([3, 0, 0, 0, 0, 0, 1, 20, 0, 0, 0, 0, 5]), (message) => {
 *   console.log(message.typeId, message.payload);
 * });
 * decoder.maxMessageSize = 1024 * 1024; // the peer has authenticated
 * ```
 */
export class ChunkDecoder {
  #maxMessageSize: number;
  #maxBytesInFlight: number;
  #maxChunkStreams: number;
  readonly #streams = new Map<number, InboundChunkStream>();
  /** Bytes of a chunk header split across `push` calls. */
  readonly #header = new Uint8Array(MAX_HEADER_SIZE);
  #headerLength = 0;
  /** Chunk stream whose chunk body is being read, or null when the next byte starts a header. */
  #current: InboundChunkStream | null = null;
  /** Bytes of the current chunk body still to come. */
  #chunkRemaining = 0;
  /** Zero-length message whose header was just parsed, emitted by the caller of `#parseHeader`. */
  #pending: InboundChunkStream | null = null;
  /** Sum of the declared lengths of the messages in progress. */
  #bytesInFlight = 0;
  /** Bytes of every buffer the decoder holds (reserved from the budget when there is one). */
  #bytesHeld = 0;
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #transient: boolean;
  /**
   * Bytes the current `push` may still allocate ahead of arrival: a message whose remaining
   * bytes could all be in the data being pushed gets its whole buffer at once, within this.
   */
  #credit = 0;
  readonly #budget: ChunkBudget | undefined;
  #closed = false;
  readonly #onChunk: ((header: Uint8Array, body: Uint8Array) => void) | undefined;
  /** Header bytes of the chunk being read (kept only for `onChunk`). */
  #chunkHeader: Uint8Array | null = null;
  /** Where the current chunk's body starts in its message's payload. */
  #chunkStart = 0;

  /** Creates a decoder with the incoming chunk size at its default of 128. */
  constructor(options: ChunkDecoderOptions = EMPTY_DECODER_OPTIONS) {
    this.#maxMessageSize = checkLimit(
      options.maxMessageSize ?? MAX_MESSAGE_LENGTH,
      "maxMessageSize",
    );
    this.#maxBytesInFlight = checkLimit(
      options.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT,
      "maxBytesInFlight",
    );
    this.#maxChunkStreams = checkLimit(
      options.maxChunkStreams ?? DEFAULT_MAX_CHUNK_STREAMS,
      "maxChunkStreams",
    );
    this.#transient = options.transientPayloads ?? false;
    this.#onChunk = options.onChunk;
    this.#budget = options.budget;
  }

  /** Incoming chunk size (1..0x7FFFFFFF); a received Set Chunk Size message updates it. */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  set chunkSize(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
      throw new ChunkError(`Cannot set chunk size to ${size}: out of range`);
    }
    this.#chunkSize = size;
  }

  /** Largest declared message length accepted from now on. */
  get maxMessageSize(): number {
    return this.#maxMessageSize;
  }

  set maxMessageSize(bytes: number) {
    this.#maxMessageSize = checkLimit(bytes, "maxMessageSize");
  }

  /** Largest sum of declared lengths of partial messages accepted when a new message starts. */
  get maxBytesInFlight(): number {
    return this.#maxBytesInFlight;
  }

  set maxBytesInFlight(bytes: number) {
    this.#maxBytesInFlight = checkLimit(bytes, "maxBytesInFlight");
  }

  /** Largest number of chunk streams with state; streams already known are kept. */
  get maxChunkStreams(): number {
    return this.#maxChunkStreams;
  }

  set maxChunkStreams(count: number) {
    this.#maxChunkStreams = checkLimit(count, "maxChunkStreams");
  }

  /** Sum of the declared lengths of the messages being reassembled. */
  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }

  /**
   * Bytes of the buffers the decoder holds: partial messages (which grow as their bytes arrive)
   * and, with transient payloads, the buffers it reuses.
   */
  get bytesHeld(): number {
    return this.#bytesHeld;
  }

  /**
   * Declared length of the message whose chunk body is being received, or -1 when the next byte
   * starts a chunk header: where a stream that ends now was cut (librtmp then reports "failed
   * to read RTMP packet body. len: N" or "failed to read RTMP packet header").
   */
  get bodyInProgress(): number {
    return this.#current === null ? -1 : this.#current.length;
  }

  /**
   * Drops every partial message and buffer and gives their bytes back to the shared budget.
   * Call it when the connection ends (also after `push` threw); `push` throws afterwards.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#budget?.release(this.#bytesHeld);
    this.#bytesHeld = 0;
    this.#bytesInFlight = 0;
    this.#streams.clear();
    this.#current = null;
    this.#pending = null;
    this.#headerLength = 0;
  }

  /**
   * Parses every complete chunk in `data`, which may split anywhere (even inside a basic header),
   * calling `onMessage` synchronously for each completed message in order. Throws
   * {@linkcode ChunkError} on a protocol violation or an exceeded limit; if `onMessage` throws,
   * the rest of `data` is not parsed.
   */
  push(data: Uint8Array, onMessage: (message: RtmpMessage) => void): void {
    if (this.#closed) throw new ChunkError("Cannot decode chunk: the decoder is closed");
    const end = data.length;
    let pos = 0;
    this.#credit = end;
    if (this.#headerLength > 0) {
      // Complete the split header: take as many bytes as could belong to it, parse, and give
      // back the bytes the header did not use.
      const had = this.#headerLength;
      const take = Math.min(MAX_HEADER_SIZE - had, end);
      this.#header.set(data.subarray(0, take), had);
      const used = this.#parseHeader(this.#header, 0, had + take);
      if (used === 0) {
        this.#headerLength = had + take;
        return;
      }
      this.#headerLength = 0;
      pos = used - had;
      if (this.#onChunk !== undefined) this.#chunkHeader = this.#header.slice(0, used);
      if (this.#pending !== null) this.#completeMessage(onMessage);
    }
    while (pos < end) {
      const stream = this.#current;
      if (stream !== null) {
        const count = Math.min(this.#chunkRemaining, end - pos);
        const offset = stream.received;
        let buffer = stream.buffer;
        if (buffer === null || offset + count > buffer.length) {
          buffer = this.#grow(stream, offset + count, offset + end - pos);
        }
        if (count <= SMALL_COPY) {
          for (let i = 0; i < count; i++) buffer[offset + i] = data[pos + i];
        } else {
          buffer.set(data.subarray(pos, pos + count), offset);
        }
        pos += count;
        stream.received = offset + count;
        this.#chunkRemaining -= count;
        if (this.#chunkRemaining === 0) {
          this.#current = null;
          if (this.#onChunk !== undefined) {
            this.#onChunk(this.#chunkHeader!, buffer.subarray(this.#chunkStart, stream.received));
          }
          if (stream.received === stream.length) this.#completeMessage(onMessage, stream);
        }
        continue;
      }
      const used = this.#parseHeader(data, pos, end - pos);
      if (used === 0) {
        this.#header.set(data.subarray(pos, end));
        this.#headerLength = end - pos;
        return;
      }
      if (this.#onChunk !== undefined) this.#chunkHeader = data.slice(pos, pos + used);
      pos += used;
      if (this.#pending !== null) this.#completeMessage(onMessage);
    }
  }

  /**
   * Parses the chunk header at `buf[start]`, `available` bytes long at most. Returns the header
   * length and updates the chunk stream state, or returns 0 (changing nothing) when the header
   * is incomplete. Afterwards `#current` is the stream whose chunk body follows, or `#pending`
   * holds the stream whose zero-length message the header completed.
   */
  #parseHeader(buf: Uint8Array, start: number, available: number): number {
    const first = buf[start];
    const fmt = first >> 6;
    let csid = first & 0x3f;
    let p = start + 1;
    if (csid === 0) {
      if (available < 2) return 0;
      csid = buf[start + 1] + 64;
      p = start + 2;
    } else if (csid === 1) {
      if (available < 3) return 0;
      csid = buf[start + 2] * 256 + buf[start + 1] + 64;
      p = start + 3;
    }
    let stream = this.#streams.get(csid);
    // A fmt-1 header names the message's length and type, so on a fresh chunk stream it is read
    // against a zero state (timestamp 0, message stream 0), as librtmp, nginx-rtmp and FFmpeg do;
    // fmt 2 and 3 would only make an empty message of type 0 there.
    if (stream === undefined && fmt > 1) {
      throw new ChunkError(
        `Cannot decode chunk: fmt ${fmt} header on chunk stream ${csid}, which has no previous header`,
      );
    }
    let size = p - start + MESSAGE_HEADER_SIZE[fmt];
    if (available < size) return 0;
    let field = 0;
    let extended: boolean;
    if (fmt === 3) {
      extended = stream!.extended;
    } else {
      field = (buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2];
      extended = field === EXTENDED_TIMESTAMP_MARKER;
    }
    if (extended) {
      size += 4;
      if (available < size) return 0;
    }

    if (stream === undefined) {
      if (this.#streams.size >= this.#maxChunkStreams) {
        throw new ChunkError(
          `Cannot decode chunk: chunk stream ${csid} exceeds the limit of ${this.#maxChunkStreams} chunk streams`,
        );
      }
      stream = {
        csid,
        timestamp: 0,
        delta: 0,
        extended: false,
        length: 0,
        typeId: 0,
        messageStreamId: 0,
        inProgress: false,
        received: 0,
        buffer: null,
      };
      this.#streams.set(csid, stream);
    }

    if (fmt === 3) {
      if (stream.inProgress) {
        // Continuation chunk of the message in progress.
        this.#startChunk(stream);
        return size;
      }
      stream.timestamp = (stream.timestamp + stream.delta) >>> 0;
    } else {
      const m = p + MESSAGE_HEADER_SIZE[fmt];
      if (extended) {
        field = ((buf[m] << 24) | (buf[m + 1] << 16) | (buf[m + 2] << 8) | buf[m + 3]) >>> 0;
      }
      let length = stream.length;
      if (fmt !== 2) {
        length = (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5];
        if (length > this.#maxMessageSize) {
          throw new ChunkError(
            `Cannot decode chunk: message of ${length} bytes on chunk stream ${csid} exceeds the limit of ${this.#maxMessageSize} bytes`,
          );
        }
      }
      // A full header while a message is incomplete starts over: the partial message is dropped.
      this.#dropPartial(stream);
      stream.length = length;
      stream.extended = extended;
      stream.delta = field;
      if (fmt === 0) {
        stream.timestamp = field;
        stream.messageStreamId = (buf[p + 7] | (buf[p + 8] << 8) | (buf[p + 9] << 16) |
          (buf[p + 10] << 24)) >>> 0;
      } else {
        stream.timestamp = (stream.timestamp + field) >>> 0;
      }
      if (fmt !== 2) stream.typeId = buf[p + 6];
    }

    // A new message starts here; its buffer grows as its bytes arrive.
    const length = stream.length;
    if (length === 0) {
      this.#pending = stream;
      return size;
    }
    if (this.#bytesInFlight + length > this.#maxBytesInFlight) {
      throw new ChunkError(
        `Cannot decode chunk: message of ${length} bytes on chunk stream ${csid} would exceed the limit of ${this.#maxBytesInFlight} bytes in flight`,
      );
    }
    this.#bytesInFlight += length;
    stream.inProgress = true;
    stream.received = 0;
    this.#startChunk(stream);
    return size;
  }

  /**
   * Gives `stream` a buffer with room for at least `needed` bytes of its message, keeping the
   * bytes received so far: the whole declared length when `reachable` (what the message would
   * have once the rest of the data being pushed arrived) covers it and the push's credit allows,
   * so that a message within one read is copied once; otherwise double the old size (or
   * {@linkcode INITIAL_MESSAGE_BUFFER} at first), but no more than the declared length.
   */
  #grow(stream: InboundChunkStream, needed: number, reachable: number): Uint8Array {
    const old = stream.buffer;
    const oldSize = old === null ? 0 : old.length;
    const length = stream.length;
    let size: number;
    if (reachable >= length && length - needed <= this.#credit) {
      this.#credit -= length - needed;
      size = length;
    } else {
      size = Math.max(needed, Math.min(length, Math.max(oldSize * 2, INITIAL_MESSAGE_BUFFER)));
    }
    const extra = size - oldSize;
    if (this.#transient && this.#bytesHeld + extra > this.#maxBytesInFlight) {
      this.#releaseIdleBuffers(stream);
    }
    const budget = this.#budget;
    if (budget !== undefined && !budget.tryReserve(extra)) {
      if (this.#transient) this.#releaseIdleBuffers(stream);
      if (!budget.tryReserve(extra)) {
        throw new ChunkError(
          `Cannot decode chunk: message of ${stream.length} bytes on chunk stream ${stream.csid} would exceed the shared limit of ${budget.limit} bytes for partial messages`,
        );
      }
    }
    const grown = new Uint8Array(size);
    if (old !== null && stream.received > 0) grown.set(old.subarray(0, stream.received));
    this.#bytesHeld += extra;
    stream.buffer = grown;
    return grown;
  }

  /** Frees the reused buffers of chunk streams with no message in progress, except `keep`'s. */
  #releaseIdleBuffers(keep: InboundChunkStream): void {
    for (const stream of this.#streams.values()) {
      if (stream !== keep && !stream.inProgress && stream.buffer !== null) {
        this.#freeBuffer(stream);
      }
    }
  }

  #freeBuffer(stream: InboundChunkStream): void {
    const size = stream.buffer!.length;
    stream.buffer = null;
    this.#bytesHeld -= size;
    this.#budget?.release(size);
  }

  #startChunk(stream: InboundChunkStream): void {
    const left = stream.length - stream.received;
    this.#chunkRemaining = left < this.#chunkSize ? left : this.#chunkSize;
    this.#chunkStart = stream.received;
    this.#current = stream;
  }

  #dropPartial(stream: InboundChunkStream): void {
    if (!stream.inProgress) return;
    this.#bytesInFlight -= stream.length;
    stream.inProgress = false;
    stream.received = 0;
    if (!this.#transient && stream.buffer !== null) this.#freeBuffer(stream);
  }

  /** Emits the completed message of `stream` (or the pending zero-length message). */
  #completeMessage(
    onMessage: (message: RtmpMessage) => void,
    stream: InboundChunkStream | null = null,
  ): void {
    let payload: Uint8Array;
    if (stream === null) {
      stream = this.#pending!;
      this.#pending = null;
      payload = new Uint8Array(0);
      this.#onChunk?.(this.#chunkHeader!, payload);
    } else {
      const buffer = stream.buffer!;
      const length = stream.length;
      stream.inProgress = false;
      stream.received = 0;
      this.#bytesInFlight -= length;
      if (this.#transient) {
        payload = buffer.length === length ? buffer : buffer.subarray(0, length);
      } else {
        // The buffer never grows past the declared length: it is the payload, handed over.
        payload = buffer;
        stream.buffer = null;
        this.#bytesHeld -= length;
        this.#budget?.release(length);
      }
    }
    const typeId = stream.typeId;
    if (typeId === TYPE_SET_CHUNK_SIZE) this.#applySetChunkSize(payload);
    else if (typeId === TYPE_ABORT) this.#applyAbort(payload);
    onMessage({
      csid: stream.csid,
      typeId,
      timestamp: stream.timestamp,
      messageStreamId: stream.messageStreamId,
      payload,
    });
  }

  #applySetChunkSize(payload: Uint8Array): void {
    if (payload.length < 4) {
      throw new ChunkError(
        `Cannot apply Set Chunk Size: payload is ${payload.length} bytes, expected 4`,
      );
    }
    const size = readU32(payload, 0);
    if (size === 0 || size > MAX_CHUNK_SIZE) {
      throw new ChunkError(`Cannot set chunk size to ${size}: out of range`);
    }
    this.#chunkSize = size;
  }

  #applyAbort(payload: Uint8Array): void {
    if (payload.length < 4) {
      throw new ChunkError(`Cannot apply Abort: payload is ${payload.length} bytes, expected 4`);
    }
    const target = this.#streams.get(readU32(payload, 0));
    if (target !== undefined) this.#dropPartial(target);
  }
}

function checkLimit(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Cannot set the chunk decoder's ${name} to ${value}: not a count`);
  }
  return value;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
}
