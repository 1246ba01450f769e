// deno-fmt-ignore-file
/**
 * Golden chunk streams shared by the encoder and decoder tests. Each entry lists what goes in
 * (encoder steps; absent for streams our encoder never produces), what the decoder emits and the
 * exact bytes, one header field per commented line.
 *
 * @module
 */

import type { RtmpMessage } from "../../src/chunk/mod.ts";

/** One encoder step: write a message, or change the outgoing chunk size. */
export type GoldenStep =
  | { message: RtmpMessage; forceFull?: boolean }
  | { chunkSize: number };

/** A golden chunk stream. */
export interface ChunkGolden {
  name: string;
  /** Chunk size both sides start with; default 128. */
  chunkSize?: number;
  /** Encoder input; absent when the stream is decode-only. */
  steps?: GoldenStep[];
  /** Messages the decoder emits, in order. */
  messages: RtmpMessage[];
  bytes: number[];
}

/** `n` payload bytes counting up from `start` (mod 256). */
export function seq(n: number, start = 0): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (start + i) & 0xff;
  return bytes;
}

/** Builds a message. */
export function msg(
  csid: number,
  typeId: number,
  timestamp: number,
  messageStreamId: number,
  payload: Uint8Array,
): RtmpMessage {
  return { csid, typeId, timestamp, messageStreamId, payload };
}

function steps(...messages: RtmpMessage[]): GoldenStep[] {
  return messages.map((message) => ({ message }));
}

function encoded(name: string, messages: RtmpMessage[], bytes: number[], chunkSize?: number) {
  return { name, chunkSize, steps: steps(...messages), messages, bytes };
}

// Messages reused by several goldens.
const oneChunk = msg(3, 20, 0, 0, seq(4, 0x10));
const threeChunks = msg(3, 20, 0, 0, seq(300));
const littleEndianStream = msg(4, 9, 1000, 0x01020304, seq(2, 0x20));
const fmt1First = msg(4, 9, 1000, 1, seq(4, 0x30));
const fmt1Second = msg(4, 8, 1040, 1, seq(2, 0x40));
const spaced = [1000, 1033, 1066, 1099, 1100].map((ts, i) => msg(6, 9, ts, 1, seq(3, i * 16)));
const empties = [msg(3, 20, 0, 0, seq(0)), msg(3, 20, 0, 0, seq(0)), msg(3, 20, 5, 0, seq(0))];
const forced = [
  msg(4, 8, 100, 1, seq(1, 0xa0)),
  msg(4, 8, 50, 1, seq(1, 0xa1)),
  msg(4, 8, 60, 2, seq(1, 0xa2)),
  msg(4, 8, 70, 2, seq(1, 0xa3)),
];
const basic = (csid: number) => msg(csid, 8, 0, 0, seq(3, 0x50));
const extendedAbsolute = msg(4, 9, 0x01000000, 1, seq(6, 0x60));
const below = msg(5, 8, 0xfffffe, 0, seq(1, 0x70));
const atMarker = msg(6, 8, 0xffffff, 0, seq(1, 0x71));
const extendedDeltas = [
  msg(4, 9, 0, 1, seq(2, 0x80)),
  msg(4, 9, 0x01000000, 1, seq(2, 0x82)),
  msg(4, 9, 0x02000000, 1, seq(2, 0x84)),
  msg(4, 8, 0x02000010, 1, seq(3, 0x86)),
];
const extendedFmt1 = [msg(4, 8, 5, 1, seq(1, 0x90)), msg(4, 9, 0x01000005, 1, seq(5, 0x91))];
const extendedThenSmall = [
  msg(4, 8, 0x01000000, 1, seq(1, 0xb0)),
  msg(4, 9, 0x01000010, 1, seq(5, 0xb1)),
];
const wrapped = [msg(4, 8, 0xfffffff0, 1, seq(1, 0xc0)), msg(4, 8, 0x10, 1, seq(1, 0xc1))];
const setChunkSize = msg(2, 1, 0, 0, new Uint8Array([0, 0, 1, 0]));
const afterSetChunkSize = msg(3, 20, 0, 0, seq(300, 7));

