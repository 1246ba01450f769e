import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder } from "../../src/chunk/mod.ts";
import { FlvTagType } from "../../src/flv/mod.ts";
import { ClientSession } from "../../src/session/client_session.ts";
import { RtmpClient } from "../../src/session/rtmp_client.ts";
import type { FlvTag } from "../../src/flv/mod.ts";
import { isOnMetaData } from "../../src/session/metadata_info.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  aacHeader,
  avcHeader,
  delay,
  handshaken,
  metadataBody,
  playMessages,
  type PlayRecord,
  RawClient,
  startServer,
  syntheticTags,
  waitUntil,
} from "./_helpers.ts";

async function publisher(port: number, name = "key", app = "live"): Promise<Publisher> {
  return await Publisher.connect(await connectTcp("127.0.0.1", port), {
    app,
    playpath: name,
    tcUrl: `rtmp://127.0.0.1:${port}/${app}`,
  });
}

async function send(p: Publisher, tags: FlvTag[]): Promise<void> {
  for (const tag of tags) await p.writeTag(tag);
  await p.flush();
}

/** Starts a live player and waits until the server counts it. */
async function join(
  s: { port: number; server: { stats: { players: number } } },
  options: Parameters<typeof playMessages>[3] = {},
): Promise<{ record: Promise<PlayRecord> }> {
  const before = s.server.stats.players;
  const record = playMessages(s.port, "live", "key", { live: true, ...options });
  await waitUntil(() => s.server.stats.players > before, "the player to join");
  return { record }; // wrapped: an async function would wait for a returned promise
}

const frames = (record: PlayRecord) =>
  record.media.filter((m) => m.typeId === FlvTagType.Video && m.payload[1] === 1);

Deno.test("RtmpServer live: late players start with metadata, sequence headers and a keyframe", async () => {
  await using s = await startServer();
  const tags = syntheticTags({ durationMs: 3000, keyframeMs: 1000, audioMs: 100 });
  const p = await publisher(s.port);
  const at = (ms: number) =>
    tags.findIndex((t) => t.type !== FlvTagType.Script && t.timestamp >= ms);
  // @setDataFrame is added by the publisher; the players must see a plain onMetaData.
  await send(p, tags.slice(0, at(1500)));
  const early = await join(s);
  await send(p, tags.slice(at(1500), at(2200)));
  const late = await join(s);
  await send(p, tags.slice(at(2200)));
  await p.close();
  for (
    const [record, keyframe] of [[await early.record, 1000], [await late.record, 2000]] as const
  ) {
    assertEquals(record.reason, "complete");
    assert(record.statuses.includes("NetStream.Play.UnpublishNotify"));
    const media = record.media.filter((m) => m.typeId !== 18 || isOnMetaData(m.payload));
    assert(isOnMetaData(media[0].payload), "metadata first");
    assertEquals(media[0].payload, metadataBody({ duration: 0 }));
    assertEquals(media[1].payload, avcHeader());
    assertEquals(media[2].payload, aacHeader());
    assertEquals([media[0].timestamp, media[1].timestamp, media[2].timestamp], [0, 0, 0]);
    const video = frames(record);
    assertEquals(video[0].timestamp, keyframe);
    assertEquals(video[0].payload[0], 0x17);
    // Every frame from there on, in order, untouched.
    const expected = tags.filter((t) =>
      t.type === FlvTagType.Video && t.data[1] === 1 && t.timestamp >= keyframe
    );
    assertEquals(video.map((m) => m.timestamp), expected.map((t) => t.timestamp));
    for (let i = 0; i < expected.length; i++) assertEquals(video[i].payload, expected[i].data);
    const audio = record.media.filter((m) => m.typeId === FlvTagType.Audio && m.payload[1] === 1);
    // Audio starts with the keyframe (an audio frame stamped just before it is not sent).
    assert(audio[0].timestamp >= keyframe && audio[0].timestamp <= keyframe + 100);
  }
  assertEquals(s.server.stats.droppedFrames, 0);
});

