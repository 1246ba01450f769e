/**
 * Test helpers for the server: an in-process server on a loopback port, synthetic FLV files,
 * an FLV tag lister, and a small client that records every message it is sent.
 *
 * @module
 */

import { ReadTimeoutTransport } from "../../transports/read_timeout.ts";
import { connectTcp } from "../../transports/tcp.ts";
import type { Transport } from "../../transports/transport.ts";
import type { AmfValue } from "../../src/amf/types.ts";
import { decodeAmf0, encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder } from "../../src/chunk/mod.ts";
import type { RtmpMessage } from "../../src/chunk/rtmp_message.ts";
import {
  encodeFlvHeader,
  encodeFlvTag,
  FlvReader,
  type FlvTag,
  FlvTagType,
} from "../../src/flv/mod.ts";
import { ClientHandshake } from "../../src/handshake/mod.ts";
import { ClientSession, type ClientSessionOptions } from "../../src/session/client_session.ts";
import { RtmpClient, type RtmpClientOptions } from "../../src/session/rtmp_client.ts";
import { RtmpServer } from "../../src/server/rtmp_server.ts";
import type { RtmpServerOptions } from "../../src/server/server_options.ts";
import { DEFAULT_WAIT_MS, delay, waitFor } from "../_wait.ts";

export { delay, waitFor as waitUntil };

/** Path of the repository's sample FLV. */
export const SAMPLE_FLV = decodeURIComponent(
  new URL("../../assets/sample.flv", import.meta.url).pathname,
);
/** The repository's assets folder. */
export const ASSETS_DIR = decodeURIComponent(new URL("../../assets", import.meta.url).pathname);

/** A running in-process server. */
export interface TestServer extends AsyncDisposable {
  server: RtmpServer;
  port: number;
  /** `rtmp://127.0.0.1:PORT/APP/NAME`. */
  url(app: string, name: string): string;
  /** Log lines so far. */
  lines: string[];
}

