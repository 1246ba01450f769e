/**
 * The FLV container codec (Adobe FLV specification v10.1, annex E): the 13-byte file header,
 * tags with their PreviousTagSize back-pointers, and a sans-I/O streaming reader.
 *
 * This layer imports nothing else of rtmpkit. It never looks inside tag bodies: audio and video
 * codec headers, including Enhanced RTMP ones (ExHeader bits, FourCCs, multitrack), pass through
 * untouched, and tag types other than 8/9/18 are carried as they are.
 *
 * @example
 * ```ts
 * import { encodeFlvHeader, encodeFlvTag, FlvFlags, FlvReader, FlvTagType } from "./mod.ts";
 *
 * const file = [
 *   encodeFlvHeader(FlvFlags.Video),
 *   encodeFlvTag({ type: FlvTagType.Video, timestamp: 0, data: new Uint8Array([0x17, 0, 0, 0, 0]) }),
 *   encodeFlvTag({ type: FlvTagType.Video, timestamp: 40, data: new Uint8Array([0x27, 1, 0, 0, 0, 9]) }),
 * ];
 * const reader = new FlvReader();
 * const timestamps: number[] = [];
 * for (const chunk of file) reader.push(chunk, (tag) => timestamps.push(tag.timestamp));
 * reader.finish();
 * if (timestamps.join() !== "0,40") throw new Error("unexpected timestamps");
 * ```
 *
 * @module
 */

export { FlvError } from "./flv_error.ts";
export {
  decodeFlvHeader,
  encodeFlvHeader,
  FLV_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_VERSION,
  FlvFlags,
  type FlvHeader,
} from "./flv_header.ts";
export {
  encodeFlvTag,
  FLV_MAX_TAG_DATA_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvTag,
  FlvTagType,
  readFlvTagDataSize,
  readFlvTagTimestamp,
  readUint32,
  writeFlvTagHeader,
  writePreviousTagSize,
} from "./flv_tag.ts";
export { FlvReader, type FlvReaderOptions } from "./flv_reader.ts";
export {
  type FlvByteSource,
  type FlvTagPosition,
  type FlvTailScan,
  type FlvTailScanOptions,
  scanFlvTail,
} from "./flv_tail_scan.ts";
