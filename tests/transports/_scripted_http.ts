/**
 * A scripted TCP server for HTTP-speaking transport tests (the RTMPT tunnel, HTTP CONNECT): each
 * accepted connection runs the test's script, which reads whole requests (raw bytes kept, for
 * golden comparisons) and writes whatever bytes the case needs, well-formed or not.
 *
 * @module
 */

import process from "node:process";
import { type HttpRequestHead, readHead } from "../../transports/http1.ts";

/** One request as it came over the wire. */
export interface RawRequest {
  head: HttpRequestHead;
  body: Uint8Array;
  /** The request's exact bytes, head and body. */
  raw: Uint8Array;
}

/** The server's side of one connection, as a script sees it. */
export class ScriptedConnection {
  readonly #conn: Deno.Conn;
  #buffer: Uint8Array = new Uint8Array(0);
  #closed = false;
  /** Index of this connection (0 for the first accepted). */
  readonly index: number;

  constructor(conn: Deno.Conn, index: number) {
    this.#conn = conn;
    this.index = index;
  }

  /**
   * Reads the next whole request; null when the client closed the connection first. Requests
   * pipelined behind it stay for the next call.
   */
  async readRequest(): Promise<RawRequest | null> {
    for (;;) {
      const parsed = this.#tryParse();
      if (parsed) return parsed;
      const chunk = new Uint8Array(64 * 1024);
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch {
        n = null;
      }
      if (n === null) return null;
      this.#buffer = concat(this.#buffer, chunk.subarray(0, n));
    }
  }

  /** Takes one whole request (Content-Length framed, as the clients under test send) off the buffer. */
  #tryParse(): RawRequest | null {
    const parsed = readHead(this.#buffer, "request");
    if (parsed === undefined || parsed.head.kind !== "request") return null;
    const length = parsed.head.framing.kind === "length" ? parsed.head.framing.length : 0;
    const end = parsed.length + length;
    if (this.#buffer.length < end) return null;
    const raw = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end);
    return { head: parsed.head, body: raw.slice(parsed.length), raw };
  }

  /** Writes text (latin1) or bytes. Ignores a connection the client already closed. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? latin1(data) : data;
    try {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    } catch {
      // The client went away; the test checks what the client saw.
    }
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A running scripted server. */
export interface ScriptedServer extends AsyncDisposable {
  port: number;
  /** Every request read by any connection, in the order read. */
  requests: RawRequest[];
  /** Connections accepted so far. */
  connections: number;
  /** Resolves once every script has returned (or thrown: the first error rejects). */
  done(): Promise<void>;
}

/**
 * Starts a server on `hostname` (127.0.0.1) that runs `script` for each connection it accepts. The
 * connection is closed when the script returns. Every request a script reads is recorded.
 */
export function scriptedServer(
  script: (conn: ScriptedConnection, server: ScriptedServer) => Promise<void>,
  hostname = "127.0.0.1",
): ScriptedServer {
  const listener = Deno.listen({ hostname, port: 0 });
  const scripts: Promise<void>[] = [];
  const open = new Set<ScriptedConnection>();
  const server: ScriptedServer = {
    port: (listener.addr as Deno.NetAddr).port,
    requests: [],
    connections: 0,
    done: () => Promise.all(scripts).then(() => {}),
    async [Symbol.asyncDispose]() {
      try {
        listener.close();
      } catch {
        // Closed already.
      }
      for (const c of open) c.close();
      await Promise.allSettled(scripts);
    },
  };
  (async () => {
    try {
      for await (const conn of listener) {
        const scripted = new ScriptedConnection(conn, server.connections++);
        const originalRead = scripted.readRequest.bind(scripted);
        scripted.readRequest = async () => {
          const request = await originalRead();
          if (request !== null) server.requests.push(request);
          return request;
        };
        open.add(scripted);
        scripts.push(
          script(scripted, server).finally(() => {
            open.delete(scripted);
            scripted.close();
          }),
        );
      }
    } catch {
      // The listener was closed.
    }
  })();
  return server;
}

/** Text as latin1 bytes (each character one byte). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as latin1 text. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** An RTMPT answer: 200, Content-Length, the body (interval byte and data, or an id). */
export function ok(body: string, extraHeaders = ""): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: application/x-fcs\r\n${extraHeaders}` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
}

/** CPU time (user + system) this process used so far, in milliseconds. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
