/**
 * The RTMPT tunnel, client side (rtmpt://, and rtmpts:// over TLS): RTMP carried in HTTP/1.1
 * POST requests, as librtmp speaks it (librtmp-facts §8.3). `POST /open/1` (body one zero byte)
 * answers a session id; then `/send/ID/SEQ` carries our bytes, `/idle/ID/SEQ` asks for the
 * server's, `/close/ID/SEQ` ends the session, SEQ counting from 0 after the open. Every request
 * has librtmp's headers in librtmp's order; every answer to send and idle starts with the
 * server's polling-interval byte, followed by RTMP bytes.
 *
 * Where this differs from librtmp, and why:
 * - librtmp polls in a tight loop whenever it wants data and ignores the interval byte. Here an
 *   idle poll after an empty answer waits the server's interval (byte × {@linkcode POLL_UNIT_MS}),
 *   doubling while answers stay empty, up to {@linkcode MAX_POLL_DELAY_MS}; data arriving resets
 *   it. Polls run while data streams or a reader waits, and stop when unread bytes reach the
 *   read limit (back-pressure).
 * - Writes are batched: all bytes written while a request is out go in the next POST (librtmp
 *   posts every write, without waiting for answers). One request is outstanding at a time; the
 *   one exception is `close`, which posts `/close` at once behind an answer still awaited, as
 *   librtmp does, so the server hears it even from a caller that does not wait for the close.
 * - Answers are read with a real HTTP/1.1 parser: HTTP/1.0 and chunked answers are accepted
 *   (librtmp wants exactly "HTTP/1.1 200 "); a keep-alive connection the server closed between
 *   requests is reopened and the request sent again once.
 * - The session id is the open answer without trailing white space (librtmp drops its last
 *   byte, whatever it is).
 * - A server that drops the connection during the open is a one-line {@linkcode ConnectError}
 *   at once (librtmp spins at 100 % CPU there), a server that does not answer one within the
 *   timeout too.
 * - 404 for our session is an {@linkcode RtmptError}; 410 Gone (the server ended the session,
 *   as rtmpkit's listener answers) is the end of the stream.
 *
 * @module
 */

import type { Dialer, DialOptions, DialTarget } from "./dialer.ts";
import { encodeRequestHead, HttpDecoder, type HttpEvent, HttpParseError } from "./http1.ts";
import { hostPort } from "./tcp.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { ConnectError, describeNetworkError } from "./transport_error.ts";

/** Milliseconds one step of the server's polling-interval byte stands for (0x21 ≈ 0.5 s). */
export const POLL_UNIT_MS = 16;
/** Longest wait between idle polls of our own choosing (a longer server interval is kept). */
export const MAX_POLL_DELAY_MS = 512;
/** Largest body of one POST: writes are batched up to this. */
export const MAX_SEND_BYTES = 256 * 1024;
/** Unsent bytes above which `write` waits. */
export const WRITE_HIGH_WATER_MARK = 1024 * 1024;
/** Unread bytes above which the tunnel stops asking the server for more. */
export const READ_HIGH_WATER_MARK = 1024 * 1024;
/** Time `close` may take to send what is left and post `/close`. */
export const CLOSE_TIMEOUT_MS = 2000;
/** Largest answer to `/open/1` taken as a session id. */
const MAX_OPEN_ANSWER_BYTES = 256;
/** The one-byte body of open, idle and close requests. */
const ZERO_BODY = new Uint8Array(1);

/** The tunnel failed after it was open: the server answered with an error or garbage, or not at all. */
export class RtmptError extends Error {
  /** The HTTP status behind the failure, when there was one. */
  readonly status: number | undefined;

  /** Creates the error with a one-line message. */
  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = "RtmptError";
    this.status = options?.status;
  }
}

