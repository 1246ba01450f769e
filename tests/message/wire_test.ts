import { deepStrictEqual } from "node:assert/strict";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import {
  CSID,
  decodeCommand,
  decodeUserControl,
  encodeCommand,
  encodeUserControl,
  encodeWindowAckSize,
  MessageType,
  UserControlEvent,
} from "../../src/message/mod.ts";
import { ascii, f64 } from "./_helpers.ts";

Deno.test("message type ids and chunk stream ids match librtmp", () => {
  deepStrictEqual(MessageType, {
    SetChunkSize: 1,
    Abort: 2,
    Acknowledgement: 3,
    UserControl: 4,
    WindowAckSize: 5,
    SetPeerBandwidth: 6,
    Audio: 8,
    Video: 9,
    DataAmf3: 15,
    SharedObjectAmf3: 16,
    CommandAmf3: 17,
    DataAmf0: 18,
    SharedObjectAmf0: 19,
    CommandAmf0: 20,
    Aggregate: 22,
  });
  deepStrictEqual(CSID, { ProtocolControl: 2, Command: 3, Media: 4, Publish: 4, Stream: 8 });
});

Deno.test("rtmpdump's post-connect sequence goes on the wire with its header forms", () => {
  const encoder = new ChunkEncoder();
  const connect = encodeCommand({
    name: "connect",
    transactionId: 1,
    commandObject: { app: "live" },
    args: [],
  });
  encoder.write(connect, { forceFull: true });
  encoder.takeOutput();
  encoder.write(encodeWindowAckSize(2_500_000), { forceFull: true });
  encoder.write(encodeUserControl(UserControlEvent.SetBufferLength, [0, 300]));
  encoder.write(
    encodeCommand({ name: "createStream", transactionId: 2, commandObject: null, args: [] }),
  );
  // deno-fmt-ignore
  const expected = [
    0x02, // fmt 0, csid 2
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x04, // length 4
    0x05, // type 5: Window Acknowledgement Size
    0x00, 0x00, 0x00, 0x00, // message stream 0
    0x00, 0x26, 0x25, 0xa0, // 2500000
    0x42, // fmt 1, csid 2
    0x00, 0x00, 0x00, // timestamp delta 0
    0x00, 0x00, 0x0a, // length 10
    0x04, // type 4: User Control
    0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, // SetBufferLength 0, 300 ms
    0x43, // fmt 1, csid 3
    0x00, 0x00, 0x00, // timestamp delta 0
    0x00, 0x00, 0x19, // length 25
    0x14, // type 20: AMF0 command
    0x02, 0x00, 0x0c, ...ascii("createStream"), // string "createStream"
    0x00, ...f64(2), // transaction id 2
    0x05, // null
  ];
  deepStrictEqual([...encoder.takeOutput()], expected);
});

Deno.test("a PingRequest decoded from the wire is answered with the same value", () => {
  const decoder = new ChunkDecoder();
  const received: RtmpMessage[] = [];
  // deno-fmt-ignore
  const bytes = [
    0x02, // fmt 0, csid 2
    0x00, 0x00, 0x00, // timestamp 0
    0x00, 0x00, 0x06, // length 6
    0x04, // type 4: User Control
    0x00, 0x00, 0x00, 0x00, // message stream 0
    0x00, 0x06, 0x00, 0x0f, 0x42, 0x40, // PingRequest 1000000
  ];
  decoder.push(new Uint8Array(bytes), (message) => received.push(message));
  const ping = decodeUserControl(received[0].payload);
  deepStrictEqual(ping.value, 1_000_000);
  const pong = encodeUserControl(UserControlEvent.PingResponse, [ping.value!]);
  deepStrictEqual([...pong.payload], [0x00, 0x07, 0x00, 0x0f, 0x42, 0x40]);
});

Deno.test("a command split across chunks decodes after reassembly", () => {
  const longPath = "x".repeat(300);
  const play = encodeCommand(
    { name: "play", transactionId: 5, commandObject: null, args: [longPath, 0] },
    { csid: CSID.Stream, messageStreamId: 1 },
  );
  const encoder = new ChunkEncoder();
  encoder.write(play);
  const decoder = new ChunkDecoder();
  const received: RtmpMessage[] = [];
  const bytes = encoder.takeOutput();
  for (let i = 0; i < bytes.length; i += 7) {
    decoder.push(bytes.subarray(i, i + 7), (message) => received.push(message));
  }
  deepStrictEqual(decodeCommand(received[0]).args, [longPath, 0]);
});
