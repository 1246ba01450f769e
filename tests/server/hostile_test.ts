import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder } from "../../src/chunk/mod.ts";
import { encodeUserControl, UserControlEvent } from "../../src/message/mod.ts";
import { FlvTagType } from "../../src/flv/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  ASSETS_DIR,
  avcFrame,
  avcHeader,
  delay,
  encodeFlv,
  handshaken,
  playMessages,
  RawClient,
  readUntilClosed,
  startServer,
  syntheticTags,
  tempDir,
  waitUntil,
} from "./_helpers.ts";
import { DEFAULT_WAIT_MS } from "../_wait.ts";

/** How a connection the server should close was left open, in the limit's words. */
const notClosed = (what: string) =>
  `${what}: the server did not close the connection within ${DEFAULT_WAIT_MS} ms`;

/** A normal client still gets the whole sample. */
async function stillServes(port: number): Promise<void> {
  const record = await playMessages(port, "vod", "sample");
  assertEquals(record.reason, "complete");
  assert(record.media.length > 300);
}

Deno.test("RtmpServer closes a connection whose handshake is not RTMP, and serves others", async () => {
  await using s = await startServer({ root: ASSETS_DIR });
  for (
    const garbage of [
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      new Uint8Array(4000).fill(0xff),
      new Uint8Array([0x06, ...new Uint8Array(1536)]), // RTMPE, not offered
    ]
  ) {
    const transport = await connectTcp("127.0.0.1", s.port);
    await transport.write(garbage).catch(() => {});
    const { closedByPeer } = await readUntilClosed(transport);
    assert(closedByPeer, notClosed(`handshake starting with ${garbage[0]}`));
  }
  await stillServes(s.port);
});

Deno.test("RtmpServer closes a client that breaks the chunk stream or claims a huge message", async () => {
  await using s = await startServer({ root: ASSETS_DIR, limits: { maxMessageSize: 1024 * 1024 } });
  const attacks: [string, Uint8Array, RegExp][] = [
    // Set Chunk Size 0: csid 2, fmt 0, ts 0, length 4, type 1, stream 0, value 0.
    [
      "chunk size 0",
      new Uint8Array([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
      /chunk size to 0/,
    ],
    // A 16 MB message claim (0xFFFFFF bytes of AMF0 command) with a few bytes behind it, before
    // connect: the limit is 64 KiB until connect succeeds.
    [
      "16 MB claim",
      new Uint8Array([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0, 2, 0, 7]),
      /16777215 bytes .* exceeds the limit of 65536/,
    ],
    // fmt 3 on a chunk stream that never had a header.
    ["fmt 3 first", new Uint8Array([0xc5, 1, 2, 3]), /no previous header/],
    // A command that is not AMF0: marker 0x42.
    [
      "bad AMF",
      new Uint8Array([0x03, 0, 0, 0, 0, 0, 3, 20, 0, 0, 0, 0, 0x42, 0x42, 0x42]),
      /Cannot handle command/,
    ],
  ];
  for (const [what, bytes, reason] of attacks) {
    const transport = await handshaken(s.port);
    await transport.write(bytes);
    const { closedByPeer } = await readUntilClosed(transport);
    assert(closedByPeer, notClosed(what));
    await waitUntil(() => s.lines.some((l) => reason.test(l)), `the log line for ${what}`);
  }
  await stillServes(s.port);
  await waitUntil(() => s.server.stats.connections === 0, "every connection to close");
});

Deno.test("RtmpServer refuses connections above the limit and serves again below it", async () => {
  await using s = await startServer({ root: ASSETS_DIR, limits: { maxConnections: 8 } });
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.open(s.port)));
  await waitUntil(() => s.server.stats.connections === 8, "8 connections");
  for (const client of clients) await client.connect("vod");
  const extra = await connectTcp("127.0.0.1", s.port);
  const { closedByPeer } = await readUntilClosed(extra);
  assert(closedByPeer, notClosed("the ninth connection"));
  assertEquals(s.server.stats.refusedConnections, 1);
  // Those inside still work.
  await clients[0].play(await clients[0].createStream(), "sample", 0);
  await clients[0].waitFor(() => clients[0].media().length > 50, "media");
  for (const client of clients) await client.close();
  await waitUntil(() => s.server.stats.connections === 0, "closes");
  await stillServes(s.port);
});

