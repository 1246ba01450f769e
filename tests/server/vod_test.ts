import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder } from "../../src/chunk/mod.ts";
import { ClientSession } from "../../src/session/client_session.ts";
import { RtmpClient } from "../../src/session/rtmp_client.ts";
import { connectTcp } from "../../transports/tcp.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import { FlvTagType } from "../../src/flv/mod.ts";
import { isOnMetaData } from "../../src/session/metadata_info.ts";
import {
  ASSETS_DIR,
  encodeFlv,
  flvTags,
  metadataBody,
  playMessages,
  RawClient,
  SAMPLE_FLV,
  startServer,
  syntheticTags,
  tempDir,
} from "./_helpers.ts";
import { assertWithin } from "../_wait.ts";

/** Media long enough that playing it paced would take far longer than any "no hang" limit. */
const LONG_MEDIA_MS = 600_000;
/** "No hang" limit of a full-speed play of {@linkcode LONG_MEDIA_MS} of media. */
const FULL_SPEED_LIMIT_MS = 60_000;

async function download(url: string, options: Parameters<typeof downloadFlv>[2] = {}) {
  const chunks: Uint8Array[] = [];
  const result = await downloadFlv(url, (b) => {
    chunks.push(b.slice());
  }, { timeoutMs: 10_000, ...options });
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return { result, bytes };
}

/** The tags rtmpdump keeps of a file: no video ≤ 5 bytes, audio ≤ 1 byte, data but onMetaData. */
function keptTags(file: Uint8Array) {
  return flvTags(file).filter((t) =>
    t.type === FlvTagType.Video
      ? t.data.length > 5
      : t.type === FlvTagType.Audio
      ? t.data.length > 1
      : t.type === FlvTagType.Script && isOnMetaData(t.data)
  );
}

Deno.test("RtmpServer VOD: the client's FLV has every tag of the sample, byte for byte", async () => {
  await using s = await startServer({ root: ASSETS_DIR });
  const source = await Deno.readFile(SAMPLE_FLV);
  const { result, bytes } = await download(s.url("vod", "sample.flv"));
  assertEquals(result.reason, "complete");
  assertEquals(result.lastStatus, "NetStream.Play.Stop");
  assertEquals(bytes[4], source[4], "header flags");
  const got = flvTags(bytes);
  const want = keptTags(source);
  assertEquals(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assertEquals(got[i].type, want[i].type, `tag ${i} type`);
    assertEquals(got[i].timestamp, want[i].timestamp, `tag ${i} timestamp`);
    assertEquals(got[i].data, want[i].data, `tag ${i} body`);
  }
  assertEquals(s.server.stats.acceptedConnections, 1);
});

Deno.test("RtmpServer VOD: names arrive without .flv, with mp4:/flv: prefixes and queries", async () => {
  await using s = await startServer({ root: ASSETS_DIR });
  for (const name of ["sample", "mp4:sample.flv", "flv:sample", "sample?token=1"]) {
    const record = await playMessages(s.port, "vod", name);
    assertEquals(record.reason, "complete", name);
    assert(record.statuses.includes("NetStream.Play.Start"), name);
    assert(record.media.length > 300, `${name}: ${record.media.length} messages`);
  }
});

Deno.test("RtmpServer VOD: unknown names, traversal and links out of the root are StreamNotFound", async () => {
  await using root = await tempDir();
  await using outside = await tempDir();
  await Deno.writeFile(`${outside.path}/secret.flv`, encodeFlv(syntheticTags()));
  await Deno.symlink(`${outside.path}/secret.flv`, `${root.path}/link.flv`);
  await Deno.mkdir(`${root.path}/sub`);
  await Deno.writeFile(`${root.path}/sub/ok.flv`, encodeFlv(syntheticTags({ durationMs: 200 })));
  await using s = await startServer({ root: root.path });
  const names = [
    "missing",
    "../secret",
    `..%2f${outside.path}`,
    "sub/../../secret",
    `${outside.path}/secret.flv`,
    "link",
    "sub\\..\\..\\secret",
  ];
  for (const name of names) {
    const record = await playMessages(s.port, "vod", name);
    assertEquals(record.statuses, ["NetStream.Play.StreamNotFound"], name);
    assertEquals(record.reason, "failed", name);
    assertEquals(record.media.length, 0, name);
  }
  const ok = await playMessages(s.port, "vod", "sub/ok");
  assertEquals(ok.reason, "complete");
});

