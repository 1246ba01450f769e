/**
 * The downloader end to end in one process (no external peers): live recordings that survive a
 * server restart (a full reconnect) and a publisher that leaves and returns (the same
 * connection), redirects, and the library getting the same features as the command line.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import type { DownloadGap } from "../../src/download/download_events.ts";
import { Downloader } from "../../src/download/downloader.ts";
import { openConnection } from "../../src/download/open_connection.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import type { AmfValue } from "../../src/amf/mod.ts";
import { MessageType } from "../../src/message/mod.ts";
import { FlvReader, type FlvTag } from "../../src/flv/mod.ts";
import { RtmpServer } from "../../src/server/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { cuttingProxy } from "../_cutting_proxy.ts";
import {
  metadataBody,
  startFakeServer,
  startRedirector,
  streamMessage,
} from "../cli/_fake_server.ts";
import { ASSETS_DIR, encodeFlv, syntheticTags } from "../server/_helpers.ts";

/** Generous bound for any wait below. */
const WAIT_MS = 30_000;

/** A download output that only counts the bytes pushed to it. */
function countingOutput() {
  let size = 0;
  return {
    push: (piece: Uint8Array) => void (size += piece.length),
    commit: () => {},
    flushIfDue: () => {},
    flush: () => {},
    get size() {
      return size;
    },
  };
}

function flvTags(bytes: Uint8Array): FlvTag[] {
  const tags: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(bytes, (tag) => tags.push({ ...tag, data: tag.data.slice() }));
  reader.finish();
  return tags;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > WAIT_MS) throw new Error(`${what}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startServer(port = 0) {
  const server = new RtmpServer({ root: ASSETS_DIR, listen: [`rtmp://127.0.0.1:${port}`] });
  await server.start();
  return server;
}

/** Publishes 6 s of synthetic A/V to live/key in real time until `stop()`. */
async function publish(port: number, stop: () => boolean): Promise<void> {
  const tags = syntheticTags({ durationMs: 6000, audioMs: 23, keyframeMs: 400 });
  const publisher = await Publisher.connect(await connectTcp("127.0.0.1", port), {
    app: "live",
    playpath: "key",
  });
  try {
    const file = encodeFlv(tags);
    await publisher.publishFlv(
      (async function* () {
        yield file;
      })(),
      { stop },
    );
  } catch { /* the server went away */ }
  await publisher.close().catch(() => {});
}

/** Checks a recording: whole tags, timestamps that never go back, one gap, both halves in it. */
function assertContinuous(bytes: Uint8Array, gaps: DownloadGap[]): void {
  const tags = flvTags(bytes);
  const media = tags.filter((t) => t.type === 8 || t.type === 9);
  for (let i = 1; i < media.length; i++) {
    assert(media[i].timestamp >= media[i - 1].timestamp - 50, `timestamp goes back at tag ${i}`);
  }
  assertEquals(gaps.length, 1, "one gap");
  const [gap] = gaps;
  const before = media.filter((t) => t.timestamp <= gap.lastTimestampMs);
  const after = media.filter((t) => t.timestamp >= gap.resumedTimestampMs);
  assert(before.length > 20 && after.length > 20, `${before.length} + ${after.length} frames`);
  assert(
    gap.resumedTimestampMs > gap.lastTimestampMs &&
      gap.resumedTimestampMs - gap.lastTimestampMs <= 100,
  );
  // The sequence headers did not change: written once.
  const avcHeaders = tags.filter((t) => t.type === 9 && t.data[1] === 0);
  assertEquals(avcHeaders.length, 1, "AVC sequence headers");
  // Video after the gap starts with a keyframe.
  const firstAfter = after.find((t) => t.type === 9)!;
  assertEquals(firstAfter.data[0], 0x17);
}

Deno.test("downloadFlv records a live stream across a server restart as one continuous FLV", async () => {
  let server = await startServer();
  const port = server.addresses[0].port;
  let stopA = false;
  const publisherA = publish(port, () => stopA);
  const chunks: Uint8Array[] = [];
  const gaps: DownloadGap[] = [];
  let reconnects = 0;
  let timestamp = 0;
  const abort = new AbortController();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const download = downloadFlv(`rtmp://127.0.0.1:${port}/live/key`, (b) => {
    chunks.push(b.slice());
  }, {
    live: true,
    timeoutMs: 5000,
    reconnect: { attempts: 8, delayMs: 100, maxDelayMs: 400 },
    signal: abort.signal,
    events: {
      progress: (p) => (timestamp = p.timestampMs),
      reconnecting: () => reconnects++,
      gap: (g) => gaps.push(g),
    },
  });
  try {
    await waitFor("first half", () => timestamp > 1500);
    await server.close();
    stopA = true;
    await publisherA;
    server = await startServer(port);
    let stopB = false;
    const publisherB = publish(port, () => stopB);
    await waitFor("the gap", () => gaps.length > 0);
    const resumedAt = gaps[0].resumedTimestampMs;
    await waitFor("second half", () => timestamp > resumedAt + 1500);
    abort.abort();
    const result = await download;
    stopB = true;
    await publisherB;
    assertEquals(result.status, "incomplete");
    assertEquals(result.reason, "interrupted");
    assert(reconnects >= 1);
    assertContinuous(concat(chunks), gaps);
  } finally {
    abort.abort();
    await server.close();
  }
});