/** Starts a server on a free 127.0.0.1 port; dispose it to close it. */
export async function startServer(options: RtmpServerOptions = {}): Promise<TestServer> {
  const lines: string[] = [];
  const server = new RtmpServer({
    listen: ["rtmp://127.0.0.1:0"],
    log: (level, message) => lines.push(`${level} ${message}`),
    ...options,
  });
  await server.start();
  const port = server.addresses[0].port;
  return {
    server,
    port,
    lines,
    url: (app, name) => `rtmp://127.0.0.1:${port}/${app}/${name}`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** Creates a temporary folder; dispose it to remove it. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "rtmpkit-server-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/** An onMetaData body. */
export function metadataBody(values: Record<string, AmfValue> = { duration: 0 }): Uint8Array {
  return encodeAmf0("onMetaData", values);
}

/** An AVC sequence header body (17 00 000000 + a fake avcC). */
export function avcHeader(): Uint8Array {
  return new Uint8Array([
    0x17,
    0,
    0,
    0,
    0,
    1,
    0x42,
    0xc0,
    0x0d,
    0xff,
    0xe1,
    0,
    4,
    0x67,
    0x42,
    0,
    0,
  ]);
}

/** An AAC sequence header body. */
export function aacHeader(): Uint8Array {
  return new Uint8Array([0xaf, 0, 0x12, 0x10]);
}

/** An AVC frame body of `size` bytes: keyframe (0x17) or inter frame (0x27). */
export function avcFrame(key: boolean, size = 64, fill = 0x42): Uint8Array {
  const body = new Uint8Array(size).fill(fill);
  body.set([key ? 0x17 : 0x27, 1, 0, 0, 0]);
  return body;
}

/** An AAC frame body of `size` bytes. */
export function aacFrame(size = 32, fill = 0x21): Uint8Array {
  const body = new Uint8Array(size).fill(fill);
  body.set([0xaf, 1]);
  return body;
}

/** Options of {@linkcode syntheticTags}. */
export interface SyntheticOptions {
  /** Length in ms (default 3000). */
  durationMs?: number;
  /** Video frame interval (default 40 ms); 0 for no video. */
  frameMs?: number;
  /** Keyframe interval (default 1000 ms). */
  keyframeMs?: number;
  /** Audio frame interval (default 0: no audio). */
  audioMs?: number;
  /** Video frame size (default 64). */
  frameSize?: number;
  /** Put a `keyframes` index in onMetaData. */
  keyframeIndex?: boolean;
}

/** Tags of a synthetic A/V file: metadata, sequence headers, frames in timestamp order. */
export function syntheticTags(options: SyntheticOptions = {}): FlvTag[] {
  const duration = options.durationMs ?? 3000;
  const frameMs = options.frameMs ?? 40;
  const keyMs = options.keyframeMs ?? 1000;
  const audioMs = options.audioMs ?? 0;
  const tags: FlvTag[] = [];
  if (frameMs > 0) tags.push({ type: FlvTagType.Video, timestamp: 0, data: avcHeader() });
  if (audioMs > 0) tags.push({ type: FlvTagType.Audio, timestamp: 0, data: aacHeader() });
  const frames: FlvTag[] = [];
  if (frameMs > 0) {
    for (let t = 0; t < duration; t += frameMs) {
      frames.push({
        type: FlvTagType.Video,
        timestamp: t,
        data: avcFrame(t % keyMs === 0, options.frameSize ?? 64, t & 0xff),
      });
    }
  }
  if (audioMs > 0) {
    for (let t = 0; t < duration; t += audioMs) {
      frames.push({ type: FlvTagType.Audio, timestamp: t, data: aacFrame(32, t & 0xff) });
    }
  }
  frames.sort((a, b) => a.timestamp - b.timestamp || a.type - b.type);
  tags.push(...frames);
  return [{ type: FlvTagType.Script, timestamp: 0, data: metadataBody({ duration: 0 }) }, ...tags];
}

/** Encodes tags as an FLV file; with `keyframeIndex`, metadata gets a `keyframes` index. */
export function encodeFlv(tags: FlvTag[], flags = 5, keyframeIndex = false): Uint8Array {
  let body = tags;
  if (keyframeIndex) {
    // Two passes: the index holds file positions, which depend on the metadata's own size.
    let metadataSize = 0;
    for (let pass = 0; pass < 3; pass++) {
      const times: number[] = [];
      const positions: number[] = [];
      let position = 13 + 11 + metadataSize + 4;
      for (const tag of tags.slice(1)) {
        if (tag.type === FlvTagType.Video && (tag.data[0] >> 4) === 1 && tag.data[1] === 1) {
          times.push(tag.timestamp / 1000);
          positions.push(position);
        }
        position += 11 + tag.data.length + 4;
      }
      const metadata = metadataBody({
        duration: 0,
        keyframes: { filepositions: positions, times },
      });
      body = [{ ...tags[0], data: metadata }, ...tags.slice(1)];
      if (metadata.length === metadataSize) break;
      metadataSize = metadata.length;
    }
  }
  const parts = [encodeFlvHeader(flags), ...body.map((t) => encodeFlvTag(t))];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Lists the tags of an FLV file (strict reader). */
export function flvTags(bytes: Uint8Array): FlvTag[] {
  const tags: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(bytes, (tag) => tags.push({ ...tag, data: tag.data.slice() }));
  reader.finish();
  return tags;
}

/** What {@linkcode playMessages} received. */
export interface PlayRecord {
  /** Media messages (audio, video, data) in order. */
  media: RtmpMessage[];
  /** onStatus codes in order. */
  statuses: string[];
  /** How the session ended. */
  reason: string;
}

/** Plays `playpath` from the server with a raw client session, recording everything. */
export async function playMessages(
  port: number,
  app: string,
  playpath: string,
  options: Partial<ClientSessionOptions> & {
    stopAfter?: (record: PlayRecord) => boolean;
    /** The client's handshake (default plain) and, for RTMPE, its C0. */
    handshake?: RtmpClientOptions["handshake"];
    rtmpeType?: RtmpClientOptions["rtmpeType"];
  } = {},
): Promise<PlayRecord> {
  const record: PlayRecord = { media: [], statuses: [], reason: "" };
  const session = new ClientSession({
    app,
    tcUrl: `rtmp://127.0.0.1:${port}/${app}`,
    playpath,
    bufferMs: 36_000_000,
    ...options,
  }, {
    onMedia: (m) => record.media.push({ ...m, payload: m.payload.slice() }),
    onStatus: (code) => record.statuses.push(code),
  });
  const transport = new ReadTimeoutTransport(await connectTcp("127.0.0.1", port), 10_000);
  const client = new RtmpClient(transport, session, {
    handshake: options.handshake,
    rtmpeType: options.rtmpeType,
    log: options.log,
  });
  try {
    await client.connect();
    const result = await client.pump(() => options.stopAfter?.(record) ?? false);
    record.reason = result === "closed" ? session.closeReason ?? "closed" : result;
  } finally {
    await client.close();
  }
  return record;
}

/** Opens a TCP connection and completes a plain client handshake; returns the transport. */
export async function handshaken(port: number): Promise<Transport> {
  const transport = await connectTcp("127.0.0.1", port);
  const handshake = new ClientHandshake({ mode: "plain" });
  await transport.write(await handshake.start());
  for (;;) {
    const data = await transport.read();
    if (data === null) throw new Error("Connection closed during the handshake");
    const step = await handshake.receive(data);
    if (step.send) await transport.write(step.send);
    if (step.done) return transport;
  }
}

/**
 * Reads until the peer closes or `ms` pass (a generous "no hang" limit by default); tells which,
 * and how many bytes arrived.
 */
export async function readUntilClosed(
  transport: Transport,
  ms = DEFAULT_WAIT_MS,
): Promise<{ bytes: number; closedByPeer: boolean }> {
  let bytes = 0;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    transport.close();
  }, ms);
  try {
    for (;;) {
      const data = await transport.read().catch(() => null);
      if (data === null) return { bytes, closedByPeer: !timedOut };
      bytes += data.length;
    }
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * A bare client for tests that need to misbehave: it sends exactly the commands it is told to,
 * records every message, and can stop reading (a player that stalls).
 */
export class RawClient {
  readonly transport: Transport;
  readonly decoder = new ChunkDecoder();
  readonly encoder = new ChunkEncoder();
  /** Every message received. */
  readonly messages: RtmpMessage[] = [];
  /** onStatus codes received. */
  readonly statuses: string[] = [];
  /** Bytes received. */
  bytesIn = 0;
  /** True once the server closed the connection. */
  closed = false;
  #reading = true;
  #resume: (() => void) | undefined;
  #txn = 0;
  #loop: Promise<void>;

  private constructor(transport: Transport) {
    this.transport = transport;
    this.#loop = this.#read();
  }

  /** Connects and handshakes. */
  static async open(port: number): Promise<RawClient> {
    return new RawClient(await handshaken(port));
  }

  /** Sends a command message. */
  async command(
    name: string,
    args: AmfValue[],
    options: { csid?: number; messageStreamId?: number; transactionId?: number } = {},
  ): Promise<void> {
    this.encoder.write({
      csid: options.csid ?? 3,
      typeId: 20,
      timestamp: 0,
      messageStreamId: options.messageStreamId ?? 0,
      payload: encodeAmf0(name, options.transactionId ?? ++this.#txn, ...args),
    });
    await this.transport.write(this.encoder.takeOutput());
  }

  /** connect, waiting for its `_result`. */
  async connect(app = "live"): Promise<void> {
    await this.command("connect", [{ app, tcUrl: `rtmp://127.0.0.1/${app}` }]);
    await this.waitFor(() => this.commands().some((c) => c[0] === "_result"), "connect result");
  }

  /** createStream; resolves to the stream id. */
  async createStream(): Promise<number> {
    const before = this.commands().filter((c) => c[0] === "_result").length;
    await this.command("createStream", [null]);
    await this.waitFor(
      () => this.commands().filter((c) => c[0] === "_result").length > before,
      "createStream result",
    );
    const results = this.commands().filter((c) => c[0] === "_result");
    return results[results.length - 1][3] as number;
  }

  /** play on a stream (start -1000: live). */
  async play(streamId: number, name: string, start = -1000): Promise<void> {
    await this.command("play", [null, name, start], { csid: 8, messageStreamId: streamId });
  }

  /** Decoded command messages received, as AMF value lists. */
  commands(): AmfValue[][] {
    return this.messages.filter((m) => m.typeId === 20).map((m) => decodeAmf0(m.payload));
  }

  /** Media messages (audio, video) received. */
  media(): RtmpMessage[] {
    return this.messages.filter((m) => m.typeId === 8 || m.typeId === 9);
  }

  /** Waits until `condition` holds (messages keep arriving meanwhile). */
  waitFor(condition: () => boolean, what = "a condition", ms = DEFAULT_WAIT_MS): Promise<void> {
    return waitFor(condition, ms, what);
  }

  /** Stops reading from the socket (the kernel buffers fill, then the server's writes stall). */
  stopReading(): void {
    this.#reading = false;
  }

  /** Reads again. */
  resumeReading(): void {
    this.#reading = true;
    this.#resume?.();
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.transport.close();
    this.resumeReading();
    await this.#loop;
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        while (!this.#reading) await new Promise<void>((r) => (this.#resume = r));
        const data = await this.transport.read();
        if (data === null) break;
        this.bytesIn += data.length;
        this.decoder.push(data, (m) => {
          this.messages.push({ ...m, payload: m.payload.slice() });
          if (m.typeId === 20) {
            const values = decodeAmf0(m.payload);
            if (values[0] === "onStatus") {
              const info = values[3] as Map<string, AmfValue>;
              this.statuses.push(String(info.get("code")));
            }
          }
        });
      }
    } catch {
      // Closed under us.
    } finally {
      this.closed = true;
    }
  }
}