/** The golden table. */
export const CHUNK_GOLDENS: ChunkGolden[] = [
  encoded("fmt 0 message in one chunk on csid 3", [oneChunk], [
    0x03, // basic header: fmt 0, csid 3
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x04, // length 4
    0x14, // type id 20
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    ...oneChunk.payload,
  ]),
  encoded("fmt 0 message split into 128-byte chunks with fmt-3 continuations", [threeChunks], [
    0x03, // basic header: fmt 0, csid 3
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x01, 0x2c, // length 300
    0x14, // type id 20
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    ...threeChunks.payload.subarray(0, 128),
    0xc3, // basic header: fmt 3, csid 3
    ...threeChunks.payload.subarray(128, 256),
    0xc3, // basic header: fmt 3, csid 3
    ...threeChunks.payload.subarray(256),
  ]),
  encoded("message stream id is little-endian", [littleEndianStream], [
    0x04, // basic header: fmt 0, csid 4
    0x00, 0x03, 0xe8, // timestamp 1000
    0x00, 0x00, 0x02, // length 2
    0x09, // type id 9
    0x04, 0x03, 0x02, 0x01, // message stream id 0x01020304, little-endian
    ...littleEndianStream.payload,
  ]),
  encoded("fmt 1 carries a timestamp delta, a new length and a new type id", [
    fmt1First,
    fmt1Second,
  ], [
    0x04, // basic header: fmt 0, csid 4
    0x00, 0x03, 0xe8, // timestamp 1000
    0x00, 0x00, 0x04, // length 4
    0x09, // type id 9
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    ...fmt1First.payload,
    0x44, // basic header: fmt 1, csid 4
    0x00, 0x00, 0x28, // timestamp delta 40
    0x00, 0x00, 0x02, // length 2
    0x08, // type id 8
    ...fmt1Second.payload,
  ]),
  encoded("fmt 2 for a new delta, fmt 3 while the delta repeats", spaced, [
    0x06, // basic header: fmt 0, csid 6
    0x00, 0x03, 0xe8, // timestamp 1000
    0x00, 0x00, 0x03, // length 3
    0x09, // type id 9
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    ...spaced[0].payload,
    0x86, // basic header: fmt 2, csid 6
    0x00, 0x00, 0x21, // timestamp delta 33
    ...spaced[1].payload,
    0xc6, // basic header: fmt 3, csid 6 (delta 33 again)
    ...spaced[2].payload,
    0xc6, // basic header: fmt 3, csid 6 (delta 33 again)
    ...spaced[3].payload,
    0x86, // basic header: fmt 2, csid 6
    0x00, 0x00, 0x01, // timestamp delta 1
    ...spaced[4].payload,
  ]),
  encoded("zero-length messages, fmt 3 after a fmt-0 timestamp of 0", empties, [
    0x03, // basic header: fmt 0, csid 3
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x00, // length 0
    0x14, // type id 20
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0xc3, // basic header: fmt 3, csid 3 (delta 0)
    0x83, // basic header: fmt 2, csid 3
    0x00, 0x00, 0x05, // timestamp delta 5
  ]),
  {
    name: "fmt 0 when the timestamp goes backwards, the message stream changes or forceFull is set",
    steps: [
      { message: forced[0] },
      { message: forced[1] },
      { message: forced[2] },
      { message: forced[3], forceFull: true },
    ],
    messages: forced,
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x64, // timestamp 100
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xa0, // payload
      0x04, // basic header: fmt 0, csid 4 (timestamp went backwards)
      0x00, 0x00, 0x32, // timestamp 50
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xa1, // payload
      0x04, // basic header: fmt 0, csid 4 (message stream id changed)
      0x00, 0x00, 0x3c, // timestamp 60
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x02, 0x00, 0x00, 0x00, // message stream id 2
      0xa2, // payload
      0x04, // basic header: fmt 0, csid 4 (forceFull)
      0x00, 0x00, 0x46, // timestamp 70
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x02, 0x00, 0x00, 0x00, // message stream id 2
      0xa3, // payload
    ],
  },
  encoded("one-byte basic header for csid 2", [basic(2)], [
    0x02, // basic header: fmt 0, csid 2
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xc2, // basic header: fmt 3, csid 2
    0x52, // second chunk
  ], 2),
  encoded("one-byte basic header for csid 63", [basic(63)], [
    0x3f, // basic header: fmt 0, csid 63
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xff, // basic header: fmt 3, csid 63
    0x52, // second chunk
  ], 2),
  encoded("two-byte basic header for csid 64", [basic(64)], [
    0x00, // basic header: fmt 0, csid field 0 (two-byte form)
    0x00, // csid 64 - 64
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xc0, // basic header: fmt 3, two-byte form
    0x00, // csid 64 - 64
    0x52, // second chunk
  ], 2),
  encoded("two-byte basic header for csid 319", [basic(319)], [
    0x00, // basic header: fmt 0, csid field 0 (two-byte form)
    0xff, // csid 319 - 64
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xc0, // basic header: fmt 3, two-byte form
    0xff, // csid 319 - 64
    0x52, // second chunk
  ], 2),
  encoded("three-byte basic header for csid 320", [basic(320)], [
    0x01, // basic header: fmt 0, csid field 1 (three-byte form)
    0x00, 0x01, // csid 320 - 64 = 256, low byte first
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xc1, // basic header: fmt 3, three-byte form
    0x00, 0x01, // csid 320
    0x52, // second chunk
  ], 2),
  encoded("three-byte basic header for csid 65599", [basic(65599)], [
    0x01, // basic header: fmt 0, csid field 1 (three-byte form)
    0xff, 0xff, // csid 65599 - 64 = 65535, low byte first
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x03, // length 3
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x50, 0x51, // first chunk (chunk size 2)
    0xc1, // basic header: fmt 3, three-byte form
    0xff, 0xff, // csid 65599
    0x52, // second chunk
  ], 2),
  encoded("extended fmt-0 timestamp repeated in the fmt-3 continuation", [extendedAbsolute], [
    0x04, // basic header: fmt 0, csid 4
    0xff, 0xff, 0xff, // timestamp field: extended
    0x00, 0x00, 0x06, // length 6
    0x09, // type id 9
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000
    0x60, 0x61, 0x62, 0x63, // first chunk (chunk size 4)
    0xc4, // basic header: fmt 3, csid 4
    0x01, 0x00, 0x00, 0x00, // extended timestamp again
    0x64, 0x65, // second chunk
  ], 4),
  encoded("timestamp 0xFFFFFE fits, 0xFFFFFF is extended", [below, atMarker], [
    0x05, // basic header: fmt 0, csid 5
    0xff, 0xff, 0xfe, // timestamp 0xFFFFFE
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x70, // payload
    0x06, // basic header: fmt 0, csid 6
    0xff, 0xff, 0xff, // timestamp field: extended
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x00, 0x00, 0x00, 0x00, // message stream id 0
    0x00, 0xff, 0xff, 0xff, // extended timestamp 0xFFFFFF
    0x71, // payload
  ]),
  encoded(
    "extended fmt-2 delta reused by a fmt-3 message, then a small fmt-1 delta",
    extendedDeltas,
    [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x00, // timestamp 0
      0x00, 0x00, 0x02, // length 2
      0x09, // type id 9
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0x80, 0x81, // payload
      0x84, // basic header: fmt 2, csid 4
      0xff, 0xff, 0xff, // timestamp delta field: extended
      0x01, 0x00, 0x00, 0x00, // extended delta 0x01000000
      0x82, 0x83, // payload
      0xc4, // basic header: fmt 3, csid 4 (same delta)
      0x01, 0x00, 0x00, 0x00, // extended delta repeated
      0x84, 0x85, // payload
      0x44, // basic header: fmt 1, csid 4
      0x00, 0x00, 0x10, // timestamp delta 16
      0x00, 0x00, 0x03, // length 3
      0x08, // type id 8
      0x86, 0x87, 0x88, // payload
    ],
  ),
  encoded("extended fmt-1 delta repeated in the fmt-3 continuation", extendedFmt1, [
    0x04, // basic header: fmt 0, csid 4
    0x00, 0x00, 0x05, // timestamp 5
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    0x90, // payload
    0x44, // basic header: fmt 1, csid 4
    0xff, 0xff, 0xff, // timestamp delta field: extended
    0x00, 0x00, 0x05, // length 5
    0x09, // type id 9
    0x01, 0x00, 0x00, 0x00, // extended delta 0x01000000
    0x91, 0x92, 0x93, 0x94, // first chunk (chunk size 4)
    0xc4, // basic header: fmt 3, csid 4
    0x01, 0x00, 0x00, 0x00, // extended delta again
    0x95, // second chunk
  ], 4),
  encoded("continuation after a small delta carries no extended field", extendedThenSmall, [
    0x04, // basic header: fmt 0, csid 4
    0xff, 0xff, 0xff, // timestamp field: extended
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000
    0xb0, // payload
    0x44, // basic header: fmt 1, csid 4
    0x00, 0x00, 0x10, // timestamp delta 16
    0x00, 0x00, 0x05, // length 5
    0x09, // type id 9
    0xb1, 0xb2, 0xb3, 0xb4, // first chunk (chunk size 4)
    0xc4, // basic header: fmt 3, csid 4, no extended timestamp
    0xb5, // second chunk
  ], 4),
  encoded("a wrapped timestamp is sent with fmt 0", wrapped, [
    0x04, // basic header: fmt 0, csid 4
    0xff, 0xff, 0xff, // timestamp field: extended
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    0xff, 0xff, 0xff, 0xf0, // extended timestamp 0xFFFFFFF0
    0xc0, // payload
    0x04, // basic header: fmt 0, csid 4 (timestamp went backwards)
    0x00, 0x00, 0x10, // timestamp 16
    0x00, 0x00, 0x01, // length 1
    0x08, // type id 8
    0x01, 0x00, 0x00, 0x00, // message stream id 1
    0xc1, // payload
  ]),
  {
    name: "Set Chunk Size applies to the chunks after it in the same buffer",
    steps: [{ message: setChunkSize }, { chunkSize: 256 }, { message: afterSetChunkSize }],
    messages: [setChunkSize, afterSetChunkSize],
    bytes: [
      0x02, // basic header: fmt 0, csid 2
      0x00, 0x00, 0x00, // timestamp 0
      0x00, 0x00, 0x04, // length 4
      0x01, // type id 1 (Set Chunk Size)
      0x00, 0x00, 0x00, 0x00, // message stream id 0
      0x00, 0x00, 0x01, 0x00, // chunk size 256
      0x03, // basic header: fmt 0, csid 3
      0x00, 0x00, 0x00, // timestamp 0
      0x00, 0x01, 0x2c, // length 300
      0x14, // type id 20
      0x00, 0x00, 0x00, 0x00, // message stream id 0
      ...afterSetChunkSize.payload.subarray(0, 256),
      0xc3, // basic header: fmt 3, csid 3
      ...afterSetChunkSize.payload.subarray(256),
    ],
  },
  {
    name: "fmt 1 delta wraps past 2^32",
    messages: [msg(4, 8, 0xfffffff0, 1, seq(1, 0xd0)), msg(4, 9, 0x10, 1, seq(1, 0xd1))],
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0xff, 0xff, 0xff, // timestamp field: extended
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xff, 0xff, 0xff, 0xf0, // extended timestamp 0xFFFFFFF0
      0xd0, // payload
      0x44, // basic header: fmt 1, csid 4
      0x00, 0x00, 0x20, // timestamp delta 32 (wraps to 16)
      0x00, 0x00, 0x01, // length 1
      0x09, // type id 9
      0xd1, // payload
    ],
  },
  {
    name: "fmt 3 starting a message after fmt 0 adds the fmt-0 timestamp",
    messages: [msg(4, 8, 100, 1, seq(1, 0xe0)), msg(4, 8, 200, 1, seq(1, 0xe1))],
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x64, // timestamp 100
      0x00, 0x00, 0x01, // length 1
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xe0, // payload
      0xc4, // basic header: fmt 3, csid 4: new message, delta 100
      0xe1, // payload
    ],
  },
  {
    name: "interleaved chunk streams",
    chunkSize: 4,
    messages: [msg(4, 8, 10, 1, seq(6, 0xa0)), msg(6, 9, 20, 1, seq(5, 0xb0))],
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x0a, // timestamp 10
      0x00, 0x00, 0x06, // length 6
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xa0, 0xa1, 0xa2, 0xa3, // csid 4, first chunk
      0x06, // basic header: fmt 0, csid 6
      0x00, 0x00, 0x14, // timestamp 20
      0x00, 0x00, 0x05, // length 5
      0x09, // type id 9
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xb0, 0xb1, 0xb2, 0xb3, // csid 6, first chunk
      0xc4, // basic header: fmt 3, csid 4
      0xa4, 0xa5, // csid 4, last chunk: message complete
      0xc6, // basic header: fmt 3, csid 6
      0xb4, // csid 6, last chunk: message complete
    ],
  },
  {
    name: "Abort drops the partial message of the chunk stream it names",
    chunkSize: 4,
    messages: [msg(2, 2, 0, 0, new Uint8Array([0, 0, 0, 4])), msg(4, 8, 20, 1, seq(5, 0xb0))],
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x0a, // timestamp 10
      0x00, 0x00, 0x05, // length 5
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xa0, 0xa1, 0xa2, 0xa3, // first chunk of a message that is then aborted
      0x02, // basic header: fmt 0, csid 2
      0x00, 0x00, 0x00, // timestamp 0
      0x00, 0x00, 0x04, // length 4
      0x02, // type id 2 (Abort)
      0x00, 0x00, 0x00, 0x00, // message stream id 0
      0x00, 0x00, 0x00, 0x04, // csid 4
      0xc4, // basic header: fmt 3, csid 4: new message, timestamp 10 + 10
      0xb0, 0xb1, 0xb2, 0xb3, // first chunk
      0xc4, // basic header: fmt 3, csid 4
      0xb4, // last chunk
    ],
  },
  {
    name: "a full header on an incomplete message starts a new message",
    chunkSize: 4,
    messages: [msg(4, 8, 11, 1, seq(2, 0xb0))],
    bytes: [
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x0a, // timestamp 10
      0x00, 0x00, 0x05, // length 5
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xa0, 0xa1, 0xa2, 0xa3, // first chunk of a message that is never finished
      0x04, // basic header: fmt 0, csid 4
      0x00, 0x00, 0x0b, // timestamp 11
      0x00, 0x00, 0x02, // length 2
      0x08, // type id 8
      0x01, 0x00, 0x00, 0x00, // message stream id 1
      0xb0, 0xb1, // payload
    ],
  },
];