Deno.test("downloadFlv keeps a live recording open while the publisher is away", async () => {
  const server = await startServer();
  const port = server.addresses[0].port;
  let stopA = false;
  const publisherA = publish(port, () => stopA);
  const chunks: Uint8Array[] = [];
  const gaps: DownloadGap[] = [];
  let timestamp = 0;
  let reconnects = 0;
  const abort = new AbortController();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const download = downloadFlv(`rtmp://127.0.0.1:${port}/live/key`, (b) => {
    chunks.push(b.slice());
  }, {
    live: true,
    signal: abort.signal,
    events: {
      progress: (p) => (timestamp = p.timestampMs),
      reconnecting: () => reconnects++,
      gap: (g) => gaps.push(g),
    },
  });
  try {
    await waitFor("first half", () => timestamp > 1500);
    stopA = true;
    await publisherA;
    await new Promise((resolve) => setTimeout(resolve, 500));
    let stopB = false;
    const publisherB = publish(port, () => stopB);
    await waitFor("the gap", () => gaps.length > 0);
    const resumedAt = gaps[0].resumedTimestampMs;
    await waitFor("second half", () => timestamp > resumedAt + 1500);
    abort.abort();
    await download;
    stopB = true;
    await publisherB;
    assertEquals(reconnects, 0, "the same connection");
    assertContinuous(concat(chunks), gaps);
    assert(gaps[0].offlineMs >= 400, `offline ${gaps[0].offlineMs} ms`);
  } finally {
    abort.abort();
    await server.close();
  }
});

Deno.test("downloadFlv follows a redirect (Connect.Rejected with ex.redirect), a bounded number of times", async () => {
  const server = await startServer();
  const target = `rtmp://127.0.0.1:${server.addresses[0].port}/vod`;
  try {
    await using redirector = startRedirector(() => target);
    const parts: Uint8Array[] = [];
    const redirects: string[] = [];
    const result = await downloadFlv(redirector.url("old/sample.flv"), (b) => {
      parts.push(b.slice());
    }, { events: { redirected: (url) => redirects.push(url) } });
    assertEquals(redirects, [target]);
    assertEquals(result.status, "complete");
    const direct: Uint8Array[] = [];
    await downloadFlv(`${target}/sample.flv`, (b) => {
      direct.push(b.slice());
    });
    assertEquals(concat(parts), concat(direct));
    assert(flvTags(concat(parts)).length > 300);
    // A server that redirects to itself: followed as many times as allowed, then it fails.
    await using loop = startRedirector(() => loop.url("again"));
    const looped = await downloadFlv(loop.url("again/sample.flv"), () => {}, { maxRedirects: 3 });
    assertEquals([looped.status, looped.reason], ["failed", "play"]);
    assertEquals(loop.accepted, 4);
  } finally {
    await server.close();
  }
});

Deno.test("Downloader gives a redirect target the handshake its scheme names (rtmpe)", async () => {
  // The server's rtmp:// listener takes plain and encrypted handshakes alike; the redirect
  // names rtmpe://, so the second connection is encrypted.
  const server = await startServer();
  const port = server.addresses[0].port;
  try {
    await using first = startRedirector(() => `rtmpe://127.0.0.1:${port}/vod`);
    const handshakes: string[] = [];
    const output = countingOutput();
    const outcome = await new Downloader({
      connection: {
        protocol: 0,
        host: "127.0.0.1",
        port: first.port,
        connectTimeoutMs: WAIT_MS,
        receiveTimeoutMs: WAIT_MS,
        handshake: "plain",
      },
      session: { app: "vod", playpath: "sample.flv" },
      live: false,
      bufferMs: 36_000_000,
      open: (target, session, options) => {
        handshakes.push(`${target.protocol}:${target.handshake}`);
        return openConnection(target, session, options);
      },
      output,
    }).run();
    assertEquals(outcome.status, "complete");
    assert(output.size > 100_000, `${output.size} bytes`);
    // rtmpe:// is protocol 2 (librtmp's RTMP_PROTOCOL_RTMPE).
    assertEquals(handshakes, ["0:plain", "2:rtmpe"]);
  } finally {
    await server.close();
  }
});

