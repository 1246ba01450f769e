/**
 * The downloader's part of rtmpdump's debug log, in rtmpdump's order relative to its events:
 * the buffer time before connecting, the end of a stream, RTMP_Read's return after the last
 * counter, the outcome reported before the connection closes, the failed read of a timeout, and
 * what `--resume` finds in the file. In this process, against rtmpkit's server and a fake one.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { DownloadOutcome } from "../../src/download/download_events.ts";
import type { DownloadOutput, ResumeFile } from "../../src/download/download_output.ts";
import { Downloader, type DownloaderOptions } from "../../src/download/downloader.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import { LogLevel, sinkAt } from "../../src/session/log.ts";
import { startFakeServer } from "../cli/_fake_server.ts";
import { ASSETS_DIR } from "../server/_helpers.ts";

/** An output that keeps everything in memory. */
function memoryOutput(initial: Uint8Array = new Uint8Array(0)) {
  const parts: Uint8Array[] = [initial];
  let size = initial.length;
  const output: DownloadOutput = {
    push: (piece) => {
      parts.push(piece.slice());
      size += piece.length;
    },
    commit: () => {},
    flushIfDue: () => {},
    flush: () => {},
    get size() {
      return size;
    },
  };
  return { output, parts };
}

/** A downloader whose log lines and events go to one list, in order. */
function logged(
  options: Omit<DownloaderOptions, "log" | "events" | "output">,
  output?: DownloadOutput,
) {
  const events: string[] = [];
  const downloader = new Downloader({
    ...options,
    output: output ?? memoryOutput().output,
    log: sinkAt(LogLevel.Debug, (_level, message) => events.push(message)),
    events: {
      connecting: () => events.push("<connecting>"),
      started: () => events.push("<started>"),
      stopped: () => events.push("<stopped>"),
      finished: (outcome: DownloadOutcome) => events.push(`<finished ${outcome.status}>`),
    },
  });
  return { downloader, events };
}

function target(port: number, receiveTimeoutMs = 30_000) {
  return {
    protocol: 0,
    host: "127.0.0.1",
    port,
    connectTimeoutMs: 30_000,
    receiveTimeoutMs,
    handshake: "plain" as const,
  };
}

Deno.test("Downloader logs rtmpdump's main loop around a VOD: buffer time, end of stream, RTMP_Read's return, then the outcome", async () => {
  const server = new RtmpServer({ root: ASSETS_DIR, listen: ["rtmp://127.0.0.1:0"] });
  await server.start();
  try {
    const port = server.addresses[0].port;
    const { downloader, events } = logged({
      connection: target(port),
      session: { app: "vod", tcUrl: `rtmp://127.0.0.1:${port}/vod`, playpath: "sample" },
      live: false,
      bufferMs: 36_000_000,
    });
    const outcome = await downloader.run();
    assertEquals(outcome.status, "complete");
    assertEquals(events.slice(0, 3), [
      "Setting buffer time to: 36000000ms",
      "<connecting>",
      "RTMP_Connect1, ... connected, handshaking",
    ]);
    assertEquals(events.slice(-6), [
      "HandleInvoke, onStatus: NetStream.Play.Stop",
      "Invoking deleteStream",
      "Got Play.Complete or Play.Stop from server. Assuming stream is complete",
      "<stopped>",
      "RTMP_Read returned: 0",
      "<finished complete>",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("Downloader logs a live stream's timeout as librtmp does, and closes the stream after reporting", async () => {
  await using server = startFakeServer(async (peer) => {
    if (!(await peer.acceptPlay())) return;
    await peer.sendMedia(2);
    await peer.stall();
  });
  const { downloader, events } = logged({
    connection: target(server.port, 300),
    session: { app: "live", tcUrl: server.url(), playpath: "x", live: true },
    live: true,
    bufferMs: 36_000_000,
  });
  const outcome = await downloader.run();
  assertEquals(outcome.status, "incomplete");
  assertEquals(events.slice(-6), [
    "RTMPSockBuf_Fill, recv returned -1. GetSockError(): 11 (Resource temporarily unavailable)",
    "RTMP_ReadPacket, failed to read RTMP packet header",
    "<stopped>",
    "RTMP_Read returned: 0",
    "<finished incomplete>",
    // RTMP_Close after rtmpdump's report: the stream is still open.
    "Invoking deleteStream",
  ]);
});

/** The end of the last whole FLV tag before `limit`, and the last video keyframe before it. */
function cutAtTag(flv: Uint8Array, limit: number) {
  let end = 13;
  let keyframe: { timestamp: number; size: number } | undefined;
  for (;;) {
    const size = (flv[end + 1] << 16) | (flv[end + 2] << 8) | flv[end + 3];
    const next = end + 11 + size + 4;
    if (next > limit) return { bytes: flv.slice(0, end), keyframe };
    const timestamp = ((flv[end + 7] << 24) | (flv[end + 4] << 16) | (flv[end + 5] << 8) |
      flv[end + 6]) >>> 0;
    if (flv[end] === 9 && (flv[end + 11] & 0xf0) === 0x10) keyframe = { timestamp, size };
    end = next;
  }
}

Deno.test("Downloader logs what --resume finds in the file, and where Download continues", async () => {
  const server = new RtmpServer({ root: ASSETS_DIR, listen: ["rtmp://127.0.0.1:0"] });
  await server.start();
  try {
    const port = server.addresses[0].port;
    const sample = await Deno.readFile(`${ASSETS_DIR}/sample.flv`);
    const cut = cutAtTag(sample, Math.floor(sample.length * 0.7));
    assert(cut.keyframe !== undefined && cut.keyframe.timestamp > 0);
    let file = cut.bytes;
    const resume: ResumeFile = {
      get size() {
        return file.length;
      },
      read: (offset, length) => file.slice(offset, offset + length),
      truncate: (length) => (file = file.slice(0, length)),
    };
    const { downloader, events } = logged({
      connection: target(port),
      session: { app: "vod", tcUrl: `rtmp://127.0.0.1:${port}/vod`, playpath: "sample" },
      live: false,
      bufferMs: 36_000_000,
      resume: { file: resume, skip: 0 },
    }, memoryOutput(cut.bytes).output);
    await downloader.run();
    const connecting = events.indexOf("Setting buffer time to: 36000000ms");
    const before = events.slice(0, connecting);
    assertEquals(before[0], "(object begin)");
    assertEquals(before[1], "Property: <Name:           no-name., STRING:\tonMetaData>");
    assertEquals(before.slice(-2), [
      `bAudioOnly: 0, size: ${cut.bytes.length}`,
      `Last keyframe found at: ${cut.keyframe.timestamp} ms, size: ${cut.keyframe.size}, type: 09`,
    ]);
    const started = events.indexOf("<started>");
    assertEquals(events[started - 1], `Continuing at TS: ${cut.keyframe.timestamp} ms\n`);
  } finally {
    await server.close();
  }
});
