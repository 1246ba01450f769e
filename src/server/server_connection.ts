/**
 * Drives one accepted connection: the server handshake, then a loop that reads large buffers
 * and lets the {@linkcode ServerSession} parse them synchronously, and one writer that sends
 * what the session queued, one write at a time, so a slow reader holds back its own output and
 * nobody else's.
 *
 * @module
 */

import type { Transport } from "../../transports/transport.ts";
import { describeNetworkError } from "../../transports/transport_error.ts";
import type { ChunkDecoderOptions } from "../chunk/mod.ts";
import { serverHandshake, type ServerHandshakeRequest } from "../session/handshake_driver.ts";
import { ServerSession } from "../session/server_session.ts";
import type { ServerSessionEvent } from "../session/server_session_event.ts";

/** What players see of a connection: its session, its output queue and its state. */
export interface ConnectionOutput {
  /** The session, to queue messages on. */
  readonly session: ServerSession;
  /** True once the connection is closing or closed. */
  readonly closed: boolean;
  /** Bytes queued and not yet handed to the transport (session output plus the write in flight). */
  readonly queuedBytes: number;
  /** Starts sending queued output (batched: the write starts after the current task). */
  flush(): void;
  /** Resolves once at most `maxQueued` bytes are queued, or the connection closed. */
  waitForDrain(maxQueued: number): Promise<void>;
  /** Closes the connection, logging `reason`. */
  close(reason: string): void;
}

/** What a connection reports to the server that accepted it. */
export interface ConnectionHost {
  /** A session event; `connection.session` is set. Runs synchronously inside `receive`. */
  onEvent(connection: ServerConnection, event: ServerSessionEvent): void;
  /** The connection ended (after its streams were closed); `reason` is for the log. */
  onClose(connection: ServerConnection, reason: string): void;
  /** The session took a read's bytes (its decoder may hold more of the server's memory now). */
  onReceived?(connection: ServerConnection): void;
}

/** Options of a {@linkcode ServerConnection}. */
export interface ServerConnectionOptions {
  /** Limits of the session's chunk decoder. */
  decoder?: ChunkDecoderOptions;
  /** Most message streams the client may create. */
  maxStreams?: number;
  /** Milliseconds for the S1 time field and activity stamps; default `performance.now`. */
  now?: () => number;
  /** The handshake must complete within this many milliseconds (0 or absent: no limit). */
  handshakeTimeoutMs?: number;
  /** Picks a handshake variant by the client's C0 (RTMPE). */
  handshakeVariantFor?: ServerHandshakeRequest["variantFor"];
  /**
   * Most bytes the connection may have queued for the client (see
   * {@linkcode ServerConnection.maxQueuedBytes}); default: no limit.
   */
  maxQueuedBytes?: number;
}

interface DrainWaiter {
  maxQueued: number;
  resolve: () => void;
}

/** Bytes of a read the session parses before the connection checks its budgets and queue. */
const RECEIVE_SLICE = 4 * 1024;
/** Time one read may take before the connection lets other connections run (ms). */
const RECEIVE_TURN_MS = 1;

/** A read of this many bytes or more is taken as a sign that the client keeps the socket full. */
const FULL_READ = 64 * 1024;

/** Resolves after the event loop has turned (timers, then every socket that is ready). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

let nextConnectionId = 1;

/** One client connection on the server side. */
export class ServerConnection implements ConnectionOutput {
  /** Process-unique id, for logs. */
  readonly id: number = nextConnectionId++;
  /** The transport underneath (after an RTMPE handshake, the RC4 layer over it). */
  transport: Transport;
  readonly #host: ConnectionHost;
  readonly #options: ServerConnectionOptions;
  readonly #now: () => number;
  #session: ServerSession | undefined;
  #closed = false;
  #closeReason = "";
  #writing = false;
  #flushQueued = false;
  #inFlight = 0;
  #waiters: DrainWaiter[] = [];
  #whenClosed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  /**
   * Most bytes the connection may have queued for the client (replies and media it has not
   * taken yet); past it the connection is closed: a client that never reads gets no more of
   * the server's memory. Checked after each read and each flush; the server raises it for
   * connections that play.
   */
  maxQueuedBytes: number;
  /** When the connection was accepted (`now()` units). */
  readonly acceptedAt: number;
  /** Bytes sent, handshake included. */
  bytesOut = 0;
  /** When bytes last arrived or were handed to the transport (`now()` units). */
  lastActivity: number;

