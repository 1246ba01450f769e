import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { type AmfObject, type AmfValue, decodeAmf0, encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import { PublishSession } from "../../src/session/publish_session.ts";
import { ServerSession } from "../../src/session/server_session.ts";
import type { ServerSessionEvent } from "../../src/session/server_session_event.ts";

/** A scripted server: decodes what the session sends, answers with its own encoder. */
class Server {
  readonly decoder = new ChunkDecoder();
  readonly encoder = new ChunkEncoder();
  /** Every message the client sent. */
  readonly messages: RtmpMessage[] = [];
  /** Raw bytes per read, to look at chunk headers. */
  readonly raw: Uint8Array[] = [];
  read(bytes: Uint8Array): RtmpMessage[] {
    this.raw.push(bytes);
    const out: RtmpMessage[] = [];
    this.decoder.push(bytes, (m) => out.push({ ...m, payload: m.payload.slice() }));
    this.messages.push(...out);
    return out;
  }
  command(name: string, txn: number, object: AmfValue, ...args: AmfValue[]): Uint8Array {
    this.encoder.write({
      csid: 3,
      typeId: 20,
      timestamp: 0,
      messageStreamId: 0,
      payload: encodeAmf0(name, txn, object, ...args),
    });
    return this.encoder.takeOutput();
  }
}

const commands = (messages: RtmpMessage[]) =>
  messages.filter((m) => m.typeId === 20).map((m) => decodeAmf0(m.payload));

/** A session that went through connect and createStream and was told Publish.Start. */
function publishing(options: Partial<ConstructorParameters<typeof PublishSession>[0]> = {}) {
  const session = new PublishSession({ app: "live", playpath: "key", ...options });
  const server = new Server();
  session.connect();
  server.read(session.takeOutput());
  session.receive(server.command("_result", 1, null, { code: "NetConnection.Connect.Success" }));
  server.read(session.takeOutput());
  session.receive(server.command("_result", 4, null, 1));
  server.read(session.takeOutput());
  session.receive(server.command("onStatus", 0, null, {
    level: "status",
    code: "NetStream.Publish.Start",
  }));
  return { session, server };
}

Deno.test("PublishSession connects as librtmp's publish mode: type nonprivate, no play fields", () => {
  const session = new PublishSession({
    app: "live",
    playpath: "key",
    tcUrl: "rtmp://h:1935/live",
    flashVer: "FMLE/3.0",
  });
  session.connect();
  const server = new Server();
  const bytes = session.takeOutput();
  // Set Chunk Size 4096 first: csid 2, fmt 0, length 4, type 1, value.
  assertEquals(
    bytes.subarray(0, 16),
    new Uint8Array([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0]),
  );
  const [setChunkSize, connect] = server.read(bytes);
  assertEquals(setChunkSize.typeId, 1);
  assertEquals(connect.csid, 3);
  const [name, txn, object] = decodeAmf0(connect.payload);
  assertEquals([name, txn], ["connect", 1]);
  assertEquals([...(object as AmfObject).entries()], [
    ["app", "live"],
    ["type", "nonprivate"],
    ["flashVer", "FMLE/3.0"],
    ["tcUrl", "rtmp://h:1935/live"],
  ]);
  const plain = new PublishSession({ app: "a", playpath: "b", chunkSize: 128 });
  plain.connect();
  assertEquals(new Server().read(plain.takeOutput()).map((m) => m.typeId), [20]);
});

Deno.test("PublishSession: releaseStream, FCPublish, createStream, then publish(name, live) on csid 4", () => {
  const session = new PublishSession({ app: "live", playpath: "key" });
  const server = new Server();
  session.connect();
  server.read(session.takeOutput());
  const result = server.command("_result", 1, null, { code: "NetConnection.Connect.Success" });
  // Fed byte by byte: the replies do not depend on the split.
  for (let i = 0; i < result.length; i++) session.receive(result.subarray(i, i + 1));
  assertEquals(commands(server.read(session.takeOutput())), [
    ["releaseStream", 2, null, "key"],
    ["FCPublish", 3, null, "key"],
    ["createStream", 4, null],
  ]);
  session.receive(server.command("_result", 4, null, 7));
  const [publish] = server.read(session.takeOutput());
  assertEquals([publish.csid, publish.messageStreamId], [4, 7]);
  assertEquals(decodeAmf0(publish.payload), ["publish", 5, null, "key", "live"]);
  assertEquals(session.state, "connecting");
  session.receive(server.command("onStatus", 0, null, {
    level: "status",
    code: "NetStream.Publish.Start",
  }));
  assertEquals(session.state, "publishing");
  assertEquals(session.streamId, 7);
});

Deno.test("PublishSession.writeTag: @setDataFrame before data tags, full headers at timestamp 0", () => {
  const { session, server } = publishing();
  const metadata = encodeAmf0("onMetaData", { duration: 5 });
  session.writeTag({ type: 18, timestamp: 0, data: metadata });
  session.writeTag({ type: 9, timestamp: 0, data: new Uint8Array([0x17, 0, 1]) });
  session.writeTag({ type: 8, timestamp: 0, data: new Uint8Array([0xaf, 0, 2]) });
  session.writeTag({ type: 9, timestamp: 40, data: new Uint8Array([0x27, 1, 3]) });
  const already = encodeAmf0("@setDataFrame", "onMetaData", { duration: 6 });
  session.writeTag({ type: 18, timestamp: 80, data: already });
  assertEquals(session.writeTag({ type: 15, timestamp: 0, data: new Uint8Array(1) }), 0);
  const bytes = session.takeOutput();
  const sent = server.read(bytes);
  assertEquals(sent.map((m) => [m.typeId, m.timestamp, m.csid, m.messageStreamId]), [
    [18, 0, 4, 1],
    [9, 0, 4, 1],
    [8, 0, 4, 1],
    [9, 40, 4, 1],
    [18, 80, 4, 1],
  ]);
  // 02 000d "@setDataFrame" (16 bytes), then the tag body untouched (librtmp: +16 bytes).
  assertEquals(sent[0].payload.subarray(0, 16), encodeAmf0("@setDataFrame"));
  assertEquals(sent[0].payload.subarray(16), metadata);
  assertEquals(sent[4].payload, already);
  // Header formats: the first data tag follows publish on csid 4 (fmt 0: timestamp 0 is forced
  // full), the timestamp-0 video and audio are fmt 0 too, the 40 ms video is compressed.
  const fmts: number[] = [];
  let p = 0;
  for (const m of sent) {
    fmts.push(bytes[p] >> 6);
    const headerSize = [12, 8, 4, 1][bytes[p] >> 6];
    p += headerSize + m.payload.length;
  }
  assertEquals(fmts.slice(0, 4), [0, 0, 0, 1]);
  assertEquals(fmts[4], 0, "data tags always get a full header");
});

Deno.test("PublishSession fails on BadName and refuses tags; close sends FCUnpublish and deleteStream", () => {
  const session = new PublishSession({ app: "live", playpath: "key" });
  const server = new Server();
  session.connect();
  server.read(session.takeOutput());
  session.receive(server.command("_result", 1, null, null));
  session.receive(server.command("_result", 4, null, 1));
  session.receive(server.command("onStatus", 0, null, {
    level: "error",
    code: "NetStream.Publish.BadName",
    description: "key is already being published.",
  }));
  assertEquals(session.state, "failed");
  assertEquals(session.failure, "NetStream.Publish.BadName");
  assertEquals(session.failureDescription, "key is already being published.");
  throws(() => session.writeTag({ type: 9, timestamp: 0, data: new Uint8Array(3) }), /failed/);
  server.read(session.takeOutput());
  session.close();
  assertEquals(commands(server.read(session.takeOutput())), [
    ["FCUnpublish", 6, null, "key"],
    ["deleteStream", 7, null, 1],
  ]);
  session.close();
  assertEquals(session.takeOutput().length, 0);
});

Deno.test("PublishSession acknowledges the server's window and answers pings", () => {
  const { session, server } = publishing();
  server.encoder.write({
    csid: 2,
    typeId: 5,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array([0, 0, 0, 100]),
  });
  server.encoder.write({
    csid: 2,
    typeId: 4,
    timestamp: 0,
    messageStreamId: 0,
    payload: new Uint8Array([0, 6, 0, 0, 0, 42]),
  });
  session.receive(server.encoder.takeOutput());
  const replies = server.read(session.takeOutput());
  assert(replies.some((m) => m.typeId === 3), "an acknowledgement");
  const pong = replies.find((m) => m.typeId === 4)!;
  assertEquals(pong.payload, new Uint8Array([0, 7, 0, 0, 0, 42]));
});

Deno.test("PublishSession publishes to ServerSession (in memory)", () => {
  const events: ServerSessionEvent[] = [];
  const server: ServerSession = new ServerSession({
    onEvent: (event) => {
      events.push(event);
      if (event.type === "connect") server.acceptConnect(event.transactionId);
      if (event.type === "publish") server.acceptPublish(event.streamId, event.name);
    },
  });
  const client = new PublishSession({ app: "live", playpath: "key" });
  client.connect();
  for (let round = 0; round < 10 && client.state === "connecting"; round++) {
    if (client.hasOutput) server.receive(client.takeOutput());
    if (server.hasOutput) client.receive(server.takeOutput());
  }
  assertEquals(client.state, "publishing");
  client.writeTag({ type: 18, timestamp: 0, data: encodeAmf0("onMetaData", { width: 320 }) });
  client.writeTag({ type: 9, timestamp: 0, data: new Uint8Array([0x17, 0, 0, 0, 0, 1]) });
  server.receive(client.takeOutput());
  const media = events.filter((e) => e.type === "media");
  assertEquals(media.length, 2);
  assert(media[0].type === "media");
  assertEquals(decodeAmf0(media[0].message.payload).slice(0, 2), ["@setDataFrame", "onMetaData"]);
  client.close();
  server.receive(client.takeOutput());
  assertEquals(events.filter((e) => e.type === "closeStream").length, 1);
  assertEquals(
    events.filter((e) => e.type === "publish").map((e) => e.type === "publish" && e.name),
    ["key"],
  );
});