Deno.test("RtmpServer live: a second publisher on a busy name gets NetStream.Publish.BadName", async () => {
  await using s = await startServer();
  const first = await publisher(s.port);
  await rejects(publisher(s.port), /NetStream\.Publish\.BadName/);
  // Another name, or the same name in another app, is free.
  const other = await publisher(s.port, "other");
  const otherApp = await publisher(s.port, "key", "live2");
  assertEquals(s.server.liveStreams.sort(), ["live/key", "live/other", "live2/key"]);
  await other.close();
  await otherApp.close();
  await first.close();
  await waitUntil(() => s.server.liveStreams.length === 0, "unpublish");
  // Free again once the first publisher left.
  const again = await publisher(s.port);
  await again.close();
});

Deno.test("RtmpServer live: a player that comes before the publisher waits, then gets the whole stream", async () => {
  await using s = await startServer();
  const player = await RawClient.open(s.port);
  try {
    await player.connect();
    await player.play(await player.createStream(), "early");
    await player.waitFor(() => player.statuses.includes("NetStream.Play.Start"), "Play.Start");
    // As nginx-rtmp: Play.Start and |RtmpSampleAccess now, no StreamBegin before a publisher.
    assertEquals(player.statuses, ["NetStream.Play.Start"]);
    const streamBegins = () =>
      player.messages.filter((m) => m.typeId === 4 && m.payload[1] === 0).length;
    assertEquals(streamBegins(), 0);
    assertEquals(s.server.stats.players, 1);
    const tags = syntheticTags({ durationMs: 2000, keyframeMs: 1000, audioMs: 100 });
    const p = await publisher(s.port, "early");
    await send(p, tags);
    const videoFrames = tags.filter((t) => t.type === FlvTagType.Video && t.data[1] === 1);
    await player.waitFor(
      () => player.media().filter((m) => m.typeId === 9 && m.payload[1] === 1).length === 50,
      "every video frame",
    );
    await p.close();
    await player.waitFor(
      () => player.statuses.includes("NetStream.Play.UnpublishNotify"),
      "UnpublishNotify",
    );
    assertEquals(player.statuses, [
      "NetStream.Play.Start",
      "NetStream.Play.PublishNotify",
      "NetStream.Play.UnpublishNotify",
    ]);
    assertEquals(streamBegins(), 1);
    // Metadata, both sequence headers, then every frame the publisher sent, untouched.
    const media = player.messages.filter((m) => m.typeId === 8 || m.typeId === 9);
    assertEquals(media.length, tags.length - 1);
    const video = media.filter((m) => m.typeId === 9 && m.payload[1] === 1);
    assertEquals(video.map((m) => m.payload), videoFrames.map((t) => t.data));
    assertEquals(video.map((m) => m.timestamp), videoFrames.map((t) => t.timestamp));
  } finally {
    await player.close();
  }
});

Deno.test("RtmpServer live: a player of an unpublished name waits until the idle timeout; a recorded-only play is StreamNotFound", async () => {
  await using s = await startServer({ limits: { idleTimeoutMs: 500 } });
  const notFound = await playMessages(s.port, "live", "nobody", { seekMs: 0 });
  assertEquals(notFound.statuses, ["NetStream.Play.StreamNotFound"]);
  assertEquals(notFound.reason, "failed");
  assertEquals(s.server.stats.playsRefused, 1);
  // rtmpdump -v (start -1000) and ffmpeg's default (start -2000) wait.
  const waiting = await playMessages(s.port, "live", "nobody", { live: true });
  assertEquals(waiting.statuses, ["NetStream.Play.Start"]);
  await waitUntil(() => s.lines.some((l) => /closed: idle for 0.5 s/.test(l)), "idle close");
  assertEquals(s.server.stats.plays, 1);
});

Deno.test("RtmpServer live: players stay across UnpublishNotify and get PublishNotify", async () => {
  await using s = await startServer();
  const tags = syntheticTags({ durationMs: 400, keyframeMs: 200 });
  let p = await publisher(s.port);
  await send(p, tags);
  const player = await RawClient.open(s.port);
  try {
    await player.connect();
    await player.play(await player.createStream(), "key");
    await player.waitFor(() => player.statuses.includes("NetStream.Play.Start"), "Play.Start");
    await p.close();
    await player.waitFor(
      () => player.statuses.includes("NetStream.Play.UnpublishNotify"),
      "UnpublishNotify",
    );
    assertEquals(s.server.stats.players, 1, "the player stays subscribed");
    const before = player.media().length;
    p = await publisher(s.port);
    await send(p, tags);
    await player.waitFor(() => player.media().length >= before + 1 + 10, "the new stream's media");
    await p.close();
    assertEquals(
      player.statuses,
      [
        "NetStream.Play.Reset",
        "NetStream.Play.Start",
        "NetStream.Play.UnpublishNotify",
        "NetStream.Play.PublishNotify",
        "NetStream.Play.UnpublishNotify",
      ].slice(0, player.statuses.length),
    );
    // After PublishNotify: sequence header, then frames from the keyframe at 0.
    const again = player.media().slice(before);
    assertEquals(again[0].payload, avcHeader());
    assertEquals(again[1].payload[0], 0x17);
    assertEquals(again[1].timestamp, 0);
  } finally {
    await player.close();
  }
});

