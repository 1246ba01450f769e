/**
 * The client session's log: librtmp's DEBUG lines for what it receives and sends, in librtmp's
 * order, and its DEBUG2 packet dumps, built only for a sink that shows them.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { AmfObject, type AmfValue, encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import {
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeUserControl,
  encodeWindowAckSize,
  MessageType,
  PeerBandwidthLimit,
  UserControlEvent,
} from "../../src/message/mod.ts";
import { ClientSession, type ClientSessionOptions } from "../../src/session/client_session.ts";
import { hexStringLines } from "../../src/session/hex_dump.ts";
import { LogLevel, sinkAt } from "../../src/session/log.ts";

const BASE: ClientSessionOptions = {
  app: "vod",
  tcUrl: "rtmp://127.0.0.1:1935/vod",
  flashVer: "LNX 10,0,32,18",
  playpath: "sample",
  bufferMs: 36000000,
  bufx: true,
};

/** A session logging to an array at `level`, and a server-side encoder for its input. */
function setup(level: LogLevel = LogLevel.Debug, extra: Partial<ClientSessionOptions> = {}) {
  const lines: string[] = [];
  const levels: LogLevel[] = [];
  const media: RtmpMessage[] = [];
  const session = new ClientSession({
    ...BASE,
    ...extra,
    log: sinkAt(level, (l, message) => {
      levels.push(l);
      lines.push(message);
    }),
  }, { onMedia: (m) => media.push(m) });
  const encoder = new ChunkEncoder();
  const wire = (...messages: RtmpMessage[]) => {
    for (const m of messages) encoder.write(m);
    return encoder.takeOutput();
  };
  const command = (values: AmfValue[], csid = 3, messageStreamId = 0): RtmpMessage => ({
    csid,
    typeId: MessageType.CommandAmf0,
    timestamp: 0,
    messageStreamId,
    payload: encodeAmf0(...values),
  });
  const status = (code: string) =>
    command(["onStatus", 0, null, new AmfObject([["level", "status"], ["code", code]])], 5, 1);
  const take = () => {
    const taken = lines.splice(0);
    levels.splice(0);
    return taken;
  };
  return { session, lines, levels, media, wire, command, status, take, encoder };
}

/** Connects and plays up to Play.Start (the server's replies as nginx-rtmp sends them). */
function playing(level: LogLevel = LogLevel.Debug, extra: Partial<ClientSessionOptions> = {}) {
  const s = setup(level, extra);
  s.session.connect();
  s.session.receive(s.wire(
    encodeWindowAckSize(5_000_000),
    encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic),
    encodeSetChunkSize(4096),
  ));
  s.encoder.chunkSize = 4096;
  s.session.receive(s.wire(s.command(["_result", 1, new AmfObject(), new AmfObject()])));
  s.session.receive(s.wire(s.command(["_result", 2, null, 1])));
  s.session.receive(s.wire(s.status("NetStream.Play.Start")));
  s.session.takeOutput();
  return s;
}

Deno.test("ClientSession logs connect to Play.Start as librtmp does, in its order", () => {
  const s = setup();
  s.session.connect();
  assertEquals(s.take(), ["Invoking connect"]);
  s.session.receive(s.wire(
    encodeWindowAckSize(5_000_000),
    encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic),
    encodeSetChunkSize(4096),
  ));
  s.encoder.chunkSize = 4096;
  assertEquals(s.take(), [
    "HandleServerBW: server BW = 5000000",
    "HandleClientBW: client BW = 5000000 2",
    "HandleChangeChunkSize, received: chunk size change to 4096",
  ]);
  const info = new AmfObject([["code", "NetConnection.Connect.Success"]]);
  s.session.receive(s.wire(s.command(["_result", 1, new AmfObject([["fmsVer", "x"]]), info])));
  assertEquals(s.take(), [
    "RTMP_ClientPacket, received: invoke 77 bytes",
    "(object begin)",
    "Property: <Name:           no-name., STRING:\t_result>",
    "Property: <Name:           no-name., NUMBER:\t1.00>",
    "Property: <Name:           no-name., OBJECT>",
    "(object begin)",
    "Property: <Name:             fmsVer, STRING:\tx>",
    "(object end)",
    "Property: <Name:           no-name., OBJECT>",
    "(object begin)",
    "Property: <Name:               code, STRING:\tNetConnection.Connect.Success>",
    "(object end)",
    "(object end)",
    "HandleInvoke, server invoking <_result>",
    "HandleInvoke, received result for method call <connect>",
    "sending ctrl. type: 0x0003",
    "Invoking createStream",
  ]);
  s.session.receive(s.wire(s.command(["_result", 2, null, 1])));
  assertEquals(s.take(), [
    "RTMP_ClientPacket, received: invoke 29 bytes",
    "(object begin)",
    "Property: <Name:           no-name., STRING:\t_result>",
    "Property: <Name:           no-name., NUMBER:\t2.00>",
    "Property: NULL",
    "Property: <Name:           no-name., NUMBER:\t1.00>",
    "(object end)",
    "HandleInvoke, server invoking <_result>",
    "HandleInvoke, received result for method call <createStream>",
    "SendPlay, seekTime=0, stopTime=0, sending play: sample",
    "Invoking play",
    "sending ctrl. type: 0x0003",
  ]);
  s.session.receive(s.wire(encodeUserControl(UserControlEvent.StreamBegin, [1])));
  assertEquals(s.take(), [
    "HandleCtrl, received ctrl. type: 0, len: 6",
    "HandleCtrl, Stream Begin 1",
  ]);
});

