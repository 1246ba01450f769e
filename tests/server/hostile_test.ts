import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { FlvTagType } from "../../src/flv/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  ASSETS_DIR,
  avcFrame,
  avcHeader,
  delay,
  handshaken,
  playMessages,
  RawClient,
  readUntilClosed,
  startServer,
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
    // A 16 MB message claim (0xFFFFFF bytes of AMF0 command) with a few bytes behind it.
    [
      "16 MB claim",
      new Uint8Array([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0, 2, 0, 7]),
      /16777215 bytes .* exceeds the limit of 1048576/,
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
  const extra = await connectTcp("127.0.0.1", s.port);
  const { closedByPeer } = await readUntilClosed(extra);
  assert(closedByPeer, notClosed("the ninth connection"));
  assertEquals(s.server.stats.refusedConnections, 1);
  // Those inside still work.
  await clients[0].connect("vod");
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
