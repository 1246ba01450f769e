/**
 * The publishing client: drives a {@linkcode PublishSession} over a {@linkcode Transport} and
 * pushes FLV to it, paced in real time by the tag timestamps or as fast as the transport takes
 * it.
 *
 * @module
 */

import type { Transport } from "../../transports/transport.ts";
import { describeNetworkError, TimeoutError } from "../../transports/transport_error.ts";
import { parseAuthRejection } from "../auth/auth_rejection.ts";
import { PublisherAuthClient } from "../auth/publisher_auth_client.ts";
import { FlvReader, type FlvTag } from "../flv/mod.ts";
import { HandshakeError, type RtmpeType } from "../handshake/mod.ts";
import { clientHandshake } from "./handshake_driver.ts";
import { LogLevel, type LogSink, printable, silentLog } from "./log.ts";
import { PublishSession, type PublishSessionOptions } from "./publish_session.ts";
import { SessionError } from "./session_error.ts";
import {
  DEFAULT_MAX_REDIRECTS,
  keepsCredentials,
  type RedirectTarget,
  resolveRedirect,
} from "../url/redirect_target.ts";
import { PROTOCOL_FEATURE } from "../url/protocol.ts";

/** Queued bytes after which `writeTag` waits for the transport. */
const WRITE_HIGH_WATER = 256 * 1024;
/** Longest single sleep while pacing. */
const MAX_PACING_SLEEP_MS = 1000;
/** Default {@linkcode PublisherOptions.timeoutMs}: rtmpdump's `-m` default. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;
/**
 * How long {@linkcode Publisher.close} waits for FCUnpublish and deleteStream (and whatever is
 * still queued) to be written before it closes the transport anyway.
 */
export const PUBLISH_CLOSE_GRACE_MS = 2000;

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
  /**
   * Each answer the server owes (the handshake, the replies to connect, createStream and publish)
   * must start within this many milliseconds of the last bytes received, and each write must be
   * taken within it; past it the publisher fails with {@linkcode TimeoutError}. Default
   * {@linkcode DEFAULT_PUBLISH_TIMEOUT_MS}; 0 waits without a limit.
   */
  timeoutMs?: number;
  /**
   * Ends every wait: connecting fails with the reason "interrupted", and
   * {@linkcode Publisher.publishFlv} returns early with `stopped` set.
   */
  signal?: AbortSignal;
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
  /**
   * Redirects followed at most (NetConnection.Connect.Rejected with `ex.redirect`, see
   * {@linkcode resolveRedirect}); default {@linkcode DEFAULT_MAX_REDIRECTS}, 0 follows none.
   */
  maxRedirects?: number;
}

/**
 * Opens the transport of one connection attempt: to the caller's own address first (`target`
 * undefined), then to each redirect target the server names.
 */
export type PublishDialer = (target?: RedirectTarget) => Promise<Transport>;

/**
 * The server refused connect or publish: its status code (or `_error` code) and description.
 */
