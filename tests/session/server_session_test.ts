import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { AmfObject, type AmfValue, decodeAmf0, encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, ChunkError, type RtmpMessage } from "../../src/chunk/mod.ts";
import { ClientSession } from "../../src/session/client_session.ts";
import { ServerSession } from "../../src/session/server_session.ts";
import type { ServerSessionEvent } from "../../src/session/server_session_event.ts";
import { SessionError } from "../../src/session/session_error.ts";
import {
  CONNECT_BODY,
  CONNECT_CHUNK,
  CONNECT_REPLY_CONTROL,
  CONNECT_RESULT_CHUNK,
  CREATE_STREAM_CHUNK,
  CREATE_STREAM_RESULT_CHUNK,
  ON_BW_DONE_CHUNK,
} from "./_server_session_goldens.ts";

/** A session that records its events and accepts connect at once. */
function session(
  onEvent: (event: ServerSessionEvent, s: ServerSession) => void = () => {},
  options: Partial<ConstructorParameters<typeof ServerSession>[0]> = {},
) {
  const events: ServerSessionEvent[] = [];
  const s: ServerSession = new ServerSession({
    onEvent: (event) => {
      events.push(event);
      if (event.type === "connect") s.acceptConnect(event.transactionId);
      onEvent(event, s);
    },
    ...options,
  });
  return { s, events };
}

/** Decodes the server's output (chunk size starts at 128 and follows Set Chunk Size). */
class Reader {
  readonly decoder = new ChunkDecoder();
  messages: RtmpMessage[] = [];
  read(bytes: Uint8Array): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    this.decoder.push(bytes, (m) => out.push(m));
    this.messages.push(...out);
    return out;
  }
}

/** A client-side encoder for commands after connect. */
class Sender {
  readonly encoder = new ChunkEncoder();
  command(name: string, txn: number, args: AmfValue[], csid = 3, messageStreamId = 0): Uint8Array {
    this.encoder.write({
      csid,
      typeId: 20,
      timestamp: 0,
      messageStreamId,
      payload: encodeAmf0(name, txn, null, ...args),
    });
    return this.encoder.takeOutput();
  }
  message(m: RtmpMessage): Uint8Array {
    this.encoder.write(m);
    return this.encoder.takeOutput();
  }
}

const commandsOf = (messages: RtmpMessage[]) =>
  messages.filter((m) => m.typeId === 20).map((m) => decodeAmf0(m.payload));

const statusCodes = (messages: RtmpMessage[]) =>
  commandsOf(messages).filter((c) => c[0] === "onStatus").map((c) =>
    (c[3] as AmfObject).get("code")
  );

/** A connected session with one stream; returns it with a reader of its output so far. */
function connected(onEvent?: (event: ServerSessionEvent, s: ServerSession) => void) {
  const { s, events } = session(onEvent);
  s.receive(new Uint8Array(CONNECT_CHUNK));
  s.receive(new Uint8Array(CREATE_STREAM_CHUNK));
  const reader = new Reader();
  reader.read(s.takeOutput());
  const sender = new Sender();
  // The client's encoder must know csid 3 was used: replay connect through it.
  sender.encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(CONNECT_BODY),
  });
  sender.encoder.takeOutput();
  return { s, events, reader, sender };
}

Deno.test("ServerSession answers connect: Window Ack Size, Set Peer Bandwidth, Set Chunk Size, _result, onBWDone", () => {
  const { s, events } = session();
  s.receive(new Uint8Array(CONNECT_CHUNK));
  assertEquals(events.length, 1);
  const event = events[0];
  assert(event.type === "connect");
  assertEquals(event.app, "live");
  assertEquals(event.tcUrl, "rtmp://127.0.0.1/live");
  assertEquals(event.transactionId, 1);
  assertEquals([...event.commandObject.keys()], ["app", "tcUrl", "objectEncoding"]);
  assert(s.connected);
  const expected = [...CONNECT_REPLY_CONTROL, ...CONNECT_RESULT_CHUNK, ...ON_BW_DONE_CHUNK];
  assertEquals(s.takeOutput(), new Uint8Array(expected));
  // The same bytes read back.
  const reader = new Reader();
  const messages = reader.read(new Uint8Array(expected));
  assertEquals(messages.map((m) => m.typeId), [5, 6, 1, 20, 20]);
  assertEquals(reader.decoder.chunkSize, 4096);
  assertEquals(commandsOf(messages).map((c) => c[0]), ["_result", "onBWDone"]);
});