Deno.test("downloadFlv leaves its credentials out for good once a redirect went to another server", async () => {
  // The first server redirects to a second one, which sends the client back: the credentials
  // were withheld from the second, and the way back does not bring them again.
  const extras: AmfValue[][] = [];
  await using first = startFakeServer(async (peer, index) => {
    if (!(await peer.handshake())) return;
    const connect = await peer.expectCommand("connect");
    if (connect === null) return;
    extras.push(connect.args);
    if (index === 0) {
      await peer.redirect(connect.transactionId, second.url("elsewhere"));
      return;
    }
    await peer.acceptConnect(connect.transactionId);
    const create = await peer.expectCommand("createStream");
    if (create === null) return;
    await peer.sendCommand(["_result", create.transactionId, null, 1]);
    if (!(await peer.acceptPlayCommand())) return;
    await peer.sendMedia(4);
    await peer.sendStatus("NetStream.Play.Complete");
    await peer.stall();
  });
  await using second = startRedirector(
    () => first.url("back"),
    (connect) => void extras.push(connect.args),
  );
  const lines: string[] = [];
  const result = await downloadFlv(first.url("vod/clip"), () => {}, {
    auth: "secret",
    conn: ["more"],
    log: (_level, line) => lines.push(line),
  });
  assertEquals(result.status, "complete");
  assertEquals(extras, [[true, "secret", "more"], [], []]);
  assertEquals(lines.filter((l) => l.startsWith("Not sending")), [
    "Not sending the credentials (--auth, --conn) to 127.0.0.1: they were given for another " +
    "server or a protected connection",
  ]);
});

Deno.test("Downloader answers the server's SWF verification request with the hook's body, keyed by S1", async () => {
  let answer: Uint8Array | undefined;
  await using server = startFakeServer(async (peer) => {
    if (!(await peer.acceptPlay())) return;
    await peer.send({
      csid: 2,
      typeId: MessageType.UserControl,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array([0, 0x1a, 1]),
    });
    for (;;) {
      const message = await peer.nextMessage();
      if (message === null) return;
      if (message.typeId === MessageType.UserControl && message.payload[1] === 0x1b) {
        answer = message.payload;
        break;
      }
    }
    await peer.sendStatus("NetStream.Play.Stop");
  });
  const keys: Uint8Array[] = [];
  const output = countingOutput();
  const outcome = await new Downloader({
    connection: {
      protocol: 0,
      host: "127.0.0.1",
      port: server.port,
      connectTimeoutMs: WAIT_MS,
      receiveTimeoutMs: WAIT_MS,
      handshake: "fp9",
      swfVerification: (key) => {
        keys.push(key.slice());
        return new Uint8Array(42).fill(7);
      },
    },
    session: { app: "app", playpath: "name" },
    live: false,
    bufferMs: 36_000_000,
    output,
  }).run();
  assertEquals(outcome.status, "complete");
  assertEquals(keys.length, 1);
  assertEquals(keys[0].length, 32);
  assertEquals(answer, new Uint8Array([0, 0x1b, ...new Uint8Array(42).fill(7)]));
});

Deno.test("Downloader plays again from the start when the server starts past the file's end", async () => {
  // A stream of 60 distinct tags, 40 ms apart, a keyframe every 10th.
  const messages = Array.from({ length: 60 }, (_, i) => {
    const video = i % 3 !== 2;
    const body = new Uint8Array(24).fill(i);
    body[0] = video ? (i % 10 === 0 ? 0x17 : 0x27) : 0xaf;
    body[1] = 1;
    return streamMessage(video ? MessageType.Video : MessageType.Audio, i * 40, body);
  });
  await using server = startFakeServer(async (peer, index) => {
    if (!(await peer.acceptPlay())) return;
    // Connection 1 (the resume) starts at a later keyframe, as nginx-rtmp's indexed seek can.
    await peer.sendAll(index === 1 ? messages.slice(50) : messages);
    await peer.sendStatus("NetStream.Play.Stop");
  });
  const url = server.url("vod/stream");
  const whole: Uint8Array[] = [];
  await downloadFlv(url, (b) => {
    whole.push(b.slice());
  });
  const full = concat(whole);
  let file = full.slice(0, 13 + 25 * (11 + 24 + 4)); // the first 25 tags
  const rest: Uint8Array[] = [];
  const result = await downloadFlv(url, (b) => {
    rest.push(b.slice());
  }, {
    resume: {
      get size() {
        return file.length;
      },
      read: (offset, length) => file.slice(offset, offset + length),
      truncate: (length) => (file = file.slice(0, length)),
    },
  });
  assertEquals(result.status, "complete");
  assertEquals(server.accepted, 3, "the resume played twice");
  assertEquals(concat([file, ...rest]), full);
});