Deno.test("ClientSession logs each user control event with HandleCtrl's words", () => {
  const s = playing();
  s.take();
  const event = (type: number, value: number) =>
    s.wire({
      csid: 2,
      typeId: MessageType.UserControl,
      timestamp: 0,
      messageStreamId: 0,
      payload: Uint8Array.of(type >> 8, type & 0xff, value >>> 24, value >> 16, value >> 8, value),
    });
  s.session.receive(event(UserControlEvent.StreamDry, 1));
  s.session.receive(event(UserControlEvent.StreamIsRecorded, 1));
  s.session.receive(event(UserControlEvent.PingRequest, 0xfffffffe));
  s.session.receive(event(UserControlEvent.BufferReady, 1));
  s.session.receive(event(0x7f, 9));
  s.session.receive(event(0xffff, 9));
  assertEquals(s.take(), [
    "HandleCtrl, received ctrl. type: 2, len: 6",
    "HandleCtrl, Stream Dry 1",
    "HandleCtrl, received ctrl. type: 4, len: 6",
    "HandleCtrl, Stream IsRecorded 1",
    "HandleCtrl, received ctrl. type: 6, len: 6",
    "HandleCtrl, Ping -2", // printed with %d
    "sending ctrl. type: 0x0007",
    "HandleCtrl, received ctrl. type: 32, len: 6",
    "HandleCtrl, Stream BufferReady 1",
    "HandleCtrl, received ctrl. type: 127, len: 6",
    "HandleCtrl, Stream xx 9",
    "HandleCtrl, received ctrl. type: -1, len: 6", // a short in librtmp
    "HandleCtrl, Stream xx 9",
  ]);
  // Too short to carry a value: only the first line.
  s.session.receive(s.wire({
    csid: 2,
    typeId: MessageType.UserControl,
    timestamp: 0,
    messageStreamId: 0,
    payload: Uint8Array.of(0, 4, 0, 0),
  }));
  assertEquals(s.take(), ["HandleCtrl, received ctrl. type: 4, len: 4"]);
});

Deno.test("ClientSession logs the BUFX pause and unpause as RTMP_SendPause", () => {
  const s = playing();
  s.session.receive(s.wire({
    csid: 6,
    typeId: MessageType.Audio,
    timestamp: 1234,
    messageStreamId: 1,
    payload: Uint8Array.of(0xaf, 1, 2),
  }));
  s.take();
  s.session.receive(s.wire(encodeUserControl(UserControlEvent.BufferEmpty, [1])));
  s.session.receive(s.wire(encodeUserControl(UserControlEvent.StreamEOF, [1])));
  s.session.receive(s.wire(encodeUserControl(UserControlEvent.BufferEmpty, [1])));
  assertEquals(s.take(), [
    "HandleCtrl, received ctrl. type: 31, len: 6",
    "HandleCtrl, Stream BufferEmpty 1",
    "RTMP_SendPause, 1, pauseTime=1234",
    "Invoking pause",
    "HandleCtrl, received ctrl. type: 1, len: 6",
    "HandleCtrl, Stream EOF 1",
    "HandleCtrl, received ctrl. type: 31, len: 6",
    "HandleCtrl, Stream BufferEmpty 1",
    "RTMP_SendPause, 0, pauseTime=1234",
    "Invoking pause",
  ]);
});

