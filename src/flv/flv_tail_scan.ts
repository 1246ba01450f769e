/**
 * Reads the end of an FLV file without reading all of it: where its last whole tag ends (a file
 * cut in the middle of a tag has a torn tail), which tag to resume from (rtmpdump's
 * GetLastKeyframe rules, `--skip` included), the tags from there to the end, and where the first
 * onMetaData tag is (rtmpdump's OpenResumeFile). The source is read at offsets, so a file of any
 * size costs a few reads.
 *
 * @module
 */

import { FlvError } from "./flv_error.ts";
import { FLV_PREVIOUS_TAG_SIZE_SIZE, FlvFlags } from "./flv_header.ts";
import {
  FLV_MAX_TAG_DATA_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvTagType,
  readFlvTagDataSize,
  readFlvTagTimestamp,
  readUint32,
} from "./flv_tag.ts";

/** Random access to the bytes of an FLV file. */
export interface FlvByteSource {
  /** Size of the file in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
}

/** Where a tag lies in the file and what its header says. */
export interface FlvTagPosition {
  /** Offset of the tag's 11-byte header. */
  offset: number;
  /** Tag type byte (the low 5 bits: 8 audio, 9 video, 18 script data). */
  type: number;
  /** 32-bit timestamp in ms. */
  timestamp: number;
  /** Size of the tag's body. */
  dataSize: number;
  /** First byte of the body (frame type and codec for video), or -1 for an empty body. */
  firstByte: number;
}

/** Options of {@linkcode scanFlvTail}. */
export interface FlvTailScanOptions {
  /** Resume points to skip going back (rtmpdump `--skip`): keyframes, or tags of audio-only files. */
  skip?: number;
  /** Tags read from the start while looking for onMetaData; default 64. */
  metadataSearchTags?: number;
}

/** What {@linkcode scanFlvTail} found. */
export interface FlvTailScan {
  /** The header's flags byte (0x04 audio, 0x01 video). */
  flags: number;
  /** Offset of the first tag (DataOffset + PreviousTagSize0). */
  firstTagOffset: number;
  /** End of the last whole tag (after its PreviousTagSize): what is worth keeping. */
  end: number;
  /** Bytes after {@linkcode end}: the remains of a tag that was cut (0 for a whole file). */
  tornBytes: number;
  /**
   * The tag to resume from: the last video keyframe (frame type 1, which includes an AVC
   * sequence header), or for audio-only files the last audio tag, after skipping `skip` of them.
   * Undefined when the file has none.
   */
  resumeTag: FlvTagPosition | undefined;
  /**
   * The tags from {@linkcode resumeTag} (included) to the last whole tag, in file order; from the
   * first tag when there is no resume tag.
   */
  tags: FlvTagPosition[];
  /** The first script tag whose name is `onMetaData` among the first tags, if any. */
  metadata: FlvTagPosition | undefined;
}

/** The 13 bytes of the header and PreviousTagSize0. */
const FILE_HEADER_SIZE = 13;
/** Largest whole tag including its back-pointer: the span searched for a torn tail. */
const MAX_TAG_SPAN = FLV_TAG_HEADER_SIZE + FLV_MAX_TAG_DATA_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
/** `02 000A "onMetaData"`: a script tag body that starts with the name onMetaData. */
const ON_METADATA = new Uint8Array([
  0x02,
  0x00,
  0x0a,
  ...Array.from("onMetaData", (c) => c.charCodeAt(0)),
]);
const DEFAULT_METADATA_SEARCH_TAGS = 64;

/**
 * Scans an FLV file from its end: its last whole tag, the tag to resume from and the tags after
 * it, and its onMetaData tag.
 *
 * Deviations from rtmpdump: a torn last tag is not an error, it is left out ({@linkcode
 * FlvTailScan.tornBytes}); a file without a resume point is not an error either (the caller
 * decides); back-pointers are checked against the tag headers they point to.
 *
 * @throws {FlvError} when the file does not start with an FLV header, has neither the audio
 * nor the video flag (rtmpdump's checks), or its back-pointers are inconsistent.
 *
 * @example
 * ```ts
 * import { encodeFlvHeader, encodeFlvTag, scanFlvTail } from "./mod.ts";
 * const parts = [
 *   encodeFlvHeader(0x05),
 *   encodeFlvTag({ type: 9, timestamp: 0, data: new Uint8Array([0x17, 1, 0, 0, 0, 1]) }),
 *   encodeFlvTag({ type: 8, timestamp: 20, data: new Uint8Array([0xaf, 1, 2]) }),
 * ];
 * const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
 * let at = 0;
 * for (const p of parts) { file.set(p, at); at += p.length; }
 * const cut = file.subarray(0, file.length - 5); // the audio tag torn
 * const scan = await scanFlvTail({ size: cut.length, read: (o, n) => cut.subarray(o, o + n) });
 * if (scan.resumeTag?.timestamp !== 0 || scan.tags.length !== 1) throw new Error("unexpected");
 * ```
 */
export async function scanFlvTail(
  source: FlvByteSource,
  options: FlvTailScanOptions = {},
): Promise<FlvTailScan> {
  const size = source.size;
  if (size < FILE_HEADER_SIZE) throw new FlvError("Cannot resume FLV file: it has no header");
  const head = await source.read(0, FILE_HEADER_SIZE);
  if (head[0] !== 0x46 || head[1] !== 0x4c || head[2] !== 0x56 || head[3] !== 1) {
    throw new FlvError("Cannot resume FLV file: it is not an FLV file (Invalid FLV file!)");
  }
  const flags = head[4];
  if ((flags & (FlvFlags.Audio | FlvFlags.Video)) === 0) {
    throw new FlvError(
      "Cannot resume FLV file: it contains neither video nor audio, aborting!",
    );
  }
  const firstTagOffset = readUint32(head, 5) + FLV_PREVIOUS_TAG_SIZE_SIZE;
  if (firstTagOffset < FILE_HEADER_SIZE || firstTagOffset > size) {
    throw new FlvError(`Cannot resume FLV file: its DataOffset ${firstTagOffset - 4} is invalid`);
  }

  const end = await findLastWholeTagEnd(source, firstTagOffset);
  const audioOnly = (flags & FlvFlags.Audio) !== 0 && (flags & FlvFlags.Video) === 0;
  let skip = Math.max(0, Math.trunc(options.skip ?? 0));
  const tags: FlvTagPosition[] = [];
  let resumeTag: FlvTagPosition | undefined;
  let position = end;
  while (position > firstTagOffset) {
    const tag = await tagBefore(source, position, firstTagOffset);
    tags.push(tag);
    position = tag.offset;
    const isResumePoint = audioOnly ? tag.type === FlvTagType.Audio : isVideoKeyframe(tag);
    // rtmpdump skips keyframes for audio/video files, and any tag for audio-only ones.
    if (skip > 0 && (audioOnly || isResumePoint)) {
      skip--;
      continue;
    }
    if (isResumePoint) {
      resumeTag = tag;
      break;
    }
  }
  tags.reverse();

  const metadata = await findMetadata(
    source,
    firstTagOffset,
    end,
    options.metadataSearchTags ?? DEFAULT_METADATA_SEARCH_TAGS,
  );
  return { flags, firstTagOffset, end, tornBytes: size - end, resumeTag, tags, metadata };
}

/**
 * rtmpdump's rule: a video tag of frame type 1 (`(b & 0xF0) == 0x10`, an AVC sequence header
 * included); also an Enhanced RTMP keyframe (IsExHeader set, frame type 1 in bits 4–6).
 */
function isVideoKeyframe(tag: FlvTagPosition): boolean {
  return tag.type === FlvTagType.Video && tag.firstByte >= 0 && ((tag.firstByte >> 4) & 7) === 1;
}

/** Reads the tag whose back-pointer ends at `end`; throws when the chain is broken. */
async function tagBefore(
  source: FlvByteSource,
  end: number,
  firstTagOffset: number,
): Promise<FlvTagPosition> {
  const pointer = await source.read(end - FLV_PREVIOUS_TAG_SIZE_SIZE, FLV_PREVIOUS_TAG_SIZE_SIZE);
  const tagSize = readUint32(pointer, 0);
  const offset = end - FLV_PREVIOUS_TAG_SIZE_SIZE - tagSize;
  if (tagSize < FLV_TAG_HEADER_SIZE || offset < firstTagOffset) {
    throw new FlvError(
      `Cannot resume FLV file: the tag size ${tagSize} before byte ${end} is corrupt`,
    );
  }
  const header = await source.read(offset, FLV_TAG_HEADER_SIZE + 1);
  const tag = positionOf(header, offset);
  if (tag.dataSize + FLV_TAG_HEADER_SIZE !== tagSize) {
    throw new FlvError(
      `Cannot resume FLV file: the tag at byte ${offset} declares ${tag.dataSize} bytes, ` +
        `its back-pointer ${tagSize - FLV_TAG_HEADER_SIZE}`,
    );
  }
  return tag;
}

function positionOf(header: Uint8Array, offset: number): FlvTagPosition {
  const dataSize = readFlvTagDataSize(header, 0);
  return {
    offset,
    type: header[0] & 0x1f,
    timestamp: readFlvTagTimestamp(header, 0),
    dataSize,
    firstByte: dataSize > 0 && header.length > FLV_TAG_HEADER_SIZE
      ? header[FLV_TAG_HEADER_SIZE]
      : -1,
  };
}

/**
 * The end of the last whole tag: the file's end when its last back-pointer fits the tag it
 * points to, else the latest earlier position where one does, checked one link further back.
 */
async function findLastWholeTagEnd(source: FlvByteSource, firstTagOffset: number): Promise<number> {
  const size = source.size;
  if (await endsWholeTag(source, size, firstTagOffset)) return size;
  const windowStart = Math.max(firstTagOffset, size - MAX_TAG_SPAN);
  const window = await source.read(windowStart, size - windowStart);
  const minEnd = firstTagOffset + FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
  for (let end = size - 1; end >= Math.max(minEnd, windowStart + 4); end--) {
    const tagSize = readUint32(window, end - 4 - windowStart);
    const offset = end - FLV_PREVIOUS_TAG_SIZE_SIZE - tagSize;
    if (tagSize < FLV_TAG_HEADER_SIZE || offset < firstTagOffset) continue;
    if (offset >= windowStart) {
      const at = offset - windowStart;
      if (!plausibleHeader(window, at, tagSize)) continue;
    }
    if (await endsWholeTag(source, end, firstTagOffset)) return end;
  }
  return firstTagOffset;
}

/** Whether a whole tag ends at `end`, and the tag before it (if any) ends where it starts. */
async function endsWholeTag(
  source: FlvByteSource,
  end: number,
  firstTagOffset: number,
): Promise<boolean> {
  if (end === firstTagOffset) return true;
  if (end - firstTagOffset < FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE) return false;
  const tagSize = readUint32(await source.read(end - 4, 4), 0);
  const offset = end - FLV_PREVIOUS_TAG_SIZE_SIZE - tagSize;
  if (tagSize < FLV_TAG_HEADER_SIZE || offset < firstTagOffset) return false;
  if (!plausibleHeader(await source.read(offset, FLV_TAG_HEADER_SIZE), 0, tagSize)) return false;
  if (offset === firstTagOffset) return true;
  if (offset - firstTagOffset < FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE) return false;
  const previousSize = readUint32(await source.read(offset - 4, 4), 0);
  const previous = offset - FLV_PREVIOUS_TAG_SIZE_SIZE - previousSize;
  if (previousSize < FLV_TAG_HEADER_SIZE || previous < firstTagOffset) return false;
  return plausibleHeader(await source.read(previous, FLV_TAG_HEADER_SIZE), 0, previousSize);
}

/** A tag header at `at` of a known type whose size matches `tagSize` and stream id is 0. */
function plausibleHeader(bytes: Uint8Array, at: number, tagSize: number): boolean {
  if (at + FLV_TAG_HEADER_SIZE > bytes.length) return false;
  const type = bytes[at] & 0x1f;
  if (type !== FlvTagType.Audio && type !== FlvTagType.Video && type !== FlvTagType.Script) {
    return false;
  }
  if (readFlvTagDataSize(bytes, at) + FLV_TAG_HEADER_SIZE !== tagSize) return false;
  return bytes[at + 8] === 0 && bytes[at + 9] === 0 && bytes[at + 10] === 0;
}

/** The first onMetaData script tag among the first `limit` tags before `end`. */
async function findMetadata(
  source: FlvByteSource,
  firstTagOffset: number,
  end: number,
  limit: number,
): Promise<FlvTagPosition | undefined> {
  let offset = firstTagOffset;
  for (let i = 0; i < limit && offset + FLV_TAG_HEADER_SIZE <= end; i++) {
    const header = await source.read(offset, FLV_TAG_HEADER_SIZE + ON_METADATA.length);
    const tag = positionOf(header, offset);
    const next = offset + FLV_TAG_HEADER_SIZE + tag.dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE;
    if (next > end) return undefined;
    if (tag.type === FlvTagType.Script && tag.dataSize >= ON_METADATA.length) {
      const name = header.subarray(FLV_TAG_HEADER_SIZE);
      if (ON_METADATA.every((b, j) => name[j] === b)) return tag;
    }
    offset = next;
  }
  return undefined;
}