/** Options of {@linkcode rtmptDialer}. */
export interface RtmptOptions {
  /**
   * Longest wait for an answer to a request (no byte of it arriving), after the open. Default:
   * the dial's connect timeout, else 30000 ms.
   */
  responseTimeoutMs?: number;
  /** Longest `close` (sending what is left, then `/close`). Default {@linkcode CLOSE_TIMEOUT_MS}. */
  closeTimeoutMs?: number;
  /** Milliseconds per step of the interval byte. Default {@linkcode POLL_UNIT_MS}. */
  pollUnitMs?: number;
  /** Longest back-off between idle polls. Default {@linkcode MAX_POLL_DELAY_MS}. */
  maxPollDelayMs?: number;
  /** Largest POST body. Default {@linkcode MAX_SEND_BYTES}. */
  maxSendBytes?: number;
}

/** Default connect and answer timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Wraps the dialer below (TCP, a proxy, TLS) into one that opens an RTMPT session. The result's
 * transport is a plain byte stream: RTMPE's RC4 layer goes on top of it for rtmpte://.
 *
 * @example
 * ```ts ignore
 * import { tcpDialer } from "./dialer.ts";
 * import { rtmptDialer } from "./rtmpt.ts";
 * const transport = await rtmptDialer(tcpDialer)({ host: "127.0.0.1", port: 80 });
 * await transport.close(); // posts /close/ID/SEQ
 * ```
 */
export function rtmptDialer(below: Dialer, options: RtmptOptions = {}): Dialer {
  return async (target, dialOptions = {}) => {
    const tunnel = new RtmptTransport(below, target, dialOptions, options);
    await tunnel.open();
    return tunnel;
  };
}

/** What one request got back. */
interface Answer {
  status: number;
  reason: string;
  /** RTMP bytes in the answer (after the interval byte). */
  dataBytes: number;
}

/** One RTMPT session over connections from the dialer below. */
class RtmptTransport implements Transport {
  readonly #below: Dialer;
  readonly #target: DialTarget;
  readonly #dialOptions: DialOptions;
  readonly #timeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #pollUnitMs: number;
  readonly #maxPollDelayMs: number;
  readonly #maxSendBytes: number;
  readonly #host: string;

  #conn: Transport | undefined;
  /** Answers read on the current connection (a reused connection may have been closed). */
  #answersOnConn = 0;
  #decoder = new HttpDecoder("response");
  #id = "";
  #seq = 0;
  /** The open answer's bytes while opening. */
  #openBody: Uint8Array | undefined;

  #out: Uint8Array[] = [];
  #outBytes = 0;
  #in: Uint8Array[] = [];
  #inBytes = 0;

  #interval = 1;
  #emptyAnswers = 0;
  #streaming = false;

  #readPending = false;
  #readWaiter: (() => void) | undefined;
  #drainWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  #loopWaiter: (() => void) | undefined;
  #spaceWaiter: (() => void) | undefined;
  /** Resolves a read of the connection below that is pending when the transport is torn down. */
  #abortRead: (() => void) | undefined;

  /** Close was called: reads end, writes reject, the loop flushes and posts /close. */
  #closing = false;
  /** The server ended the session (410): reads end after what is queued. */
  #ended = false;
  #failure: unknown;
  #torndown = false;
  /** /close was posted (by the loop, by close() behind an outstanding answer, or on the way out). */
  #closePosted = false;
  /** The path of a /close that close() pipelined behind an outstanding answer. */
  #closeAfter: string | undefined;
  /** A request was written whole and its answer is awaited. */
  #awaitingAnswer = false;
  /** Parsed events not yet handled (what followed an answer in the same read). */
  #events: HttpEvent[] = [];
  #goodbye: Promise<void> | undefined;
  /** Opening: failures are ConnectErrors. */
  #opening = true;
  #loop: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  readonly #remote: RemoteAddr;

  constructor(below: Dialer, target: DialTarget, dialOptions: DialOptions, options: RtmptOptions) {
    this.#below = below;
    this.#target = target;
    this.#dialOptions = dialOptions;
    this.#timeoutMs = options.responseTimeoutMs ??
      (dialOptions.connectTimeoutMs || DEFAULT_TIMEOUT_MS);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS;
    this.#pollUnitMs = options.pollUnitMs ?? POLL_UNIT_MS;
    this.#maxPollDelayMs = options.maxPollDelayMs ?? MAX_POLL_DELAY_MS;
    this.#maxSendBytes = options.maxSendBytes ?? MAX_SEND_BYTES;
    this.#host = hostPort(target.host, target.port);
    this.#remote = { hostname: target.host, port: target.port };
  }

