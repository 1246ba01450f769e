/**
 * A sans-I/O streaming FLV parser: bytes in, {@linkcode FlvTag}s out, any split of the input.
 *
 * @module
 */

import { FlvError } from "./flv_error.ts";
import {
  decodeFlvHeader,
  FLV_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  type FlvHeader,
} from "./flv_header.ts";
import {
  FLV_MAX_TAG_DATA_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvTag,
  readFlvTagDataSize,
  readFlvTagTimestamp,
  readUint32,
} from "./flv_tag.ts";

/** Options of {@linkcode FlvReader}. */
export interface FlvReaderOptions {
  /** Largest tag body accepted, in bytes (default and maximum 0xFFFFFF). Larger tags throw. */
  maxTagSize?: number;
  /**
   * Accept PreviousTagSize values that do not match the tag before them (including a nonzero
   * PreviousTagSize0) and a missing PreviousTagSize after the last tag. Tags are then delivered
   * as soon as their body is complete.
   */
  lenient?: boolean;
}

const STATE_HEADER = 0;
const STATE_HEADER_EXTRA = 1;
const STATE_PREVIOUS_TAG_SIZE_0 = 2;
const STATE_TAG_HEADER = 3;
const STATE_TAG_DATA = 4;
const STATE_TAG_TRAILER = 5;
const STATE_FAILED = 6;

const EMPTY = new Uint8Array(0);

/**
 * Bytes a tag body's buffer starts with when the body is not all there yet, unless more have
 * arrived: the buffer grows with the bytes that arrive (doubling, up to the declared size), so a
 * tag header that declares 16 MiB costs nothing until they come.
 */
const INITIAL_TAG_BUFFER = 256;

/**
 * Parses an FLV byte stream incrementally. Feed bytes with {@linkcode FlvReader.push} in chunks of
 * any size; each complete tag is handed to the callback once its PreviousTagSize was checked.
 *
 * Ownership: a tag's `data` is a view into the chunk passed to `push` when the whole tag lies in
 * that chunk, and a fresh buffer otherwise (grown as the body arrives, so memory follows the
 * bytes received rather than the size a tag header declares). It stays valid as long as the caller does not reuse
 * the chunk's memory; copy it to keep it across a reuse.
 *
 * @example
 * ```ts
 * import { FlvReader } from "./flv_reader.ts";
 * import { encodeFlvHeader } from "./flv_header.ts";
 * import { encodeFlvTag } from "./flv_tag.ts";
 * const reader = new FlvReader();
 * const types: number[] = [];
 * reader.push(encodeFlvHeader(4), (tag) => types.push(tag.type));
 * reader.push(encodeFlvTag({ type: 8, timestamp: 0, data: new Uint8Array([0xaf, 0]) }), (tag) => types.push(tag.type));
 * reader.finish();
 * if (types.join() !== "8" || reader.header?.flags !== 4) throw new Error("unexpected");
 * ```
 */
export class FlvReader {
  readonly #maxTagSize: number;
  readonly #lenient: boolean;
  #state = STATE_HEADER;
  /** Accumulates the file header, a tag header or a PreviousTagSize split across chunks. */
  readonly #scratch = new Uint8Array(FLV_TAG_HEADER_SIZE);
  #scratchFill = 0;
  #header: FlvHeader | undefined;
  #skip = 0;
  #tagType = 0;
  #tagTimestamp = 0;
  #tagStreamId = 0;
  #tagSize = 0;
  #tagData: Uint8Array = EMPTY;
  #tagDataFill = 0;
  /** True while `#tagData` is a view into the chunk being pushed. */
  #tagDataIsView = false;
  #position = 0;

  /** Creates a reader; see {@linkcode FlvReaderOptions}. */
  constructor(options: FlvReaderOptions = {}) {
    const maxTagSize = options.maxTagSize ?? FLV_MAX_TAG_DATA_SIZE;
    if (!Number.isInteger(maxTagSize) || maxTagSize < 0) {
      throw new RangeError(`Cannot create FLV reader: maxTagSize ${maxTagSize} is invalid`);
    }
    this.#maxTagSize = Math.min(maxTagSize, FLV_MAX_TAG_DATA_SIZE);
    this.#lenient = options.lenient ?? false;
  }

