/**
 * One time limit for a whole dial: a proxy's TCP connect and its negotiation, then the TLS
 * handshake above it, all share the connect timeout the caller gave, and all end at once when
 * the caller's signal aborts.
 *
 * @module
 */

import type { DialOptions } from "./dialer.ts";
import { ConnectError } from "./transport_error.ts";

/**
 * The code of a {@linkcode ConnectError} for a layer whose negotiation failed (a proxy that
 * refused or spoke something else, a TLS handshake that failed or got no answer), as opposed
 * to a system error of the connection below.
 */
export const PROTOCOL_FAILURE_CODE = "EPROTO";

/** The connect timeout when the caller gives none (librtmp's default receive timeout). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** A dial's time limit and abort signal, shared by every layer of the dial. */
export class DialDeadline {
  /** When the dial must be done (`performance.now()` time), or Infinity for no limit. */
  readonly at: number;
  /** The limit as given, in milliseconds (0 = none), for messages. */
  readonly limitMs: number;
  /** The caller's abort signal. */
  readonly signal: AbortSignal | undefined;

  /** Starts the clock for a dial with `options`. */
  constructor(options: DialOptions = {}) {
    this.limitMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.at = this.limitMs > 0 ? performance.now() + this.limitMs : Infinity;
    this.signal = options.signal;
  }

  /**
   * Options for the dialer below: what is left of the time limit (at least 1 ms, so the dialer
   * below fails at once rather than waiting without a limit) and the same signal.
   */
  remaining(): DialOptions {
    if (this.at === Infinity) return { connectTimeoutMs: 0, signal: this.signal };
    return {
      connectTimeoutMs: Math.max(1, Math.ceil(this.at - performance.now())),
      signal: this.signal,
    };
  }

  /**
   * Waits for `step`, failing with `onTimeout()`'s error when the time limit passes first and
   * with `onAbort()`'s when the signal aborts. `cancel` runs in both cases, so that the step
   * ends (it closes the connection the step reads from) and nothing is left waiting; when the
   * step itself fails its error passes through and `cancel` is not called.
   */
  async race<T>(
    step: Promise<T>,
    cancel: () => void,
    onTimeout: () => ConnectError,
    onAbort: () => ConnectError,
  ): Promise<T> {
    if (this.signal?.aborted) {
      step.catch(() => {});
      cancel();
      throw onAbort();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abortListener: (() => void) | undefined;
    let ended = false;
    const limit = new Promise<never>((_, reject) => {
      const end = (err: ConnectError) => {
        ended = true;
        reject(err);
      };
      if (this.at !== Infinity) {
        const ms = Math.max(0, this.at - performance.now());
        timer = setTimeout(() => end(onTimeout()), ms);
      }
      if (this.signal !== undefined) {
        abortListener = () => end(onAbort());
        this.signal.addEventListener("abort", abortListener, { once: true });
      }
    });
    try {
      return await Promise.race([step, limit]);
    } catch (err) {
      if (ended) {
        step.catch(() => {});
        cancel();
      }
      throw err;
    } finally {
      clearTimeout(timer);
      if (abortListener !== undefined) this.signal?.removeEventListener("abort", abortListener);
    }
  }

  /** "within 30 s", for messages. */
  describeLimit(): string {
    return `within ${this.limitMs / 1000} s`;
  }
}

/** The error for a dial interrupted by its signal. */
export function interruptedDial(what: string, signal: AbortSignal | undefined): ConnectError {
  return new ConnectError(`${what}: interrupted`, { cause: signal?.reason, code: "EINTR" });
}