Deno.test("RtmpServer VOD: play start begins at the keyframe at or before it, from timestamp 0", async () => {
  await using root = await tempDir();
  const tags = syntheticTags({ durationMs: 4000, keyframeMs: 1000, audioMs: 50 });
  await Deno.writeFile(`${root.path}/plain.flv`, encodeFlv(tags));
  await Deno.writeFile(`${root.path}/indexed.flv`, encodeFlv(tags, 5, true));
  await using s = await startServer({ root: root.path });
  for (const name of ["plain", "indexed"]) {
    const record = await playMessages(s.port, "vod", name, { seekMs: 2500 });
    assertEquals(record.reason, "complete", name);
    const media = record.media.filter((m) => m.typeId !== 18 || isOnMetaData(m.payload));
    const [metadata, ...rest] = media;
    assert(isOnMetaData(metadata.payload), `${name}: metadata first`);
    assertEquals(metadata.timestamp, 0);
    // Sequence headers (AVC then AAC, file order) at 0, then the 2000 ms keyframe, restamped 0.
    assertEquals(rest[0].payload[0], 0x17);
    assertEquals(rest[0].payload[1], 0, `${name}: AVC sequence header`);
    assertEquals(rest[1].payload.subarray(0, 2), new Uint8Array([0xaf, 0]));
    const firstFrame = rest.find((m) => m.typeId === FlvTagType.Video && m.payload[1] === 1)!;
    assertEquals(firstFrame.payload[0], 0x17, `${name}: starts on a keyframe`);
    assertEquals(firstFrame.payload[5], 2000 & 0xff, `${name}: the 2000 ms keyframe`);
    assertEquals(firstFrame.timestamp, 0);
    const last = media[media.length - 1];
    assertEquals(last.timestamp, 3960 - 2000);
  }
});

Deno.test("RtmpServer VOD: play len stops after that much media", async () => {
  await using root = await tempDir();
  await Deno.writeFile(`${root.path}/a.flv`, encodeFlv(syntheticTags({ durationMs: 3000 })));
  await using s = await startServer({ root: root.path });
  const record = await playMessages(s.port, "vod", "a", { seekMs: 1000, stopMs: 1500 });
  assertEquals(record.reason, "complete");
  const video = record.media.filter((m) => m.typeId === FlvTagType.Video && m.payload[1] === 1);
  assertEquals(video[0].timestamp, 0);
  assertEquals(video[video.length - 1].timestamp, 480);
});

Deno.test("RtmpServer VOD: a small client buffer gets real time, rtmpdump's buffer full speed", async () => {
  await using root = await tempDir();
  await Deno.writeFile(`${root.path}/a.flv`, encodeFlv(syntheticTags({ durationMs: 2500 })));
  await Deno.writeFile(
    `${root.path}/long.flv`,
    encodeFlv(syntheticTags({ durationMs: LONG_MEDIA_MS })),
  );
  await using s = await startServer({ root: root.path });
  let started = performance.now();
  const fast = await playMessages(s.port, "vod", "long", { bufferMs: 36_000_000 });
  assertEquals(fast.reason, "complete");
  assertWithin(performance.now() - started, FULL_SPEED_LIMIT_MS, "full-speed play of 10 minutes");
  started = performance.now();
  const record = await playMessages(s.port, "vod", "a", { bufferMs: 100 });
  const paced = performance.now() - started;
  assertEquals(record.reason, "complete");
  // 2.5 s of media, 0.1 s buffer + 1 s head start: at least 1.3 s of waiting.
  assert(paced > 1300, `paced play took ${paced} ms`);
});