Deno.test("RtmpServer live: Enhanced RTMP sequence headers are cached and media passes untouched", async () => {
  await using s = await startServer();
  const p = await publisher(s.port);
  const hvcc = new Uint8Array([0x90, 0x68, 0x76, 0x63, 0x31, 1, 2, 3, 4]); // key, SequenceStart, hvc1
  const key = (t: number) => new Uint8Array([0x91, 0x68, 0x76, 0x63, 0x31, 0, 0, 0, t & 0xff, 9]);
  const inter = (t: number) => new Uint8Array([0xa3, 0x68, 0x76, 0x63, 0x31, t & 0xff, 7]);
  const opusHead = new Uint8Array([0x90, 0x4f, 0x70, 0x75, 0x73, 0x4f, 0x70, 0x75, 0x73]);
  const tags: FlvTag[] = [
    { type: FlvTagType.Video, timestamp: 0, data: hvcc },
    { type: FlvTagType.Audio, timestamp: 0, data: opusHead },
  ];
  for (let t = 0; t < 600; t += 40) {
    tags.push({ type: FlvTagType.Video, timestamp: t, data: t % 400 === 0 ? key(t) : inter(t) });
  }
  await send(p, tags.slice(0, 14)); // headers and frames up to 440 ms: the GOP starts at 400
  const { record } = await join(s);
  await send(p, tags.slice(14));
  await p.close();
  const got = (await record).media.filter((m) => m.typeId !== 18);
  assertEquals(got[0].payload, hvcc);
  assertEquals(got[1].payload, opusHead);
  assertEquals(got[2].payload, key(400));
  assertEquals(got[2].timestamp, 400);
  assertEquals(got.slice(3).map((m) => m.payload), [
    inter(440),
    inter(480),
    inter(520),
    inter(560),
  ]);
});

Deno.test("RtmpServer live: receiveVideo false stops video, audio goes on", async () => {
  await using s = await startServer();
  const p = await publisher(s.port);
  const tags = syntheticTags({ durationMs: 1000, audioMs: 100, keyframeMs: 500 });
  await send(p, tags.slice(0, 3));
  const media: number[] = [];
  const statuses: string[] = [];
  const session = new ClientSession({ app: "live", playpath: "key", live: true }, {
    onMedia: (m) => media.push(m.typeId),
    onStatus: (code) => statuses.push(code),
  });
  const client = new RtmpClient(await connectTcp("127.0.0.1", s.port), session);
  await client.connect();
  await client.pump(() => session.playing);
  const encoder = new ChunkEncoder();
  for (
    const payload of [encodeAmf0("receiveVideo", 0, null, false), encodeAmf0("seek", 0, null, 0)]
  ) {
    encoder.write({
      csid: 9,
      typeId: 20,
      timestamp: 0,
      messageStreamId: session.streamId,
      payload,
    });
  }
  await client.transport.write(encoder.takeOutput());
  // The server answers a seek on a live stream at once, after the receiveVideo before it.
  await client.pump(() => statuses.includes("NetStream.Seek.Notify"));
  const before = media.length;
  await send(p, tags.slice(3));
  await p.close();
  await client.pump(() => false);
  await client.close();
  const after = media.slice(before);
  assert(after.includes(FlvTagType.Audio));
  assert(!after.includes(FlvTagType.Video));
});