Deno.test("ServerSession reads connect the same way however the bytes are split", () => {
  const bytes = new Uint8Array(CONNECT_CHUNK);
  const once = session();
  once.s.receive(bytes);
  const byByte = session();
  for (let i = 0; i < bytes.length; i++) byByte.s.receive(bytes.subarray(i, i + 1));
  assertEquals(byByte.events, once.events);
  assertEquals(byByte.s.bytesIn, bytes.length);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })), (cuts) => {
      const split = session();
      let start = 0;
      for (const cut of [...cuts.sort((a, b) => a - b), bytes.length]) {
        split.s.receive(bytes.subarray(start, cut));
        start = cut;
      }
      assertEquals(split.events, once.events);
      assertEquals(
        split.s.takeOutput(),
        new Uint8Array([
          ...CONNECT_REPLY_CONTROL,
          ...CONNECT_RESULT_CHUNK,
          ...ON_BW_DONE_CHUNK,
        ]),
      );
    }),
  );
});

Deno.test("ServerSession: createStream answers _result with stream id 1, 2, …", () => {
  const { s, events } = session();
  const reader = new Reader();
  s.receive(new Uint8Array(CONNECT_CHUNK));
  reader.read(s.takeOutput());
  s.receive(new Uint8Array(CREATE_STREAM_CHUNK));
  const bytes = s.takeOutput();
  assertEquals(bytes, new Uint8Array(CREATE_STREAM_RESULT_CHUNK));
  assertEquals(commandsOf(reader.read(bytes)), [["_result", 2, null, 1]]);
  assertEquals(events[1], { type: "createStream", streamId: 1 });
  assertEquals(s.streamState(1), "idle");
  const sender = new Sender();
  sender.encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(CONNECT_BODY),
  });
  sender.encoder.takeOutput();
  s.receive(sender.command("createStream", 3, []));
  assertEquals(commandsOf(reader.read(s.takeOutput())), [["_result", 3, null, 2]]);
});

Deno.test("ServerSession: rejectConnect sends _error NetConnection.Connect.Rejected; nothing else is answered", () => {
  const events: ServerSessionEvent[] = [];
  const s: ServerSession = new ServerSession({
    onEvent: (event) => {
      events.push(event);
      if (event.type === "connect") s.rejectConnect(event.transactionId, "Go away.");
    },
  });
  s.receive(new Uint8Array(CONNECT_CHUNK));
  s.receive(new Uint8Array(CREATE_STREAM_CHUNK));
  const [error] = commandsOf(new Reader().read(s.takeOutput()));
  assertEquals(error[0], "_error");
  assertEquals(error[1], 1);
  const info = error[3] as AmfObject | Record<string, AmfValue>;
  const get = (k: string) => info instanceof Map ? info.get(k) : info[k];
  assertEquals(get("code"), "NetConnection.Connect.Rejected");
  assertEquals(get("level"), "error");
  assertEquals(get("description"), "Go away.");
  assert(!s.connected);
  assertEquals(events.map((e) => e.type), ["connect", "warning"]);
  throws(() => s.acceptConnect(1), SessionError);
});

