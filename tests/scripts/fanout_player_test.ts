import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  type ExpectedFrames,
  FrameChecker,
  isCodedAudioFrame,
  isCodedVideoFrame,
  isKeyframe,
  readExpectedFrames,
  runFanout,
} from "../../scripts/fanout_player.ts";
import { encodeFlvHeader, encodeFlvTag, FlvFlags, FlvTagType } from "../../src/flv/mod.ts";
import { RtmpServer } from "../../src/server/rtmp_server.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";

const VIDEO = 9;
const AUDIO = 8;
const AVC_KEYFRAME = new Uint8Array([0x17, 1, 0, 0, 0, 0xaa]);
const AVC_INTER = new Uint8Array([0x27, 1, 0, 0, 0, 0xbb]);
const AVC_HEADER = new Uint8Array([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]);
const AVC_END = new Uint8Array([0x17, 2, 0, 0, 0]);
const AAC_FRAME = new Uint8Array([0xaf, 1, 0x21, 0x10]);
const AAC_HEADER = new Uint8Array([0xaf, 0, 0x12, 0x10]);

const EXPECTED: ExpectedFrames = {
  video: [0, 33, 67, 100, 133, 167],
  audio: [0, 23, 46, 70, 93, 116, 139, 163],
};

type Event = [typeId: number, timestamp: number, body: Uint8Array, arrivalMs?: number];

function check(events: Event[]) {
  const checker = new FrameChecker(EXPECTED);
  let clock = 1000;
  for (const [typeId, timestamp, body, arrival] of events) {
    checker.onMessage(typeId, timestamp, body, arrival ?? clock++);
  }
  return {
    video: checker.videoFrames,
    audio: checker.audioFrames,
    missing: checker.missing,
    unexpected: checker.unexpected,
    end: checker.reachedEnd,
    lag: checker.maxLagMs,
  };
}

Deno.test("frame classifiers: AVC sequence header, end of sequence and info frames are not frames", () => {
  assert(isCodedVideoFrame(AVC_KEYFRAME) && isCodedVideoFrame(AVC_INTER));
  assert(!isCodedVideoFrame(AVC_HEADER) && !isCodedVideoFrame(AVC_END));
  assert(!isCodedVideoFrame(new Uint8Array([0x57, 0])) && !isCodedVideoFrame(new Uint8Array()));
  assert(isCodedVideoFrame(new Uint8Array([0x22, 0, 0]))); // Sorenson H.263 inter frame
  assert(isKeyframe(AVC_KEYFRAME) && !isKeyframe(AVC_INTER) && !isKeyframe(new Uint8Array()));
  assert(isCodedAudioFrame(AAC_FRAME) && !isCodedAudioFrame(AAC_HEADER));
  assert(isCodedAudioFrame(new Uint8Array([0x2f, 0xff])) && !isCodedAudioFrame(new Uint8Array()));
});

Deno.test("FrameChecker starts at the first keyframe and audio after it, and sees the whole rest", () => {
  assertEquals(
    check([
      [VIDEO, 33, AVC_INTER], // joined mid-GOP: ignored
      [AUDIO, 23, AAC_FRAME], // before the first keyframe: ignored
      [VIDEO, 0, AVC_HEADER],
      [AUDIO, 0, AAC_HEADER],
      [VIDEO, 67, AVC_KEYFRAME],
      [AUDIO, 70, AAC_FRAME],
      [AUDIO, 93, AAC_FRAME],
      [VIDEO, 100, AVC_INTER],
      [AUDIO, 116, AAC_FRAME],
      [VIDEO, 133, AVC_INTER],
      [AUDIO, 139, AAC_FRAME],
      [AUDIO, 163, AAC_FRAME],
      [VIDEO, 167, AVC_INTER],
    ]),
    { video: 4, audio: 5, missing: 0, unexpected: 0, end: true, lag: 0 },
  );
});

Deno.test("FrameChecker counts frames missing between two received ones", () => {
  assertEquals(
    check([
      [VIDEO, 67, AVC_KEYFRAME],
      [AUDIO, 70, AAC_FRAME],
      [AUDIO, 93, AAC_FRAME],
      [AUDIO, 139, AAC_FRAME], // 116 lost
      [AUDIO, 163, AAC_FRAME],
      [VIDEO, 167, AVC_INTER], // 100 and 133 lost
    ]),
    { video: 2, audio: 4, missing: 3, unexpected: 0, end: true, lag: 0 },
  );
});

Deno.test("FrameChecker flags repeats and unknown timestamps, and a stream cut short", () => {
  assertEquals(
    check([
      [VIDEO, 0, AVC_KEYFRAME],
      [VIDEO, 33, AVC_INTER],
      [VIDEO, 33, AVC_INTER],
      [VIDEO, 50, AVC_INTER],
      [VIDEO, 67, AVC_INTER],
    ]),
    { video: 5, audio: 0, missing: 0, unexpected: 2, end: false, lag: 0 },
  );
});

