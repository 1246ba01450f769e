/**
 * "Start the recorder, then the camera": a live player that asks for a name before anyone
 * publishes it waits (bounded by the idle timeout) and gets the stream when the publisher
 * arrives, as nginx-rtmp and other servers do. rtmpdump, ffmpeg and rtmpkit's own `-v`
 * recorder all ask first in that order.
 *
 * Without the wait the server would answer such a play at once with
 * NetStream.Play.StreamNotFound, and the README's live recording example, whose recorder can
 * start after its 5-second publisher has finished on a loaded machine, would fail.
 *
 * @module
 */

import { ok as assert } from "node:assert/strict";
import { FlvTagType } from "../../src/flv/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  playMessages,
  type PlayRecord,
  startServer,
  syntheticTags,
  waitUntil,
} from "./_helpers.ts";

const isKeyframe = (record: PlayRecord) =>
  record.media.some((m) => m.typeId === FlvTagType.Video && m.payload[0] >> 4 === 1);

Deno.test("a live player that asks before the publisher starts gets the stream", async () => {
  await using s = await startServer();
  const playing = playMessages(s.port, "live", "cam", { live: true, stopAfter: isKeyframe });
  let settled = false;
  playing.finally(() => settled = true).catch(() => {});
  await waitUntil(
    () => settled || s.lines.some((line) => /play "cam"/.test(line)),
    "the player's play to reach the server",
  );
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", s.port), {
    app: "live",
    playpath: "cam",
    tcUrl: `rtmp://127.0.0.1:${s.port}/live`,
  });
  try {
    for (const tag of syntheticTags({ durationMs: 2000, keyframeMs: 500 })) {
      await publisher.writeTag(tag);
    }
    await publisher.flush();
    const record = await playing;
    assert(
      !record.statuses.includes("NetStream.Play.StreamNotFound"),
      `the waiting player was refused: ${record.statuses.join(", ")}\n${s.lines.join("\n")}`,
    );
    assert(record.statuses.includes("NetStream.Play.Start"), record.statuses.join(", "));
    assert(isKeyframe(record), `no keyframe reached the player (${record.reason})`);
  } finally {
    await publisher.close();
  }
});
