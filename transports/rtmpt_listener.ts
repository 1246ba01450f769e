/**
 * The RTMPT tunnel, server side (`--listen rtmpt://`, and `rtmpts://` over a TLS listener): an
 * HTTP/1.1 server on any stream listener that speaks the tunnel as FMS does to rtmpdump, ffmpeg
 * and Flash Player (librtmp-facts §8.3). `POST /open/1` creates a session, answered with its id
 * and a newline, and the session's {@linkcode Transport} comes out of `accept()`. `/send/ID/SEQ`
 * bodies become the session's reads; the answers to `/send` and `/idle` carry the polling-interval
 * byte and what the application wrote; `/close/ID/SEQ` ends it.
 *
 * Choices of our own:
 * - The interval byte is 1 while data flows and doubles after every ten empty answers up to
 *   0x21 (as Red5 documents FMS doing). An `/idle` finding nothing to send is held until output
 *   arrives, for at most the interval (byte × 16 ms), so clients that poll in a tight loop
 *   (librtmp) cost little and output goes out as soon as it is written.
 * - An answer to `/send` waits one turn of the event loop, so a reply the application writes at
 *   once (the handshake's S0+S1+S2) goes in it.
 * - A session the application closed answers its remaining output, then `410 Gone` (rtmpkit's
 *   client reads that as the end of the stream; other clients close as on any error). An unknown
 *   session is `404 Not Found`. Sequence numbers are checked to be numbers, not counted.
 * - Limits: sessions per listener (`503` beyond), HTTP connections, head and body sizes, unread
 *   and unsent bytes per session (the client's request or the application's write waits), and
 *   sessions with no request for `idleTimeoutMs` are expired, so a client that never polls costs
 *   a bounded amount of memory and then nothing.
 *
 * @module
 */

import { RtmptSession } from "./_rtmpt_session.ts";
import {
  encodeResponseHead,
  HttpDecoder,
  type HttpEvent,
  HttpParseError,
  type HttpRequestHead,
} from "./http1.ts";
import type { Listener } from "./listen.ts";
import type { RemoteAddr, Transport } from "./transport.ts";

/** Options of {@linkcode rtmptListener}. */
export interface RtmptListenerOptions {
  /** A session with no request for this long is closed (default 60000 ms). */
  idleTimeoutMs?: number;
  /** Sessions at once; an open beyond it is answered 503 (default 1000). */
  maxSessions?: number;
  /** HTTP connections at once; more are closed at once (default 2000). */
  maxConnections?: number;
  /** Largest answer body (default 512 KiB). */
  maxAnswerBytes?: number;
  /** Unread and unsent bytes per session before the other side waits (default 1 MiB). */
  sessionBufferBytes?: number;
  /** Milliseconds per step of the interval byte, for holding idle requests (default 16). */
  pollUnitMs?: number;
  /** Makes session ids (default: 16 random hex digits). */
  newSessionId?: () => string;
}

/** Default idle timeout of a session and of a keep-alive connection. */
export const DEFAULT_TUNNEL_IDLE_TIMEOUT_MS = 60_000;
/** Default limit on sessions. */
export const DEFAULT_MAX_TUNNEL_SESSIONS = 1000;
/**
 * After the listener is closed, how long a session the application ended waits for the
 * client's next request (to answer it 410) before it is dropped.
 */
const CLOSED_GRACE_MS = 2000;
/** Largest head of a request. */
const MAX_REQUEST_HEAD_BYTES = 8 * 1024;
/** Largest body of one request. */
const MAX_REQUEST_BODY_BYTES = 64 * 1024 * 1024;
/** Largest body of a request that carries no data (open, idle, close). */
const MAX_EMPTY_BODY_BYTES = 64;

/** What a request target asks for. */
type Route =
  | { command: "open" }
  | { command: "send" | "idle" | "close"; id: string }
  | { command: "unknown" };

