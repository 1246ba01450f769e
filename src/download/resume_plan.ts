/**
 * How to continue a partly downloaded file (rtmpdump `--resume`): what of it is kept, where to
 * ask the server to start, which of its last tags the stream must repeat, and its duration.
 *
 * @module
 */

import type { AmfValue } from "../amf/types.ts";
import { FlvError } from "../flv/flv_error.ts";
import { type FlvTagPosition, scanFlvTail } from "../flv/flv_tail_scan.ts";
import { FLV_TAG_HEADER_SIZE, FlvFlags } from "../flv/mod.ts";
import { amfDecodeLines, amfDumpLines } from "../session/amf_dump.ts";
import { decodeLibrtmpAmf0 } from "../session/decode_librtmp_amf0.ts";
import { formatFixed } from "../session/format_fixed.ts";
import { inspectMetadata } from "../session/metadata_info.ts";
import type { ResumeFile } from "./download_output.ts";
import { FINGERPRINT_EDGE_BYTES, fingerprintTag, type TagFingerprint } from "./tag_fingerprint.ts";

/** A file to continue. */
export interface ResumePlan {
  /** Bytes of the file kept: up to the end of its last whole tag. */
  keepLength: number;
  /** Bytes after it (a torn last tag), cut off once the download goes on. */
  tornBytes: number;
  /** Where play starts: the resume tag's timestamp (0 without one). */
  seekMs: number;
  /** The file's tags from its resume tag (or its first tag) on, with the file's timestamps. */
  tags: TagFingerprint[];
  /** Whether the file has a resume tag (rtmpdump's last keyframe); false: matched from the start. */
  hasResumeTag: boolean;
  /** Duration from the file's onMetaData in seconds (0 when unknown). */
  duration: number;
  /** The header says audio and no video. */
  audioOnly: boolean;
  /** The file's size when the plan was made (torn bytes included). */
  fileSize: number;
  /** The file's onMetaData, decoded (undefined when it has none librtmp could decode). */
  metadata: AmfValue[] | undefined;
}

/**
 * Reads what a resume needs from `file`. Undefined when there is nothing to resume (an empty
 * file, or a header with no whole tag after it): the download starts afresh.
 *
 * @throws {FlvError} when the file is not an FLV file rtmpdump would resume (no header, no
 * audio or video flag, broken back-pointers).
 */
export async function planResume(file: ResumeFile, skip: number): Promise<ResumePlan | undefined> {
  if (file.size === 0) return undefined;
  const scan = await scanFlvTail(file, { skip });
  if (scan.tags.length === 0) return undefined;
  const reader = new SequentialReader(file);
  const tags: TagFingerprint[] = [];
  for (const tag of scan.tags) tags.push(await fingerprintAt(reader, tag));
  let duration = 0;
  let metadata: AmfValue[] | undefined;
  if (scan.metadata !== undefined) {
    const body = await file.read(
      scan.metadata.offset + FLV_TAG_HEADER_SIZE,
      scan.metadata.dataSize,
    );
    const values = decodeLibrtmpAmf0(body);
    metadata = values;
    if (values !== undefined) {
      const info = inspectMetadata(values);
      if (info.hasDuration) duration = info.duration;
    }
  }
  return {
    keepLength: scan.end,
    tornBytes: scan.tornBytes,
    seekMs: scan.resumeTag?.timestamp ?? 0,
    tags,
    hasResumeTag: scan.resumeTag !== undefined,
    duration,
    audioOnly: (scan.flags & FlvFlags.Audio) !== 0 && (scan.flags & FlvFlags.Video) === 0,
    fileSize: file.size,
    metadata,
  };
}

/**
 * The DEBUG lines rtmpdump logs about a file it resumes (OpenResumeFile, GetLastKeyframe): the
 * dump of its onMetaData and its duration, whether it is audio only and its size, and the
 * resume point (the last keyframe, or that it is the first frame).
 */
export function resumePlanLines(plan: ResumePlan): string[] {
  const lines: string[] = [];
  if (plan.metadata !== undefined) {
    lines.push(...amfDecodeLines(plan.metadata), ...amfDumpLines(plan.metadata));
    const info = inspectMetadata(plan.metadata);
    if (info.hasDuration) lines.push(`File has duration: ${formatFixed(info.duration, 6)}`);
  }
  lines.push(`bAudioOnly: ${plan.audioOnly ? 1 : 0}, size: ${plan.fileSize}`);
  if (!plan.hasResumeTag) return lines;
  const tag = plan.tags[0];
  const type = tag.type.toString(16).toUpperCase().padStart(2, "0");
  lines.push(`Last keyframe found at: ${tag.timestamp | 0} ms, size: ${tag.size}, type: ${type}`);
  if (plan.seekMs === 0) {
    lines.push("Last keyframe is first frame in stream, switching from resume to normal mode!");
  }
  return lines;
}

/** Bytes read at a time while fingerprinting consecutive tags. */
const READ_BLOCK = 1024 * 1024;

/** Reads a file front to back in blocks (tags are fingerprinted in file order). */
class SequentialReader {
  readonly #file: ResumeFile;
  #start = 0;
  #block: Uint8Array = new Uint8Array(0);

  constructor(file: ResumeFile) {
    this.#file = file;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    if (offset < this.#start || end > this.#start + this.#block.length) {
      if (length > READ_BLOCK) return await this.#file.read(offset, length);
      this.#block = await this.#file.read(offset, Math.max(READ_BLOCK, length));
      this.#start = offset;
    }
    return this.#block.subarray(offset - this.#start, end - this.#start);
  }
}

async function fingerprintAt(
  reader: SequentialReader,
  tag: FlvTagPosition,
): Promise<TagFingerprint> {
  const start = tag.offset + FLV_TAG_HEADER_SIZE;
  const size = tag.dataSize;
  let data: Uint8Array;
  if (size <= 2 * FINGERPRINT_EDGE_BYTES) {
    data = (await reader.read(start, size)).slice();
  } else {
    // Only the edges are hashed: a stand-in body of the same size with the same edges.
    data = new Uint8Array(size);
    data.set(await reader.read(start, FINGERPRINT_EDGE_BYTES), 0);
    data.set(
      await reader.read(start + size - FINGERPRINT_EDGE_BYTES, FINGERPRINT_EDGE_BYTES),
      size - FINGERPRINT_EDGE_BYTES,
    );
  }
  if (data.length !== size) {
    throw new FlvError(`Cannot resume FLV file: the tag at byte ${tag.offset} is cut short`);
  }
  return fingerprintTag(tag.type, tag.timestamp, data);
}