Deno.test("FrameChecker measures the lag behind the live edge after the cached GOP", () => {
  const result = check([
    // A cached GOP arrives in a burst: old timestamps, no lag counted yet.
    [VIDEO, 0, AVC_KEYFRAME, 500],
    [VIDEO, 33, AVC_INTER, 501],
    [VIDEO, 67, AVC_INTER, 502], // live edge: arrival − timestamp = 435
    [VIDEO, 100, AVC_KEYFRAME, 535],
    [VIDEO, 133, AVC_INTER, 900], // 332 ms late
    [VIDEO, 167, AVC_INTER, 610],
  ]);
  assertEquals(result.lag, 332);
  assertEquals(result.missing + result.unexpected, 0);
});

/** A synthetic FLV: AVC + AAC headers, then `seconds` of 30 fps video (GOP 15) and AAC audio. */
function syntheticFlv(seconds: number): Uint8Array {
  const tags: { type: number; timestamp: number; data: Uint8Array }[] = [
    { type: FlvTagType.Video, timestamp: 0, data: AVC_HEADER },
    { type: FlvTagType.Audio, timestamp: 0, data: AAC_HEADER },
  ];
  const media: { type: number; timestamp: number; data: Uint8Array }[] = [];
  const payload = new Uint8Array(2000).fill(7);
  for (let i = 0; i * 1000 / 30 < seconds * 1000; i++) {
    const data = new Uint8Array(5 + payload.length);
    data.set(i % 15 === 0 ? AVC_KEYFRAME.subarray(0, 5) : AVC_INTER.subarray(0, 5));
    data.set(payload, 5);
    media.push({ type: FlvTagType.Video, timestamp: Math.round(i * 1000 / 30), data });
  }
  for (let i = 0; i * 1024 / 44.1 < seconds * 1000; i++) {
    media.push({ type: FlvTagType.Audio, timestamp: Math.round(i * 1024 / 44.1), data: AAC_FRAME });
  }
  media.sort((a, b) => a.timestamp - b.timestamp);
  tags.push(...media, { type: FlvTagType.Video, timestamp: tags.at(-1)!.timestamp, data: AVC_END });
  const parts = [encodeFlvHeader(FlvFlags.Audio | FlvFlags.Video), ...tags.map(encodeFlvTag)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

Deno.test("readExpectedFrames lists frame timestamps without sequence headers or end of sequence", async () => {
  const path = await Deno.makeTempFile({ suffix: ".flv" });
  try {
    await Deno.writeFile(path, syntheticFlv(1));
    const expected = await readExpectedFrames(path);
    assertEquals(expected.video.length, 30);
    assertEquals(expected.video.slice(0, 3), [0, 33, 67]);
    assertEquals(expected.audio.length, 44);
    assertEquals(expected.audio.slice(0, 3), [0, 23, 46]);
  } finally {
    await Deno.remove(path);
  }
});

/**
 * Publishes `seconds` of synthetic media in real time to an in-process server while five players
 * play it; with `stopEarly`, the publisher stops once every player plays (so they all joined a
 * stream that ends before its last frame, however slowly the machine let them join).
 */
async function fanoutAgainstServer(seconds: number, stopEarly: boolean) {
  const flv = syntheticFlv(seconds);
  const path = await Deno.makeTempFile({ suffix: ".flv" });
  await Deno.writeFile(path, flv);
  const server = new RtmpServer({ listen: ["rtmp://127.0.0.1:0"] });
  await server.start();
  const port = server.addresses[0].port;
  try {
    const expected = await readExpectedFrames(path);
    const publisher = await Publisher.connect(await connectTcp("127.0.0.1", port), {
      app: "live",
      playpath: "bench",
    });
    let allPlaying = false;
    const publishing = publisher.publishFlv(
      (async function* () {
        yield flv;
      })(),
      { stop: () => stopEarly && allPlaying },
    ).then(() => publisher.close());
    const fanoutStarted = performance.now();
    const result = await runFanout({
      hostname: "127.0.0.1",
      port,
      app: "live",
      name: "bench",
      players: 5,
      expected,
      timeoutMs: FANOUT_LIMIT_MS,
      publisherDone: publishing,
      onAllPlaying: () => (allPlaying = true),
    });
    const elapsedMs = performance.now() - fanoutStarted;
    await publishing;
    return { ...result, elapsedMs };
  } finally {
    await server.close();
    await Deno.remove(path);
  }
}

/** "No hang" limit of a fan-out run of a few seconds of media. */
const FANOUT_LIMIT_MS = 60_000;

Deno.test("runFanout: five players of an in-process server all get every frame", async () => {
  const result = await fanoutAgainstServer(2, false);
  assertEquals(result.players, 5);
  assertEquals(result.playing, 5);
  assertEquals(result.ends, { complete: 5 });
  assertEquals(result.missing + result.unexpected, 0);
  assert(result.videoFrames[0] > 0 && result.videoFrames[1] <= 60);
  // A measured lag: no more than the time the players ran (not a figure in other units).
  assert(
    result.maxLagMs >= 0 && result.maxLagMs <= result.elapsedMs,
    `lag ${result.maxLagMs} ms in a run of ${Math.round(result.elapsedMs)} ms`,
  );
});

Deno.test("runFanout: players of a stream that stops early end without the last frame", async () => {
  const result = await fanoutAgainstServer(30, true);
  assertEquals(result.playing, 5);
  assertEquals(result.ends, { "ended-early": 5 });
  assert(result.errors.some((e) => e.includes("UnpublishNotify")), result.errors.join("; "));
});
