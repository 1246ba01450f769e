/**
 * The server's side of SWF verification for one connection (librtmp-facts §4.5): asks the
 * client once with User Control 0x1A and checks the 0x1B answer against the SWF the server was
 * given (`serve --swf-verify FILE`). The answer must come within a time limit; a client that
 * used the plain handshake has no key to answer with and fails at once.
 *
 * @module
 */

import { checkSwfVerificationResponse } from "../swf/swf_verification.ts";
import type { SwfInfo } from "../swf/swf_hash.ts";

/** How long a client has to answer the SWF verification request. */
export const SWF_VERIFICATION_TIMEOUT_MS = 10_000;

/** The outcome of one check, with a reason for the log when it failed. */
export interface SwfVerificationOutcome {
  /** Whether the client proved it has the SWF. */
  ok: boolean;
  /** Why not, in a few words. */
  reason: string;
}

/** One connection's SWF verification: {@linkcode result} asks on first use and remembers. */
export class SwfVerificationCheck {
  readonly #info: SwfInfo;
  readonly #key: Uint8Array | undefined;
  readonly #request: () => void;
  readonly #timeoutMs: number;
  #result: Promise<SwfVerificationOutcome> | undefined;
  #answer: ((data: Uint8Array | undefined) => void) | undefined;

  /**
   * `key` is the last 32 bytes of this connection's S1 (undefined after a plain handshake);
   * `request` sends the 0x1A event.
   */
  constructor(
    info: SwfInfo,
    key: Uint8Array | undefined,
    request: () => void,
    timeoutMs = SWF_VERIFICATION_TIMEOUT_MS,
  ) {
    this.#info = info;
    this.#key = key;
    this.#request = request;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether the client is verified; the first call sends the request. */
  result(): Promise<SwfVerificationOutcome> {
    this.#result ??= this.#run();
    return this.#result;
  }

  /** Hands over the client's 0x1B event data. */
  answer(data: Uint8Array): void {
    this.#answer?.(data);
  }

  /** Ends a wait in progress (the connection closed). */
  close(): void {
    this.#answer?.(undefined);
  }

  async #run(): Promise<SwfVerificationOutcome> {
    const key = this.#key;
    if (key === undefined) {
      return { ok: false, reason: "the client used the plain handshake (no SWF data)" };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const data = await new Promise<Uint8Array | undefined>((resolve) => {
      this.#answer = resolve;
      timer = setTimeout(() => resolve(undefined), this.#timeoutMs);
      this.#request();
    });
    clearTimeout(timer);
    this.#answer = undefined;
    if (data === undefined) {
      return { ok: false, reason: `no answer within ${this.#timeoutMs / 1000} s` };
    }
    return await checkSwfVerificationResponse(data, this.#info, key)
      ? { ok: true, reason: "verified" }
      : { ok: false, reason: "wrong SWF hash or size" };
  }
}
