/**
 * Robustness of the downloader, end to end: the real command line (`deno run -A cli.ts`) runs
 * against a scripted fake server that does a real handshake and answers connect, createStream
 * and play, then misbehaves in one way per case. Every case must end with rtmpdump's exit code,
 * a one-line reason on stderr (never a stack trace), within a generous "no hang" limit, with
 * bounded memory, and with an output file that holds only whole FLV tags.
 *
 * Debian's rtmpdump is the reference: when it is installed, each case also runs it against the
 * same server and checks that it behaves as the case says (same exit code, or the documented
 * difference). With Bun installed, every case also runs `bun cli.ts` and expects the same.
 * All runs are queued at once, every case on Deno first, then on rtmpdump, then on Bun, and the
 * shared process helper runs at most two at a time, so a loaded machine only makes them slower.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { MessageType } from "../../src/message/mod.ts";
import {
  assertWithin,
  BUN,
  type FlvFileContent,
  normaliseStderrLines as normaliseStderr,
  type ProcessResult,
  processState,
  readFlvFile,
  RTMPDUMP,
  type RunOptions,
  runRtmpdump,
  runRtmpkit,
  waitFor,
} from "./_cli_process.ts";
import {
  audioBody,
  concat,
  CSID_VIDEO,
  type FakePeer,
  fmt0Header,
  metadataBody,
  objectOf,
  type PeerScript,
  seededBytes,
  startFakeServer,
  STREAM_ID,
  streamMessage,
  videoBody,
} from "./_fake_server.ts";
import { hasIpv6Loopback } from "../_ports.ts";

/** Peak resident memory allowed to the downloader in any case. */
const MAX_RSS_KIB = 200 * 1024;
/**
 * A case's "no hang" limit is this many times the time it waits by design (its `waitMs`), plus
 * {@linkcode START_ALLOWANCE_MS}: far above what it takes on a slow, loaded machine, far below
 * forever.
 */
const NO_HANG_FACTOR = 3;
/** What a run may take on top of its designed waits: starting the runtime on a busy machine. */
const START_ALLOWANCE_MS = 20_000;
/** SIGKILL for a child that outlives its case's limit by this much (a hang). */
const HARD_KILL_SLACK_MS = 10_000;
/** The largest message length a chunk header can declare. */
const MESSAGE_16M = 0xffffff;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One misbehaving server and what the downloader must make of it. */
interface HostileCase {
  name: string;
  script: PeerScript;
  /** `-m` seconds (receive timeout); default 2. */
  timeoutSec?: number;
  /** Exit code rtmpkit must return. */
  code: number;
  /** A line rtmpkit's stderr must contain (the one-line reason), if any. */
  reason?: RegExp;
  /** Number of whole tags in rtmpkit's output; -1 = the file must be empty (nothing written). */
  tags: number;
  /**
   * What the case waits by design, in ms: receive timeouts (`-m`) and the pause before a retry.
   * Absent: none, the server's behaviour ends the run at once.
   */
  waitMs?: number;
  /**
   * How rtmpdump differs, when it does: its exit code and whether its output and stderr still
   * match ours. Absent: same exit code, byte-identical output file and the same stderr lines
   * (progress reports and the banner's second line aside).
   */
  rtmpdump?: {
    code?: number;
    /** rtmpdump's exit code is not checked: it depends on timing (say why). */
    anyCode?: boolean;
    sameFile?: boolean;
    sameStderr?: boolean;
    why: string;
  };
  /** Exit codes rtmpkit may also end with on any runtime, when timing decides (say why). */
  orCodes?: { codes: number[]; why: string };
}

/** The server's usual opening up to Play.Start, `count` media tags, then `after`. */
function playThen(after: (peer: FakePeer) => Promise<void>, count = 4): PeerScript {
  return async (peer) => {
    if (!(await peer.acceptPlay())) return;
    if (count > 0 && !(await peer.sendMedia(count))) return;
    await after(peer);
  };
}

/** Ends the stream properly: more media, Play.Complete, then waits for the client to leave. */
async function complete(peer: FakePeer, count = 4, startMs = 400): Promise<void> {
  if (count > 0) await peer.sendMedia(count, startMs);
  await sleep(50);
  await peer.sendStatus("NetStream.Play.Complete");
  await peer.stall();
}

/** A Set Chunk Size message written by hand (the encoder refuses hostile values). */
function setChunkSizeBytes(size: number): Uint8Array {
  const body = new Uint8Array(4);
  new DataView(body.buffer).setUint32(0, size);
  return concat([fmt0Header(2, 0, 4, MessageType.SetChunkSize, 0), body]);
}

