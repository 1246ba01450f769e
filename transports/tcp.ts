/**
 * Plain TCP transport: Deno's own sockets on Deno, `node:net` elsewhere (Bun).
 *
 * Reads go into one large reusable buffer (256 KiB) so a fast stream costs few syscalls; the
 * engine parses each buffer synchronously before asking for the next one.
 *
 * @module
 */

import { ConnectError } from "./transport_error.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { isDeno } from "./runtime.ts";

/** Size of the buffer each read fills. */
export const TCP_READ_BUFFER_SIZE = 256 * 1024;

/** Options for {@linkcode connectTcp}. */
export interface TcpOptions {
  /** Give up connecting after this many milliseconds (default 30000; 0 = OS default). */
  connectTimeoutMs?: number;
}

/** Strips the brackets of an IPv6 literal. */
function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/** Describes a connect failure in one line, as the CLI prints it. */
function connectFailure(hostname: string, port: number, err: unknown): ConnectError {
  const e = err as { code?: string; message?: string; name?: string };
  const what = e?.code ?? e?.name ?? "Error";
  const detail = String(e?.message ?? err).split("\n")[0];
  return new ConnectError(`Cannot connect to ${hostname}:${port}: ${detail} (${what})`, {
    cause: err,
  });
}

/** Opens a TCP connection with TCP_NODELAY set. Throws {@linkcode ConnectError}. */
export async function connectTcp(
  hostname: string,
  port: number,
  options: TcpOptions = {},
): Promise<Transport> {
  const host = bareHost(hostname);
  const timeoutMs = options.connectTimeoutMs ?? 30000;
  return isDeno
    ? await connectDeno(host, port, timeoutMs)
    : await connectNode(host, port, timeoutMs);
}

async function connectDeno(hostname: string, port: number, timeoutMs: number): Promise<Transport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const attempt = Deno.connect({ hostname, port, transport: "tcp" });
  const timeout = new Promise<never>((_, reject) => {
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new ConnectError(`Cannot connect to ${hostname}:${port}: timed out`));
      }, timeoutMs);
    }
  });
  let conn: Deno.TcpConn;
  try {
    conn = await Promise.race([attempt, timeout]);
  } catch (err) {
    if (timedOut) {
      attempt.then((c) => c.close(), () => {});
      throw err;
    }
    throw connectFailure(hostname, port, err);
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.setNoDelay(true);
  } catch { /* not fatal */ }
  return new DenoTcpTransport(conn, { hostname, port });
}

/**
 * A Transport over a `Deno.Conn` (also used by TLS on Deno).
 *
 * Reads are double-buffered: as soon as one read returns, the next one is started into the other
 * buffer, so the runtime's I/O thread fills it while the caller parses the first (the view
 * returned by `read` stays valid until the next call, as the contract says).
 */
export class DenoTcpTransport implements Transport {
  #conn: Deno.Conn;
  #buffers: [Uint8Array, Uint8Array];
  /** Index of the buffer the read in flight fills. */
  #target = 0;
  #inFlight: Promise<number | null> | undefined;
  #closed = false;
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;

  /** Wraps an open connection; reads fill buffers of `readBufferSize` bytes. */
  constructor(conn: Deno.Conn, remoteAddr: RemoteAddr, readBufferSize = TCP_READ_BUFFER_SIZE) {
    this.#conn = conn;
    this.remoteAddr = remoteAddr;
    this.#buffers = [new Uint8Array(readBufferSize), new Uint8Array(readBufferSize)];
  }

  /** Reads the next bytes; `null` at end of stream or after close. */
  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const pending = this.#inFlight ?? this.#conn.read(this.#buffers[this.#target]);
    this.#inFlight = undefined;
    let n: number | null;
    try {
      n = await pending;
    } catch (err) {
      if (this.#closed) return null;
      throw err;
    }
    if (n === null || this.#closed) return null;
    const filled = this.#buffers[this.#target];
    this.#target ^= 1;
    const next = this.#conn.read(this.#buffers[this.#target]);
    next.catch(() => {}); // surfaced by the next read() call
    this.#inFlight = next;
    return filled.subarray(0, n);
  }

  /** Writes all bytes. */
  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += await this.#conn.write(data.subarray(off));
  }

  /** Closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

type NodeSocket = import("node:net").Socket;

async function connectNode(hostname: string, port: number, timeoutMs: number): Promise<Transport> {
  const net = await import("node:net");
  const socket: NodeSocket = net.createConnection({ host: hostname, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fail = (err: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err instanceof ConnectError ? err : connectFailure(hostname, port, err));
    };
    if (timeoutMs > 0) {
      timer = setTimeout(
        () => fail(new ConnectError(`Cannot connect to ${hostname}:${port}: timed out`)),
        timeoutMs,
      );
    }
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve();
    });
  });
  socket.setNoDelay(true);
  return new NodeSocketTransport(socket, { hostname, port });
}

/** Bytes queued before the socket is paused (back-pressure). */
const NODE_HIGH_WATER = 1024 * 1024;

/** A Transport over a `node:net` (or `node:tls`) socket: used on Bun and for TLS options Deno lacks. */
export class NodeSocketTransport implements Transport {
  #socket: NodeSocket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown = undefined;
  #waiter: (() => void) | undefined;
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;

  /** Wraps a connected socket. */
  constructor(socket: NodeSocket, remoteAddr: RemoteAddr) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    socket.on("data", (chunk: Uint8Array) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued > NODE_HIGH_WATER) socket.pause();
      this.#wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("error", (err: unknown) => {
      this.#error = err;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** Returns the next received bytes; `null` at end of stream. */
  async read(): Promise<Uint8Array | null> {
    while (this.#queue.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    // One received chunk per read: no copying, and each chunk is garbage once parsed.
    const out = this.#queue.shift()!;
    this.#queued -= out.length;

    if (this.#queued <= NODE_HIGH_WATER && this.#socket.isPaused()) this.#socket.resume();
    return out;
  }

  /** Writes all bytes, waiting for the socket to drain when its buffer is full. */
  write(data: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const flushed = this.#socket.write(data, (err?: Error | null) => {
        if (err) reject(err);
      });
      if (flushed) resolve();
      else this.#socket.once("drain", () => resolve());
    });
  }

  /** Destroys the socket. */
  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#wake();
  }
}
