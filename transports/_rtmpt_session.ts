/**
 * One RTMPT session on the server side: the {@linkcode Transport} the listener hands to the
 * application, fed by the bodies of `/send` requests and drained by the answers to `/send` and
 * `/idle`. Both directions are bounded: a client that sends faster than the application reads
 * waits for its answer, an application that writes faster than the client polls waits in
 * `write`, and a client that stops polling has its session expired by the listener.
 *
 * @module
 */

import type { RemoteAddr, Transport } from "./transport.ts";

/** Largest polling-interval byte a server sends (Red5 and FMS: 0x21, about half a second). */
export const MAX_POLL_INTERVAL = 0x21;
/** Empty answers in a row after which the interval byte doubles. */
export const EMPTY_ANSWERS_PER_STEP = 10;

/** Limits of one session. */
export interface SessionLimits {
  /** Unread client bytes above which the listener stops reading the client's requests. */
  inHighWaterMark: number;
  /** Unsent application bytes above which the application's `write` waits. */
  outHighWaterMark: number;
}

function closedError(): Error {
  return new Error("Cannot write: the connection is closed");
}

/** A server-side RTMPT session. */
export class RtmptSession implements Transport {
  /** The session id (the answer to /open/1, without its newline). */
  readonly id: string;
  /** The client's address, from the connection that opened the session. */
  readonly remoteAddr: RemoteAddr;
  /** `performance.now()` of the last request, for expiry. */
  lastActivity: number;
  /** Requests for this session being handled now (a session is never expired during one). */
  activeRequests = 0;

  readonly #limits: SessionLimits;
  #in: Uint8Array[] = [];
  #inBytes = 0;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  /** The client posted /close, or the session expired: no more input. */
  #inputEnded = false;
  /** The application closed the session: no more reads or writes, queued output still goes. */
  #appClosed = false;
  /** Expired or closed by the client: writes fail, nothing more goes out. */
  #dead = false;
  #emptyAnswers = 0;
  #readWaiter: (() => void) | undefined;
  #spaceWaiters: (() => void)[] = [];
  #drainWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #holders: (() => void)[] = [];

  /** Creates a session; `now` is the current time for expiry. */
  constructor(id: string, remoteAddr: RemoteAddr, limits: SessionLimits, now: number) {
    this.id = id;
    this.remoteAddr = remoteAddr;
    this.#limits = limits;
    this.lastActivity = now;
  }

  // ---- the application's side (Transport) ----

  /** The client's next bytes; null after the client closed or the session ended. */
  async read(): Promise<Uint8Array | null> {
    while (this.#inBytes === 0) {
      if (this.#inputEnded || this.#appClosed) return null;
      await new Promise<void>((resolve) => (this.#readWaiter = resolve));
    }
    if (this.#appClosed) return null;
    const chunk = this.#in.shift()!;
    this.#inBytes -= chunk.length;
    if (this.#inBytes < this.#limits.inHighWaterMark) {
      for (const waiter of this.#spaceWaiters.splice(0)) waiter();
    }
    return chunk;
  }

  /** Queues bytes for the client's next request; waits while too much is unsent. */
  write(data: Uint8Array): Promise<void> {
    if (this.#dead || this.#appClosed) return Promise.reject(closedError());
    if (data.length === 0) return Promise.resolve();
    this.#out.push(data.slice());
    this.#outBytes += data.length;
    this.release();
    if (this.#outBytes <= this.#limits.outHighWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Ends the session from the application's side; what it wrote still reaches the client. */
  close(): Promise<void> {
    if (!this.#appClosed) {
      this.#appClosed = true;
      this.#in = [];
      this.#inBytes = 0;
      this.#wakeReader();
      for (const waiter of this.#spaceWaiters.splice(0)) waiter();
      this.#failWriters();
      this.release();
    }
    return Promise.resolve();
  }

  // ---- the listener's side ----

  /** True once the application closed and everything it wrote was answered. */
  get ended(): boolean {
    return (this.#appClosed && this.#outBytes === 0) || this.#dead;
  }

  /** True when output waits for the client. */
  get hasOutput(): boolean {
    return this.#outBytes > 0;
  }

  /** Unread client bytes. */
  get unreadBytes(): number {
    return this.#inBytes;
  }

  /** Adds bytes of a /send body (copied). Dropped once the application closed. */
  pushInput(data: Uint8Array): void {
    if (this.#appClosed || this.#inputEnded || data.length === 0) return;
    this.#in.push(data.slice());
    this.#inBytes += data.length;
    this.#wakeReader();
  }

  /** Resolves when the application has read below the limit (or will never read again). */
  waitForSpace(): Promise<void> {
    if (this.#inBytes < this.#limits.inHighWaterMark || this.#appClosed || this.#dead) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /**
   * Takes up to `max` bytes of output for an answer and returns the answer's body: the
   * polling-interval byte, then the bytes. The interval is 1 while data flows and doubles
   * after every {@linkcode EMPTY_ANSWERS_PER_STEP} empty answers, up to
   * {@linkcode MAX_POLL_INTERVAL}.
   */
  takeAnswer(max: number): Uint8Array {
    const size = Math.min(this.#outBytes, max);
    if (size > 0) this.#emptyAnswers = 0;
    else this.#emptyAnswers++;
    const body = new Uint8Array(1 + size);
    body[0] = this.interval;
    let filled = 1;
    while (filled <= size) {
      const head = this.#out[0];
      const n = Math.min(head.length, size + 1 - filled);
      body.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#out.shift();
      else this.#out[0] = head.subarray(n);
    }
    this.#outBytes -= size;
    if (this.#outBytes <= this.#limits.outHighWaterMark) {
      for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
    }
    return body;
  }

  /** The polling-interval byte the next answer carries. */
  get interval(): number {
    const steps = Math.floor(this.#emptyAnswers / EMPTY_ANSWERS_PER_STEP);
    return Math.min(MAX_POLL_INTERVAL, 2 ** Math.min(steps, 6));
  }

  /** Waits (an idle request being held) until output, an end, or {@linkcode release}. */
  hold(): Promise<void> {
    if (this.#outBytes > 0 || this.ended || this.#appClosed) return Promise.resolve();
    return new Promise((resolve) => this.#holders.push(resolve));
  }

  /** Ends every {@linkcode hold}: output arrived, the session ended, or another request came. */
  release(): void {
    for (const holder of this.#holders.splice(0)) holder();
  }

  /** The client posted /close: the application reads the end after what was sent. */
  endInput(): void {
    this.#inputEnded = true;
    this.#dead = true;
    this.#out = [];
    this.#outBytes = 0;
    this.#wakeReader();
    this.#failWriters();
    this.release();
  }

  /** The session expired or the listener gave up on it: as {@linkcode endInput}. */
  expire(): void {
    this.endInput();
  }

  #wakeReader(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  #failWriters(): void {
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(closedError());
  }
}