/**
 * The first `chunks` chunks (of 4096 bytes, the chunk size the fake server announces) of a video
 * message on the video chunk stream that declares `length` bytes.
 */
function partialMessage(length: number, chunks: number, tail = 0): Uint8Array {
  const parts = [fmt0Header(CSID_VIDEO, 200, length, MessageType.Video), videoBody(4096)];
  const continuation = new Uint8Array([0xc0 | CSID_VIDEO]); // fmt 3 on the same chunk stream
  for (let i = 1; i < chunks; i++) parts.push(continuation, videoBody(4096));
  if (tail > 0) parts.push(continuation, videoBody(tail)); // a chunk cut short
  return concat(parts);
}

/** `count` chunk streams from csid 320 on, each carrying one message of `typeId`. */
function csidFlood(count: number, length: number, typeId: number, body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let csid = 320; csid < 320 + count; csid++) {
    parts.push(fmt0Header(csid, 100, length, typeId), body);
  }
  return concat(parts);
}

const HTTP_REPLY = new TextEncoder().encode(
  "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
);

const CASES: HostileCase[] = [
  // ---- garbage instead of S0+S1+S2 ----
  {
    name: "an HTTP reply instead of S0+S1+S2",
    script: async (peer) => {
      await peer.readExactly(1537);
      await peer.writeRaw(HTTP_REPLY);
    },
    code: 3,
    reason: /^ERROR: RTMP_Connect1, handshake failed\.$/,
    tags: -1,
    rtmpdump: {
      sameStderr: false,
      why: "rtmpdump reads S0 alone and warns of the type mismatch; we name the early close",
    },
  },
  {
    name: "random bytes shorter than S0+S1, then a close",
    script: async (peer) => {
      await peer.readExactly(1537);
      await peer.writeRaw(seededBytes(700, 7));
    },
    code: 3,
    reason: /^ERROR: RTMP_Connect1, handshake failed\.$/,
    tags: -1,
    rtmpdump: { sameStderr: false, why: "rtmpdump warns of the type mismatch as S0 arrives" },
  },
  {
    // librtmp's plain handshake only warns about a bad S0 or S2, so random bytes pass for one;
    // what follows is read as a chunk stream and fails in ConnectStream.
    name: "random bytes that pass for a handshake, then garbage chunks",
    script: async (peer) => {
      await peer.readExactly(1537);
      await peer.writeRaw(seededBytes(3073 + 4000, 12345));
      await peer.stall();
    },
    code: 1,
    reason: /^ERROR: RTMP_ReadPacket, Cannot decode chunk: /,
    tags: -1,
    rtmpdump: {
      sameStderr: false,
      why: "rtmpdump reads the garbage as a header and waits for its body until the timeout",
    },
  },
  {
    name: "a close right after S0",
    script: async (peer) => {
      await peer.readExactly(1537);
      await peer.writeRaw(new Uint8Array([3]));
    },
    code: 3,
    reason: /^ERROR: RTMP_Connect1, handshake failed\.$/,
    tags: -1,
    rtmpdump: { sameStderr: false, why: "we also name the early close" },
  },
  {
    name: "a server that stalls during the handshake",
    script: (peer) => peer.stall(),
    timeoutSec: 1,
    code: 3,
    reason: /^ERROR: RTMP_Connect1, handshake failed\.$/,
    tags: -1,
    waitMs: 1000,
  },

  // ---- hostile chunk stream control ----
  {
    // rtmpdump accepts any size and then misreads the stream; we refuse 0 and end the read
    // there. A refused stream is not a finished one: exit 2, as rtmpdump's own outcome.
    name: "Set Chunk Size 0",
    script: playThen(async (peer) => {
      await peer.writeRaw(setChunkSizeBytes(0));
      await complete(peer);
    }),
    code: 2,
    reason: /^ERROR: RTMP_ReadPacket, Cannot set chunk size to 0: out of range$/,
    tags: 4,
    rtmpdump: {
      sameStderr: false,
      why:
        "rtmpdump misreads the stream after a chunk size of 0, never sees Play.Complete and ends " +
        "in its timeout retries; we end at the bad message",
    },
  },
  {
    name: "Set Chunk Size 0x80000000",
    script: playThen(async (peer) => {
      await peer.writeRaw(setChunkSizeBytes(0x80000000));
      await complete(peer);
    }),
    code: 2,
    reason: /^ERROR: RTMP_ReadPacket, Cannot set chunk size to 2147483648: out of range$/,
    tags: 4,
    rtmpdump: {
      code: 0,
      sameStderr: false,
      why: "rtmpdump fails to read the next body and calls that the end; we refused the " +
        "stream, so the download may be incomplete",
    },
  },
  {
    name: "a message header claiming 16 MB, 1 MB of it, then a stall",
    script: playThen(async (peer) => {
      await peer.writeRaw(partialMessage(MESSAGE_16M, 256));
      await peer.stall();
    }),
    timeoutSec: 1,
    code: 2,
    reason: /^ERROR: Failed to resume the stream$/,
    tags: 4,
    waitMs: 4 * 1000 + 1000,
  },
  {
    name: "a message header claiming 16 MB, 1 MB of it, then a close",
    script: playThen(async (peer) => {
      await peer.writeRaw(partialMessage(MESSAGE_16M, 256, 1000));
    }),
    code: 0,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet body\. len: 16777215$/,
    tags: 4,
  },

  // ---- unknown and malformed messages: ignored, the download goes on ----
  {
    name: "unknown message types 0x07 and 0x30",
    script: playThen(async (peer) => {
      await peer.send(streamMessage(0x07, 100, new Uint8Array([1, 2, 3, 4, 5]), 9));
      await peer.send(streamMessage(0x30, 100, new Uint8Array(300).fill(7), 10));
      await peer.send({
        ...streamMessage(0x2a, 0, new Uint8Array(8)),
        csid: 2,
        messageStreamId: 0,
      });
      await complete(peer);
    }),
    code: 0,
    tags: 8,
  },
  {
    name: "truncated AMF in a command",
    script: playThen(async (peer) => {
      const body = encodeAmf0(
        "onStatus",
        0,
        null,
        objectOf({ level: "status", code: "NetStream.Play.Complete", description: "done" }),
      );
      await peer.send(
        streamMessage(MessageType.CommandAmf0, 0, body.subarray(0, body.length - 12)),
      );
      await complete(peer);
    }),
    code: 0,
    reason: /^ERROR: HandleInvoke, error decoding invoke packet$/,
    tags: 8,
  },
  {
    name: "truncated AMF in the _result of connect",
    script: async (peer) => {
      if (!(await peer.handshake())) return;
      const connect = await peer.expectCommand("connect");
      if (connect === null) return;
      const body = encodeAmf0(
        "_result",
        connect.transactionId,
        objectOf({ fmsVer: "FMS/3,0,1,123", capabilities: 31 }),
        objectOf({ level: "status", code: "NetConnection.Connect.Success" }),
      );
      await peer.send({
        csid: 3,
        typeId: MessageType.CommandAmf0,
        timestamp: 0,
        messageStreamId: 0,
        payload: body.subarray(0, body.length - 20),
      });
      await peer.stall();
    },
    timeoutSec: 1,
    code: 1,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet header$/,
    tags: -1,
    waitMs: 1000,
  },
  {
    name: "truncated AMF in onMetaData",
    script: playThen(async (peer) => {
      const body = metadataBody({ duration: 0.2, width: 320, videocodecid: 7 });
      await peer.send(streamMessage(MessageType.DataAmf0, 0, body.subarray(0, body.length - 6)));
      await complete(peer);
    }),
    code: 0,
    tags: 8,
    rtmpdump: {
      sameStderr: false,
      why: 'rtmpdump logs "HandleMetadata, error decoding meta data packet"; we drop it silently',
    },
  },
  {
    name: "onStatus without an info object",
    script: playThen(async (peer) => {
      const onStatus = (...values: (number | null)[]) =>
        peer.send(streamMessage(MessageType.CommandAmf0, 0, encodeAmf0("onStatus", ...values)));
      await onStatus(0, null);
      await onStatus(0);
      await onStatus();
      await peer.send(
        streamMessage(MessageType.CommandAmf0, 0, encodeAmf0("onStatus", 0, null, "text")),
      );
      await complete(peer);
    }),
    code: 0,
    tags: 8,
  },
  {
    name: "a _result for createStream without a stream id",
    script: async (peer) => {
      if (!(await peer.handshake())) return;
      const connect = await peer.expectCommand("connect");
      if (connect === null) return;
      await peer.acceptConnect(connect.transactionId);
      const create = await peer.expectCommand("createStream");
      if (create === null) return;
      await peer.sendCommand(["_result", create.transactionId, null]);
      if (!(await peer.acceptPlayCommand())) return;
      await peer.sendMedia(4);
      await complete(peer);
    },
    code: 0,
    tags: 8,
  },

  // ---- the server goes away or stops sending ----
  {
    name: "a close in the middle of a message, after whole tags",
    script: playThen(async (peer) => {
      await sleep(50);
      await peer.writeRaw(concat([
        fmt0Header(CSID_VIDEO, 300, 4096, MessageType.Video),
        videoBody(1000),
      ]));
      await sleep(50);
    }, 6),
    code: 0,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet body\. len: 4096$/,
    tags: 6,
  },
  {
    name: "a close in the middle of a message, with a duration that says incomplete",
    script: async (peer) => {
      if (!(await peer.acceptPlay())) return;
      await peer.send(
        streamMessage(MessageType.DataAmf0, 0, metadataBody({ duration: 10, videocodecid: 7 })),
      );
      await peer.sendMedia(6);
      await sleep(50);
      await peer.writeRaw(concat([
        fmt0Header(CSID_VIDEO, 300, 4096, MessageType.Video),
        videoBody(1000),
      ]));
      await sleep(50);
    },
    code: 2,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet body\. len: 4096$/,
    tags: 7,
  },
  {
    // rtmpdump's retry loop: a timeout, pause and unpause, another timeout, one reconnect of the
    // stream (deleteStream, createStream, play), a third timeout: four -m periods plus the pause.
    name: "a server that stalls after play",
    script: playThen((peer) => peer.stall()),
    timeoutSec: 1,
    code: 2,
    reason: /^ERROR: Failed to resume the stream$/,
    tags: 4,
    waitMs: 4 * 1000 + 1000,
  },
  {
    name: "a server that stalls after play and goes on after the unpause",
    script: playThen(async (peer) => {
      for (;;) {
        const pause = await peer.expectCommand("pause");
        if (pause === null) return;
        if (pause.args[0] === false) break;
      }
      await complete(peer);
    }),
    timeoutSec: 1,
    code: 0,
    tags: 8,
    waitMs: 2 * 1000 + 1000,
  },
  {
    // The reconnected stream starts again at the last keyframe with timestamps from 0 (as FMS
    // does after a seek): the two tags already written are matched and skipped, and the rest
    // follows them with the file's timestamps (6 tags, 40 ms apart).
    name: "a server that stalls after play and goes on after the reconnect",
    script: playThen(async (peer) => {
      const create = await peer.expectCommand("createStream");
      if (create === null) return;
      await peer.sendCommand(["_result", create.transactionId, null, STREAM_ID]);
      if (!(await peer.acceptPlayCommand())) return;
      await peer.sendMedia(4, 0);
      await sleep(50);
      await peer.sendStatus("NetStream.Play.Complete");
      await peer.stall();
    }),
    timeoutSec: 1,
    code: 0,
    tags: 6,
    waitMs: 3 * 1000 + 1000,
    rtmpdump: {
      sameFile: false,
      why: "rtmpdump's Download ends at once after the reconnect without writing what the " +
        "restarted stream sends; we record what follows the file",
    },
  },
  {
    // rtmpdump's recv fails, it closes the stream (deleteStream), the write gets SIGPIPE and it
    // calls the download incomplete; without Play.Stop we do too.
    name: "a connection reset in the middle of the stream",
    script: playThen(async (peer) => {
      const ping = (value: number) =>
        peer.send({
          csid: 2,
          typeId: MessageType.UserControl,
          timestamp: 0,
          messageStreamId: 0,
          payload: new Uint8Array([0, 6, 0, 0, 0, value]),
        });
      // A first ping, whose answer is read whole: after it the client has nothing to send.
      if (!(await ping(7))) return;
      for (;;) {
        const message = await peer.nextMessage();
        if (message === null) return;
        if (message.typeId === MessageType.UserControl && message.payload[1] === 7) break;
      }
      // The second answer is the next thing the client sends: read its first byte and close
      // with the rest unread, which makes the close a reset (a close with nothing unread would
      // be a FIN, and the outcome would race the reset that answers the client's next write).
      if (!(await ping(8))) return;
      await peer.conn.read(new Uint8Array(1));
      peer.close();
    }),
    code: 2,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet header$/,
    tags: 4,
    waitMs: 300,
    rtmpdump: {
      anyCode: true,
      sameStderr: false,
      why: "rtmpdump takes the SIGPIPE of its deleteStream for a Ctrl-C and says so (exit 2); " +
        "when its read sees the close before the reset arrives, the write succeeds (exit 0)",
    },
    orCodes: {
      codes: [0],
      why: "on a loaded machine the client can still read the end of the stream before the " +
        "reset arrives, and its deleteStream then succeeds (rtmpdump's race too); Bun reports " +
        "a reset as the end of the stream, so there the deleteStream write decides every time",
    },
  },
  {
    name: "a server that stalls before answering createStream",
    script: async (peer) => {
      if (!(await peer.handshake())) return;
      const connect = await peer.expectCommand("connect");
      if (connect === null) return;
      await peer.acceptConnect(connect.transactionId);
      await peer.stall();
    },
    timeoutSec: 1,
    code: 1,
    reason: /^ERROR: RTMP_ReadPacket, failed to read RTMP packet header$/,
    tags: -1,
    waitMs: 1000,
  },

  // ---- floods ----
  {
    name: "a flood of 3000 chunk streams",
    script: playThen(async (peer) => {
      await peer.writeRaw(csidFlood(3000, 1, 0x30, new Uint8Array([0x55])));
      await complete(peer);
    }),
    code: 0,
    tags: 8,
  },
  {
    // Each message is allocated at its declared size; 64 MB in flight is the limit. rtmpdump
    // mallocs 16 MB per chunk stream (mostly never touched) and goes on. The refused stream is
    // not a complete download: exit 2, not "Download complete".
    name: "16 MB messages started on 600 chunk streams",
    script: playThen(async (peer) => {
      const chunk = videoBody(4096);
      for (let csid = 320; csid < 920; csid++) {
        if (!(await peer.writeRaw(fmt0Header(csid, 100, MESSAGE_16M, MessageType.Video)))) return;
        if (!(await peer.writeRaw(chunk))) return;
      }
      await complete(peer);
    }),
    code: 2,
    reason:
      /^ERROR: RTMP_ReadPacket, Cannot decode chunk: message of 16777215 bytes on chunk stream \d+ would exceed the limit of \d+ bytes in flight$/,
    tags: 4,
    rtmpdump: {
      code: 0,
      sameFile: false,
      sameStderr: false,
      why: "rtmpdump keeps reading and also records the media after the flood; the refused " +
        'stream is not a complete download (exit 2, never "Download complete")',
    },
  },
  {
    name: "an aggregate whose second sub-tag overruns it",
    script: playThen(async (peer) => {
      const video = videoBody(30);
      const aggregate = concat([
        new Uint8Array([9, 0, 0, 30, 0, 0, 100, 0, 0, 0, 0]),
        video,
        new Uint8Array([0, 0, 0, 41]),
        new Uint8Array([8, 0, 0, 200, 0, 0, 140, 0, 0, 0, 0]), // declares 200 bytes …
        audioBody(10), // … of which 10 follow
      ]);
      await peer.send(streamMessage(MessageType.Aggregate, 100, aggregate, 8));
      await complete(peer);
    }),
    code: 0,
    reason: /^ERROR: Cannot record aggregate message: /,
    tags: 8,
    rtmpdump: {
      sameFile: false,
      sameStderr: false,
      why: "rtmpdump writes the broken aggregate through, leaving a corrupt file; we drop it",
    },
  },
];