Deno.test("Downloader raises the client buffer past the stream's duration unless it was given", async () => {
  /** Records a 100 s stream's 4 first frames with `run`; the SetBufferLength values it sent. */
  const buffersSent = async (run: (url: string, port: number) => Promise<unknown>) => {
    const buffers: number[] = [];
    let scriptDone!: () => void;
    const done = new Promise<void>((resolve) => (scriptDone = resolve));
    await using server = startFakeServer(async (peer) => {
      try {
        if (!(await peer.acceptPlay())) return;
        await peer.send(streamMessage(MessageType.DataAmf0, 0, metadataBody({ duration: 100 })));
        await peer.sendMedia(4);
        await peer.sendStatus("NetStream.Play.Stop");
        for (;;) {
          const message = await peer.nextMessage();
          if (message === null) return;
          const p = message.payload;
          // SetBufferLength (user control 3) on the play stream: event, stream id, ms.
          if (message.typeId === MessageType.UserControl && p[1] === 3 && p[5] === 1) {
            buffers.push(new DataView(p.buffer, p.byteOffset).getUint32(6));
          }
        }
      } finally {
        scriptDone();
      }
    });
    await run(server.url("vod/x"), server.port);
    await done; // the client has closed: everything it sent was read
    return buffers;
  };
  // rtmpdump's default buffer (10 h) is longer than the stream; a given one (-b) is kept.
  assertEquals(await buffersSent((url) => downloadFlv(url, () => {})), [36_000_000]);
  assertEquals(await buffersSent((url) => downloadFlv(url, () => {}, { bufferMs: 1000 })), [1000]);
  // A short buffer that was not given is raised to the duration plus 5 s, as rtmpdump does.
  const raised = await buffersSent((_url, port) => {
    const output = countingOutput();
    return new Downloader({
      connection: {
        protocol: 0,
        host: "127.0.0.1",
        port,
        connectTimeoutMs: WAIT_MS,
        receiveTimeoutMs: WAIT_MS,
        handshake: "plain",
      },
      session: { app: "vod", playpath: "x" },
      live: false,
      bufferMs: 1000,
      output,
    }).run();
  });
  assertEquals(raised, [1000, 105_000]);
});

Deno.test("Downloader reconnects a recorded stream cut part-way and completes it byte for byte", async () => {
  const server = await startServer();
  const port = server.addresses[0].port;
  try {
    const whole: Uint8Array[] = [];
    await downloadFlv(`rtmp://127.0.0.1:${port}/vod/sample.flv`, (b) => {
      whole.push(b.slice());
    });
    const full = concat(whole);
    await using proxy = cuttingProxy(port, Math.floor(full.length / 3));
    const parts: Uint8Array[] = [];
    const reasons: string[] = [];
    const result = await downloadFlv(`rtmp://127.0.0.1:${proxy.port}/vod/sample.flv`, (b) => {
      parts.push(b.slice());
    }, {
      reconnect: { attempts: 2, delayMs: 50 },
      events: { reconnecting: (r) => reasons.push(r.reason) },
    });
    assertEquals(result.status, "complete");
    assertEquals(reasons.length, 1);
    assertEquals(proxy.connections, 2);
    assertEquals(concat(parts), full);
  } finally {
    await server.close();
  }
});

Deno.test("downloadFlv resumes a file and stops at stopMs, as the command line does", async () => {
  const server = await startServer();
  const url = `rtmp://127.0.0.1:${server.addresses[0].port}/vod/sample.flv`;
  try {
    const whole: Uint8Array[] = [];
    await downloadFlv(url, (b) => {
      whole.push(b.slice());
    });
    const full = concat(whole);
    const first: Uint8Array[] = [];
    const stopped = await downloadFlv(url, (b) => {
      first.push(b.slice());
    }, { stopMs: 3000 });
    assertEquals(stopped.status, "complete");
    let file = concat(first);
    assert(file.length < full.length && file.length > 1000);
    const rest: Uint8Array[] = [];
    const resumed = await downloadFlv(url, (b) => {
      rest.push(b.slice());
    }, {
      resume: {
        get size() {
          return file.length;
        },
        read: (offset, length) => file.slice(offset, offset + length),
        truncate: (length) => (file = file.slice(0, length)),
      },
    });
    assertEquals(resumed.status, "complete");
    assertEquals(concat([file, ...rest]), full);
  } finally {
    await server.close();
  }
});

Deno.test("downloadFlv without a running server rejects with the transport's ConnectError", async () => {
  const server = await startServer();
  const port = server.addresses[0].port;
  await server.close();
  await rejects(
    downloadFlv(`rtmp://127.0.0.1:${port}/vod/x`, () => {}, { timeoutMs: 5000 }),
    ConnectError,
  );
});