Deno.test("ServerSession ignores commands before connect and a second connect", () => {
  const events: ServerSessionEvent[] = [];
  const s: ServerSession = new ServerSession({ onEvent: (e) => events.push(e) });
  const sender = new Sender();
  s.receive(sender.command("createStream", 2, []));
  assertEquals(s.takeOutput().length, 0);
  assertEquals(events.map((e) => e.type), ["warning"]);
  s.receive(sender.message({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(CONNECT_BODY),
  }));
  assertEquals(events.map((e) => e.type), ["warning", "connect"]);
  // Until it is answered, further commands are ignored too.
  s.receive(sender.command("createStream", 3, []));
  s.acceptConnect(1);
  s.receive(sender.message({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(CONNECT_BODY),
  }));
  assertEquals(events.map((e) => e.type), ["warning", "connect", "warning", "warning"]);
  assertEquals(commandsOf(new Reader().read(s.takeOutput())).map((c) => c[0]), [
    "_result",
    "onBWDone",
  ]);
});

Deno.test("ServerSession: play and publish become events; beginPlay and endPlay send what FMS sends", () => {
  const { s, events, reader, sender } = connected();
  s.receive(sender.command("play", 4, ["mp4:clip?x=1", 2500, 1000, false], 8, 1));
  const play = events.at(-1)!;
  assertEquals(play, {
    type: "play",
    streamId: 1,
    transactionId: 4,
    name: "mp4:clip?x=1",
    start: 2500,
    duration: 1000,
    reset: false,
  });
  s.receive(sender.command("play", 5, ["live"], 8, 1));
  assertEquals(events.at(-1), {
    type: "play",
    streamId: 1,
    transactionId: 5,
    name: "live",
    start: -2000,
    duration: -1,
    reset: true,
  });
  s.beginPlay(1, "clip", { recorded: true });
  const begin = reader.read(s.takeOutput());
  assertEquals(begin.map((m) => [m.typeId, m.csid, m.messageStreamId]), [
    [4, 2, 0], // StreamIsRecorded
    [4, 2, 0], // StreamBegin
    [20, 5, 1], // onStatus Play.Reset
    [20, 5, 1], // onStatus Play.Start
    [18, 5, 1], // |RtmpSampleAccess
  ]);
  assertEquals(begin[0].payload, new Uint8Array([0, 4, 0, 0, 0, 1]));
  assertEquals(begin[1].payload, new Uint8Array([0, 0, 0, 0, 0, 1]));
  assertEquals(statusCodes(begin), ["NetStream.Play.Reset", "NetStream.Play.Start"]);
  assertEquals(decodeAmf0(begin[4].payload), ["|RtmpSampleAccess", true, true]);
  assertEquals(s.streamState(1), "playing");
  s.sendMedia(1, 9, 40, new Uint8Array([0x17, 1, 0, 0, 0]));
  s.sendMedia(1, 8, 23, new Uint8Array([0xaf, 1]));
  s.endPlay(1, "clip", 0, 7);
  const end = reader.read(s.takeOutput());
  assertEquals(end.map((m) => [m.typeId, m.csid, m.timestamp]), [
    [9, 7, 40],
    [8, 6, 23],
    [4, 2, 0], // StreamEOF
    [18, 5, 0], // onPlayStatus
    [20, 5, 0], // onStatus Play.Stop
  ]);
  assertEquals(end[2].payload, new Uint8Array([0, 1, 0, 0, 0, 1]));
  const playStatus = decodeAmf0(end[3].payload);
  assertEquals(playStatus[0], "onPlayStatus");
  assertEquals((playStatus[1] as AmfObject).get("code"), "NetStream.Play.Complete");
  assertEquals(statusCodes(end), ["NetStream.Play.Stop"]);
});

