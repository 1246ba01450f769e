/**
 * A receive timeout for any transport (rtmpdump's `-m`): a read that gets no bytes within the
 * limit rejects with {@linkcode TimeoutError}, and the underlying read stays pending so the
 * next call picks it up (as a socket with SO_RCVTIMEO would).
 *
 * A fast stream makes thousands of reads a second, so reads do not each start and cancel a
 * timer: one deadline is armed for the oldest waiting read and, when it fires early (that read
 * completed and a later one waits), re-armed for the rest of the later read's time. A download
 * that never stalls arms about one deadline per timeout period.
 *
 * @module
 */

import { type Deadline, startDeadline } from "./deadline.ts";
import { TimeoutError } from "./transport_error.ts";
import type { RemoteAddr, Transport } from "./transport.ts";

/** A read waiting for the inner transport. */
interface WaitingRead {
  /** When the read started (`performance.now()`). */
  readonly since: number;
  readonly reject: (err: unknown) => void;
}

/** The clock and deadlines a {@linkcode ReadTimeoutTransport} uses (injectable for tests). */
export interface ReadTimeoutClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `onExpiry` after `ms` unless cancelled. */
  startDeadline(ms: number, onExpiry: () => void): Deadline;
}

const SYSTEM_CLOCK: ReadTimeoutClock = { now: () => performance.now(), startDeadline };

/** Wraps a transport so that reads time out after `timeoutMs` (0 = never). */
export class ReadTimeoutTransport implements Transport {
  #inner: Transport;
  #clock: ReadTimeoutClock;
  #pending: Promise<Uint8Array | null> | undefined;
  #waiting: WaitingRead | undefined;
  #deadline: Deadline | undefined;
  /** Milliseconds a read may wait; 0 disables the timeout. */
  timeoutMs: number;

  /** Wraps `inner`; `clock` replaces `performance.now` and the deadlines in tests. */
  constructor(inner: Transport, timeoutMs: number, clock: ReadTimeoutClock = SYSTEM_CLOCK) {
    this.#inner = inner;
    this.timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** Reads, rejecting with TimeoutError when nothing arrives in time. */
  read(): Promise<Uint8Array | null> {
    const pending = this.#pending ?? this.#inner.read();
    this.#pending = pending;
    const timeoutMs = this.timeoutMs;
    if (timeoutMs <= 0) {
      return pending.finally(() => (this.#pending = undefined));
    }
    return new Promise((resolve, reject) => {
      const waiting: WaitingRead = { since: this.#clock.now(), reject };
      this.#waiting = waiting;
      if (this.#deadline === undefined) this.#arm(timeoutMs);
      pending.then(
        (data) => {
          if (this.#waiting !== waiting) return; // timed out: the next read takes it
          this.#waiting = undefined;
          this.#pending = undefined;
          resolve(data);
        },
        (err) => {
          if (this.#waiting !== waiting) return;
          this.#waiting = undefined;
          this.#pending = undefined;
          reject(err);
        },
      );
    });
  }

  #arm(ms: number): void {
    this.#deadline = this.#clock.startDeadline(ms, () => this.#check());
  }

  /** The deadline fired: time out the waiting read if its time is up, else wait the rest. */
  #check(): void {
    this.#deadline = undefined;
    const waiting = this.#waiting;
    // No read waits (the next one arms a deadline), or the timeout was switched off.
    if (waiting === undefined || this.timeoutMs <= 0) return;
    const left = waiting.since + this.timeoutMs - this.#clock.now();
    if (left > 0) {
      this.#arm(left);
      return;
    }
    this.#waiting = undefined;
    waiting.reject(new TimeoutError(`No data received for ${this.timeoutMs / 1000} s`));
  }

  /** Writes through. */
  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    this.#deadline?.cancel();
    this.#deadline = undefined;
    this.#pending?.catch(() => {});
    return this.#inner.close();
  }
}
