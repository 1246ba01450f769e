import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { AmfObject, type AmfValue } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import {
  decodeCommand,
  encodeCommand,
  MessageType,
  UserControlEvent,
} from "../../src/message/mod.ts";
import { ClientSession, type ClientSessionOptions } from "../../src/session/client_session.ts";
import { LogLevel } from "../../src/session/log.ts";

/** A scripted server: encodes what it sends, decodes what the client sent. */
class FakeServer {
  encoder = new ChunkEncoder();
  decoder = new ChunkDecoder();
  received: RtmpMessage[] = [];

  take(session: ClientSession): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    this.decoder.push(session.takeOutput(), (m) => out.push(m));
    this.received.push(...out);
    return out;
  }

  command(name: string, txn: number, obj: AmfValue, args: AmfValue[] = [], msid = 0): Uint8Array {
    this.encoder.write(
      encodeCommand({ name, transactionId: txn, commandObject: obj, args }, {
        csid: 3,
        messageStreamId: msid,
      }),
    );
    return this.encoder.takeOutput();
  }

  status(code: string, msid = 1): Uint8Array {
    const info = new AmfObject([["level", "status"], ["code", code], ["description", code]]);
    return this.command("onStatus", 0, null, [info], msid);
  }

  media(typeId: number, timestamp: number, payload: Uint8Array, msid = 1): Uint8Array {
    this.encoder.write({ csid: 6, typeId, timestamp, messageStreamId: msid, payload });
    return this.encoder.takeOutput();
  }

  control(typeId: number, payload: number[]): Uint8Array {
    this.encoder.write({
      csid: 2,
      typeId,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array(payload),
    });
    return this.encoder.takeOutput();
  }
}

const BASE: ClientSessionOptions = {
  app: "vod",
  tcUrl: "rtmp://127.0.0.1:1935/vod",
  flashVer: "LNX 10,0,32,18",
  playpath: "sample",
  bufferMs: 36000000,
};

function setup(extra: Partial<ClientSessionOptions> = {}) {
  const media: RtmpMessage[] = [];
  const logs: [number, string][] = [];
  const session = new ClientSession({ ...BASE, ...extra, log: (l, m) => logs.push([l, m]) }, {
    onMedia: (m) => media.push(m),
  });
  const server = new FakeServer();
  return { session, server, media, logs };
}

/** Runs connect → createStream → Play.Start and returns the client's commands by name. */
function playToStart(extra: Partial<ClientSessionOptions> = {}) {
  const s = setup(extra);
  s.session.connect();
  const [connect] = s.server.take(s.session);
  const cmd = decodeCommand(connect);
  s.session.receive(s.server.command("_result", cmd.transactionId, null, [new AmfObject()]));
  const afterConnect = s.server.take(s.session);
  const create = afterConnect.map((m) => m).find((m) =>
    m.typeId === MessageType.CommandAmf0 && decodeCommand(m).name === "createStream"
  )!;
  s.session.receive(s.server.command("_result", decodeCommand(create).transactionId, null, [1]));
  const afterCreate = s.server.take(s.session);
  s.session.receive(s.server.status("NetStream.Play.Start"));
  return { ...s, connect, afterConnect, afterCreate };
}

Deno.test("ClientSession sends rtmpdump's connect command on csid 3 with transaction 1", () => {
  const { session, server } = setup({ pageUrl: "http://p", auth: "secret", conn: ["extra"] });
  session.connect();
  const [m] = server.take(session);
  assertEquals([m.csid, m.typeId, m.messageStreamId, m.timestamp], [3, 20, 0, 0]);
  const cmd = decodeCommand(m);
  assertEquals(cmd.name, "connect");
  assertEquals(cmd.transactionId, 1);
  const obj = cmd.commandObject as AmfObject;
  assertEquals([...obj.keys()], [
    "app",
    "flashVer",
    "tcUrl",
    "fpad",
    "capabilities",
    "audioCodecs",
    "videoCodecs",
    "videoFunction",
    "pageUrl",
  ]);
  assertEquals(obj.get("capabilities"), 15);
  assertEquals(obj.get("audioCodecs"), 3191);
  assertEquals(obj.get("videoCodecs"), 252);
  assertEquals(cmd.args, [true, "secret", "extra"]);
});

Deno.test("ClientSession answers connect's _result with window ack size, buffer 300 ms and createStream", () => {
  const { afterConnect } = playToStart();
  assertEquals(afterConnect.map((m) => m.typeId), [5, 4, 20]);
  assertEquals([...afterConnect[0].payload], [0, 0x26, 0x25, 0xa0]); // 2,500,000
  assertEquals([...afterConnect[1].payload], [0, 3, 0, 0, 0, 0, 0, 0, 1, 0x2c]); // stream 0, 300 ms
  assertEquals(decodeCommand(afterConnect[2]).name, "createStream");
});

Deno.test("ClientSession plays on csid 8 with the stream id and announces its buffer", () => {
  const { afterCreate, session } = playToStart({ seekMs: 5000, stopMs: 8000 });
  const play = afterCreate[0];
  assertEquals([play.csid, play.messageStreamId], [8, 1]);
  const cmd = decodeCommand(play);
  assertEquals(cmd.name, "play");
  assertEquals(cmd.args, ["sample", 5000, 3000]);
  assertEquals(afterCreate[1].typeId, MessageType.UserControl);
  assertEquals([...afterCreate[1].payload], [0, 3, 0, 0, 0, 1, 0x02, 0x25, 0x51, 0x00]);
  assert(session.playing);
});