Deno.test("ServerSession reports media only from publishing streams; FCUnpublish ends the stream", () => {
  const { s, events, reader, sender } = connected();
  const video = {
    csid: 4,
    typeId: 9,
    timestamp: 0,
    messageStreamId: 1,
    payload: new Uint8Array([0x17, 0, 1]),
  };
  s.receive(sender.message(video));
  assertEquals(events.at(-1)?.type, "warning");
  s.receive(sender.command("publish", 4, ["key", "live"], 4, 1));
  assertEquals(events.at(-1), {
    type: "publish",
    streamId: 1,
    transactionId: 4,
    name: "key",
    publishType: "live",
  });
  s.acceptPublish(1, "key");
  assertEquals(statusCodes(reader.read(s.takeOutput())), ["NetStream.Publish.Start"]);
  s.receive(sender.message({ ...video, timestamp: 40 }));
  const media = events.at(-1)!;
  assert(media.type === "media");
  assertEquals(media.message.payload, video.payload);
  assertEquals(media.message.timestamp, 40);
  s.receive(sender.command("FCUnpublish", 5, ["other"]));
  assertEquals(s.streamState(1), "publishing");
  s.receive(sender.command("FCUnpublish", 6, ["key"]));
  assertEquals(events.filter((e) => e.type === "closeStream"), [
    { type: "closeStream", streamId: 1, reason: "FCUnpublish" },
  ]);
  assertEquals(s.streamState(1), "idle");
  const replies = commandsOf(reader.read(s.takeOutput())).map((c) => c[0]);
  assertEquals(replies, ["onFCUnpublish", "_result", "onFCUnpublish", "_result"]);
});

Deno.test("ServerSession: pause, seek, receiveVideo, SetBufferLength, deleteStream", () => {
  const { s, events, sender } = connected();
  s.beginPlay(1, "x");
  s.receive(sender.command("pause", 0, [true, 1234], 8, 1));
  s.receive(sender.command("seek", 0, [5000], 8, 1));
  s.receive(sender.command("receiveVideo", 0, [false], 8, 1));
  s.receive(sender.message({
    csid: 2,
    typeId: 4,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array([0, 3, 0, 0, 0, 1, 0x02, 0x25, 0x51, 0x00]),
  }));
  s.receive(sender.command("deleteStream", 7, [1]));
  assertEquals(events.slice(2), [
    { type: "pause", streamId: 1, pause: true, position: 1234 },
    { type: "seek", streamId: 1, position: 5000 },
    { type: "receiveVideo", streamId: 1, enabled: false },
    { type: "bufferLength", streamId: 1, bufferMs: 36_000_000 },
    { type: "closeStream", streamId: 1, reason: "deleteStream" },
  ]);
  assertEquals(s.streamState(1), undefined);
});

Deno.test("ServerSession acknowledges each time the client's window is passed, handshake bytes included", () => {
  const { s, reader, sender } = connected();
  s.countBytes(3073);
  // The client announces a window of 4000 bytes.
  s.receive(
    sender.message({
      csid: 2,
      typeId: 5,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array([0, 0, 0x0f, 0xa0]),
    }),
  );
  reader.read(s.takeOutput());
  s.receive(sender.command("publish", 4, ["k"], 4, 1));
  s.acceptPublish(1, "k");
  reader.read(s.takeOutput());
  const acks: number[] = [];
  for (let i = 0; i < 10; i++) {
    s.receive(
      sender.message({
        csid: 4,
        typeId: 8,
        timestamp: i,
        messageStreamId: 1,
        payload: new Uint8Array(1000),
      }),
    );
    for (const m of reader.read(s.takeOutput())) {
      if (m.typeId === 3) {
        acks.push(new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0));
      }
    }
  }
  assert(acks.length >= 2, `acks: ${acks}`);
  for (let i = 1; i < acks.length; i++) assert(acks[i] - acks[i - 1] >= 4000);
  assertEquals(acks[0] >= 4000, true);
  assert(acks.every((a) => a <= s.bytesIn));
});