Deno.test("ClientSession names the packets librtmp does not handle as RTMP_ClientPacket does", () => {
  const s = playing();
  s.take();
  const packet = (typeId: number, payload: Uint8Array): RtmpMessage => ({
    csid: 5,
    typeId,
    timestamp: 0,
    messageStreamId: 1,
    payload,
  });
  s.session.receive(s.wire(
    packet(MessageType.Abort, Uint8Array.of(0, 0, 0, 9)),
    packet(MessageType.Acknowledgement, Uint8Array.of(0, 0, 1, 0)),
    packet(MessageType.DataAmf3, Uint8Array.of(0, 2, 0, 1, 0x61)),
    packet(MessageType.SharedObjectAmf3, Uint8Array.of(0, 1, 2)),
    packet(MessageType.SharedObjectAmf0, Uint8Array.of(1, 2)),
    packet(0x42, Uint8Array.of(1)),
    packet(MessageType.CommandAmf3, Uint8Array.of(0, ...encodeAmf0("_result", 7, null))),
  ));
  assertEquals(s.take(), [
    "RTMP_ClientPacket, unknown packet type received: 0x02",
    "RTMP_ClientPacket, received: bytes read report",
    "RTMP_ClientPacket, flex stream send, size 5 bytes, not supported, ignoring",
    "RTMP_ClientPacket, flex shared object, size 3 bytes, not supported, ignoring",
    "RTMP_ClientPacket, shared object, not supported, ignoring",
    "RTMP_ClientPacket, unknown packet type received: 0x42",
    "RTMP_ClientPacket, flex message, size 21 bytes, not fully supported",
    "(object begin)",
    "Property: <Name:           no-name., STRING:\t_result>",
    "Property: <Name:           no-name., NUMBER:\t7.00>",
    "Property: NULL",
    "(object end)",
    "HandleInvoke, server invoking <_result>",
    "HandleInvoke, received result id 7.000000 without matching request",
  ]);
});

Deno.test("ClientSession dumps notifies after play and the data tags inside aggregates", () => {
  const s = playing();
  s.take();
  const notify = encodeAmf0("onCuePoint", new AmfObject([["t", 1.5]]));
  s.session.receive(s.wire({
    csid: 5,
    typeId: MessageType.DataAmf0,
    timestamp: 0,
    messageStreamId: 1,
    payload: notify,
  }));
  const tag = (type: number, body: Uint8Array) => {
    const out = new Uint8Array(11 + body.length + 4);
    out[0] = type;
    out[1] = body.length >> 16;
    out[2] = body.length >> 8;
    out[3] = body.length;
    out.set(body, 11);
    new DataView(out.buffer).setUint32(11 + body.length, 11 + body.length);
    return out;
  };
  const audio = tag(8, Uint8Array.of(0xaf, 1, 0));
  const data = tag(0x12, encodeAmf0("onTextData", "hi"));
  const aggregate = new Uint8Array(audio.length + data.length);
  aggregate.set(audio);
  aggregate.set(data, audio.length);
  s.session.receive(s.wire({
    csid: 5,
    typeId: MessageType.Aggregate,
    timestamp: 0,
    messageStreamId: 1,
    payload: aggregate,
  }));
  assertEquals(s.take(), [
    `RTMP_ClientPacket, received: notify ${notify.length} bytes`,
    "(object begin)",
    "Property: <Name:           no-name., STRING:\tonCuePoint>",
    "Property: <Name:           no-name., OBJECT>",
    "(object begin)",
    "Property: <Name:                  t, NUMBER:\t1.50>",
    "(object end)",
    "(object end)",
    "(object begin)",
    "Property: <Name:           no-name., STRING:\tonTextData>",
    "Property: <Name:           no-name., STRING:\thi>",
    "(object end)",
  ]);
  assertEquals(s.media.length, 2);
});

Deno.test("ClientSession logs a notify before play only as the warning, as librtmp", () => {
  const s = setup();
  s.session.connect();
  s.take();
  s.session.receive(s.wire({
    csid: 5,
    typeId: MessageType.DataAmf0,
    timestamp: 0,
    messageStreamId: 1,
    payload: encodeAmf0("onMetaData", null),
  }));
  assertEquals(s.take(), ["Received FLV packet before play()! Ignoring."]);
});

