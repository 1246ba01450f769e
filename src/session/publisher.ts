/**
 * The publishing client: drives a {@linkcode PublishSession} over a {@linkcode Transport} and
 * pushes FLV to it, paced in real time by the tag timestamps or as fast as the transport takes
 * it.
 *
 * @module
 */

import type { Transport } from "../../transports/transport.ts";
import { parseAuthRejection } from "../auth/auth_rejection.ts";
import { PublisherAuthClient } from "../auth/publisher_auth_client.ts";
import { FlvReader, type FlvTag } from "../flv/mod.ts";
import type { RtmpeType } from "../handshake/mod.ts";
import { clientHandshake } from "./handshake_driver.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";
import { PublishSession, type PublishSessionOptions } from "./publish_session.ts";
import { SessionError } from "./session_error.ts";

/** Queued bytes after which `writeTag` waits for the transport. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Longest single sleep while pacing. */
const MAX_PACING_SLEEP_MS = 1000;

/** Options of {@linkcode Publisher.connect}. */
export interface PublisherOptions extends PublishSessionOptions {
  /**
   * "fp9" for the Flash Player 9 digest handshake, "rtmpe" for the encrypted one (everything
   * after it then runs through RC4); default "plain".
   */
  handshake?: "plain" | "fp9" | "rtmpe";
  /** With "rtmpe": the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /** Receives log lines (librtmp levels). */
  log?: LogSink;
}

/** Options of {@linkcode Publisher.open}. */
export interface PublisherOpenOptions extends PublisherOptions {
  /**
   * User and password for publisher authentication (Adobe or Limelight, whichever the server
   * asks for); without them a server that asks is answered with an {@linkcode AuthError}.
   */
  credentials?: { user: string; password: string };
  /** The client's challenge / cnonce (8 random hex digits by default); for tests. */
  clientNonce?: () => string;
}

/**
 * The server refused connect or publish: its status code (or `_error` code) and description.
 */
export class PublishRefusedError extends SessionError {
  /** Creates the error from the server's code and description. */
  constructor(readonly code: string, readonly description: string) {
    super(`Cannot publish: ${code}${description ? `: ${description}` : ""}`);
    this.name = "PublishRefusedError";
  }
}

/** Options of {@linkcode Publisher.publishFlv}. */
export interface PublishFlvOptions {
  /** Send at the pace of the tag timestamps (default true); false pushes as fast as possible. */
  realtime?: boolean;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
  /** Stops publishing early when it returns true (checked between tags). */
  stop?: () => boolean;
}

/** What {@linkcode Publisher.publishFlv} sent. */
export interface PublishResult {
  /** Tags sent. */
  tags: number;
  /** FLV bytes read. */
  bytesRead: number;
  /** Timestamp of the last tag sent, in ms. */
  lastTimestamp: number;
}

/**
 * One publishing connection.
 *
 * @example
 * ```ts ignore
 * import { connectTcp } from "../../transports/tcp.ts";
 * import { Publisher } from "./publisher.ts";
 * const transport = await connectTcp("127.0.0.1", 1935);
 * const publisher = await Publisher.connect(transport, { app: "live", playpath: "key" });
 * await publisher.publishFlv(flvChunks);
 * await publisher.close();
 * ```
 */
export class Publisher {
  #transport: Transport;
  readonly #session: PublishSession;
  readonly #log: LogSink;
  #writeChain: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #readError: unknown;
  #readEnded = false;
  #stateWaiter: (() => void) | undefined;
  #reading: Promise<void> | undefined;
  /** Bytes sent, handshake included. */
  bytesOut = 0;

  private constructor(transport: Transport, session: PublishSession, log: LogSink) {
    this.#transport = transport;
    this.#session = session;
    this.#log = log;
  }

  /**
   * Handshakes, connects and publishes; resolves once the server answered
   * NetStream.Publish.Start. Throws {@linkcode SessionError} with the server's status code when
   * it refuses, or the handshake's or transport's error. The transport is closed on failure.
   */
  static async connect(transport: Transport, options: PublisherOptions): Promise<Publisher> {
    const log = options.log ?? silentLog;
    const session = new PublishSession({ ...options, log });
    const publisher = new Publisher(transport, session, log);
    try {
      await publisher.#handshake(options.handshake ?? "plain", options.rtmpeType);
      session.connect();
      publisher.#flush();
      publisher.#reading = publisher.#readLoop();
      await publisher.#waitFor(() => session.state !== "connecting");
      if (session.state !== "publishing") throw publisher.#failure();
      return publisher;
    } catch (err) {
      await publisher.#transport.close();
      throw err;
    }
  }

  /**
   * Dials with `dial`, then connects and publishes as {@linkcode Publisher.connect} does; when
   * the server asks for publisher authentication (a connect `_error` naming `authmod=adobe` or
   * `authmod=llnw`), reconnects with the answer in the `app` and `tcUrl` query, as librtmp and
   * ffmpeg do (at most twice). Throws {@linkcode AuthError} when the credentials are missing or
   * refused.
   */
  static async open(
    dial: () => Promise<Transport>,
    options: PublisherOpenOptions,
  ): Promise<Publisher> {
    const log = options.log ?? silentLog;
    const auth = new PublisherAuthClient({
      user: options.credentials?.user ?? "",
      password: options.credentials?.password ?? "",
      clientNonce: options.clientNonce,
    });
    let query = "";
    for (;;) {
      const transport = await dial();
      try {
        return await Publisher.connect(transport, {
          ...options,
          app: options.app + query,
          tcUrl: options.tcUrl === undefined ? undefined : options.tcUrl + query,
        });
      } catch (err) {
        if (
          !(err instanceof PublishRefusedError) ||
          err.code !== "NetConnection.Connect.Rejected"
        ) throw err;
        const rejection = parseAuthRejection(err.description);
        if (rejection === undefined) throw err;
        query = auth.answer(err.description, options.app);
        log(
          LogLevel.Info,
          `Server asks for ${rejection.method} authentication, reconnecting` +
            (rejection.kind === "need-user"
              ? ` as ${options.credentials?.user}`
              : " with the answer"),
        );
      }
    }
  }