  /** Binds a connection to an accepted transport; {@linkcode run} drives it. */
  constructor(transport: Transport, host: ConnectionHost, options: ServerConnectionOptions = {}) {
    this.transport = transport;
    this.#host = host;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.lastActivity = this.#now();
    this.acceptedAt = this.lastActivity;
    this.maxQueuedBytes = options.maxQueuedBytes ?? Infinity;
  }

  /** The session; throws before the handshake completed. */
  get session(): ServerSession {
    if (this.#session === undefined) throw new Error("Cannot use the session before the handshake");
    return this.#session;
  }

  /** True once the handshake completed. */
  get established(): boolean {
    return this.#session !== undefined;
  }

  /** True once a connect request was accepted (the client has "authenticated"). */
  get connected(): boolean {
    return this.#session?.connected ?? false;
  }

  /**
   * The last 32 bytes of the S1 this server sent, when the client used the digest handshake:
   * the key of its SWF verification answer.
   */
  get swfVerificationKey(): Uint8Array | undefined {
    return this.#swfVerificationKey;
  }
  #swfVerificationKey: Uint8Array | undefined;

  /** True once closing or closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once the connection is closing or closed (for waits that must end with it). */
  get whenClosed(): Promise<void> {
    if (this.#whenClosed === undefined) {
      this.#whenClosed = this.#closed
        ? Promise.resolve()
        : new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#whenClosed;
  }

  /** Bytes received, handshake included (counted as they arrive, also during the handshake). */
  get bytesIn(): number {
    return this.#session?.bytesIn ?? this.#handshakeBytes;
  }
  #handshakeBytes = 0;
  /** Bytes read since the connection last let the event loop turn. */
  #receivedSinceTurn = 0;

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return (this.#session?.pendingBytes ?? 0) + this.#inFlight;
  }

  /**
   * Runs the connection to its end: handshake, then reads until the peer closes, an error, or
   * {@linkcode close}. Never rejects; the reason ends up in the host's `onClose`.
   */
  async run(): Promise<void> {
    let reason = "closed by peer";
    try {
      const rest = await this.#handshake();
      if (rest !== null) {
        // What came with the end of the handshake is parsed like any read.
        if (rest.length > 0) await this.#receive(rest);
        for (;;) {
          const data = await this.transport.read();
          if (data === null || this.#closed) break;
          this.lastActivity = this.#now();
          await this.#receive(data);
          // A client that keeps the socket full is read again only after the event loop has
          // turned: otherwise reads that are ready at once follow one another and the other
          // sockets (new clients, players) wait for seconds. Counted over reads, since some
          // transports hand over one TLS record (16 KiB) per read however much is waiting.
          this.#receivedSinceTurn += data.length;
          if (this.#receivedSinceTurn >= FULL_READ) {
            await nextTurn();
            this.#receivedSinceTurn = 0;
          }
        }
      }
    } catch (err) {
      reason = describeNetworkError(err);
    }
    if (this.#closeReason !== "") reason = this.#closeReason;
    this.#finish(reason);
  }

  /**
   * Lets the session parse one read, {@linkcode RECEIVE_SLICE} bytes at a time: after each
   * slice the host checks its budgets and the output queue its bound (a client that never reads
   * is closed before the rest of a large read of requests is answered), and once the read has
   * taken {@linkcode RECEIVE_TURN_MS} the connection lets the others run before it goes on, so
   * that a flood of small requests on a few connections does not hold up everyone else's. Only
   * reads of {@linkcode FULL_READ} bytes or more take turns.
   */
  async #receive(data: Uint8Array): Promise<void> {
    const session = this.#session!;
    // Only a full read takes turns: a shorter one means the client does not keep the socket
    // full, and its messages are answered (or relayed to every player) in one go, so each
    // player gets them in one write rather than one write per message.
    const takesTurns = data.length >= FULL_READ;
    // Wall time on purpose (not the injected clock): the turn bounds real work.
    let turnStart = performance.now();
    for (let off = 0; off < data.length && !this.#closed;) {
      const end = Math.min(data.length, off + RECEIVE_SLICE);
      session.receive(off === 0 && end === data.length ? data : data.subarray(off, end));
      off = end;
      this.#host.onReceived?.(this);
      if (this.#closed || !this.#checkQueue()) break;
      this.flush();
      if (takesTurns && off < data.length && performance.now() - turnStart >= RECEIVE_TURN_MS) {
        await nextTurn();
        turnStart = performance.now();
      }
    }
  }

  /** Closes the connection: stops reading and writing, releases every waiter. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    void this.transport.close();
    this.#releaseWaiters();
  }

  /** Closes the connection when more than {@linkcode maxQueuedBytes} are queued. */
  #checkQueue(): boolean {
    const queued = this.queuedBytes;
    if (queued <= this.maxQueuedBytes) return true;
    this.close(`the client does not read: ${queued} bytes queued`);
    return false;
  }

  /** Sends what is queued, then closes (for replies such as a rejected connect). */
  async closeAfterFlush(reason: string): Promise<void> {
    this.flush();
    await this.waitForDrain(0);
    this.close(reason);
  }

  /** Starts sending queued output after the current task (coalesces many calls). */
  flush(): void {
    if (this.#flushQueued || this.#closed || !this.#checkQueue() || this.#writing) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      void this.#writeLoop();
    });
  }

  /** Resolves once at most `maxQueued` bytes are queued, or the connection closed. */
  waitForDrain(maxQueued: number): Promise<void> {
    if (this.#closed || this.queuedBytes <= maxQueued) return Promise.resolve();
    this.flush();
    return new Promise((resolve) => this.#waiters.push({ maxQueued, resolve }));
  }

  /**
   * Runs the server handshake and sets up the session; resolves to the bytes that came after
   * the handshake (to be parsed), or null when the connection was closed meanwhile.
   */
  async #handshake(): Promise<Uint8Array | null> {
    // Counts the bytes of a handshake in progress: the server tells a slow client from one that
    // is nearly through by them.
    const counting = new CountingTransport(this.transport, (n) => (this.#handshakeBytes += n));
    const result = await serverHandshake(counting, {
      now: this.#now,
      timeoutMs: this.#options.handshakeTimeoutMs,
      variantFor: this.#options.handshakeVariantFor,
    });
    if (this.#closed) return null;
    this.transport = result.transport === counting ? counting.inner : result.transport;
    this.bytesOut += result.bytesOut;
    this.#handshakeBytes = result.bytesIn;
    this.#swfVerificationKey = result.swfVerificationKey;
    this.lastActivity = this.#now();
    const session = new ServerSession({
      onEvent: (event) => this.#host.onEvent(this, event),
      decoder: this.#options.decoder,
      maxStreams: this.#options.maxStreams,
    });
    session.countBytes(this.#handshakeBytes);
    this.#session = session;
    return result.rest;
  }

  async #writeRaw(bytes: Uint8Array): Promise<void> {
    this.#inFlight = bytes.length;
    try {
      await this.transport.write(bytes);
    } finally {
      this.#inFlight = 0;
    }
    this.bytesOut += bytes.length;
    this.lastActivity = this.#now();
  }

  async #writeLoop(): Promise<void> {
    const session = this.#session;
    if (this.#writing || session === undefined) return;
    this.#writing = true;
    try {
      while (!this.#closed && session.hasOutput) {
        const output = session.takeOutput();
        await this.#writeRaw(output);
        // Written: a transport is done with the bytes once its write resolves.
        session.releaseOutput(output);
        this.#notifyWaiters();
      }
    } catch (err) {
      this.close(`cannot send: ${describeNetworkError(err)}`);
    } finally {
      this.#writing = false;
      this.#notifyWaiters();
    }
  }

  #notifyWaiters(): void {
    if (this.#waiters.length === 0) return;
    const queued = this.queuedBytes;
    const still: DrainWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (queued <= waiter.maxQueued) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  #releaseWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve();
    this.#resolveClosed?.();
  }

  #finish(reason: string): void {
    this.#closed = true;
    void this.transport.close();
    this.#releaseWaiters();
    try {
      this.#session?.close();
    } finally {
      this.#host.onClose(this, reason);
    }
  }
}

/** A transport that reports how many bytes each read returned (the handshake's progress). */
class CountingTransport implements Transport {
  readonly inner: Transport;
  readonly #count: (bytes: number) => void;

  constructor(inner: Transport, count: (bytes: number) => void) {
    this.inner = inner;
    this.#count = count;
  }

  get remoteAddr() {
    return this.inner.remoteAddr;
  }

  async read(): Promise<Uint8Array | null> {
    const data = await this.inner.read();
    if (data !== null) this.#count(data.length);
    return data;
  }

  write(data: Uint8Array): Promise<void> {
    return this.inner.write(data);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