Deno.test("RtmpServer closes idle connections, handshake included", async () => {
  // Long enough for a client on a loaded machine to send connect right after its handshake.
  await using s = await startServer({ root: ASSETS_DIR, limits: { idleTimeoutMs: 2000 } });
  const silent = await connectTcp("127.0.0.1", s.port);
  const half = await connectTcp("127.0.0.1", s.port);
  await half.write(new Uint8Array([3, 0, 0, 0, 0])); // C0 and 4 bytes of C1
  const connected = await RawClient.open(s.port);
  await connected.connect("vod");
  // Closed within the "no hang" limit (the default idle timeout, 60 s, would not be).
  const [silentResult, halfResult] = await Promise.all([
    readUntilClosed(silent),
    readUntilClosed(half),
  ]);
  assert(silentResult.closedByPeer, notClosed("a silent connection"));
  assert(halfResult.closedByPeer, notClosed("a connection stopped in the handshake"));
  await connected.waitFor(() => connected.closed, "the idle connected client to be closed");
  // A client that keeps talking is not idle.
  await stillServes(s.port);
});

Deno.test("RtmpServer refuses too many streams on one connection", async () => {
  await using s = await startServer({ limits: { maxStreamsPerConnection: 3 } });
  const client = await RawClient.open(s.port);
  await client.connect();
  for (let i = 0; i < 3; i++) await client.createStream();
  await client.command("createStream", [null]);
  await client.waitFor(() => client.commands().some((c) => c[0] === "_error"), "_error");
  await client.close();
});

Deno.test("RtmpServer: a live player that stops reading loses frames, then is disconnected; others get everything", async () => {
  await using s = await startServer({
    limits: { playerQueueBytes: 512 * 1024, playerMaxLagMs: 5_000 },
  });
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", s.port), {
    app: "live",
    playpath: "key",
  });
  await publisher.writeTag({ type: FlvTagType.Video, timestamp: 0, data: avcHeader() });
  await publisher.flush();
  const stalled = await RawClient.open(s.port);
  await stalled.connect();
  await stalled.play(await stalled.createStream(), "key");
  await stalled.waitFor(() => stalled.statuses.includes("NetStream.Play.Start"), "Play.Start");
  stalled.stopReading();
  const frameCount = 1000; // 40 s of 16 KiB frames at 25 fps: far more than the socket buffers
  let goodFrames = 0;
  const good = playMessages(s.port, "live", "key", {
    live: true,
    stopAfter: (r) => {
      goodFrames = r.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).length;
      return goodFrames >= frameCount;
    },
  });
  await waitUntil(() => s.server.stats.players === 2, "two players");
  for (let i = 0; i < frameCount; i++) {
    await publisher.writeTag({
      type: FlvTagType.Video,
      timestamp: i * 40,
      data: avcFrame(i % 25 === 0, 16 * 1024, i & 0xff),
    });
    if (i % 10 === 9) {
      await publisher.flush();
      await delay(1);
    }
  }
  await publisher.flush();
  const record = await good;
  assertEquals(goodFrames, frameCount, "the reading player got every frame");
  assertEquals(record.media.filter((m) => m.typeId === 9 && m.payload[1] === 1).length, frameCount);
  await waitUntil(() => s.server.stats.slowPlayersDisconnected === 1, "the disconnect");
  const stats = s.server.stats;
  assert(stats.droppedFrames > 0, "frames were dropped first");
  assert(s.lines.some((l) => l.includes("dropping frames")), "drops are logged");
  assert(s.lines.some((l) => l.includes("disconnecting a player")), "the disconnect is logged");
  stalled.resumeReading();
  await stalled.waitFor(() => stalled.closed, "the stalled player's connection to close");
  await publisher.close();
  // Only the drops the stalled player had: no memory kept for it.
  assert(stats.droppedFrames < frameCount);
  // The stalled player's last frames before the drop were whole: its stream is decodable.
  const media = stalled.media().filter((m) => m.payload[1] === 1);
  if (media.length > 0) assertEquals(media[0].payload[0], 0x17);
});