/** How one client run against one case's server went. */
interface Outcome {
  run: ProcessResult;
  /** The parsed output file, or why it is not whole tags. */
  flv: FlvFileContent | Error;
  /** The output file's bytes. */
  bytes: Uint8Array;
  /** Errors of the server script (bugs in the test, not client behaviour). */
  serverErrors: unknown[];
}

/** The runtimes rtmpkit runs on here. */
type Runtime = "deno" | "bun";

/** Who runs against a case's server. */
type Client = Runtime | "rtmpdump";

/** A case's "no hang" limit, in ms (see {@linkcode NO_HANG_FACTOR}). */
function noHangLimitMs(c: HostileCase): number {
  return NO_HANG_FACTOR * (c.waitMs ?? 0) + START_ALLOWANCE_MS;
}

/** Runs rtmpkit (on a runtime) or rtmpdump with `args`. */
function runClient(client: Client, args: string[], options: RunOptions): Promise<ProcessResult> {
  return client === "rtmpdump"
    ? runRtmpdump(args, options)
    : runRtmpkit(args, { ...options, runtime: client });
}

async function runCase(c: HostileCase, client: Client): Promise<Outcome> {
  await using server = startFakeServer(c.script);
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-hostile-" });
  try {
    const output = `${dir}/out.flv`;
    const args = ["-r", server.url(), "-o", output, "-m", String(c.timeoutSec ?? 2)];
    const run = await runClient(client, args, {
      timeoutMs: noHangLimitMs(c) + HARD_KILL_SLACK_MS,
    });
    const bytes = await Deno.readFile(output);
    const flv = await readFlvFile(output).catch((err: Error) => err);
    return { run, flv, bytes, serverErrors: server.errors };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A case's runs: rtmpkit on Deno, rtmpdump (if installed), rtmpkit on Bun (if installed). */
interface CaseOutcomes {
  deno: Outcome;
  rtmpdump?: Outcome;
  bun?: Outcome;
}

/**
 * Every case's runs, queued on first use: every case on Deno, then on rtmpdump, then on Bun.
 * The process helper starts them in that order as slots free up.
 */
let outcomes: Map<string, Promise<CaseOutcomes>> | undefined;

function outcomeOf(name: string): Promise<CaseOutcomes> {
  if (outcomes === undefined) {
    const queue = (client: Client, enabled: boolean) =>
      CASES.map((c) => enabled ? runCase(c, client) : Promise.resolve(undefined));
    const deno = queue("deno", true);
    const reference = queue("rtmpdump", RTMPDUMP !== undefined);
    const bun = queue("bun", BUN !== undefined);
    outcomes = new Map(CASES.map((c, i) => {
      const all = Promise.all([deno[i], reference[i], bun[i]])
        .then(([deno, rtmpdump, bun]) => ({ deno: deno!, rtmpdump, bun }));
      all.catch(() => {}); // reported by the case's own test
      return [c.name, all];
    }));
  }
  return outcomes.get(name)!;
}

/** Lines rtmpdump (and so rtmpkit) writes to stderr; anything else is a leak (a stack trace). */
const STDERR_LINE = [
  /^RTMPDump v2\.4$/,
  /^$/,
  /^Connecting \.\.\.$/,
  /^(ERROR|WARNING|INFO|DEBUG): .*\S$/,
  /^(Starting|Resuming) download at: /,
  /^Download complete$/,
  /^Download may be incomplete \(downloaded about \d+\.\d\d%\), try resuming$/,
  /^Caught signal: \d+, cleaning up, just a second\.\.\.$/,
];

/** Checks that stderr is made of rtmpdump's lines only: no stack trace, no runtime error. */
function assertCleanStderr(stderr: string): void {
  assert(!/^\s+at /m.test(stderr), `stack trace on stderr:\n${stderr}`);
  assert(!/Uncaught|^error: /m.test(stderr), `runtime error on stderr:\n${stderr}`);
  const lines = normaliseStderr(stderr);
  // Line 2 of the banner is ours; normaliseStderr dropped it.
  for (const line of lines) {
    assert(
      STDERR_LINE.some((re) => re.test(line)),
      `unexpected stderr line ${JSON.stringify(line)}`,
    );
  }
}

/** Checks the output of a run: whole tags (or nothing at all) and the expected count. */
function assertOutput(outcome: Outcome, tags: number): void {
  const { flv } = outcome;
  assert(!(flv instanceof Error), `output is not whole FLV tags: ${(flv as Error).message}`);
  if (tags < 0) assertEquals(flv.size, 0, "nothing may be written");
  else assertEquals(flv.tags.length, tags, "number of whole tags written");
}

/** The requirements every rtmpkit run of a case must meet. */
function assertSurvived(c: HostileCase, outcome: Outcome, runtime: Runtime): void {
  const { run } = outcome;
  if (c.orCodes?.codes.includes(run.code)) c = { ...c, code: run.code, reason: undefined };
  const context = `rtmpkit on ${runtime}, stderr:\n${run.stderr}`;
  assertEquals(outcome.serverErrors, [], "the fake server script failed");
  const limitMs = noHangLimitMs(c);
  assert(!run.timedOut, `hung: killed after ${run.timeoutMs} ms (limit ${limitMs} ms). ${context}`);
  assertEquals(run.code, c.code, `exit code. ${context}`);
  assertCleanStderr(run.stderr);
  if (c.reason) {
    const reason = c.reason;
    assert(normaliseStderr(run.stderr).some((l) => reason.test(l)), `no ${reason}. ${context}`);
  }
  assertWithin(run.durationMs, limitMs, `rtmpkit on ${runtime}`);
  assert(run.peakRssKiB > 0, "peak RSS was not measured");
  assert(run.peakRssKiB < MAX_RSS_KIB, `peak RSS ${run.peakRssKiB} KiB. ${context}`);
  assertOutput(outcome, c.tags);
}

for (const c of CASES) {
  Deno.test({
    name: `downloader survives ${c.name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const { deno, rtmpdump, bun } = await outcomeOf(c.name);
      assertSurvived(c, deno, "deno");
      if (bun) {
        assertSurvived(c, bun, "bun");
        assertEquals(bun.bytes, deno.bytes, "output on Bun differs from output on Deno");
      }

      if (rtmpdump === undefined) return; // not installed
      const ref = rtmpdump.run;
      assert(!ref.timedOut, `rtmpdump hung on this case; document it. stderr:\n${ref.stderr}`);
      const deviation = c.rtmpdump;
      if (!deviation?.anyCode) {
        assertEquals(
          ref.code,
          deviation?.code ?? c.code,
          `rtmpdump's exit code after ${Math.round(ref.durationMs)} ms:\n${ref.stderr}`,
        );
      }
      if (deviation?.sameFile !== false) {
        assertEquals(deno.bytes, rtmpdump.bytes, "output differs from rtmpdump's");
      }
      if (deviation?.sameStderr !== false) {
        assertEquals(normaliseStderr(deno.run.stderr), normaliseStderr(ref.stderr));
      }
    },
  });
}

