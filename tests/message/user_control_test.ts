import { deepStrictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  decodeUserControl,
  encodeUserControl,
  MessageError,
  type UserControl,
  UserControlEvent,
} from "../../src/message/mod.ts";
import { checkTruncations } from "./_helpers.ts";

interface UserControlGolden {
  name: string;
  event: number;
  data: number[] | Uint8Array;
  decoded: Omit<UserControl, "data">;
  payload: number[];
}

const SWF_RESPONSE = new Uint8Array(42).map((_, i) => i + 1);

const GOLDENS: UserControlGolden[] = [
  {
    name: "StreamBegin for stream 1",
    event: UserControlEvent.StreamBegin,
    data: [1],
    decoded: { event: 0, streamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x00, // event 0: StreamBegin
      0x00, 0x00, 0x00, 0x01, // stream id 1
    ],
  },
  {
    name: "StreamEOF for stream 1",
    event: UserControlEvent.StreamEOF,
    data: [1],
    decoded: { event: 1, streamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x01, // event 1: StreamEOF
      0x00, 0x00, 0x00, 0x01, // stream id 1
    ],
  },
  {
    name: "StreamDry for stream 2",
    event: UserControlEvent.StreamDry,
    data: [2],
    decoded: { event: 2, streamId: 2 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x02, // event 2: StreamDry
      0x00, 0x00, 0x00, 0x02, // stream id 2
    ],
  },
  {
    name: "SetBufferLength stream 0, 300 ms (rtmpdump after connect)",
    event: UserControlEvent.SetBufferLength,
    data: [0, 300],
    decoded: { event: 3, streamId: 0, value: 300 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x03, // event 3: SetBufferLength
      0x00, 0x00, 0x00, 0x00, // stream id 0
      0x00, 0x00, 0x01, 0x2c, // buffer 300 ms
    ],
  },
  {
    name: "SetBufferLength stream 1, 36000000 ms (rtmpdump's default buffer)",
    event: UserControlEvent.SetBufferLength,
    data: [1, 36_000_000],
    decoded: { event: 3, streamId: 1, value: 36_000_000 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x03, // event 3: SetBufferLength
      0x00, 0x00, 0x00, 0x01, // stream id 1
      0x02, 0x25, 0x51, 0x00, // buffer 36000000 ms
    ],
  },
  {
    name: "StreamIsRecorded for stream 1",
    event: UserControlEvent.StreamIsRecorded,
    data: [1],
    decoded: { event: 4, streamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x04, // event 4: StreamIsRecorded
      0x00, 0x00, 0x00, 0x01, // stream id 1
    ],
  },
  {
    name: "PingRequest at 123456",
    event: UserControlEvent.PingRequest,
    data: [123_456],
    decoded: { event: 6, value: 123_456 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x06, // event 6: PingRequest
      0x00, 0x01, 0xe2, 0x40, // timestamp 123456
    ],
  },
  {
    name: "PingResponse echoing 123456",
    event: UserControlEvent.PingResponse,
    data: [123_456],
    decoded: { event: 7, value: 123_456 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x07, // event 7: PingResponse
      0x00, 0x01, 0xe2, 0x40, // timestamp 123456
    ],
  },
  {
    name: "SwfVerifyRequest, 3 bytes as rtmpdump sends it",
    event: UserControlEvent.SwfVerifyRequest,
    data: [0],
    decoded: { event: 26 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x1a, // event 26: SwfVerifyRequest
      0x00, // request type 0
    ],
  },
  {
    name: "SwfVerifyResponse, 44 bytes",
    event: UserControlEvent.SwfVerifyResponse,
    data: SWF_RESPONSE,
    decoded: { event: 27 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x1b, // event 27: SwfVerifyResponse
      ...SWF_RESPONSE, // 42 bytes: 01 01, size, size, HMAC (here a counting pattern)
    ],
  },
  {
    name: "BufferEmpty for stream 1",
    event: UserControlEvent.BufferEmpty,
    data: [1],
    decoded: { event: 31, streamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x1f, // event 31: BufferEmpty
      0x00, 0x00, 0x00, 0x01, // stream id 1
    ],
  },
  {
    name: "BufferReady for stream 1",
    event: UserControlEvent.BufferReady,
    data: [1],
    decoded: { event: 32, streamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x20, // event 32: BufferReady
      0x00, 0x00, 0x00, 0x01, // stream id 1
    ],
  },
  {
    name: "unknown event with raw data",
    event: 0x1234,
    data: new Uint8Array([9, 8, 7]),
    decoded: { event: 0x1234 },
    // deno-fmt-ignore
    payload: [
      0x12, 0x34, // event 0x1234
      0x09, 0x08, 0x07, // data
    ],
  },
];

for (const golden of GOLDENS) {
  Deno.test(`encodeUserControl encodes golden: ${golden.name}`, () => {
    deepStrictEqual(encodeUserControl(golden.event, golden.data), {
      csid: 2,
      typeId: 4,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array(golden.payload),
    });
  });

  Deno.test(`decodeUserControl decodes golden: ${golden.name}`, () => {
    const payload = new Uint8Array(golden.payload);
    deepStrictEqual(decodeUserControl(payload), { ...golden.decoded, data: payload.subarray(2) });
  });

  Deno.test(`decodeUserControl rejects truncated golden: ${golden.name}`, () => {
    const payload = new Uint8Array(golden.payload);
    const fixed = golden.decoded.streamId !== undefined || golden.decoded.value !== undefined;
    checkTruncations(payload, decodeUserControl, (length) => length >= 2 && !fixed);
  });
}

Deno.test("encodeUserControl sends missing numbers as 0 and rejects extra ones", () => {
  deepStrictEqual(
    encodeUserControl(UserControlEvent.SetBufferLength, [1]).payload,
    new Uint8Array([0, 3, 0, 0, 0, 1, 0, 0, 0, 0]),
  );
  throws(() => encodeUserControl(UserControlEvent.StreamBegin, [1, 2]), RangeError);
  throws(() => encodeUserControl(UserControlEvent.SwfVerifyRequest, [256]), RangeError);
  throws(() => encodeUserControl(UserControlEvent.PingResponse, [-1]), RangeError);
  throws(() => encodeUserControl(0x10000, []), RangeError);
});

Deno.test("decodeUserControl names the event and sizes when data is short", () => {
  throws(
    () => decodeUserControl(new Uint8Array([0, 3, 0, 0, 0, 1])),
    new MessageError("Cannot decode User Control event 3: data is 4 bytes, expected 8"),
  );
});

Deno.test("decodeUserControl round-trips encodeUserControl for any event and u32 data", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1, 2, 3, 4, 6, 7, 31, 32),
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      (event, a, b) => {
        const data = event === 3 ? [a, b] : [a];
        const decoded = decodeUserControl(encodeUserControl(event, data).payload);
        deepStrictEqual(decoded.event, event);
        deepStrictEqual(decoded.streamId ?? decoded.value, a);
        if (event === 3) deepStrictEqual(decoded.value, b);
      },
    ),
  );
});

Deno.test("decodeUserControl throws only MessageError on random payloads", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20 }), (payload) => {
      try {
        decodeUserControl(payload);
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
      }
    }),
  );
});
