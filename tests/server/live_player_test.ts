import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RtmpMessage } from "../../src/chunk/rtmp_message.ts";
import { inspectAudio, inspectVideo } from "../../src/server/inspect_media.ts";
import { LivePlayer } from "../../src/server/live_player.ts";
import type { ConnectionOutput } from "../../src/server/server_connection.ts";
import type { ServerSession } from "../../src/session/server_session.ts";

/** A connection whose queue size the test sets; it records what the player sends. */
class FakeOutput implements ConnectionOutput {
  sent: { typeId: number; timestamp: number }[] = [];
  queuedBytes = 0;
  closed = false;
  closeReason = "";
  readonly session = {
    sendMedia: (_streamId: number, typeId: number, timestamp: number, payload: Uint8Array) => {
      this.sent.push({ typeId, timestamp });
      this.queuedBytes += payload.length;
    },
  } as unknown as ServerSession;
  flush(): void {}
  waitForDrain(): Promise<void> {
    return Promise.resolve();
  }
  close(reason: string): void {
    this.closed = true;
    this.closeReason = reason;
  }
}

const video = (timestamp: number, key: boolean, size = 100): RtmpMessage => {
  const payload = new Uint8Array(size);
  payload.set([key ? 0x17 : 0x27, 1]);
  return { csid: 7, typeId: 9, timestamp, messageStreamId: 1, payload };
};
const audio = (timestamp: number): RtmpMessage => ({
  csid: 6,
  typeId: 8,
  timestamp,
  messageStreamId: 1,
  payload: new Uint8Array([0xaf, 1, 0, 0]),
});
const relay = (player: LivePlayer, m: RtmpMessage) =>
  player.relay(m, m.typeId === 9 ? inspectVideo(m.payload) : inspectAudio(m.payload), true);

Deno.test("LivePlayer starts at a keyframe; audio waits with the video", () => {
  const output = new FakeOutput();
  const player = new LivePlayer(output, 1, "key", { queueLimit: 10_000 });
  relay(player, audio(0));
  relay(player, video(0, false));
  relay(player, video(40, true));
  relay(player, audio(40));
  relay(player, video(80, false));
  assertEquals(output.sent, [
    { typeId: 9, timestamp: 40 },
    { typeId: 8, timestamp: 40 },
    { typeId: 9, timestamp: 80 },
  ]);
});

Deno.test("LivePlayer drops video past half its queue until a keyframe finds room, counts it, keeps audio", () => {
  const output = new FakeOutput();
  const drops: number[] = [];
  const player = new LivePlayer(output, 1, "key", {
    queueLimit: 1000,
    onDrop: (_p, n) => drops.push(n),
  });
  relay(player, video(0, true));
  output.queuedBytes = 600; // past half
  relay(player, video(40, false)); // dropped
  relay(player, audio(40)); // kept
  relay(player, video(80, true)); // a keyframe, but still congested: dropped
  output.queuedBytes = 100; // drained
  relay(player, video(120, false)); // still waiting for a keyframe: dropped
  relay(player, video(160, true)); // sent
  relay(player, video(200, false)); // sent
  assertEquals(output.sent.map((s) => `${s.typeId}@${s.timestamp}`), [
    "9@0",
    "8@40",
    "9@160",
    "9@200",
  ]);
  assertEquals(player.droppedFrames, 3);
  assertEquals(drops, [1, 1, 1]);
  assert(!output.closed);
});

Deno.test("LivePlayer is disconnected past its queue limit, or after losing too much stream time", () => {
  const full = new FakeOutput();
  let behind = 0;
  const player = new LivePlayer(full, 1, "key", {
    queueLimit: 1000,
    onFallBehind: () => behind++,
  });
  relay(player, video(0, true));
  full.queuedBytes = 998;
  assertEquals(relay(player, audio(40)), false, "audio does not fit: disconnected");
  assert(full.closed);
  assertEquals(behind, 1);

  const lagging = new FakeOutput();
  const slow = new LivePlayer(lagging, 1, "key", { queueLimit: 1000, maxLagMs: 1000 });
  relay(slow, video(0, true));
  lagging.queuedBytes = 600;
  for (let t = 40; t <= 1000; t += 40) assert(relay(slow, video(t, t % 400 === 0)));
  assert(!lagging.closed, "1000 ms of lost video is tolerated");
  assertEquals(relay(slow, video(1080, false)), false);
  assert(lagging.closed);
  assert(/fell behind/.test(lagging.closeReason));
});

Deno.test("LivePlayer: paused players get nothing; resuming starts at a keyframe", () => {
  const output = new FakeOutput();
  const player = new LivePlayer(output, 1, "key", { queueLimit: 10_000 });
  relay(player, video(0, true));
  player.setPaused(true);
  relay(player, video(40, false));
  relay(player, audio(40));
  player.setPaused(false);
  relay(player, video(80, false));
  relay(player, video(120, true));
  assertEquals(output.sent.map((s) => s.timestamp), [0, 120]);
});
