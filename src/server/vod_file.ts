/**
 * An FLV file on disk as the VOD player needs it: positioned block reads, the first tag's
 * onMetaData, and the keyframe to start from for a given time (from the metadata's `keyframes`
 * index when it is trustworthy, otherwise by walking the tag headers).
 *
 * @module
 */

import { type FileHandle, open } from "node:fs/promises";
import { decodeAmf0 } from "../amf/mod.ts";
import type { AmfValue } from "../amf/types.ts";
import {
  decodeFlvHeader,
  FLV_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvError,
  type FlvTag,
  FlvTagType,
  readFlvTagDataSize,
  readFlvTagTimestamp,
} from "../flv/mod.ts";
import { isOnMetaData } from "../session/metadata_info.ts";
import { inspectAudio, inspectVideo } from "./inspect_media.ts";

/** Bytes read at a time while walking tag headers. */
const WALK_WINDOW = 64 * 1024;
/** Body bytes looked at to classify a tag (enough for any codec header). */
const PEEK_BYTES = 64;
/** Tags looked at from the start of the file for sequence headers, when an index is used. */
const SEQUENCE_HEADER_SCAN_TAGS = 64;
/** Largest metadata tag read (a `keyframes` index of a long file can be large). */
const MAX_METADATA_SIZE = 16 * 1024 * 1024;

/** Where playback starts for a requested time. */
export interface StartPoint {
  /** File offset of the first tag to send. */
  offset: number;
  /** Timestamp of that tag (the keyframe's), in ms. */
  timestamp: number;
  /** The last sequence headers before the start point, to send ahead of it (file order). */
  sequenceHeaders: FlvTag[];
}

/** One tag header seen while walking the file. */
interface TagHeader {
  offset: number;
  type: number;
  size: number;
  timestamp: number;
  /** The first body bytes (up to {@linkcode PEEK_BYTES}). */
  peek: Uint8Array;
}

/** An open FLV file. Call {@linkcode VodFile.close} when done. */
export class VodFile {
  readonly #handle: FileHandle;
  /** Path of the file. */
  readonly path: string;
  /** Size in bytes when opened. */
  readonly size: number;
  /** Offset of the first tag (after the header and PreviousTagSize0). */
  readonly firstTagOffset: number;
  #metadata: FlvTag | null | undefined;

  private constructor(handle: FileHandle, path: string, size: number, firstTagOffset: number) {
    this.#handle = handle;
    this.path = path;
    this.size = size;
    this.firstTagOffset = firstTagOffset;
  }