// ---- IPv6 ----

/** The runtimes to run rtmpkit on: Deno, and Bun when it is installed. */
const RUNTIMES: Runtime[] = BUN === undefined ? ["deno"] : ["deno", "bun"];

Deno.test({
  name: "downloader reaches a server at an IPv6 literal (rtmp://[::1]:PORT/app/name)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!hasIpv6Loopback()) {
      console.log("skipped: this machine has no IPv6 loopback (::1)");
      return;
    }
    // rtmpdump has no IPv6 (it looks "[" up in the DNS and exits 3): nothing to compare.
    await using server = startFakeServer(playThen((peer) => complete(peer)), { hostname: "::1" });
    assert(server.url().startsWith("rtmp://[::1]:"));
    const dir = await Deno.makeTempDir({ prefix: "rtmpkit-hostile-" });
    try {
      await Promise.all(RUNTIMES.map(async (runtime) => {
        const output = `${dir}/${runtime}.flv`;
        const args = ["-r", server.url(), "-o", output, "-m", "2"];
        const run = await runRtmpkit(args, { runtime });
        assertEquals(run.code, 0, `${runtime}: ${run.stderr}`);
        assertCleanStderr(run.stderr);
        assertEquals((await readFlvFile(output)).tags.length, 8);
      }));
      assertEquals(server.accepted, RUNTIMES.length);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---- signals ----

/** Rounds of {@linkcode slowStream}: two tags every 50 ms, 30 s in all. */
const SLOW_STREAM_ROUNDS = 600;
/** Tags {@linkcode slowStream} sends in all. */
const SLOW_STREAM_TAGS = 2 * SLOW_STREAM_ROUNDS;
/**
 * "No hang" limit from a stopping signal to the exit. A client that ignored the signal would run
 * to the end of {@linkcode slowStream}, 25 s or more later.
 */
const STOP_LIMIT_MS = 10_000;
/** Media time a download has reached (its progress report) when the test signals it. */
const SIGNAL_AT_SEC = 0.4;

/** A server that plays slowly: two tags every 50 ms for 30 seconds. */
const slowStream: PeerScript = async (peer) => {
  if (!(await peer.acceptPlay())) return;
  for (let i = 0; i < SLOW_STREAM_ROUNDS; i++) {
    if (!(await peer.sendMedia(2, 40 + i * 80, 40))) return;
    await sleep(50);
  }
};

/** The media time of the last progress report in `stderr` (`\r1.234 kB / 0.56 sec`), or -1. */
function progressSec(stderr: string): number {
  const reports = [...stderr.matchAll(/\d+\.\d{3} kB \/ (\d+\.\d{2}) sec/g)];
  return reports.length === 0 ? -1 : Number(reports[reports.length - 1][1]);
}

/**
 * Runs a client against `slowStream`, acts on it once its progress report shows some media
 * written, and tells how long it took to exit after that.
 */
async function interrupted(
  client: Client,
  act: (child: Deno.ChildProcess) => Promise<void>,
): Promise<{ run: ProcessResult; flv: FlvFileContent; stoppedAfterMs: number }> {
  await using server = startFakeServer(slowStream);
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-hostile-" });
  try {
    const output = `${dir}/out.flv`;
    let signalledAt = 0;
    const args = ["-r", server.url(), "-o", output, "-m", "2"];
    const run = await runClient(client, args, {
      onSpawn: async (child, stderr) => {
        await waitFor(
          () => progressSec(stderr()) >= SIGNAL_AT_SEC,
          `${client}'s progress to reach ${SIGNAL_AT_SEC} s`,
        );
        signalledAt = performance.now();
        await act(child);
      },
    });
    const stoppedAfterMs = performance.now() - signalledAt;
    return { run, flv: await readFlvFile(output), stoppedAfterMs };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "SIGINT stops a download, keeps whole tags and exits 2, as rtmpdump",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sigint = (child: Deno.ChildProcess) => Promise.resolve(child.kill("SIGINT"));
    const [reference, ...ours] = await Promise.all([
      RTMPDUMP === undefined ? undefined : interrupted("rtmpdump", sigint),
      ...RUNTIMES.map((runtime) => interrupted(runtime, sigint)),
    ]);
    // rtmpdump logs the cut read only when the signal finds it inside recv(); we always do.
    const cut = (l: string) => !l.startsWith("ERROR: RTMP_ReadPacket, failed to read");
    for (const { run, flv, stoppedAfterMs } of ours) {
      assertEquals(run.code, 2, run.stderr);
      assertEquals(run.signal, null);
      assertCleanStderr(run.stderr);
      const lines = normaliseStderr(run.stderr);
      assert(lines.includes("Caught signal: 2, cleaning up, just a second..."), run.stderr);
      assertEquals(lines.at(-1)?.startsWith("Download may be incomplete"), true, run.stderr);
      assertWithin(stoppedAfterMs, STOP_LIMIT_MS, "stopping after SIGINT");
      assert(
        flv.tags.length > 0 && flv.tags.length < SLOW_STREAM_TAGS,
        `${flv.tags.length} tags`,
      );
      if (reference) {
        assertEquals(reference.run.code, 2);
        assertEquals(lines.filter(cut), normaliseStderr(reference.run.stderr).filter(cut));
      }
    }
  },
});

Deno.test({
  name: "a second signal exits at once with whole tags (rtmpdump ignores it)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Stopped, the process gets SIGINT and SIGTERM pending together; resumed, it handles the
    // first as a normal stop, and the second either makes it leave at once (without the final
    // report) or, when the first stop already got that far, finds it leaving. Either way: one
    // report of the signal, exit 2 by our hand (not the signal's default action), whole tags.
    const twice = async (child: Deno.ChildProcess) => {
      child.kill("SIGSTOP");
      await waitFor(() => processState(child.pid) === "T", "the process to stop");
      child.kill("SIGINT");
      child.kill("SIGTERM");
      child.kill("SIGCONT");
    };
    const runs = await Promise.all(RUNTIMES.map((runtime) => interrupted(runtime, twice)));
    for (const { run, flv, stoppedAfterMs } of runs) {
      assertEquals(run.code, 2, run.stderr);
      assertEquals(run.signal, null, "killed by the signal instead of handling it");
      assertCleanStderr(run.stderr);
      const lines = normaliseStderr(run.stderr);
      assertEquals(lines.filter((l) => l.startsWith("Caught signal:")).length, 1, run.stderr);
      const last = lines.at(-1)!;
      assert(
        /^Caught signal: (2|15), /.test(last) || last.startsWith("Download may be incomplete"),
        run.stderr,
      );
      assertWithin(stoppedAfterMs, STOP_LIMIT_MS, "stopping after two signals");
      assert(flv.tags.length > 0, "whole tags kept");
    }
  },
});

