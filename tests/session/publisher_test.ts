import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { FlvError } from "../../src/flv/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { SessionError } from "../../src/session/session_error.ts";
import { connectTcp } from "../../transports/tcp.ts";
import {
  encodeFlv,
  playMessages,
  startServer,
  syntheticTags,
  waitUntil,
} from "../server/_helpers.ts";
import { assertWithin } from "../_wait.ts";

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function connect(port: number, playpath = "key") {
  return await Publisher.connect(await connectTcp("127.0.0.1", port), { app: "live", playpath });
}

/** Media long enough that publishing it paced would take far longer than any "no hang" limit. */
const LONG_MEDIA_MS = 600_000;
/** "No hang" limit of publishing {@linkcode LONG_MEDIA_MS} of media with `realtime: false`. */
const FULL_SPEED_LIMIT_MS = 60_000;

Deno.test("Publisher.publishFlv paces by tag timestamps; realtime false pushes at once", async () => {
  await using s = await startServer();
  const long = encodeFlv(syntheticTags({ durationMs: LONG_MEDIA_MS, audioMs: 100 }));
  const fast = await connect(s.port, "fast");
  let started = performance.now();
  const result = await fast.publishFlv(chunks(long, 4096), { realtime: false });
  assertWithin(performance.now() - started, FULL_SPEED_LIMIT_MS, "publishing 10 minutes at once");
  await fast.close();
  assertEquals(result.bytesRead, long.length);
  assertEquals(result.tags, 1 + 2 + LONG_MEDIA_MS / 40 + LONG_MEDIA_MS / 100);
  assertEquals(result.lastTimestamp, LONG_MEDIA_MS - 40);

  const file = encodeFlv(syntheticTags({ durationMs: 1000, audioMs: 100 }));
  const paced = await connect(s.port, "paced");
  started = performance.now();
  const pacedResult = await paced.publishFlv(chunks(file, 4096));
  const pacedMs = performance.now() - started;
  await paced.close();
  assertEquals(pacedResult.tags, 1 + 2 + 25 + 10);
  assertEquals(pacedResult.lastTimestamp, 960);
  assert(pacedMs >= 900, `real-time publish took ${pacedMs} ms`);
});

Deno.test("Publisher: a player receives what was published; close ends its stream", async () => {
  await using s = await startServer();
  const tags = syntheticTags({ durationMs: 2000, keyframeMs: 1000 });
  const publisher = await connect(s.port);
  const before = s.server.stats.players;
  const record = playMessages(s.port, "live", "key", { live: true });
  await waitUntil(() => s.server.stats.players > before, "the player");
  await publisher.publishFlv(chunks(encodeFlv(tags), 333), { realtime: false });
  await publisher.close();
  const result = await record;
  assertEquals(result.reason, "complete");
  const video = result.media.filter((m) => m.typeId === 9 && m.payload[1] === 1);
  assertEquals(video.length, 50);
});

Deno.test("Publisher reports a refused publish and a broken FLV", async () => {
  await using s = await startServer({ hooks: { onPublish: (r) => r.name !== "no" } });
  await rejects(connect(s.port, "no"), (err: Error) => {
    assert(err instanceof SessionError);
    assert(/NetStream\.Publish\.Denied/.test(err.message));
    return true;
  });
  const publisher = await connect(s.port);
  await rejects(
    publisher.publishFlv(chunks(new TextEncoder().encode("not an FLV file at all"), 5)),
    FlvError,
  );
  await publisher.close();
  // The server goes away: writing fails with a SessionError, not a hang.
  const orphan = await connect(s.port, "orphan");
  await s.server.close();
  await rejects(
    orphan.publishFlv(chunks(encodeFlv(syntheticTags({ durationMs: 60_000 })), 4096), {
      realtime: false,
    }),
  );
  await orphan.close();
});