Deno.test("ServerSession answers PingRequest and reports PingResponse", () => {
  const { s, events, reader, sender } = connected();
  s.receive(
    sender.message({
      csid: 2,
      typeId: 4,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array([0, 6, 0, 0, 1, 2]),
    }),
  );
  const [pong] = reader.read(s.takeOutput());
  assertEquals(pong.payload, new Uint8Array([0, 7, 0, 0, 1, 2]));
  s.sendPing(99);
  const [ping] = reader.read(s.takeOutput());
  assertEquals(ping.payload, new Uint8Array([0, 6, 0, 0, 0, 99]));
  s.receive(
    sender.message({
      csid: 2,
      typeId: 4,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array([0, 7, 0, 0, 0, 99]),
    }),
  );
  assertEquals(events.at(-1), { type: "pingResponse", value: 99 });
});

Deno.test("ServerSession refuses createStream past its limit with _error", () => {
  const events: ServerSessionEvent[] = [];
  const s: ServerSession = new ServerSession({
    maxStreams: 2,
    onEvent: (e) => {
      events.push(e);
      if (e.type === "connect") s.acceptConnect(e.transactionId);
    },
  });
  s.receive(new Uint8Array(CONNECT_CHUNK));
  const sender = new Sender();
  sender.encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array(CONNECT_BODY),
  });
  sender.encoder.takeOutput();
  for (let txn = 2; txn < 5; txn++) s.receive(sender.command("createStream", txn, []));
  const reader = new Reader();
  const replies = commandsOf(reader.read(s.takeOutput())).filter((c) => c[0] !== "onBWDone");
  assertEquals(replies.map((c) => [c[0], c[1]]), [["_result", 1], ["_result", 2], ["_result", 3], [
    "_error",
    4,
  ]]);
});

Deno.test("ServerSession: close reports every active stream once", () => {
  const { s, events, sender } = connected();
  s.receive(sender.command("publish", 4, ["k"], 4, 1));
  s.acceptPublish(1, "k");
  s.close();
  s.close();
  assertEquals(events.filter((e) => e.type === "closeStream"), [
    { type: "closeStream", streamId: 1, reason: "session" },
  ]);
});

Deno.test("ServerSession: hostile bytes after the handshake end in a protocol error, never a crash", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (bytes) => {
      const { s } = session(undefined, {
        decoder: { maxMessageSize: 64 * 1024, maxBytesInFlight: 128 * 1024 },
      });
      s.receive(new Uint8Array(CONNECT_CHUNK));
      try {
        s.receive(bytes);
      } catch (err) {
        assert(
          err instanceof ChunkError || err instanceof SessionError,
          `unexpected ${(err as Error).name}: ${(err as Error).message}`,
        );
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("ClientSession plays from ServerSession (in memory, no sockets)", () => {
  const received: RtmpMessage[] = [];
  const client = new ClientSession({ app: "vod", playpath: "clip", bufferMs: 3000 }, {
    onMedia: (m) => received.push(m),
  });
  const server: ServerSession = new ServerSession({
    onEvent: (event) => {
      if (event.type === "connect") server.acceptConnect(event.transactionId);
      if (event.type === "play") {
        server.beginPlay(event.streamId, event.name, { recorded: true });
        server.sendData(event.streamId, encodeAmf0("onMetaData", { duration: 1 }));
        for (let t = 0; t < 5; t++) {
          server.sendMedia(
            event.streamId,
            9,
            t * 40,
            new Uint8Array([t === 0 ? 0x17 : 0x27, 1, 0, 0, 0, t]),
          );
        }
        server.endPlay(event.streamId, event.name);
      }
    },
  });
  client.connect();
  for (let round = 0; round < 10 && client.connected; round++) {
    if (client.hasOutput) server.receive(client.takeOutput());
    if (server.hasOutput) client.receive(server.takeOutput());
  }
  assertEquals(client.closeReason, "complete");
  assertEquals(client.lastStatus, "NetStream.Play.Stop");
  // |RtmpSampleAccess, onMetaData, the frames, onPlayStatus: the client passes data through.
  assertEquals(received.map((m) => m.typeId), [18, 18, 9, 9, 9, 9, 9, 18]);
  assertEquals(received.slice(2, 7).map((m) => m.timestamp), [0, 40, 80, 120, 160]);
});