// ---- bad command lines, through the real process ----

/** rtmpdump's stderr for each command line (after the banner), and its exit code 1. */
const BAD_COMMAND_LINES: { args: string[]; first: string }[] = [
  {
    args: ["-r", "rtmp://127.0.0.1:1/app/x", "-l", "9"],
    first: "ERROR: Unknown protocol specified: 9",
  },
  {
    args: ["-r", "rtmp://127.0.0.1:1/app"],
    first:
      'ERROR: You must specify a playpath (--playpath) or url (-r "rtmp://host[:port]/playpath") containing a playpath',
  },
  {
    args: ["--bogus", "-r", "rtmp://127.0.0.1:1/app/x"],
    first: "rtmpdump: unrecognized option '--bogus'",
  },
  { args: ["-Q"], first: "rtmpdump: invalid option -- 'Q'" },
  { args: ["-o"], first: "rtmpdump: option requires an argument -- 'o'" },
  {
    args: ["-C", "X:y", "-r", "rtmp://127.0.0.1:1/app/x"],
    first: "ERROR: Invalid AMF parameter: X:y",
  },
];

Deno.test({
  name: "bad command lines get rtmpdump's message and exit 1 through cli.ts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await Promise.all(BAD_COMMAND_LINES.map(async ({ args, first }) => {
      const [reference, ...ours] = await Promise.all([
        RTMPDUMP === undefined ? undefined : runRtmpdump([...args]),
        ...RUNTIMES.map((runtime) => runRtmpkit([...args], { runtime })),
      ]);
      for (const run of ours) {
        const what = `${args.join(" ")}:\n${run.stderr}`;
        assertEquals(run.code, 1, what);
        assert(!/^\s+at |Uncaught|^error: /m.test(run.stderr), what);
        const lines = normaliseStderr(run.stderr);
        assertEquals(lines[0], "RTMPDump v2.4", what);
        assertEquals(lines[1], first, what);
      }
      if (reference) {
        assertEquals(reference.code, 1);
        // getopt names the program as started: drop the directory of /usr/bin/rtmpdump.
        const line = normaliseStderr(reference.stderr)[1].replace(
          /^\/\S*\/rtmpdump: /,
          "rtmpdump: ",
        );
        assertEquals(line, first, `rtmpdump ${args.join(" ")}`);
      }
    }));
  },
});
