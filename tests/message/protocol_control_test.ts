import { deepStrictEqual, throws } from "node:assert/strict";
import {
  decodeAbort,
  decodeAcknowledgement,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeWindowAckSize,
  MessageError,
  MessageType,
  PeerBandwidthLimit,
  type RtmpMessage,
} from "../../src/message/mod.ts";
import { checkTruncations } from "./_helpers.ts";

interface ControlGolden {
  name: string;
  encode: () => RtmpMessage;
  decode: (payload: Uint8Array) => unknown;
  typeId: number;
  decoded: unknown;
  payload: number[];
}

const GOLDENS: ControlGolden[] = [
  {
    name: "Set Chunk Size 4096",
    encode: () => encodeSetChunkSize(4096),
    decode: decodeSetChunkSize,
    typeId: MessageType.SetChunkSize,
    decoded: 4096,
    payload: [0x00, 0x00, 0x10, 0x00], // chunk size 4096
  },
  {
    name: "Set Chunk Size 0x7FFFFFFF",
    encode: () => encodeSetChunkSize(0x7fffffff),
    decode: decodeSetChunkSize,
    typeId: MessageType.SetChunkSize,
    decoded: 0x7fffffff,
    payload: [0x7f, 0xff, 0xff, 0xff], // largest chunk size, top bit clear
  },
  {
    name: "Abort chunk stream 4",
    encode: () => encodeAbort(4),
    decode: decodeAbort,
    typeId: MessageType.Abort,
    decoded: 4,
    payload: [0x00, 0x00, 0x00, 0x04], // csid 4
  },
  {
    name: "Acknowledgement of 250000 bytes",
    encode: () => encodeAcknowledgement(250_000),
    decode: decodeAcknowledgement,
    typeId: MessageType.Acknowledgement,
    decoded: 250_000,
    payload: [0x00, 0x03, 0xd0, 0x90], // sequence number 250000
  },
  {
    name: "Window Acknowledgement Size 2500000 (rtmpdump's default)",
    encode: () => encodeWindowAckSize(2_500_000),
    decode: decodeWindowAckSize,
    typeId: MessageType.WindowAckSize,
    decoded: 2_500_000,
    payload: [0x00, 0x26, 0x25, 0xa0], // window 2500000
  },
  {
    name: "Set Peer Bandwidth 2500000, dynamic",
    encode: () => encodeSetPeerBandwidth(2_500_000, PeerBandwidthLimit.Dynamic),
    decode: decodeSetPeerBandwidth,
    typeId: MessageType.SetPeerBandwidth,
    decoded: { windowSize: 2_500_000, limitType: 2 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x26, 0x25, 0xa0, // window 2500000
      0x02, // limit type: dynamic
    ],
  },
  {
    name: "Set Peer Bandwidth 5000000, hard",
    encode: () => encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Hard),
    decode: decodeSetPeerBandwidth,
    typeId: MessageType.SetPeerBandwidth,
    decoded: { windowSize: 5_000_000, limitType: 0 },
    // deno-fmt-ignore
    payload: [
      0x00, 0x4c, 0x4b, 0x40, // window 5000000
      0x00, // limit type: hard
    ],
  },
];

for (const golden of GOLDENS) {
  Deno.test(`protocol control encodes golden: ${golden.name}`, () => {
    deepStrictEqual(golden.encode(), {
      csid: 2,
      typeId: golden.typeId,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array(golden.payload),
    });
  });

  Deno.test(`protocol control decodes golden: ${golden.name}`, () => {
    deepStrictEqual(golden.decode(new Uint8Array(golden.payload)), golden.decoded);
  });

  Deno.test(`protocol control rejects truncated golden: ${golden.name}`, () => {
    const payload = new Uint8Array(golden.payload);
    // Set Peer Bandwidth without its limit byte is valid.
    checkTruncations(payload, golden.decode, (length) => length === 4);
  });
}

Deno.test("protocol control encoders take header overrides", () => {
  const message = encodeWindowAckSize(1, { csid: 5, timestamp: 7, messageStreamId: 9 });
  deepStrictEqual([message.csid, message.timestamp, message.messageStreamId], [5, 7, 9]);
});

Deno.test("decodeSetPeerBandwidth records 0xFF when the limit type byte is absent", () => {
  deepStrictEqual(decodeSetPeerBandwidth(new Uint8Array([0, 0x26, 0x25, 0xa0])), {
    windowSize: 2_500_000,
    limitType: 0xff,
  });
});

Deno.test("decodeSetChunkSize rejects 0 and values with the top bit set", () => {
  throws(
    () => decodeSetChunkSize(new Uint8Array([0, 0, 0, 0])),
    new MessageError("Cannot decode Set Chunk Size: 0 is out of range"),
  );
  throws(
    () => decodeSetChunkSize(new Uint8Array([0x80, 0, 0, 0])),
    new MessageError("Cannot decode Set Chunk Size: 2147483648 is out of range"),
  );
});

Deno.test("protocol control decoders reject short payloads with a MessageError", () => {
  throws(
    () => decodeWindowAckSize(new Uint8Array(3)),
    new MessageError("Cannot decode Window Acknowledgement Size: payload is 3 bytes, expected 4"),
  );
});

Deno.test("encodeAcknowledgement sends the byte count modulo 2^32", () => {
  deepStrictEqual(encodeAcknowledgement(2 ** 32 + 5).payload, new Uint8Array([0, 0, 0, 5]));
  deepStrictEqual(encodeAcknowledgement(2 ** 31).payload, new Uint8Array([0x80, 0, 0, 0]));
});

Deno.test("protocol control encoders reject values out of range", () => {
  throws(() => encodeSetChunkSize(0), RangeError);
  throws(() => encodeSetChunkSize(0x80000000), RangeError);
  throws(() => encodeAbort(-1), RangeError);
  throws(() => encodeAcknowledgement(-1), RangeError);
  throws(() => encodeWindowAckSize(2 ** 32), RangeError);
  throws(() => encodeSetPeerBandwidth(1, 256), RangeError);
});