Deno.test("RtmpServer at the connection limit makes room by closing a client that has not connected", async () => {
  await using s = await startServer({ root: ASSETS_DIR, limits: { maxConnections: 8 } });
  // Four clients connected, four stuck after the handshake (slowloris).
  const connected = await Promise.all(Array.from({ length: 4 }, () => RawClient.open(s.port)));
  for (const client of connected) await client.connect("vod");
  const stuck: RawClient[] = [];
  for (let i = 0; i < 4; i++) {
    stuck.push(await RawClient.open(s.port));
    await waitUntil(() => s.server.stats.connections === 5 + i, `${5 + i} connections`);
  }
  // A ninth client gets in and connects; the oldest stuck one makes room for it.
  const newcomer = await RawClient.open(s.port);
  await newcomer.connect("vod");
  await stuck[0].waitFor(() => stuck[0].closed, "the oldest unconnected client to be closed");
  assert(stuck.slice(1).every((c) => !c.closed), "only the oldest one");
  assert(connected.every((c) => !c.closed) && !newcomer.closed, "connected clients stay");
  assertEquals(s.server.stats.refusedConnections, 0);
  assertEquals(s.server.stats.unconnectedClosed, 1);
  assertEquals(s.server.stats.connections, 8);
  // With every slot held by connected clients, the next one is refused.
  for (const client of stuck.slice(1)) await client.connect("vod");
  const extra = await connectTcp("127.0.0.1", s.port);
  const { closedByPeer } = await readUntilClosed(extra);
  assert(closedByPeer, "the ninth connected-capable client is closed");
  assertEquals(s.server.stats.refusedConnections, 1);
  for (const client of [...connected, ...stuck, newcomer]) await client.close();
});

Deno.test("RtmpServer at the connection limit keeps a client that sends its handshake over ones that send nothing", async () => {
  await using s = await startServer({ root: ASSETS_DIR, limits: { maxConnections: 8 } });
  const silent = [];
  for (let i = 0; i < 8; i++) silent.push(await connectTcp("127.0.0.1", s.port));
  await waitUntil(() => s.server.stats.connections === 8, "8 connections");
  // More silent clients keep arriving while an honest one plays the sample.
  const playing = stillServes(s.port);
  for (let i = 0; i < 8; i++) silent.push(await connectTcp("127.0.0.1", s.port));
  await playing;
  await waitUntil(() => s.server.stats.connections <= 8, "the count back at the limit");
  assertEquals(s.server.stats.refusedConnections, 0);
  assert(s.server.stats.unconnectedClosed >= 8, `${s.server.stats.unconnectedClosed} closed`);
  for (const transport of silent) await transport.close();
});

