/**
 * Test helper: a scripted fake RTMP server on loopback. It does a real server handshake and
 * answers connect, createStream and play the way nginx-rtmp does, and then lets a test script
 * misbehave in one precise way (garbage bytes, a hostile chunk header, a stall, a close in the
 * middle of a message …) while a real client runs against it.
 *
 * @module
 */

import { AmfEcmaArray, AmfObject, type AmfValue, encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, type EncodeOptions } from "../../src/chunk/mod.ts";
import { ServerHandshake } from "../../src/handshake/mod.ts";
import {
  type CommandMessage,
  decodeCommand,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeUserControl,
  encodeWindowAckSize,
  MessageType,
  PeerBandwidthLimit,
  type RtmpMessage,
  UserControlEvent,
} from "../../src/message/mod.ts";

/** Message stream id the fake server hands out from createStream. */
export const STREAM_ID = 1;
/** Chunk stream ids the fake server sends on (nginx-rtmp's choices). */
export const CSID_AUDIO = 6;
/** Chunk stream for video messages. */
export const CSID_VIDEO = 7;
/** Chunk stream for stream-level commands and data (onStatus, onMetaData). */
export const CSID_STREAM = 5;

/** An AAC raw frame body: marker byte 0xAF, packet type 1, then filler. */
export function audioBody(size = 24, fill = 0x21): Uint8Array {
  const body = new Uint8Array(size).fill(fill);
  body[0] = 0xaf;
  body[1] = 0x01;
  return body;
}

/** An AVC keyframe (NALU) body: 0x17, packet type 1, composition time 0, then filler. */
export function videoBody(size = 64, fill = 0x42): Uint8Array {
  const body = new Uint8Array(size).fill(fill);
  body.set([0x17, 0x01, 0, 0, 0]);
  return body;
}

/** A message on the play stream. */
export function streamMessage(
  typeId: number,
  timestamp: number,
  payload: Uint8Array,
  csid = typeId === MessageType.Audio
    ? CSID_AUDIO
    : typeId === MessageType.Video
    ? CSID_VIDEO
    : CSID_STREAM,
): RtmpMessage {
  return { csid, typeId, timestamp, messageStreamId: STREAM_ID, payload };
}

/** The body of an `onMetaData` data message with the given properties (an ECMA array). */
export function metadataBody(properties: Record<string, AmfValue>): Uint8Array {
  return encodeAmf0("onMetaData", new AmfEcmaArray(Object.entries(properties)));
}

/** An AMF object from a plain record, in key order. */
export function objectOf(properties: Record<string, AmfValue>): AmfObject {
  return new AmfObject(Object.entries(properties));
}

/**
 * The bytes of a fmt-0 chunk header (basic header in its 1-, 2- or 3-byte form, timestamp below
 * 0xFFFFFF), for tests that write chunk streams by hand: hostile lengths, many chunk streams.
 */
export function fmt0Header(
  csid: number,
  timestamp: number,
  length: number,
  typeId: number,
  messageStreamId = STREAM_ID,
): Uint8Array {
  const basic = csid < 64
    ? [csid]
    : csid < 320
    ? [0, csid - 64]
    : [1, (csid - 64) & 0xff, (csid - 64) >> 8];
  return new Uint8Array([
    ...basic,
    (timestamp >> 16) & 0xff,
    (timestamp >> 8) & 0xff,
    timestamp & 0xff,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
    typeId,
    messageStreamId & 0xff,
    (messageStreamId >> 8) & 0xff,
    (messageStreamId >> 16) & 0xff,
    messageStreamId >>> 24,
  ]);
}

/** `length` pseudo-random bytes from `seed` (a linear congruential generator: reproducible). */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One client connection as seen by the server. */
export class FakePeer {
  /** The accepted socket. */
  readonly conn: Deno.Conn;
  readonly #decoder = new ChunkDecoder({ maxChunkStreams: 70000 });
  readonly #encoder = new ChunkEncoder();
  readonly #queue: RtmpMessage[] = [];
  readonly #readBuffer = new Uint8Array(64 * 1024);
  /** Bytes read but not yet consumed (before the chunk decoder takes over). */
  #pending = new Uint8Array(0);
  #closed = false;