  /** The session underneath. */
  get session(): PublishSession {
    return this.#session;
  }

  /** Bytes queued and not yet written. */
  get queuedBytes(): number {
    return this.#session.pendingBytes + this.#inFlight;
  }

  /**
   * Sends one tag (see {@linkcode PublishSession.writeTag}), waiting when too much is queued.
   * Throws {@linkcode SessionError} once the server ended the session.
   */
  async writeTag(tag: FlvTag): Promise<void> {
    this.#check();
    this.#session.writeTag(tag);
    if (this.#session.pendingBytes >= WRITE_HIGH_WATER) await this.#flush();
  }

  /** Sends everything queued and waits until it is written. */
  async flush(): Promise<void> {
    await this.#flush();
  }

  /**
   * Reads an FLV byte stream (file header first) and publishes its tags: at the pace of their
   * timestamps (wall clock since the first tag) unless `realtime` is false. Throws
   * {@linkcode FlvError} for a malformed file and {@linkcode SessionError} when the server ends
   * the session.
   */
  async publishFlv(
    source: AsyncIterable<Uint8Array>,
    options: PublishFlvOptions = {},
  ): Promise<PublishResult> {
    const realtime = options.realtime ?? true;
    const now = options.now ?? (() => performance.now());
    const reader = new FlvReader({ lenient: true });
    const result: PublishResult = { tags: 0, bytesRead: 0, lastTimestamp: 0 };
    let epoch = -1;
    let firstTimestamp = 0;
    let tags: FlvTag[] = [];
    for await (const chunk of source) {
      result.bytesRead += chunk.length;
      tags = [];
      reader.push(chunk, (tag) => tags.push(tag));
      for (const tag of tags) {
        if (options.stop?.()) return result;
        if (realtime) {
          if (epoch < 0) {
            epoch = now();
            firstTimestamp = tag.timestamp;
          }
          for (;;) {
            const wait = tag.timestamp - firstTimestamp - (now() - epoch);
            if (wait <= 0 || options.stop?.()) break;
            await this.#flush();
            await sleep(Math.min(wait, MAX_PACING_SLEEP_MS));
            this.#check();
          }
        }
        await this.writeTag(tag);
        result.tags++;
        result.lastTimestamp = tag.timestamp;
      }
      // Tags are copied into the output as they are queued; the source may reuse `chunk` now.
      await this.#flush();
    }
    reader.finish();
    await this.#flush();
    return result;
  }

  /**
   * Ends publishing (FCUnpublish, deleteStream), sends what is queued and closes the
   * transport. Idempotent; never throws.
   */
  async close(): Promise<void> {
    this.#session.close();
    try {
      await this.#flush();
    } catch { /* the server may be gone */ }
    await this.#transport.close();
    await this.#reading?.catch(() => {});
  }

  async #handshake(mode: "plain" | "fp9" | "rtmpe", rtmpeType?: RtmpeType): Promise<void> {
    const result = await clientHandshake(this.#transport, { mode, rtmpeType, log: this.#log });
    this.#transport = result.transport;
    this.bytesOut += result.bytesOut;
    this.#session.countBytes(result.bytesIn);
    if (result.rest.length > 0) this.#session.receive(result.rest);
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const data = await this.#transport.read();
        if (data === null) break;
        this.#session.receive(data);
        this.#wake();
        if (this.#session.hasOutput) void this.#flush().catch(() => {});
      }
    } catch (err) {
      this.#readError = err;
    } finally {
      this.#readEnded = true;
      this.#wake();
    }
  }

  #wake(): void {
    const waiter = this.#stateWaiter;
    this.#stateWaiter = undefined;
    waiter?.();
  }

  async #waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.#readEnded) throw this.#failure();
      await new Promise<void>((resolve) => (this.#stateWaiter = resolve));
    }
  }

  #check(): void {
    const state = this.#session.state;
    if (state === "failed" || (this.#readEnded && state !== "closed")) throw this.#failure();
  }

  #failure(): SessionError {
    const session = this.#session;
    if (session.failure !== undefined) {
      return new PublishRefusedError(session.failure, session.failureDescription ?? "");
    }
    if (this.#readError !== undefined) {
      const message = this.#readError instanceof Error
        ? this.#readError.message
        : String(this.#readError);
      return new SessionError(`Cannot publish: ${message}`, { cause: this.#readError });
    }
    return new SessionError("Cannot publish: the server closed the connection");
  }

  #flush(): Promise<void> {
    if (this.#session.hasOutput) {
      const bytes = this.#session.takeOutput();
      this.#writeChain = this.#writeChain.then(() => this.#write(bytes));
    }
    return this.#writeChain;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    this.#inFlight += bytes.length;
    try {
      await this.#transport.write(bytes);
      this.bytesOut += bytes.length;
    } finally {
      this.#inFlight -= bytes.length;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