  /** The file header, once its 9 bytes were read. */
  get header(): FlvHeader | undefined {
    return this.#header;
  }

  /** Number of bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * Consumes `data` and calls `onTag` for every tag completed by it. After a thrown
   * {@linkcode FlvError} the reader is unusable. An exception thrown by `onTag` propagates, and
   * the bytes of `data` after that tag are then not consumed.
   */
  push(data: Uint8Array, onTag: (tag: FlvTag) => void): void {
    if (this.#state === STATE_FAILED) {
      throw new FlvError("Cannot read FLV: the stream already failed to parse");
    }
    try {
      this.#consume(data, onTag);
    } catch (error) {
      if (error instanceof FlvError) this.#state = STATE_FAILED;
      throw error;
    }
  }

  /**
   * Declares the end of the stream.
   *
   * @throws {FlvError} when the stream ended inside the file header or inside a tag.
   */
  finish(): void {
    const state = this.#state;
    if (state === STATE_FAILED) {
      throw new FlvError("Cannot read FLV: the stream already failed to parse");
    }
    if (state === STATE_HEADER || state === STATE_HEADER_EXTRA) {
      throw new FlvError("Cannot read FLV: stream ends inside the file header");
    }
    if (state === STATE_PREVIOUS_TAG_SIZE_0 && !this.#lenient) {
      throw new FlvError("Cannot read FLV: stream ends before PreviousTagSize0");
    }
    const insideTag = (state === STATE_TAG_HEADER && this.#scratchFill > 0) ||
      state === STATE_TAG_DATA || (state === STATE_TAG_TRAILER && !this.#lenient);
    if (insideTag) {
      throw new FlvError(`Cannot read FLV: stream ends inside a tag at byte ${this.#position}`);
    }
  }

  #consume(data: Uint8Array, onTag: (tag: FlvTag) => void): void {
    const length = data.length;
    let pos = 0;
    while (pos < length) {
      switch (this.#state) {
        case STATE_HEADER: {
          pos = this.#fill(data, pos, FLV_HEADER_SIZE);
          if (this.#scratchFill < FLV_HEADER_SIZE) break;
          this.#scratchFill = 0;
          const header = decodeFlvHeader(this.#scratch);
          this.#header = header;
          this.#skip = header.dataOffset - FLV_HEADER_SIZE;
          this.#state = this.#skip > 0 ? STATE_HEADER_EXTRA : STATE_PREVIOUS_TAG_SIZE_0;
          break;
        }
        case STATE_HEADER_EXTRA: {
          const n = Math.min(this.#skip, length - pos);
          pos += n;
          this.#position += n;
          this.#skip -= n;
          if (this.#skip === 0) this.#state = STATE_PREVIOUS_TAG_SIZE_0;
          break;
        }
        case STATE_PREVIOUS_TAG_SIZE_0: {
          pos = this.#fill(data, pos, FLV_PREVIOUS_TAG_SIZE_SIZE);
          if (this.#scratchFill < FLV_PREVIOUS_TAG_SIZE_SIZE) break;
          this.#scratchFill = 0;
          const size0 = readUint32(this.#scratch, 0);
          if (size0 !== 0 && !this.#lenient) {
            throw new FlvError(`Cannot read FLV: PreviousTagSize0 is ${size0}, expected 0`);
          }
          this.#state = STATE_TAG_HEADER;
          break;
        }
        case STATE_TAG_HEADER: {
          if (this.#scratchFill === 0 && length - pos >= FLV_TAG_HEADER_SIZE) {
            this.#startTag(data, pos, this.#position);
            pos += FLV_TAG_HEADER_SIZE;
            this.#position += FLV_TAG_HEADER_SIZE;
          } else {
            pos = this.#fill(data, pos, FLV_TAG_HEADER_SIZE);
            if (this.#scratchFill < FLV_TAG_HEADER_SIZE) break;
            this.#scratchFill = 0;
            this.#startTag(this.#scratch, 0, this.#position - FLV_TAG_HEADER_SIZE);
          }
          const size = this.#tagSize;
          if (length - pos >= size) {
            // Whole body in this chunk: hand out a view, no copy.
            this.#tagData = data.subarray(pos, pos + size);
            this.#tagDataIsView = true;
            pos += size;
            this.#position += size;
            this.#endTagData(onTag);
          } else {
            this.#tagData = EMPTY;
            this.#tagDataFill = 0;
            this.#tagDataIsView = false;
            this.#state = STATE_TAG_DATA;
          }
          break;
        }
        case STATE_TAG_DATA: {
          const n = Math.min(this.#tagSize - this.#tagDataFill, length - pos);
          if (this.#tagDataFill + n > this.#tagData.length) this.#growTagData(n);
          this.#tagData.set(data.subarray(pos, pos + n), this.#tagDataFill);
          this.#tagDataFill += n;
          pos += n;
          this.#position += n;
          if (this.#tagDataFill === this.#tagSize) this.#endTagData(onTag);
          break;
        }
        case STATE_TAG_TRAILER: {
          pos = this.#fill(data, pos, FLV_PREVIOUS_TAG_SIZE_SIZE);
          if (this.#scratchFill < FLV_PREVIOUS_TAG_SIZE_SIZE) break;
          this.#scratchFill = 0;
          this.#state = STATE_TAG_HEADER;
          const expected = FLV_TAG_HEADER_SIZE + this.#tagSize;
          const found = readUint32(this.#scratch, 0);
          if (this.#lenient) break;
          if (found !== expected) {
            throw new FlvError(
              `Cannot read FLV: PreviousTagSize ${found} before byte ${this.#position} ` +
                `does not match the tag size ${expected}`,
            );
          }
          this.#emit(onTag);
          break;
        }
      }
    }
    if (this.#state === STATE_TAG_TRAILER && this.#tagDataIsView) {
      // The tag is delivered with the next chunk: keep its body past this call.
      this.#tagData = this.#tagData.slice();
      this.#tagDataIsView = false;
    }
  }

  /**
   * Makes room for `count` more body bytes, all of which are in the chunk being pushed: the
   * whole body when the chunk finishes it, else double (at least {@linkcode INITIAL_TAG_BUFFER}),
   * never more than the declared size.
   */
  #growTagData(count: number): void {
    const size = this.#tagSize;
    const fill = this.#tagDataFill;
    const old = this.#tagData;
    const needed = fill + count;
    const grown = new Uint8Array(
      needed === size
        ? size
        : Math.max(needed, Math.min(size, Math.max(old.length * 2, INITIAL_TAG_BUFFER))),
    );
    grown.set(old.subarray(0, fill));
    this.#tagData = grown;
  }

  /** Copies up to `need - scratchFill` bytes into the scratch buffer; returns the new position. */
  #fill(data: Uint8Array, pos: number, need: number): number {
    const n = Math.min(need - this.#scratchFill, data.length - pos);
    this.#scratch.set(data.subarray(pos, pos + n), this.#scratchFill);
    this.#scratchFill += n;
    this.#position += n;
    return pos + n;
  }

  #startTag(bytes: Uint8Array, offset: number, tagStart: number): void {
    const size = readFlvTagDataSize(bytes, offset);
    if (size > this.#maxTagSize) {
      throw new FlvError(
        `Cannot read FLV tag at byte ${tagStart}: body of ${size} bytes exceeds the ` +
          `limit of ${this.#maxTagSize}`,
      );
    }
    this.#tagType = bytes[offset];
    this.#tagSize = size;
    this.#tagTimestamp = readFlvTagTimestamp(bytes, offset);
    this.#tagStreamId = (bytes[offset + 8] << 16) | (bytes[offset + 9] << 8) | bytes[offset + 10];
  }

  #endTagData(onTag: (tag: FlvTag) => void): void {
    this.#state = STATE_TAG_TRAILER;
    if (this.#lenient) this.#emit(onTag);
  }

  #emit(onTag: (tag: FlvTag) => void): void {
    const data = this.#tagData;
    this.#tagData = EMPTY;
    this.#tagDataIsView = false;
    onTag({
      type: this.#tagType,
      timestamp: this.#tagTimestamp,
      streamId: this.#tagStreamId,
      data,
    });
  }
}