Deno.test("RtmpServer closes a client that drags out the handshake past the connect deadline", async () => {
  await using s = await startServer({
    root: ASSETS_DIR,
    limits: { connectTimeoutMs: 1000, idleTimeoutMs: 60_000 },
  });
  // One byte of C0+C1 every 100 ms: never idle, never done (1537 bytes take 2.5 minutes).
  const trickle = await connectTcp("127.0.0.1", s.port);
  let closed = false;
  const reading = readUntilClosed(trickle).then((r) => {
    closed = true;
    return r;
  });
  const c0c1 = new Uint8Array(1537);
  c0c1[0] = 3;
  for (let i = 0; i < c0c1.length && !closed; i++) {
    await trickle.write(c0c1.subarray(i, i + 1)).catch(() => {});
    await delay(100);
  }
  const result = await reading;
  assert(result.closedByPeer, "the server closed it");
  await waitUntil(
    () => s.lines.some((l) => /closed: no connect within 1 s/.test(l)),
    "the log line",
  );
  // Connected clients are not held to it.
  const client = await RawClient.open(s.port);
  await client.connect("vod");
  await delay(1500);
  assert(!client.closed, "a connected client stays");
  await client.close();
  await stillServes(s.port);
});

Deno.test("RtmpServer closes a client that never reads its replies once they pass the queue limit", async () => {
  await using s = await startServer({ root: ASSETS_DIR, limits: { maxQueuedBytes: 64 * 1024 } });
  const client = await RawClient.open(s.port);
  await client.connect("vod");
  client.stopReading();
  // createStream calls, in batches, until the server gives up on the client (each reply is
  // about 40 bytes; the socket buffers take some megabytes before the queue grows).
  const encoder = new ChunkEncoder();
  let sent = 0;
  while (s.server.stats.connections > 0 && sent < 2_000_000) {
    for (let i = 0; i < 5000; i++) {
      encoder.write({
        csid: 3,
        typeId: 20,
        timestamp: 0,
        messageStreamId: 0,
        payload: encodeAmf0("createStream", 100 + sent + i, null),
      });
    }
    sent += 5000;
    if (!(await client.transport.write(encoder.takeOutput()).then(() => true, () => false))) break;
  }
  await waitUntil(() => s.server.stats.connections === 0, "the connection to be closed");
  assert(
    s.lines.some((l) => /closed: the client does not read: \d+ bytes queued/.test(l)),
    s.lines.join("\n"),
  );
  await client.close();
  await stillServes(s.port);
});

Deno.test("RtmpServer.close ends connections stuck in a write and hooks that never answer", async () => {
  await using dir = await tempDir();
  await Deno.writeFile(
    `${dir.path}/big.flv`,
    encodeFlv(syntheticTags({ durationMs: 60_000, frameSize: 20_000 })),
  );
  let asked = false;
  const s = await startServer({
    root: dir.path,
    hooks: {
      onPublish: () => {
        asked = true;
        return new Promise<boolean>(() => {});
      },
    },
  });
  const stalled = await RawClient.open(s.port);
  await stalled.connect("vod");
  stalled.stopReading();
  const vodStream = await stalled.createStream();
  // rtmpdump's buffer length: the server sends as fast as the client takes it.
  stalled.encoder.write(
    encodeUserControl(UserControlEvent.SetBufferLength, [vodStream, 36_000_000]),
  );
  await stalled.transport.write(stalled.encoder.takeOutput());
  await stalled.play(vodStream, "big", 0);
  const publisher = await RawClient.open(s.port);
  await publisher.connect("live");
  const streamId = await publisher.createStream();
  await publisher.command("publish", [null, "key", "live"], { csid: 8, messageStreamId: streamId });
  await waitUntil(() => asked, "the publish hook");
  // The VOD player has filled the socket and its queue: the server waits on the client.
  let last = -1;
  let since = performance.now();
  await waitUntil(
    () => {
      const out = s.server.stats.bytesOut;
      if (out !== last) {
        last = out;
        since = performance.now();
      }
      return out > 1024 * 1024 && performance.now() - since > 500;
    },
    "the player's writes to stall",
  );
  let closed = false;
  const closing = s.server.close().then(() => (closed = true));
  await waitUntil(() => closed, "RtmpServer.close to resolve");
  await closing;
  await stalled.close();
  await publisher.close();
});