Deno.test("RtmpServer hooks accept or reject connect, play and publish", async () => {
  const seen: string[] = [];
  await using s = await startServer({
    root: decodeURIComponent(new URL("../../assets", import.meta.url).pathname),
    hooks: {
      onConnect: (r) => {
        seen.push(`connect ${r.app}`);
        return r.app !== "closed";
      },
      onPlay: async (r) => {
        await delay(1);
        seen.push(`play ${r.kind} ${r.name}`);
        return r.name !== "sample" || r.app !== "private";
      },
      onPublish: (r) => {
        seen.push(`publish ${r.name}`);
        if (r.name === "boom") throw new Error("hook failed");
        return r.name !== "denied";
      },
    },
  });
  const refused = await playMessages(s.port, "closed", "sample").catch((e) => e);
  assert(!(refused as PlayRecord).statuses?.includes("NetStream.Play.Start"));
  const privatePlay = await playMessages(s.port, "private", "sample");
  assertEquals(privatePlay.statuses, ["NetStream.Play.Failed"]);
  const publicPlay = await playMessages(s.port, "vod", "sample");
  assertEquals(publicPlay.reason, "complete");
  await rejects(publisher(s.port, "denied"), /NetStream\.Publish\.Denied/);
  await rejects(publisher(s.port, "boom"), /NetStream\.Publish\.Denied/);
  assertEquals(seen, [
    "connect closed",
    "connect private",
    "play vod sample",
    "connect vod",
    "play vod sample",
    "connect live",
    "publish denied",
    "connect live",
    "publish boom",
  ]);
});

Deno.test("RtmpServer live: connect, createStream, publish and media in one write all count", async () => {
  await using s = await startServer();
  const transport = await handshaken(s.port);
  const encoder = new ChunkEncoder();
  const command = (name: string, txn: number, args: unknown[], csid = 3, msid = 0) =>
    encoder.write({
      csid,
      typeId: 20,
      timestamp: 0,
      messageStreamId: msid,
      payload: encodeAmf0(name, txn, ...(args as [])),
    });
  command("connect", 1, [{ app: "live" }]);
  command("createStream", 2, [null]);
  command("publish", 3, [null, "piped", "live"], 4, 1); // the first stream id is 1
  encoder.write({ csid: 4, typeId: 9, timestamp: 0, messageStreamId: 1, payload: avcHeader() });
  encoder.write({
    csid: 4,
    typeId: 9,
    timestamp: 0,
    messageStreamId: 1,
    payload: new Uint8Array([0x17, 1, 0, 0, 0, 0xee]),
  });
  await transport.write(encoder.takeOutput());
  await waitUntil(() => s.server.liveStreams.includes("live/piped"), "the publish");
  const record = playMessages(s.port, "live", "piped", {
    live: true,
    stopAfter: (r) => frames(r).length > 0,
  });
  const got = await record;
  assertEquals(frames(got)[0].payload, new Uint8Array([0x17, 1, 0, 0, 0, 0xee]));
  transport.close();
});

Deno.test("RtmpServer live: players of one stream get every large frame byte for byte (chunked once for all, output buffers reused)", async () => {
  await using s = await startServer();
  const players = await Promise.all([0, 1, 2].map(() => RawClient.open(s.port)));
  try {
    for (const player of players) {
      await player.connect();
      await player.play(await player.createStream(), "shared");
      await player.waitFor(() => player.statuses.includes("NetStream.Play.Start"), "Play.Start");
    }
    // Frames several chunks long, each filled differently: a buffer reused while a player's
    // bytes still sat in it, or one chunked form given to the wrong message, would show.
    const tags = syntheticTags({ durationMs: 2000, keyframeMs: 1000, frameSize: 20_000 });
    const videoFrames = tags.filter((t) => t.type === FlvTagType.Video && t.data[1] === 1);
    const p = await publisher(s.port, "shared");
    await send(p, tags);
    for (const player of players) {
      await player.waitFor(
        () =>
          player.media().filter((m) => m.typeId === 9 && m.payload[1] === 1).length ===
            videoFrames.length,
        "every video frame",
      );
    }
    await p.close();
    for (const player of players) {
      const video = player.media().filter((m) => m.typeId === 9 && m.payload[1] === 1);
      assertEquals(video.map((m) => m.timestamp), videoFrames.map((t) => t.timestamp));
      for (let i = 0; i < videoFrames.length; i++) {
        assertEquals(video[i].payload, videoFrames[i].data, `frame ${i}`);
      }
    }
  } finally {
    for (const player of players) await player.close();
  }
});
