/**
 * Golden FLV bytes shared by the encoder and decoder tests.
 *
 * @module
 */

import type { FlvTag } from "../../src/flv/mod.ts";

/** A header case: flags byte and the 13 bytes that open the file. */
export interface HeaderCase {
  name: string;
  flags: number;
  bytes: number[];
}

/** A tag case: the tag and its encoding (header, body, PreviousTagSize). */
export interface TagCase {
  name: string;
  tag: FlvTag;
  bytes: number[];
}

// deno-fmt-ignore
export const HEADER_CASES: HeaderCase[] = [
  {
    name: "audio and video",
    flags: 0x05,
    bytes: [
      0x46, 0x4c, 0x56, // "FLV"
      0x01, // version 1
      0x05, // flags: audio (0x04) | video (0x01)
      0x00, 0x00, 0x00, 0x09, // DataOffset = 9
      0x00, 0x00, 0x00, 0x00, // PreviousTagSize0 = 0
    ],
  },
  {
    name: "audio only",
    flags: 0x04,
    bytes: [
      0x46, 0x4c, 0x56, // "FLV"
      0x01, // version 1
      0x04, // flags: audio
      0x00, 0x00, 0x00, 0x09, // DataOffset = 9
      0x00, 0x00, 0x00, 0x00, // PreviousTagSize0
    ],
  },
  {
    name: "no flags (rtmpdump --start)",
    flags: 0x00,
    bytes: [
      0x46, 0x4c, 0x56, // "FLV"
      0x01, // version 1
      0x00, // flags: none
      0x00, 0x00, 0x00, 0x09, // DataOffset = 9
      0x00, 0x00, 0x00, 0x00, // PreviousTagSize0
    ],
  },
];

// deno-fmt-ignore
export const TAG_CASES: TagCase[] = [
  {
    name: "AAC sequence header at 0 ms",
    tag: { type: 8, timestamp: 0, streamId: 0, data: new Uint8Array([0xaf, 0x00, 0x12, 0x10]) },
    bytes: [
      0x08, // TagType audio
      0x00, 0x00, 0x04, // DataSize 4
      0x00, 0x00, 0x00, // Timestamp low 24 bits
      0x00, // TimestampExtended
      0x00, 0x00, 0x00, // StreamID
      0xaf, 0x00, 0x12, 0x10, // body: AAC, sequence header, AudioSpecificConfig
      0x00, 0x00, 0x00, 0x0f, // PreviousTagSize = 11 + 4
    ],
  },
  {
    name: "video keyframe with a timestamp above 24 bits",
    tag: {
      type: 9,
      timestamp: 0x12345678,
      streamId: 0,
      data: new Uint8Array([0x17, 0x01, 0x00, 0x00, 0x00, 0x65]),
    },
    bytes: [
      0x09, // TagType video
      0x00, 0x00, 0x06, // DataSize 6
      0x34, 0x56, 0x78, // Timestamp low 24 bits
      0x12, // TimestampExtended (bits 24-31)
      0x00, 0x00, 0x00, // StreamID
      0x17, 0x01, 0x00, 0x00, 0x00, 0x65, // body: AVC keyframe NALU, cts 0, one byte
      0x00, 0x00, 0x00, 0x11, // PreviousTagSize = 17
    ],
  },
  {
    name: "script data onMetaData",
    tag: {
      type: 18,
      timestamp: 1000,
      streamId: 0,
      data: new Uint8Array([0x02, 0x00, 0x0a, ...new TextEncoder().encode("onMetaData"), 0x05]),
    },
    bytes: [
      0x12, // TagType script data
      0x00, 0x00, 0x0e, // DataSize 14
      0x00, 0x03, 0xe8, // Timestamp 1000
      0x00, // TimestampExtended
      0x00, 0x00, 0x00, // StreamID
      0x02, 0x00, 0x0a, // AMF0 string, length 10
      0x6f, 0x6e, 0x4d, 0x65, 0x74, 0x61, 0x44, 0x61, 0x74, 0x61, // "onMetaData"
      0x05, // AMF0 null
      0x00, 0x00, 0x00, 0x19, // PreviousTagSize = 25
    ],
  },
  {
    name: "Enhanced RTMP HEVC sequence start passes through",
    tag: {
      type: 9,
      timestamp: 0xffffff,
      streamId: 0,
      data: new Uint8Array([0x90, 0x68, 0x76, 0x63, 0x31, 0x01]),
    },
    bytes: [
      0x09, // TagType video
      0x00, 0x00, 0x06, // DataSize 6
      0xff, 0xff, 0xff, // Timestamp low 24 bits
      0x00, // TimestampExtended
      0x00, 0x00, 0x00, // StreamID
      0x90, // IsExHeader | keyframe | PacketType SequenceStart
      0x68, 0x76, 0x63, 0x31, // FourCC "hvc1"
      0x01, // start of hvcC
      0x00, 0x00, 0x00, 0x11, // PreviousTagSize = 17
    ],
  },
  {
    name: "empty body and a nonzero stream id",
    tag: { type: 8, timestamp: 0xffffffff, streamId: 0x010203, data: new Uint8Array(0) },
    bytes: [
      0x08, // TagType audio
      0x00, 0x00, 0x00, // DataSize 0
      0xff, 0xff, 0xff, // Timestamp low 24 bits
      0xff, // TimestampExtended
      0x01, 0x02, 0x03, // StreamID
      0x00, 0x00, 0x00, 0x0b, // PreviousTagSize = 11
    ],
  },
];

/** A whole file: the first header case followed by every tag case. */
export function goldenFile(): Uint8Array {
  const all = [...HEADER_CASES[0].bytes, ...TAG_CASES.flatMap((c) => c.bytes)];
  return new Uint8Array(all);
}

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
