import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  ASSETS_DIR,
  playMessages,
  type PlayRecord,
  startServer,
  syntheticTags,
  waitUntil,
} from "./_helpers.ts";

for (const rtmpeType of [6, 8, 9] as const) {
  Deno.test(`RtmpServer plays VOD to an RTMPE client of type ${rtmpeType} exactly as to a plain one`, async () => {
    await using s = await startServer({ root: ASSETS_DIR });
    const plain = await playMessages(s.port, "vod", "sample.flv");
    const encrypted = await playMessages(s.port, "vod", "sample.flv", {
      handshake: "rtmpe",
      rtmpeType,
    });
    strictEqual(encrypted.reason, "complete");
    deepStrictEqual(encrypted.statuses, plain.statuses);
    strictEqual(encrypted.media.length, plain.media.length);
    ok(encrypted.media.length > 300);
    for (let i = 0; i < plain.media.length; i++) {
      deepStrictEqual(encrypted.media[i], plain.media[i], `message ${i}`);
    }
  });
}

Deno.test("RtmpServer answers RTMPE clients with the type its rtmpe option asks for", async () => {
  for (const answerType of [6, 9] as const) {
    const lines: string[] = [];
    await using s = await startServer({
      root: ASSETS_DIR,
      rtmpe: { answerType },
    });
    const record = await playMessages(s.port, "vod", "sample.flv", {
      handshake: "rtmpe",
      log: (_level, line) => lines.push(line),
    });
    strictEqual(record.reason, "complete");
    ok(record.statuses.includes("NetStream.Play.Stop"));
    const mismatch = "HandShake: Type mismatch: client sent 6, server answered 9";
    strictEqual(lines.includes(mismatch), answerType === 9, lines.join("\n"));
    ok(!lines.some((line) => line.includes("answered 8")), "the default (8) was not used");
  }
});

/** Publishes `tags` live with one handshake while a player with another records them. */
async function relay(
  handshake: "plain" | "rtmpe",
  tags: ReturnType<typeof syntheticTags>,
): Promise<PlayRecord> {
  await using s = await startServer();
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", s.port), {
    app: "live",
    playpath: "key",
    tcUrl: `rtmp://127.0.0.1:${s.port}/live`,
    handshake,
    rtmpeType: 9,
  });
  const before = s.server.stats.players;
  const record = playMessages(s.port, "live", "key", { live: true, handshake, rtmpeType: 8 });
  await waitUntil(() => s.server.stats.players > before, 5000, "the player to join");
  for (const tag of tags) await publisher.writeTag(tag);
  await publisher.flush();
  await publisher.close();
  return await record;
}

Deno.test("RtmpServer relays a live stream published over RTMPE to an RTMPE player as over RTMP", async () => {
  const tags = syntheticTags({ durationMs: 1000, keyframeMs: 500, audioMs: 100 });
  const plain = await relay("plain", tags);
  const encrypted = await relay("rtmpe", tags);
  strictEqual(encrypted.reason, "complete");
  deepStrictEqual(encrypted.statuses, plain.statuses);
  ok(encrypted.media.length > 30, `${encrypted.media.length} messages`);
  deepStrictEqual(encrypted.media, plain.media);
});