  /**
   * Opens `path` and checks the FLV header. Throws {@linkcode FlvError} for a file that is not
   * FLV, or the file system's error.
   */
  static async open(path: string): Promise<VodFile> {
    const handle = await open(path, "r");
    try {
      const size = (await handle.stat()).size;
      const head = new Uint8Array(FLV_HEADER_SIZE);
      const { bytesRead } = await handle.read(head, 0, FLV_HEADER_SIZE, 0);
      if (bytesRead < FLV_HEADER_SIZE) {
        throw new FlvError(`Cannot play ${path}: file is too short to be FLV`);
      }
      const header = decodeFlvHeader(head);
      return new VodFile(handle, path, size, header.dataOffset + FLV_PREVIOUS_TAG_SIZE_SIZE);
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  /** Reads up to `length` bytes at `position` into a fresh buffer; shorter at the end of file. */
  async readAt(position: number, length: number): Promise<Uint8Array> {
    const size = Math.max(0, Math.min(length, this.size - position));
    const buffer = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.#handle.read(
        buffer,
        filled,
        size - filled,
        position + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#handle.close().catch(() => {});
  }

  /** The first tag when it is an onMetaData script tag, else null. */
  async metadata(): Promise<FlvTag | null> {
    if (this.#metadata !== undefined) return this.#metadata;
    this.#metadata = null;
    const header = await this.#readHeader(this.firstTagOffset);
    if (header?.type === FlvTagType.Script && header.size <= MAX_METADATA_SIZE) {
      const data = await this.readAt(header.offset + FLV_TAG_HEADER_SIZE, header.size);
      if (data.length === header.size && isOnMetaData(data)) {
        this.#metadata = { type: header.type, timestamp: header.timestamp, data };
      }
    }
    return this.#metadata;
  }

  /** Duration in ms from the metadata's `duration` (0 when unknown). */
  async durationMs(): Promise<number> {
    const values = decodeMetadata(await this.metadata());
    const duration = property(values, "duration");
    return typeof duration === "number" && duration > 0 ? duration * 1000 : 0;
  }

  /**
   * The keyframe at or before `ms` (file timestamps) and the sequence headers that precede it.
   * Files without video start at the last audio tag at or before `ms`. `ms` ≤ 0 or a time
   * before the first keyframe gives the first tag.
   */
  async startPoint(ms: number): Promise<StartPoint> {
    const first: StartPoint = { offset: this.firstTagOffset, timestamp: 0, sequenceHeaders: [] };
    if (ms <= 0) return first;
    const indexed = await this.#fromIndex(ms);
    if (indexed !== undefined) return indexed;
    let found: TagHeader | undefined;
    let sawVideo = false;
    const headers = new Map<string, TagHeader>();
    let headersAtFound = new Map<string, TagHeader>();
    for await (const tag of this.#walk(this.firstTagOffset)) {
      if (tag.type === FlvTagType.Video) {
        const info = inspectVideo(tag.peek);
        if (info.sequenceHeader) {
          headers.set(info.track, tag);
          continue;
        }
        if (!sawVideo) {
          sawVideo = true;
          found = undefined; // audio tags before the first video tag do not count
        }
        if (tag.timestamp > ms) break;
        if (info.keyframe) {
          found = tag;
          headersAtFound = new Map(headers);
        }
      } else if (tag.type === FlvTagType.Audio) {
        const info = inspectAudio(tag.peek);
        if (info.sequenceHeader) {
          headers.set(info.track, tag);
          continue;
        }
        if (tag.timestamp > ms && !sawVideo) break;
        if (!sawVideo && tag.timestamp <= ms) {
          found = tag;
          headersAtFound = new Map(headers);
        }
      }
    }
    if (found === undefined) return first;
    return {
      offset: found.offset,
      timestamp: found.timestamp,
      sequenceHeaders: await this.#readTags([...headersAtFound.values()]),
    };
  }

  /** Uses onMetaData's `keyframes: { times, filepositions }` when it points at a keyframe. */
  async #fromIndex(ms: number): Promise<StartPoint | undefined> {
    const keyframes = property(decodeMetadata(await this.metadata()), "keyframes");
    const times = property(keyframes === undefined ? [] : [keyframes], "times");
    const positions = property(keyframes === undefined ? [] : [keyframes], "filepositions");
    if (!Array.isArray(times) || !Array.isArray(positions) || times.length === 0) return undefined;
    let chosen = -1;
    for (let i = 0; i < times.length && i < positions.length; i++) {
      const t = times[i];
      if (typeof t !== "number" || t * 1000 > ms) break;
      chosen = i;
    }
    // Index times may be rounded (ffmpeg writes whole seconds): take the last entry whose tag,
    // read from the file, is a keyframe stamped at or before `ms`.
    let tag: TagHeader | undefined;
    let position = 0;
    for (; chosen >= 0; chosen--) {
      const p = positions[chosen];
      if (typeof p !== "number" || !Number.isInteger(p) || p < this.firstTagOffset) {
        return undefined;
      }
      const h = await this.#readHeader(p);
      if (h === undefined || h.type !== FlvTagType.Video) return undefined;
      const info = inspectVideo(h.peek);
      if (!info.keyframe || info.sequenceHeader) return undefined;
      if (h.timestamp <= ms) {
        tag = h;
        position = p;
        break;
      }
    }
    if (tag === undefined) return undefined;
    // Sequence headers sit at the start of the file; take the last of each before this tag.
    const headers = new Map<string, TagHeader>();
    let count = 0;
    for await (const h of this.#walk(this.firstTagOffset)) {
      if (h.offset >= position || ++count > SEQUENCE_HEADER_SCAN_TAGS) break;
      const i = h.type === FlvTagType.Video
        ? inspectVideo(h.peek)
        : h.type === FlvTagType.Audio
        ? inspectAudio(h.peek)
        : undefined;
      if (i?.sequenceHeader) headers.set(i.track, h);
    }
    return {
      offset: position,
      timestamp: tag.timestamp,
      sequenceHeaders: await this.#readTags([...headers.values()]),
    };
  }

  async #readTags(headers: TagHeader[]): Promise<FlvTag[]> {
    headers.sort((a, b) => a.offset - b.offset);
    const tags: FlvTag[] = [];
    for (const h of headers) {
      const data = await this.readAt(h.offset + FLV_TAG_HEADER_SIZE, h.size);
      if (data.length === h.size) tags.push({ type: h.type, timestamp: h.timestamp, data });
    }
    return tags;
  }

  async #readHeader(offset: number): Promise<TagHeader | undefined> {
    const bytes = await this.readAt(offset, FLV_TAG_HEADER_SIZE + PEEK_BYTES);
    if (bytes.length < FLV_TAG_HEADER_SIZE) return undefined;
    const size = readFlvTagDataSize(bytes, 0);
    const peekEnd = FLV_TAG_HEADER_SIZE + Math.min(size, PEEK_BYTES);
    return {
      offset,
      type: bytes[0],
      size,
      timestamp: readFlvTagTimestamp(bytes, 0),
      peek: bytes.subarray(FLV_TAG_HEADER_SIZE, Math.min(peekEnd, bytes.length)),
    };
  }