Deno.test("RtmpServer VOD: seek restarts at a keyframe with the file's timestamps", async () => {
  await using root = await tempDir();
  await Deno.writeFile(`${root.path}/a.flv`, encodeFlv(syntheticTags({ durationMs: 3000 })));
  await using s = await startServer({ root: root.path });
  const media: { timestamp: number; key: boolean }[] = [];
  const statuses: string[] = [];
  let seekAt = -1;
  let seekNotifiedAt = 0;
  const session = new ClientSession({ app: "vod", playpath: "a", bufferMs: 200 }, {
    onMedia: (m) => {
      if (m.typeId === 9 && m.payload[1] === 1) {
        media.push({ timestamp: m.timestamp, key: m.payload[0] === 0x17 });
      }
    },
    onStatus: (code) => {
      statuses.push(code);
      if (code === "NetStream.Seek.Notify") {
        seekAt = media.length;
        seekNotifiedAt = performance.now();
      }
    },
  });
  const client = new RtmpClient(await connectTcp("127.0.0.1", s.port), session);
  const playStartedAt = performance.now();
  await client.connect();
  await client.pump(() => media.length > 0);
  // seek(2500) on the play stream, as librtmp's RTMP_SendSeek sends it.
  const encoder = new ChunkEncoder();
  encoder.write({
    csid: 9,
    typeId: 20,
    timestamp: 0,
    messageStreamId: session.streamId,
    payload: encodeAmf0("seek", 0, null, 2500),
  });
  await client.transport.write(encoder.takeOutput());
  const before = media.length;
  await client.pump(() => statuses.includes("NetStream.Seek.Notify") && media.length > before + 2);
  await client.close();
  assert(seekAt > 0, "Seek.Notify arrived");
  // Before the seek: the first 1.2 s (buffer + head start), and what real time the play and the
  // seek took on this machine (one frame more); after it: the 2000 ms keyframe on.
  const pacedUpTo = 1200 + (seekNotifiedAt - playStartedAt) + 40;
  assert(
    media[seekAt - 1].timestamp <= pacedUpTo,
    `last before the seek: ${media[seekAt - 1].timestamp} ms of media, paced up to ${pacedUpTo}`,
  );
  assertEquals(media[seekAt], { timestamp: 2000, key: true });
  assertEquals(media[seekAt + 1], { timestamp: 2040, key: false });
});

Deno.test("RtmpServer answers getStreamLength with the file's duration in seconds", async () => {
  await using root = await tempDir();
  const tags = syntheticTags({ durationMs: 500 });
  tags[0] = { ...tags[0], data: metadataBody({ duration: 12.5, width: 320 }) };
  await Deno.writeFile(`${root.path}/a.flv`, encodeFlv(tags));
  await using s = await startServer({ root: root.path });
  const client = await RawClient.open(s.port);
  try {
    await client.connect("vod");
    for (
      const [name, txn] of [["a", 10], ["mp4:a.flv", 11], ["missing", 12], ["../a", 13]] as const
    ) {
      await client.command("getStreamLength", [null, name], { transactionId: txn });
    }
    await client.waitFor(
      () => client.commands().filter((c) => c[0] === "_result").length === 5,
      "replies",
    );
    const replies = client.commands().filter((c) => c[0] === "_result" && (c[1] as number) >= 10);
    // Answers come as the file system answers, not necessarily in order.
    const byTransaction = replies.map((c) => [c[1], c[3]]).sort((a, b) =>
      Number(a[0]) - Number(b[0])
    );
    assertEquals(byTransaction, [[10, 12.5], [11, 12.5], [12, 0], [13, 0]]);
  } finally {
    await client.close();
  }
});