/** Chunk bytes of one message of `length` declared bytes on `csid`, `sent` of them sent. */
function partialMessage(csid: number, length: number, sent: number): Uint8Array {
  const out = new Uint8Array(12 + sent);
  out.set([
    csid,
    0,
    0,
    0,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
    9,
    1,
    0,
    0,
    0,
  ]);
  return out;
}

/** Set Chunk Size 4 MiB - 1: a 4 MiB message takes two chunks, the first one all but a byte. */
const BIG_CHUNKS = new Uint8Array([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0x3f, 0xff, 0xff]);

Deno.test("RtmpServer takes only small messages before connect succeeds, the configured size after", async () => {
  await using s = await startServer({ limits: { maxMessageSize: 2 * 1024 * 1024 } });
  // Before connect: a 1 MiB message is refused at its header.
  const early = await handshaken(s.port);
  await early.write(partialMessage(4, 1024 * 1024, 100));
  assert((await readUntilClosed(early, 5000)).closedByPeer, "closed before connect");
  await waitUntil(
    () => s.lines.some((l) => /1048576 bytes .* exceeds the limit of 65536/.test(l)),
    5000,
    "the log line",
  );
  // After connect: a publisher's 1 MiB keyframe reaches its player.
  const player = await RawClient.open(s.port);
  await player.connect("live");
  await player.play(await player.createStream(), "big");
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", s.port), {
    app: "live",
    playpath: "big",
  });
  await publisher.writeTag({ type: FlvTagType.Video, timestamp: 0, data: avcHeader() });
  const keyframe = avcFrame(true, 1024 * 1024);
  await publisher.writeTag({ type: FlvTagType.Video, timestamp: 0, data: keyframe });
  await publisher.flush();
  await player.waitFor(() => player.media().some((m) => m.payload.length === keyframe.length));
  await publisher.close();
  await player.close();
});

Deno.test("RtmpServer keeps all partial messages under one budget by closing the connection that holds the most", async () => {
  const budget = 16 * 1024 * 1024;
  await using s = await startServer({
    limits: { maxMessageSize: 4 * 1024 * 1024, maxPartialMessageBytes: budget },
  });
  // An honest live stream, played, while hostile clients each hold two messages they never
  // finish (all but the last byte sent).
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", s.port), {
    app: "live",
    playpath: "key",
  });
  const player = await RawClient.open(s.port);
  await player.connect("live");
  await player.play(await player.createStream(), "key");
  await publisher.writeTag({ type: FlvTagType.Video, timestamp: 0, data: avcHeader() });
  let peak = 0;
  const hostile: RawClient[] = [];
  for (let i = 0; i < 8; i++) {
    const client = await RawClient.open(s.port);
    await client.connect("live");
    hostile.push(client);
    await client.transport.write(BIG_CHUNKS).catch(() => {});
    for (const csid of [4, 5]) {
      await client.transport.write(partialMessage(csid, 4 * 1024 * 1024, 4 * 1024 * 1024 - 1))
        .catch(() => {});
    }
    // The honest stream goes on meanwhile.
    await publisher.writeTag({
      type: FlvTagType.Video,
      timestamp: 40 * (i + 1),
      data: avcFrame(i === 0, 2000),
    });
    await publisher.flush();
    peak = Math.max(peak, s.server.stats.partialMessageBytes);
  }
  await player.waitFor(
    () => player.media().filter((m) => m.typeId === 9 && m.payload[1] === 1).length === 8,
    "every frame the publisher sent",
  );
  await waitUntil(() => s.server.stats.partialMessageHogsClosed >= 4, 5000, "hogs closed");
  assert(peak <= budget, `${peak} bytes of partial messages held, budget ${budget}`);
  assert(s.server.stats.partialMessageBytes <= budget);
  assert(!player.closed, "the player stays");
  await publisher.close();
  await player.close();
  for (const client of hostile) await client.close();
  await waitUntil(() => s.server.stats.partialMessageBytes === 0, 5000, "the budget given back");
});