  /** Walks the tag headers from `offset` to the end of the file, reading in windows. */
  async *#walk(offset: number): AsyncGenerator<TagHeader> {
    let window: Uint8Array = new Uint8Array(0);
    let windowStart = 0;
    while (offset + FLV_TAG_HEADER_SIZE <= this.size) {
      let at = offset - windowStart;
      if (at < 0 || at + FLV_TAG_HEADER_SIZE + PEEK_BYTES > window.length) {
        window = await this.readAt(offset, WALK_WINDOW);
        windowStart = offset;
        at = 0;
        if (window.length < FLV_TAG_HEADER_SIZE) return;
      }
      const size = readFlvTagDataSize(window, at);
      const bodyStart = at + FLV_TAG_HEADER_SIZE;
      yield {
        offset,
        type: window[at],
        size,
        timestamp: readFlvTagTimestamp(window, at),
        peek: window.subarray(
          bodyStart,
          Math.min(bodyStart + Math.min(size, PEEK_BYTES), window.length),
        ),
      };
      offset += FLV_TAG_HEADER_SIZE + size + FLV_PREVIOUS_TAG_SIZE_SIZE;
    }
  }
}

function decodeMetadata(tag: FlvTag | null): AmfValue[] {
  if (tag === null) return [];
  try {
    return decodeAmf0(tag.data).slice(1);
  } catch {
    return [];
  }
}

/** The named property of the first object or ECMA array among `values` that has it. */
function property(values: AmfValue[], name: string): AmfValue {
  for (const value of values) {
    if (value instanceof Map) {
      if (value.has(name)) return value.get(name);
    } else if (
      value !== null && typeof value === "object" && !Array.isArray(value) &&
      !(value instanceof Uint8Array) && Object.hasOwn(value, name)
    ) {
      return (value as Record<string, AmfValue>)[name];
    }
  }
  return undefined;
}