export class PublishRefusedError extends SessionError {
  /** Creates the error from the server's code and description. */
  constructor(
    readonly code: string,
    readonly description: string,
    /** The redirect target a refused connect named (`ex.redirect`), if any. */
    readonly redirect?: string,
  ) {
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
  /** Tags sent (queued on the connection). */
  tags: number;
  /** FLV bytes read from the source. */
  bytesRead: number;
  /** Timestamp of the last tag sent, in ms. */
  lastTimestamp: number;
  /** True when `stop` or the publisher's signal ended publishing before the source did. */
  stopped: boolean;
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
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  #writeChain: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #readError: unknown;
  #writeError: unknown;
  #readEnded = false;
  #lastReceived = performance.now();
  #waiters: (() => void)[] = [];
  #reading: Promise<void> | undefined;
  /** Bytes sent, handshake included. */
  bytesOut = 0;

  private constructor(transport: Transport, session: PublishSession, options: PublisherOptions) {
    this.#transport = transport;
    this.#session = session;
    this.#log = options.log ?? silentLog;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", () => this.#wake(), { once: true });
  }

  /**
   * Handshakes, connects and publishes; resolves once the server answered
   * NetStream.Publish.Start. Throws {@linkcode SessionError} with the server's status code when
   * it refuses or the connection ends, {@linkcode TimeoutError} when an answer to a command does
   * not come in time, and {@linkcode HandshakeError} when the handshake fails, times out or is
   * interrupted. The transport is closed on failure.
   */
  static async connect(transport: Transport, options: PublisherOptions): Promise<Publisher> {
    const log = options.log ?? silentLog;
    const session = new PublishSession({ ...options, log });
    const publisher = new Publisher(transport, session, options);
    try {
      await publisher.#handshake(options.handshake ?? "plain", options.rtmpeType);
      session.connect();
      void publisher.#flush().catch(() => {});
      publisher.#reading = publisher.#readLoop();
      await publisher.#waitForAnswer(() => session.state !== "connecting");
      if (session.state !== "publishing") throw publisher.#failure();
      return publisher;
    } catch (err) {
      await publisher.#transport.close();
      await publisher.#reading;
      throw err;
    }
  }

  /**
   * Dials with `dial`, then connects and publishes as {@linkcode Publisher.connect} does; when
   * the server asks for publisher authentication (a connect `_error` naming `authmod=adobe` or
   * `authmod=llnw`), reconnects with the answer in the `app` and `tcUrl` query, as librtmp and
   * ffmpeg do (at most twice). Throws {@linkcode AuthError} when the credentials are missing or
   * refused.
   *
   * A connect refused with a redirect target (NetConnection.Connect.Rejected with `ex.redirect`,
   * which librtmp ignores) is followed as downloads follow it: `dial` is called with the
   * resolved target, whose URL becomes the tcUrl and whose path the application (the stream
   * name stays), an rtmpe target gets the encrypted handshake, and after `maxRedirects` hops,
   * or for a target that cannot be followed, the publisher fails with {@linkcode SessionError}.
   */
  static async open(dial: PublishDialer, options: PublisherOpenOptions): Promise<Publisher> {
    const log = options.log ?? silentLog;
    let credentials = options.credentials;
    const newAuth = () =>
      new PublisherAuthClient({
        user: credentials?.user ?? "",
        password: credentials?.password ?? "",
        clientNonce: options.clientNonce,
      });
    let auth = newAuth();
    const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    let redirects = 0;
    let target: RedirectTarget | undefined;
    let app = options.app;
    let tcUrl = options.tcUrl;
    let handshake = options.handshake;
    let query = "";
    for (;;) {
      const transport = await dial(target);
      try {
        return await Publisher.connect(transport, {
          ...options,
          handshake,
          app: app + query,
          tcUrl: tcUrl === undefined ? undefined : tcUrl + query,
        });
      } catch (err) {
        if (
          !(err instanceof PublishRefusedError) ||
          err.code !== "NetConnection.Connect.Rejected"
        ) throw err;
        if (err.redirect !== undefined) {
          if (++redirects > maxRedirects) {
            throw new SessionError(
              `Cannot publish: redirected more than ${maxRedirects} times`,
              { cause: err },
            );
          }
          target = resolveRedirect(err.redirect, app);
          if (target === undefined) {
            throw new SessionError(
              `Cannot publish: cannot follow the redirect to ${printable(err.redirect)}`,
              { cause: err },
            );
          }
          log(LogLevel.Info, `Redirected to ${err.redirect}`);
          ({ app, tcUrl } = target);
          // The target's scheme says whether its handshake is encrypted.
          const encrypted = (target.protocol & PROTOCOL_FEATURE.ENC) !== 0;
          handshake = encrypted ? "rtmpe" : handshake === "rtmpe" ? "plain" : handshake;
          // A new server: its own authentication from the start, with the credentials only
          // where they were meant to go.
          if (credentials !== undefined && !keepsCredentials(options.tcUrl, target)) {
            credentials = undefined;
            log(
              LogLevel.Info,
              `Not sending the user name and password to ${target.host}: they were given for ` +
                `another server or a protected connection`,
            );
          }
          query = "";
          auth = newAuth();
          continue;
        }
        const rejection = parseAuthRejection(err.description);
        if (rejection === undefined) throw err;
        query = auth.answer(err.description, app);
        log(
          LogLevel.Info,
          `Server asks for ${rejection.method} authentication, reconnecting` +
            (rejection.kind === "need-user" ? ` as ${credentials?.user}` : " with the answer"),
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
    if (this.#session.pendingBytes >= WRITE_HIGH_WATER) await this.#untilAborted(this.#flush());
  }

  /** Sends everything queued and waits until it is written (or the signal aborts). */
  async flush(): Promise<void> {
    await this.#untilAborted(this.#flush());
  }

  /**
   * Reads an FLV byte stream (file header first) and publishes its tags: at the pace of their
   * timestamps (wall clock since the first tag) unless `realtime` is false. Returns early, with
   * `stopped` set, when `stop` says so or the publisher's signal aborts. Throws
   * {@linkcode FlvError} for a malformed file, {@linkcode SessionError} when the server ends the
   * session and {@linkcode TimeoutError} when it stops taking data.
   */
  async publishFlv(
    source: AsyncIterable<Uint8Array>,
    options: PublishFlvOptions = {},
  ): Promise<PublishResult> {
    const realtime = options.realtime ?? true;
    const now = options.now ?? (() => performance.now());
    const stopped = () => this.#signal?.aborted === true || options.stop?.() === true;
    const reader = new FlvReader({ lenient: true });
    const result: PublishResult = { tags: 0, bytesRead: 0, lastTimestamp: 0, stopped: false };
    let epoch = -1;
    let firstTimestamp = 0;
    let tags: FlvTag[] = [];
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.#untilAborted(iterator.next());
        if (next === undefined || stopped()) {
          result.stopped = true;
          return result;
        }
        if (next.done) break;
        const chunk = next.value;
        result.bytesRead += chunk.length;
        tags = [];
        reader.push(chunk, (tag) => tags.push(tag));
        for (const tag of tags) {
          if (stopped()) {
            result.stopped = true;
            return result;
          }
          if (realtime) {
            if (epoch < 0) {
              epoch = now();
              firstTimestamp = tag.timestamp;
            }
            for (;;) {
              const wait = tag.timestamp - firstTimestamp - (now() - epoch);
              if (wait <= 0 || stopped()) break;
              await this.#untilAborted(this.#flush());
              await this.#sleep(Math.min(wait, MAX_PACING_SLEEP_MS));
              this.#check();
            }
            if (stopped()) continue;
          }
          await this.writeTag(tag);
          result.tags++;
          result.lastTimestamp = tag.timestamp;
        }
        // Tags are copied into the output as they are queued; the source may reuse `chunk` now.
        await this.#untilAborted(this.#flush());
      }
    } finally {
      if (result.stopped) void iterator.return?.()?.catch?.(() => {});
    }
    reader.finish();
    await this.#untilAborted(this.#flush());
    result.stopped = stopped();
    return result;
  }

  /**
   * Ends publishing (FCUnpublish, deleteStream), sends what is queued (waiting at most
   * `graceMs`, default {@linkcode PUBLISH_CLOSE_GRACE_MS}) and closes the transport. Idempotent;
   * never throws.
   */
  async close(graceMs: number = PUBLISH_CLOSE_GRACE_MS): Promise<void> {
    this.#session.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.#flush(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
    } catch {
      /* the server may be gone */
    } finally {
      clearTimeout(timer);
    }
    await this.#transport.close();
    await this.#reading?.catch(() => {});
  }

  async #handshake(mode: "plain" | "fp9" | "rtmpe", rtmpeType?: RtmpeType): Promise<void> {
    let result;
    try {
      result = await clientHandshake(this.#transport, {
        mode,
        rtmpeType,
        log: this.#log,
        timeoutMs: this.#timeoutMs,
        signal: this.#signal,
      });
    } catch (err) {
      // No handshake is a connect failure, whatever ended it.
      if (err instanceof HandshakeError) throw err;
      const reason = err instanceof TimeoutError ? err.message : describeNetworkError(err);
      throw new HandshakeError(reason, { cause: err });
    }
    this.#transport = result.transport;
    this.bytesOut += result.bytesOut;
    this.#session.countBytes(result.bytesIn);
    this.#lastReceived = performance.now();
    if (result.rest.length > 0) this.#session.receive(result.rest);
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const data = await this.#transport.read();
        if (data === null) break;
        this.#lastReceived = performance.now();
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
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  #waitForWake(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms > 0 ? setTimeout(done, ms) : undefined;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }

  /**
   * Waits until `condition` holds: woken by every read, it fails when the connection ends, the
   * signal aborts, or nothing arrived for `timeoutMs`.
   */
  async #waitForAnswer(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.#readEnded) throw this.#failure();
      if (this.#signal?.aborted) {
        throw new SessionError("Cannot publish: interrupted", { cause: this.#signal.reason });
      }
      let remaining = 0;
      if (this.#timeoutMs > 0) {
        remaining = this.#lastReceived + this.#timeoutMs - performance.now();
        if (remaining <= 0) {
          const awaiting = this.#session.awaiting;
          throw new TimeoutError(
            `Cannot publish: the server did not answer ${awaiting ?? "the request"} within ${
              this.#timeoutMs / 1000
            } s`,
          );
        }
      }
      await this.#waitForWake(Math.ceil(remaining));
    }
  }

  /** Waits for `work`, or resolves to undefined as soon as the signal aborts. */
  async #untilAborted<T>(work: Promise<T>): Promise<T | undefined> {
    const signal = this.#signal;
    if (signal === undefined) return await work;
    if (signal.aborted) {
      work.catch(() => {});
      return undefined;
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort!);
      work.catch(() => {});
    }
  }

  async #sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await this.#untilAborted(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))));
    } finally {
      clearTimeout(timer);
    }
  }

  #check(): void {
    if (this.#writeError !== undefined) throw this.#writeError;
    const state = this.#session.state;
    if (state === "failed" || (this.#readEnded && state !== "closed")) throw this.#failure();
  }

  #failure(): Error {
    const session = this.#session;
    if (session.failure !== undefined) {
      return new PublishRefusedError(
        session.failure,
        session.failureDescription ?? "",
        session.redirect,
      );
    }
    if (this.#writeError !== undefined) return this.#writeError as Error;
    if (this.#readError !== undefined) {
      if (this.#readError instanceof SessionError) return this.#readError;
      return new SessionError(`Cannot publish: ${describeNetworkError(this.#readError)}`, {
        cause: this.#readError,
      });
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
    if (this.#writeError !== undefined) throw this.#writeError;
    this.#inFlight += bytes.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const written = this.#transport.write(bytes);
      if (this.#timeoutMs > 0) {
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new TimeoutError(
                `Cannot publish: the server took no data for ${this.#timeoutMs / 1000} s`,
              ),
            );
          }, this.#timeoutMs);
        });
        written.catch(() => {});
        await Promise.race([written, limit]);
      } else {
        await written;
      }
      this.bytesOut += bytes.length;
    } catch (err) {
      this.#writeError ??= err instanceof TimeoutError || err instanceof SessionError
        ? err
        : new SessionError(`Cannot publish: ${describeNetworkError(err)}`, { cause: err });
      if (err instanceof TimeoutError) void this.#transport.close();
      throw this.#writeError;
    } finally {
      clearTimeout(timer);
      this.#inFlight -= bytes.length;
    }
  }
}