Deno.test("ClientSession starts live streams at -1000 and subscribes to the playpath", () => {
  const { afterConnect, afterCreate } = playToStart({ live: true });
  const sub = decodeCommand(afterConnect[3]);
  assertEquals([sub.name, sub.args], ["FCSubscribe", ["sample"]]);
  assertEquals(decodeCommand(afterCreate[0]).args, ["sample", -1000]);
});

Deno.test("ClientSession drops media before play and delivers it after Play.Start", () => {
  const s = setup();
  s.session.connect();
  s.server.take(s.session);
  s.session.receive(s.server.media(9, 0, new Uint8Array([0x17, 0, 0, 0, 0, 1])));
  assertEquals(s.media.length, 0);
  assert(s.logs.some(([l, m]) => l === LogLevel.Warning && m.includes("before play()")));
  const p = playToStart();
  p.session.receive(p.server.media(8, 10, new Uint8Array([0xaf, 1, 2])));
  assertEquals(p.media.length, 1);
  assertEquals(p.media[0].timestamp, 10);
});

Deno.test("ClientSession closes on StreamNotFound with librtmp's error line", () => {
  const s = setup();
  s.session.connect();
  s.server.take(s.session);
  s.session.receive(s.server.status("NetStream.Play.StreamNotFound"));
  assertEquals(s.session.closeReason, "failed");
  assert(
    s.logs.some(([l, m]) =>
      l === LogLevel.Error && m === "Closing connection: NetStream.Play.StreamNotFound"
    ),
  );
});

Deno.test("ClientSession ends on Play.Complete and sends deleteStream", () => {
  const p = playToStart();
  p.session.receive(p.server.status("NetStream.Play.Complete"));
  assertEquals(p.session.closeReason, "complete");
  const out = p.server.take(p.session);
  const del = decodeCommand(out[0]);
  assertEquals([del.name, del.args], ["deleteStream", [1]]);
});

Deno.test("ClientSession answers a ping request with the same value", () => {
  const p = playToStart();
  p.session.receive(p.server.control(MessageType.UserControl, [0, 6, 0, 0, 0x12, 0x34]));
  const [pong] = p.server.take(p.session);
  assertEquals([...pong.payload], [0, UserControlEvent.PingResponse, 0, 0, 0x12, 0x34]);
});

Deno.test("ClientSession acknowledges every tenth of the peer bandwidth", () => {
  const p = playToStart();
  p.session.receive(p.server.control(MessageType.SetPeerBandwidth, [0, 0, 0x27, 0x10, 2])); // 10000
  p.server.take(p.session);
  p.session.receive(p.server.media(9, 20, new Uint8Array(1500)));
  const acks = p.server.take(p.session).filter((m) => m.typeId === MessageType.Acknowledgement);
  assertEquals(acks.length, 1);
  const total = new DataView(acks[0].payload.buffer, acks[0].payload.byteOffset).getUint32(0);
  assertEquals(total, p.session.bytesIn);
});

Deno.test("ClientSession answers onBWDone with _checkbw once", () => {
  const p = playToStart();
  p.session.receive(p.server.command("onBWDone", 0, null));
  const out = p.server.take(p.session);
  assertEquals(decodeCommand(out[0]).name, "_checkbw");
});

Deno.test("ClientSession pauses and unpauses on BufferEmpty with the BUFX hack", () => {
  const p = playToStart({ bufx: true });
  p.session.receive(p.server.media(9, 1000, new Uint8Array([0x17, 1, 0, 0, 0, 9])));
  p.session.receive(p.server.control(MessageType.UserControl, [0, 31, 0, 0, 0, 1]));
  let out = p.server.take(p.session).map(decodeCommand);
  assertEquals([out[0].name, out[0].args], ["pause", [true, 1000]]);
  p.session.receive(p.server.control(MessageType.UserControl, [0, 1, 0, 0, 0, 1])); // StreamEOF
  p.session.receive(p.server.control(MessageType.UserControl, [0, 31, 0, 0, 0, 1]));
  out = p.server.take(p.session).map(decodeCommand);
  assertEquals([out[0].name, out[0].args], ["pause", [false, 1000]]);
  // The server resends from the pause point: what we already have is dropped.
  p.session.receive(p.server.media(9, 1000, new Uint8Array([0x27, 1, 0, 0, 0, 9])));
  p.session.receive(p.server.media(9, 1040, new Uint8Array([0x27, 1, 0, 0, 0, 9])));
  assertEquals(p.media.map((m) => m.timestamp), [1000, 1040]);
});

Deno.test("ClientSession echoes the server's window size as soon as it arrives during connect", () => {
  const s = setup();
  s.session.connect();
  s.server.take(s.session);
  s.session.receive(s.server.control(MessageType.WindowAckSize, [0, 0x4c, 0x4b, 0x40])); // 5,000,000
  const early = s.server.take(s.session);
  assertEquals(early.map((m) => [m.typeId, [...m.payload]]), [[5, [0, 0x4c, 0x4b, 0x40]]]);
  s.session.receive(s.server.command("_result", 1, null, [new AmfObject()]));
  // After _result: no second window size, then SetBufferLength and createStream as usual.
  assertEquals(s.server.take(s.session).map((m) => m.typeId), [4, 20]);
});