  /** Wraps an accepted connection. */
  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Reads raw bytes; `null` when the client closed or the socket failed. */
  async readRaw(): Promise<Uint8Array | null> {
    if (this.#pending.length > 0) {
      const bytes = this.#pending;
      this.#pending = new Uint8Array(0);
      return bytes;
    }
    if (this.#closed) return null;
    try {
      const n = await this.conn.read(this.#readBuffer);
      return n === null ? null : this.#readBuffer.slice(0, n);
    } catch {
      return null;
    }
  }

  /** Reads exactly `n` bytes, or `null` when the client closes first. */
  async readExactly(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const bytes = await this.readRaw();
      if (bytes === null) return null;
      const take = Math.min(bytes.length, n - filled);
      out.set(bytes.subarray(0, take), filled);
      filled += take;
      if (take < bytes.length) this.#pending = bytes.slice(take);
    }
    return out;
  }

  /** Writes raw bytes; false when the client is gone. */
  async writeRaw(bytes: Uint8Array): Promise<boolean> {
    if (this.#closed) return false;
    try {
      let off = 0;
      while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
      return true;
    } catch {
      return false;
    }
  }

  /** Answers the client's C0+C1 and reads C2 with a real server handshake. */
  async handshake(): Promise<boolean> {
    const hs = new ServerHandshake();
    for (;;) {
      const bytes = await this.readRaw();
      if (bytes === null) return false;
      const step = await hs.receive(bytes);
      if (step.send && !(await this.writeRaw(step.send))) return false;
      if (step.done) {
        if (step.rest && step.rest.length > 0) this.#pending = step.rest.slice();
        return true;
      }
    }
  }

  /** The next message from the client, or `null` when it closed. */
  async nextMessage(): Promise<RtmpMessage | null> {
    while (this.#queue.length === 0) {
      const bytes = await this.readRaw();
      if (bytes === null) return null;
      this.#decoder.push(bytes, (m) => this.#queue.push(m));
    }
    return this.#queue.shift()!;
  }

  /** Skips messages until a command named `name` arrives; `null` when the client closed. */
  async expectCommand(name: string): Promise<CommandMessage | null> {
    for (;;) {
      const message = await this.nextMessage();
      if (message === null) return null;
      if (message.typeId !== MessageType.CommandAmf0) continue;
      const command = decodeCommand(message);
      if (command.name === name) return command;
    }
  }

  /** Chunks and sends one message; false when the client is gone. */
  send(message: RtmpMessage, options?: EncodeOptions): Promise<boolean> {
    this.#encoder.write(message, options);
    return this.writeRaw(this.#encoder.takeOutput());
  }

  /** Chunks several messages and sends them with one write. */
  sendAll(messages: RtmpMessage[]): Promise<boolean> {
    for (const m of messages) this.#encoder.write(m);
    return this.writeRaw(this.#encoder.takeOutput());
  }

  /** Sends an AMF0 command (csid 3, message stream 0 unless told otherwise). */
  sendCommand(
    values: AmfValue[],
    options: { csid?: number; messageStreamId?: number } = {},
  ): Promise<boolean> {
    return this.send({
      csid: options.csid ?? 3,
      typeId: MessageType.CommandAmf0,
      timestamp: 0,
      messageStreamId: options.messageStreamId ?? 0,
      payload: encodeAmf0(...values),
    });
  }

  /** Sends onStatus on the play stream with the given code. */
  sendStatus(code: string, level = "status"): Promise<boolean> {
    return this.sendCommand(
      ["onStatus", 0, null, objectOf({ level, code, description: code })],
      { csid: CSID_STREAM, messageStreamId: STREAM_ID },
    );
  }

  /**
   * Plays the part of an nginx-rtmp-like server up to Play.Start: handshake, connect (window
   * ack size, peer bandwidth, chunk size, _result), createStream (_result with stream id 1)
   * and play (StreamBegin, Play.Reset, Play.Start). False when the client went away first.
   */
  async acceptPlay(options: { chunkSize?: number } = {}): Promise<boolean> {
    if (!(await this.handshake())) return false;
    const connect = await this.expectCommand("connect");
    if (connect === null) return false;
    await this.acceptConnect(connect.transactionId, options.chunkSize);
    const create = await this.expectCommand("createStream");
    if (create === null) return false;
    await this.sendCommand(["_result", create.transactionId, null, STREAM_ID]);
    return await this.acceptPlayCommand();
  }

  /** Sends the replies to connect (transaction `transactionId`). */
  async acceptConnect(transactionId: number, chunkSize = 4096): Promise<boolean> {
    const replies: RtmpMessage[] = [
      encodeWindowAckSize(5_000_000),
      encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic),
      encodeSetChunkSize(chunkSize),
    ];
    if (!(await this.sendAll(replies))) return false;
    this.#encoder.chunkSize = chunkSize;
    return this.sendCommand([
      "_result",
      transactionId,
      objectOf({ fmsVer: "FMS/3,0,1,123", capabilities: 31 }),
      objectOf({
        level: "status",
        code: "NetConnection.Connect.Success",
        description: "Connection succeeded.",
        objectEncoding: 0,
      }),
    ]);
  }

  /**
   * Refuses connect (transaction `transactionId`) with a redirect, as FMS and Wowza send it:
   * `_error` with NetConnection.Connect.Rejected and `ex.redirect` set to `url`.
   */
  redirect(transactionId: number, url: string): Promise<boolean> {
    return this.sendCommand([
      "_error",
      transactionId,
      null,
      objectOf({
        level: "error",
        code: "NetConnection.Connect.Rejected",
        description: "Moved",
        ex: objectOf({ code: 302, redirect: url }),
      }),
    ]);
  }

  /** Waits for play and answers StreamBegin, Play.Reset and Play.Start. */
  async acceptPlayCommand(): Promise<boolean> {
    const play = await this.expectCommand("play");
    if (play === null) return false;
    await this.send(encodeUserControl(UserControlEvent.StreamBegin, [STREAM_ID]));
    await this.sendStatus("NetStream.Play.Reset");
    return await this.sendStatus("NetStream.Play.Start");
  }

  /**
   * Sends `count` media messages alternating video and audio, `stepMs` apart from `startMs`,
   * the first one a video keyframe at a nonzero timestamp so the FLV header is written at once.
   */
  sendMedia(count: number, startMs = 40, stepMs = 40): Promise<boolean> {
    const messages: RtmpMessage[] = [];
    for (let i = 0; i < count; i++) {
      const ts = startMs + i * stepMs;
      messages.push(
        i % 2 === 0
          ? streamMessage(MessageType.Video, ts, videoBody())
          : streamMessage(MessageType.Audio, ts, audioBody()),
      );
    }
    return this.sendAll(messages);
  }

  /** Reads and drops everything until the client closes (a server that stops sending). */
  async stall(): Promise<void> {
    while ((await this.readRaw()) !== null) { /* keep the client's writes flowing */ }
  }

  /**
   * Closes the way a server that is done does: sends FIN, reads what the client still sends
   * (its acknowledgements, deleteStream) until it closes, then closes. Closing with unread
   * bytes would send a reset instead, and the client's next write would then fail (rtmpdump
   * takes the SIGPIPE for a Ctrl-C), which would make the outcome depend on timing.
   */
  async finish(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.conn.closeWrite();
    } catch { /* already gone */ }
    await this.stall();
    this.close();
  }

  /** Closes the connection at once. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

/**
 * A scripted server that answers every connect with a redirect to `target()` (see
 * {@linkcode FakePeer.redirect}); `onConnect` sees each connect request first.
 */
export function startRedirector(
  target: () => string,
  onConnect?: (connect: CommandMessage) => void,
): FakeServer {
  return startFakeServer(async (peer) => {
    if (!(await peer.handshake())) return;
    const connect = await peer.expectCommand("connect");
    if (connect === null) return;
    onConnect?.(connect);
    await peer.redirect(connect.transactionId, target());
  });
}

/** What a test's server script does with each connection. */
export type PeerScript = (peer: FakePeer, index: number) => Promise<void>;

/** A fake server started by {@linkcode startFakeServer}. */
export interface FakeServer extends AsyncDisposable {
  /** The address it listens on (127.0.0.1 or ::1). */
  readonly hostname: string;
  /** The port it listens on. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Errors thrown by scripts (a script bug, not client behaviour). */
  readonly errors: unknown[];
  /** `rtmp://HOST:PORT/app/name`, with brackets around an IPv6 literal. */
  url(path?: string): string;
  /** Stops listening, closes every connection and waits for the scripts. */
  close(): Promise<void>;
}

/**
 * Listens on `hostname` (default 127.0.0.1) on a free port and runs `script` for each accepted
 * connection; when the script returns, the connection is closed with {@linkcode FakePeer.finish}.
 */
export function startFakeServer(
  script: PeerScript,
  options: { hostname?: string } = {},
): FakeServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const listener = Deno.listen({ hostname, port: 0, transport: "tcp" });
  const port = (listener.addr as Deno.NetAddr).port;
  const peers = new Set<FakePeer>();
  const running: Promise<void>[] = [];
  const errors: unknown[] = [];
  let accepted = 0;
  const acceptLoop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      const peer = new FakePeer(conn);
      peers.add(peer);
      const index = accepted++;
      running.push(
        script(peer, index).catch((err) => void errors.push(err))
          .then(() => peer.finish())
          .finally(() => {
            peer.close();
            peers.delete(peer);
          }),
      );
    }
  })();
  const close = async () => {
    try {
      listener.close();
    } catch { /* already closed */ }
    for (const peer of peers) peer.close();
    await acceptLoop;
    await Promise.all(running);
  };
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    hostname,
    port,
    get accepted() {
      return accepted;
    },
    errors,
    url: (path = "app/name") => `rtmp://${host}:${port}/${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