/** Reads a request target: `/open/1`, `/send/ID/SEQ`, … (absolute form allowed). */
function route(target: string): Route {
  const path = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "");
  if (/^\/open\/\d+$/.test(path)) return { command: "open" };
  const match = /^\/(send|idle|close)\/([^/]+)\/\d+$/.exec(path);
  if (match === null) return { command: "unknown" };
  return { command: match[1] as "send" | "idle" | "close", id: match[2] };
}

function randomSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  410: "Gone",
  503: "Service Unavailable",
};

const encoder = new TextEncoder();

/** An answer: status, body, whether the connection stays open. */
function answer(status: number, body: Uint8Array, keepAlive: boolean): Uint8Array {
  const head = encodeResponseHead(status, REASONS[status], [
    ["Content-Type", "application/x-fcs"],
    ["Content-Length", `${body.length}`],
    ["Connection", keepAlive ? "Keep-Alive" : "close"],
    ["Cache-Control", "no-cache"],
    ["Server", "rtmpkit"],
    ...(status === 405 ? [["Allow", "POST"] as [string, string]] : []),
  ]);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Reads a connection, keeping one read pending across a hold. */
class ConnectionReader {
  readonly #conn: Transport;
  #pending: Promise<Uint8Array | null> | undefined;

  constructor(conn: Transport) {
    this.#conn = conn;
  }

  /** The next bytes, or null at the end; "timeout" when none came within `timeoutMs`. */
  async next(timeoutMs: number): Promise<Uint8Array | null | "timeout"> {
    const pending = this.#pending ?? this.#conn.read();
    this.#pending = pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = await Promise.race([
        pending,
        new Promise<"timeout">((
          resolve,
        ) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
      ]);
      if (result !== "timeout") this.#pending = undefined;
      return result;
    } catch (err) {
      this.#pending = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when bytes (or the end) are ready for {@linkcode next}, without taking them. */
  ready(): Promise<unknown> {
    this.#pending ??= this.#conn.read();
    return this.#pending.catch(() => {});
  }
}

/**
 * Serves the RTMPT tunnel on connections from `below` (a TCP or TLS listener). The result is a
 * listener of tunnel sessions: one transport per `/open`.
 *
 * @example
 * ```ts ignore
 * import { listenTcp } from "./tcp_listener.ts";
 * import { rtmptListener } from "./rtmpt_listener.ts";
 * const listener = rtmptListener(await listenTcp({ hostname: "127.0.0.1", port: 0 }));
 * for await (const session of listener.accept()) session.close();
 * ```
 */
export function rtmptListener(below: Listener, options: RtmptListenerOptions = {}): Listener {
  return new RtmptListener(below, options);
}

class RtmptListener implements Listener {
  readonly #below: Listener;
  readonly #idleTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #maxConnections: number;
  readonly #maxAnswerBytes: number;
  readonly #sessionBufferBytes: number;
  readonly #pollUnitMs: number;
  readonly #newSessionId: () => string;

  readonly #sessions = new Map<string, RtmptSession>();
  readonly #connections = new Set<Transport>();
  #accepted: RtmptSession[] = [];
  #acceptWaiter: (() => void) | undefined;
  #closed = false;
  #reaper: ReturnType<typeof setInterval> | undefined;

  constructor(below: Listener, options: RtmptListenerOptions) {
    this.#below = below;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_TUNNEL_IDLE_TIMEOUT_MS;
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_TUNNEL_SESSIONS;
    this.#maxConnections = options.maxConnections ?? 2 * this.#maxSessions;
    this.#maxAnswerBytes = options.maxAnswerBytes ?? 512 * 1024;
    this.#sessionBufferBytes = options.sessionBufferBytes ?? 1024 * 1024;
    this.#pollUnitMs = options.pollUnitMs ?? 16;
    this.#newSessionId = options.newSessionId ?? randomSessionId;
    void this.#acceptLoop();
  }

  /** The address of the listener below. */
  get addr(): RemoteAddr {
    return this.#below.addr;
  }

  /** Sessions, in the order they were opened. */
  async *accept(): AsyncIterable<Transport> {
    for (;;) {
      while (this.#accepted.length === 0) {
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#acceptWaiter = resolve));
      }
      yield this.#accepted.shift()!;
    }
  }

  /**
   * Stops listening and opening sessions. Sessions handed out go on over the connections
   * already open; those connections close once no session is left.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#acceptWaiter;
    this.#acceptWaiter = undefined;
    waiter?.();
    for (const session of this.#accepted.splice(0)) this.#remove(session, true);
    await this.#below.close();
    this.#shutdownIfDone();
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#below.accept()) {
        if (this.#closed || this.#connections.size >= this.#maxConnections) {
          void conn.close();
          continue;
        }
        this.#connections.add(conn);
        void this.#serve(conn).finally(() => {
          this.#connections.delete(conn);
          void conn.close();
        });
      }
    } catch {
      // The listener below failed: no more connections; sessions open go on.
    }
  }

  /** Handles the requests of one connection, one after the other. */
  async #serve(conn: Transport): Promise<void> {
    const reader = new ConnectionReader(conn);
    const decoder = new HttpDecoder("request", {
      maxHeadBytes: MAX_REQUEST_HEAD_BYTES,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
    });
    let events: HttpEvent[] = [];
    let at = 0;
    /** The next event, reading as needed; undefined when the connection ended. */
    const next = async (): Promise<HttpEvent | undefined> => {
      while (at === events.length) {
        if (this.#closed && this.#sessions.size === 0) return undefined;
        const data = await reader.next(this.#idleTimeoutMs);
        if (data === "timeout") return undefined;
        events = data === null ? decoder.end() : decoder.push(data);
        at = 0;
        if (data === null && events.length === 0) return undefined;
      }
      return events[at++];
    };
    try {
      for (;;) {
        const event = await next();
        if (event === undefined) return;
        if (event.type !== "head" || event.head.kind !== "request") return; // cannot happen
        const head = event.head;
        const keepAlive = await this.#handle(head, conn, reader, next, () => at < events.length);
        if (!keepAlive) return;
      }
    } catch (err) {
      if (err instanceof HttpParseError) {
        await conn.write(answer(400, EMPTY, false)).catch(() => {});
      }
    }
  }

  /**
   * Reads the body of one request and writes its answer. Returns whether the connection stays
   * open.
   */
  async #handle(
    head: HttpRequestHead,
    conn: Transport,
    reader: ConnectionReader,
    next: () => Promise<HttpEvent | undefined>,
    pipelined: () => boolean,
  ): Promise<boolean> {
    const target = route(head.target);
    const session = "id" in target ? this.#sessions.get(target.id) : undefined;
    if (session !== undefined) {
      session.activeRequests++;
      session.lastActivity = performance.now();
      session.release(); // a held idle request of this session answers now
    }
    try {
      // The body: a /send's becomes the session's input, others are read and dropped.
      const carriesData = target.command === "send" && session !== undefined && !session.ended;
      let bodyBytes = 0;
      for (;;) {
        const event = await next();
        if (event === undefined) return false;
        if (event.type === "end") break;
        if (event.type !== "body") return false;
        bodyBytes += event.data.length;
        if (carriesData) {
          session.pushInput(event.data);
          if (!await this.#waitForSpace(session)) return false;
        } else if (target.command !== "send" && bodyBytes > MAX_EMPTY_BODY_BYTES) {
          await conn.write(answer(400, EMPTY, false));
          return false;
        }
      }
      const keepAlive = head.keepAlive;
      const reply = (status: number, body: Uint8Array = EMPTY) =>
        conn.write(answer(status, body, keepAlive));
      if (head.method !== "POST") {
        await reply(405);
        return keepAlive;
      }
      switch (target.command) {
        case "unknown":
          await reply(404);
          return keepAlive;
        case "open":
          await this.#open(conn, reply);
          return keepAlive;
      }
      if (session === undefined) {
        await reply(404);
        return keepAlive;
      }
      if (target.command === "close") {
        const interval = session.interval;
        this.#remove(session, false);
        await reply(200, new Uint8Array([interval]));
        return keepAlive;
      }
      if (session.ended) {
        this.#remove(session, false);
        await reply(410);
        return keepAlive;
      }
      if (target.command === "send") {
        // One turn of the event loop: an immediate reply of the application goes in this answer.
        await new Promise((resolve) => setTimeout(resolve, 0));
      } else if (!session.hasOutput && !pipelined()) {
        await this.#hold(session, reader);
      }
      if (session.ended && !session.hasOutput) {
        this.#remove(session, false);
        await reply(410);
        return keepAlive;
      }
      await reply(200, session.takeAnswer(this.#maxAnswerBytes));
      return keepAlive;
    } finally {
      if (session !== undefined) {
        session.activeRequests--;
        session.lastActivity = performance.now();
      }
    }
  }

  async #open(conn: Transport, reply: (status: number, body?: Uint8Array) => Promise<void>) {
    if (this.#closed || this.#sessions.size >= this.#maxSessions) {
      await reply(503);
      return;
    }
    let id = this.#newSessionId();
    while (this.#sessions.has(id)) id = this.#newSessionId();
    const session = new RtmptSession(id, conn.remoteAddr, {
      inHighWaterMark: this.#sessionBufferBytes,
      outHighWaterMark: this.#sessionBufferBytes,
    }, performance.now());
    this.#sessions.set(id, session);
    this.#startReaper();
    await reply(200, encoder.encode(`${id}\n`));
    this.#accepted.push(session);
    const waiter = this.#acceptWaiter;
    this.#acceptWaiter = undefined;
    waiter?.();
  }

  /**
   * Waits until the application has read below the session's limit. An application that reads
   * nothing for the idle timeout loses the session: false, and the connection is closed.
   */
  async #waitForSpace(session: RtmptSession): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      session.waitForSpace().then(() => true),
      new Promise<false>((
        resolve,
      ) => (timer = setTimeout(() => resolve(false), this.#idleTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!result) this.#remove(session, true);
    return result;
  }

  /** Holds an idle request until output, the session's end, another request, or the interval. */
  async #hold(session: RtmptSession, reader: ConnectionReader): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      session.hold(),
      reader.ready(),
      new Promise<void>((
        resolve,
      ) => (timer = setTimeout(resolve, session.interval * this.#pollUnitMs))),
    ]);
    clearTimeout(timer);
    session.release();
  }

  #remove(session: RtmptSession, expire: boolean): void {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    if (expire) session.expire();
    else if (!session.ended) session.endInput();
    if (this.#sessions.size === 0) {
      clearInterval(this.#reaper);
      this.#reaper = undefined;
    }
    this.#shutdownIfDone();
  }

  #startReaper(): void {
    if (this.#reaper !== undefined) return;
    this.#reaper = setInterval(() => {
      const now = performance.now();
      for (const session of [...this.#sessions.values()]) {
        // Once the listener is closed, an ended session waits a short while for its 410.
        const limit = this.#closed && session.ended
          ? Math.min(CLOSED_GRACE_MS, this.#idleTimeoutMs)
          : this.#idleTimeoutMs;
        if (session.activeRequests === 0 && now - session.lastActivity > limit) {
          this.#remove(session, true);
        }
      }
    }, Math.max(10, Math.min(1000, this.#idleTimeoutMs / 2)));
  }

  /** After close, with no session left: close the connections still open. */
  #shutdownIfDone(): void {
    if (!this.#closed || this.#sessions.size > 0) return;
    for (const conn of this.#connections) void conn.close();
  }
}