  /** The server's address. */
  get remoteAddr(): RemoteAddr {
    return this.#remote;
  }

  /** Posts /open/1 and reads the session id. Rejects with ConnectError. */
  async open(): Promise<void> {
    const signal = this.#dialOptions.signal;
    const onAbort = () => this.#teardown(this.#interrupted());
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal?.aborted) throw this.#interrupted();
      this.#openBody = new Uint8Array(0);
      let answer: Answer;
      try {
        answer = await this.#exchange("/open/1", ZERO_BODY);
      } catch (err) {
        throw this.#failure ?? err;
      }
      if (answer.status !== 200) {
        throw this.#error(
          `the server answered /open/1 with ${answer.status} ${answer.reason}`.trimEnd(),
        );
      }
      const id = new TextDecoder("latin1").decode(this.#openBody).replace(/\s+$/, "");
      this.#openBody = undefined;
      // Printable, no "/" (it goes into the request paths), short enough for ffmpeg too.
      if (!/^[!-.0-~]{1,64}$/.test(id)) throw this.#error("the server's session id is not usable");
      this.#id = id;
      this.#seq = 0;
    } catch (err) {
      signal?.removeEventListener("abort", onAbort);
      this.#teardown(err);
      if (err instanceof ConnectError) throw err;
      throw this.#error(describeNetworkError(err), { cause: err });
    }
    this.#opening = false;
    signal?.removeEventListener("abort", onAbort);
    this.#loop = this.#run();
  }

  /** A failure in words: a ConnectError while opening, an RtmptError afterwards. */
  #error(detail: string, options?: ErrorOptions & { status?: number }): Error {
    return this.#opening
      ? new ConnectError(`Cannot open an RTMPT session with ${this.#host}: ${detail}`, options)
      : new RtmptError(`The RTMPT tunnel to ${this.#host} failed: ${detail}`, options);
  }

  #interrupted(): ConnectError {
    return new ConnectError(`Cannot open an RTMPT session with ${this.#host}: interrupted`, {
      cause: this.#dialOptions.signal?.reason,
      code: "EINTR",
    });
  }

  /** Returns the next bytes from the server; null once the session ended or was closed. */
  async read(): Promise<Uint8Array | null> {
    while (this.#inBytes === 0) {
      if (this.#closing) return null;
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) return null;
      this.#readPending = true;
      this.#wakeLoop();
      await new Promise<void>((resolve) => (this.#readWaiter = resolve));
      this.#readPending = false;
    }
    if (this.#closing) return null;
    const chunk = this.#in.shift()!;
    this.#inBytes -= chunk.length;
    if (this.#inBytes < READ_HIGH_WATER_MARK) {
      this.#wakeSpace();
      if (this.#streaming) this.#wakeLoop(); // read ahead again while data flows
    }
    return chunk;
  }

  /** Queues bytes for the next POST; waits while too much is unsent. */
  write(data: Uint8Array): Promise<void> {
    if (this.#closing) return Promise.reject(new RtmptError("Cannot write: the tunnel is closed"));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) {
      return Promise.reject(new RtmptError("Cannot write: the RTMPT server ended the session"));
    }
    if (data.length === 0) return Promise.resolve();
    this.#out.push(data.slice());
    this.#outBytes += data.length;
    this.#wakeLoop();
    if (this.#outBytes <= WRITE_HIGH_WATER_MARK) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Sends what is queued, posts /close and closes the connection, within the close timeout. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#wakeReader();
    this.#wakeLoop();
    this.#wakeSpace();
    const conn = this.#conn;
    if (
      this.#awaitingAnswer && this.#outBytes === 0 && conn !== undefined && !this.#ended &&
      !this.#closePosted && !this.#torndown
    ) {
      // librtmp posts /close at once, without waiting: do the same behind the answer we await,
      // so the server hears it even when the caller does not wait for this close.
      this.#closePosted = true;
      this.#closeAfter = this.#path("close");
      conn.write(this.#request(this.#closeAfter, ZERO_BODY)).catch(() => {});
    }
    this.#closed = (async () => {
      if (this.#loop !== undefined && !this.#torndown) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          this.#loop,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#closeTimeoutMs))),
        ]);
        clearTimeout(timer);
      }
      this.#teardown(new RtmptError("Cannot write: the tunnel is closed"));
      await this.#loop;
      await this.#goodbye;
    })();
    return this.#closed;
  }

  // ---- the request loop ----

  async #run(): Promise<void> {
    const signal = this.#dialOptions.signal;
    const onAbort = () => this.#teardown(new RtmptError("The RTMPT tunnel was interrupted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!this.#torndown) {
        if (this.#outBytes > 0) {
          await this.#send();
        } else if (this.#closing) {
          if (this.#closeAfter !== undefined) {
            // The answer to the /close pipelined by close(), on the connection it went on.
            if (this.#conn !== undefined) await this.#readAnswer(this.#conn, this.#closeAfter);
          } else if (!this.#ended) {
            this.#closePosted = true;
            await this.#exchange(this.#path("close"), ZERO_BODY);
          }
          return;
        } else if (this.#wantsData()) {
          if (await this.#pollDelayPassed()) await this.#poll();
        } else {
          await new Promise<void>((resolve) => (this.#loopWaiter = resolve));
        }
      }
    } catch (err) {
      this.#teardown(err);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#teardown(undefined);
    }
  }

  #wantsData(): boolean {
    return !this.#ended && this.#inBytes < READ_HIGH_WATER_MARK &&
      (this.#readPending || this.#streaming);
  }

  /** Waits out the back-off before an idle poll; false when something else came first. */
  async #pollDelayPassed(): Promise<boolean> {
    if (this.#emptyAnswers === 0) return true;
    const base = Math.max(1, this.#interval) * this.#pollUnitMs;
    const delay = Math.min(
      base * 2 ** Math.min(this.#emptyAnswers - 1, 16),
      Math.max(this.#maxPollDelayMs, base),
    );
    const due = performance.now() + delay;
    for (;;) {
      if (this.#outBytes > 0 || this.#closing || this.#torndown) return false;
      const left = due - performance.now();
      if (left <= 0) return this.#wantsData();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#loopWaiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#loopWaiter = undefined;
    }
  }

  async #poll(): Promise<void> {
    const answer = await this.#exchange(this.#path("idle"), ZERO_BODY);
    this.#afterAnswer(answer, "idle");
  }

  async #send(): Promise<void> {
    const size = Math.min(this.#outBytes, this.#maxSendBytes);
    const body = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const head = this.#out[0];
      const n = Math.min(head.length, size - filled);
      body.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#out.shift();
      else this.#out[0] = head.subarray(n);
    }
    this.#outBytes -= size;
    if (this.#outBytes <= WRITE_HIGH_WATER_MARK) {
      for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
    }
    const answer = await this.#exchange(this.#path("send"), body);
    this.#afterAnswer(answer, "send");
  }

  #path(command: string): string {
    return `/${command}/${this.#id}/${this.#seq++}`;
  }

  /** Turns a non-200 answer into the end or an error; keeps the back-off state. */
  #afterAnswer(answer: Answer, command: string): void {
    if (answer.status === 410) {
      this.#ended = true;
      this.#streaming = false;
      for (const waiter of this.#drainWaiters.splice(0)) {
        waiter.reject(new RtmptError("Cannot write: the RTMPT server ended the session"));
      }
      this.#wakeReader();
      return;
    }
    if (answer.status === 404) {
      throw this.#error(`the server does not know session ${this.#id} (404 Not Found)`, {
        status: 404,
      });
    }
    if (answer.status !== 200) {
      throw this.#error(
        `the server answered /${command} with ${answer.status} ${answer.reason}`.trimEnd(),
        { status: answer.status },
      );
    }
    this.#streaming = answer.dataBytes > 0;
    if (answer.dataBytes > 0) this.#emptyAnswers = 0;
    else if (command === "send") this.#emptyAnswers = 1;
    else this.#emptyAnswers++;
  }

  // ---- one request and its answer ----

  /**
   * Sends one request and reads its whole answer, routing the body: the session id while
   * opening, else the interval byte and RTMP bytes. Sends it again on a fresh connection when
   * a reused keep-alive connection turns out closed before any byte of the answer.
   */
  async #exchange(path: string, body: Uint8Array): Promise<Answer> {
    const request = this.#request(path, body);
    for (let attempt = 0;; attempt++) {
      const reused = this.#conn !== undefined && this.#answersOnConn > 0;
      const conn = this.#conn ?? await this.#connect();
      let answer: Answer | "closed";
      try {
        this.#awaitingAnswer = false;
        await conn.write(request);
        this.#awaitingAnswer = true;
        answer = await this.#readAnswer(conn, path);
      } catch (err) {
        if (this.#torndown) throw this.#failure ?? err;
        if (err instanceof RtmptError || err instanceof ConnectError) throw err;
        if (!reused || attempt > 0) {
          throw this.#error(`cannot send ${path}: ${describeNetworkError(err)}`, { cause: err });
        }
        answer = "closed"; // a write to a connection the server had closed
      }
      this.#awaitingAnswer = false;
      if (answer !== "closed") return answer;
      this.#dropConnection();
      if (!reused || attempt > 0) {
        throw this.#error(`the server closed the connection without answering ${path}`);
      }
    }
  }

  #request(path: string, body: Uint8Array): Uint8Array {
    const head = encodeRequestHead("POST", path, [
      ["Host", this.#host],
      ["Accept", "*/*"],
      ["User-Agent", "Shockwave Flash"],
      ["Connection", "Keep-Alive"],
      ["Cache-Control", "no-cache"],
      ["Content-type", "application/x-fcs"],
      ["Content-length", `${body.length}`],
    ]);
    const request = new Uint8Array(head.length + body.length);
    request.set(head);
    request.set(body, head.length);
    return request;
  }

  async #connect(): Promise<Transport> {
    let conn: Transport;
    try {
      conn = await this.#below(this.#target, {
        connectTimeoutMs: this.#dialOptions.connectTimeoutMs,
        signal: this.#dialOptions.signal,
      });
    } catch (err) {
      if (this.#opening) throw err;
      throw this.#error(`cannot reconnect: ${oneLine(err)}`, { cause: err });
    }
    if (this.#torndown) {
      await conn.close();
      throw this.#failure ?? new RtmptError("Cannot write: the tunnel is closed");
    }
    this.#conn = conn;
    this.#answersOnConn = 0;
    this.#decoder = new HttpDecoder("response");
    this.#events = [];
    return conn;
  }

  #dropConnection(): void {
    const conn = this.#conn;
    this.#conn = undefined;
    void conn?.close();
  }

  /**
   * Reads one answer; "closed" when the connection ended before its first byte. Events that
   * follow the answer in the same read are kept for the next one when a request was pipelined
   * behind it (the /close of {@linkcode close}); otherwise they are an error.
   */
  async #readAnswer(conn: Transport, path: string): Promise<Answer | "closed"> {
    let answer: Answer | undefined;
    let sawBytes = this.#events.length > 0;
    let intervalSeen = false;
    let keepAlive = true;
    for (;;) {
      const event = this.#events.shift();
      if (event === undefined) {
        if (answer !== undefined) await this.#waitForSpace();
        const data = await this.#readBelow(conn, path);
        try {
          if (data === null) {
            if (!sawBytes) return "closed";
            this.#events = this.#decoder.end();
            if (this.#events.length === 0) {
              throw new HttpParseError("the connection closed", "truncated");
            }
          } else {
            sawBytes = true;
            this.#events = this.#decoder.push(data);
          }
        } catch (err) {
          const detail = oneLine(err).replace(/^Cannot parse HTTP response: /, "");
          throw this.#error(`the answer to ${path} is not valid HTTP (${detail})`, { cause: err });
        }
        continue;
      }
      if (event.type === "head") {
        const head = event.head;
        if (head.kind !== "response") throw this.#unexpectedBytes(path);
        answer = { status: head.status, reason: head.reason, dataBytes: 0 };
        keepAlive = head.keepAlive;
      } else if (event.type === "body") {
        if (answer?.status !== 200) continue; // an error page: not ours to keep
        let bytes = event.data;
        if (this.#openBody !== undefined) {
          if (this.#openBody.length + bytes.length > MAX_OPEN_ANSWER_BYTES) {
            throw this.#error(`the answer to ${path} is too long for a session id`);
          }
          this.#openBody = concat(this.#openBody, bytes);
          continue;
        }
        if (!intervalSeen && bytes.length > 0) {
          intervalSeen = true;
          this.#interval = bytes[0];
          bytes = bytes.subarray(1);
        }
        if (bytes.length > 0 && !this.#closing) {
          this.#in.push(bytes.slice());
          this.#inBytes += bytes.length;
          answer.dataBytes += bytes.length;
          this.#wakeReader();
        }
      } else {
        break;
      }
    }
    const more = this.#events.length > 0 || !this.#decoder.idle;
    if (more && this.#closeAfter === undefined) throw this.#unexpectedBytes(path);
    this.#answersOnConn++;
    if (!keepAlive) this.#dropConnection();
    return answer!;
  }

  #unexpectedBytes(path: string): Error {
    return this.#error(`the server sent more than its answer to ${path}`);
  }

  /** Waits while the reader has more than the read limit unread. */
  async #waitForSpace(): Promise<void> {
    while (this.#inBytes >= READ_HIGH_WATER_MARK && !this.#torndown && !this.#closing) {
      await new Promise<void>((resolve) => (this.#spaceWaiter = resolve));
    }
  }

  /** One read of the connection below, bounded by the answer timeout and by a teardown. */
  async #readBelow(conn: Transport, path: string): Promise<Uint8Array | null> {
    if (this.#torndown) throw this.#failure ?? new RtmptError("The RTMPT tunnel is closed");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"timeout" | "torndown">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#timeoutMs);
      this.#abortRead = () => resolve("torndown");
    });
    try {
      const result = await Promise.race([conn.read(), limit]);
      if (result === "timeout") {
        throw this.#error(`no answer to ${path} within ${this.#timeoutMs / 1000} s`);
      }
      if (result === "torndown") {
        throw this.#failure ?? new RtmptError("The RTMPT tunnel is closed");
      }
      return result;
    } finally {
      clearTimeout(timer);
      this.#abortRead = undefined;
    }
  }

  // ---- wake-ups and the end ----

  #wakeLoop(): void {
    const waiter = this.#loopWaiter;
    this.#loopWaiter = undefined;
    waiter?.();
  }

  #wakeSpace(): void {
    const waiter = this.#spaceWaiter;
    this.#spaceWaiter = undefined;
    waiter?.();
  }

  #wakeReader(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  /**
   * Posts /close on the current connection without waiting for its answer (librtmp's way) when
   * the loop could not, then closes the connection; the write is bounded by the close timeout.
   */
  async #sayGoodbye(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn === undefined) return;
    const refused = this.#failure instanceof RtmptError && this.#failure.status !== undefined;
    if (!this.#opening && !this.#closePosted && !this.#ended && !refused) {
      this.#closePosted = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        conn.write(this.#request(this.#path("close"), ZERO_BODY)).catch(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#closeTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
    await conn.close();
  }

  /** Stops everything: records `failure` (the first one wins), closes the connection. */
  #teardown(failure: unknown): void {
    if (failure !== undefined && this.#failure === undefined && !this.#closing) {
      this.#failure = failure;
    }
    if (this.#torndown) return;
    this.#torndown = true;
    this.#goodbye = this.#sayGoodbye();
    this.#abortRead?.();
    const reason = this.#failure ?? new RtmptError("Cannot write: the tunnel is closed");
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(reason);
    this.#wakeReader();
    this.#wakeLoop();
    this.#wakeSpace();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}