Deno.test("ClientSession builds no dumps for a sink that does not show them", () => {
  const info = playing(LogLevel.Info);
  const debug = playing(LogLevel.Debug);
  assert(info.lines.every((line) => !line.startsWith("(object") && !line.startsWith("Property")));
  assert(debug.lines.some((line) => line.startsWith("(object")));
  assert(debug.lines.every((line) => !line.startsWith("RTMP_ReadPacket")));
  assert(debug.levels.every((level) => level <= LogLevel.Debug));
});

/** The bytes a run of hexStringLines lines shows. */
function bytesOf(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const bytes: number[] = [];
    for (let n = 0; n < 16; n++) {
      const column = 9 + n * 3 + (n >= 8 ? 1 : 0);
      const pair = line.slice(column, column + 2);
      if (pair.trim() === "") break;
      bytes.push(parseInt(pair, 16));
    }
    return bytes;
  });
}

Deno.test("ClientSession dumps what it sends, chunk by chunk, at DEBUG2", () => {
  const s = setup(LogLevel.Debug2, { logDescriptor: 4 });
  s.session.connect();
  const lines = s.take();
  const bytes = s.session.takeOutput();
  // The connect body is longer than one 128-byte chunk: header, 128 bytes, 1-byte header, rest.
  assertEquals(lines[0], `RTMP_SendPacket: fd=4, size=${bytes.length - 12 - 1}`);
  assertEquals(lines.at(-1), "Invoking connect");
  const dumped = lines.slice(1, -1);
  assertEquals(dumped.slice(0, 1), hexStringLines(bytes.subarray(0, 12)));
  assertEquals(dumped.slice(1, 9), hexStringLines(bytes.subarray(12, 140)));
  assertEquals(dumped[9], hexStringLines(bytes.subarray(140, 141))[0]);
  assertEquals(bytesOf(dumped), [...bytes]);
});

Deno.test("ClientSession dumps each chunk it reads at DEBUG2, and holds the dumps after Play.Start with the messages", () => {
  const s = setup(LogLevel.Debug2, { logDescriptor: 3 });
  s.session.connect();
  s.session.receive(s.wire(s.command(["_result", 1, null, null])));
  s.session.receive(s.wire(s.command(["_result", 2, null, 1])));
  s.take();
  const start = s.wire(s.status("NetStream.Play.Start"));
  const audio = s.wire({
    csid: 6,
    typeId: MessageType.Audio,
    timestamp: 5,
    messageStreamId: 1,
    payload: Uint8Array.of(0xaf, 1, 7),
  });
  const both = new Uint8Array(start.length + audio.length);
  both.set(start);
  both.set(audio, start.length);
  s.session.holdAfterStart();
  s.session.receive(both);
  const beforeRelease = s.take();
  assertEquals(beforeRelease[0], "RTMP_ReadPacket: fd=3");
  assertEquals(beforeRelease.at(-1), "HandleInvoke, onStatus: NetStream.Play.Start");
  assert(!beforeRelease.slice(1).includes("RTMP_ReadPacket: fd=3"), "the audio chunk is held");
  s.session.releaseHeld();
  assertEquals(s.take(), [
    "RTMP_ReadPacket: fd=3",
    ...hexStringLines(audio.subarray(0, audio.length - 3)),
    ...hexStringLines(audio.subarray(audio.length - 3)),
  ]);
  assertEquals(s.media.length, 1);
});

Deno.test("ClientSession logs a read that got nothing more as librtmp does", () => {
  const s = playing(LogLevel.Debug2, { logDescriptor: 4 });
  s.take();
  s.session.logReadEnd("timeout");
  assertEquals(s.take(), [
    "RTMP_ReadPacket: fd=4",
    "RTMPSockBuf_Fill, recv returned -1. GetSockError(): 11 (Resource temporarily unavailable)",
  ]);
  assertEquals(s.session.readFailure(), "RTMP_ReadPacket, failed to read RTMP packet header");
  s.session.logReadEnd("closed");
  assertEquals(s.take(), ["RTMP_ReadPacket: fd=4"]);
  // Cut inside a body: the read that started it was logged with its header already.
  s.session.receive(
    s.wire({
      csid: 6,
      typeId: MessageType.Audio,
      timestamp: 5,
      messageStreamId: 1,
      payload: new Uint8Array(100),
    }).subarray(0, 20),
  );
  s.take();
  s.session.logReadEnd("reset");
  assertEquals(s.take(), [
    "RTMPSockBuf_Fill, recv returned -1. GetSockError(): 104 (Connection reset by peer)",
  ]);
  assertEquals(
    s.session.readFailure(),
    "RTMP_ReadPacket, failed to read RTMP packet body. len: 100",
  );
});
