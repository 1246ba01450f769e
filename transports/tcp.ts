/**
 * Plain TCP transport: Deno's own sockets on Deno, Bun's own sockets on Bun (`bun_tcp.ts`),
 * `node:net` elsewhere.
 *
 * Reads go into one large reusable buffer (256 KiB) so a fast stream costs few syscalls; the
 * engine parses each buffer synchronously before asking for the next one.
 *
 * @module
 */

import { type Deadline, startDeadline } from "./deadline.ts";
import { ConnectError, describeNetworkError } from "./transport_error.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { isBun, isDeno } from "./runtime.ts";

/** Size of the buffer each read fills. */
export const TCP_READ_BUFFER_SIZE = 256 * 1024;

/**
 * A read that returned at least this many bytes means data is streaming: from then on the next
 * read is started as soon as one returns (read-ahead). Handshakes and proxy replies are smaller,
 * so a layer that takes the connection over after them (TLS) never finds a read in flight.
 */
const READ_AHEAD_THRESHOLD = 16 * 1024;

/** Options for {@linkcode connectTcp}. */
export interface TcpOptions {
  /** Give up connecting after this many milliseconds (default 30000; 0 = OS default). */
  connectTimeoutMs?: number;
  /** Aborts the connect attempt. */
  signal?: AbortSignal;
  /**
   * On Bun, open a `node:net` socket (a {@linkcode NodeSocketTransport}) instead of one of Bun's
   * own API, for a layer that hands it to `node:tls`. Ignored on Deno.
   */
  nodeSocket?: boolean;
}

/** Strips the brackets of an IPv6 literal. */
export function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

/** `host:port`, with an IPv6 literal in brackets. */
export function hostPort(hostname: string, port: number): string {
  const host = bareHost(hostname);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Describes a connect failure in one line, as the CLI prints it. */
function connectFailure(hostname: string, port: number, err: unknown): ConnectError {
  return new ConnectError(
    `Cannot connect to ${hostPort(hostname, port)}: ${describeNetworkError(err)}`,
    { cause: err },
  );
}

function timedOut(hostname: string, port: number, timeoutMs: number): ConnectError {
  return new ConnectError(
    `Cannot connect to ${hostPort(hostname, port)}: no answer within ${timeoutMs / 1000} s`,
    { code: "ETIMEDOUT" },
  );
}

function aborted(hostname: string, port: number, signal: AbortSignal): ConnectError {
  return new ConnectError(`Cannot connect to ${hostPort(hostname, port)}: interrupted`, {
    cause: signal.reason,
    code: "EINTR",
  });
}

/**
 * Opens a TCP connection with TCP_NODELAY set. Rejects with {@linkcode ConnectError} (refused,
 * unreachable, host not found, timed out, interrupted by `signal`).
 */
export async function connectTcp(
  hostname: string,
  port: number,
  options: TcpOptions = {},
): Promise<Transport> {
  const host = bareHost(hostname);
  const timeoutMs = options.connectTimeoutMs ?? 30000;
  if (options.signal?.aborted) throw aborted(host, port, options.signal);
  if (isDeno) return await connectDeno(host, port, timeoutMs, options.signal);
  if (isBun && !options.nodeSocket) return await connectBun(host, port, timeoutMs, options.signal);
  return await connectNode(host, port, timeoutMs, options.signal);
}

/**
 * Races `attempt` against a timeout and an abort signal; a connection that arrives after it
 * lost is closed.
 */
async function raceConnect<T extends { close(): void }>(
  attempt: Promise<T>,
  hostname: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  let deadline: Deadline | undefined;
  let lost = false;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    if (timeoutMs > 0) {
      deadline = startDeadline(timeoutMs, () => reject(timedOut(hostname, port, timeoutMs)));
    }
    if (signal) {
      onAbort = () => reject(aborted(hostname, port, signal));
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([
      attempt.catch((err) => {
        throw connectFailure(hostname, port, err);
      }),
      limit,
    ]);
  } catch (err) {
    lost = true;
    throw err;
  } finally {
    deadline?.cancel();
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    if (lost) attempt.then((c) => c.close(), () => {});
  }
}

async function connectDeno(
  hostname: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Transport> {
  const attempt = Deno.connect({ hostname, port, transport: "tcp" });
  const conn = await raceConnect(attempt, hostname, port, timeoutMs, signal);
  try {
    conn.setNoDelay(true);
  } catch { /* not fatal */ }
  return new DenoTcpTransport(conn, { hostname, port });
}

/**
 * A Transport over a `Deno.Conn` (TCP, or TLS on Deno).
 *
 * Reads start in one 16 KiB buffer, so an idle or slow connection costs little (a server may
 * hold thousands). Once data streams (a read filled it) reads are double-buffered in two buffers
 * of the full size: as soon as one read returns, the next one is started into the other buffer,
 * so the runtime's I/O thread fills it while the caller parses the first (the view returned by
 * `read` stays valid until the next call, as the contract says).
 */
export class DenoTcpTransport implements Transport {
  #conn: Deno.Conn;
  #buffers: [Uint8Array, Uint8Array | undefined];
  readonly #bufferSize: number;
  #streaming = false;
  /** Index of the buffer the read in flight fills. */
  #target = 0;
  #inFlight: Promise<number | null> | undefined;
  #closed = false;
  #detached = false;
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;

  /** Wraps an open connection; reads fill buffers of `readBufferSize` bytes. */
  constructor(conn: Deno.Conn, remoteAddr: RemoteAddr, readBufferSize = TCP_READ_BUFFER_SIZE) {
    this.#conn = conn;
    this.remoteAddr = remoteAddr;
    this.#bufferSize = readBufferSize;
    this.#buffers = [new Uint8Array(Math.min(readBufferSize, READ_AHEAD_THRESHOLD)), undefined];
  }

  /** Reads the next bytes; `null` at end of stream or after close. */
  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const pending = this.#inFlight ?? this.#conn.read(this.#buffer(this.#target));
    this.#inFlight = undefined;
    let n: number | null;
    try {
      n = await pending;
    } catch (err) {
      if (this.#closed) return null;
      throw err;
    }
    if (n === null || this.#closed) return null;
    const filled = this.#buffers[this.#target]!;
    this.#target ^= 1;
    if (n >= READ_AHEAD_THRESHOLD) {
      this.#streaming = true;
      const next = this.#conn.read(this.#buffer(this.#target));
      next.catch(() => {}); // surfaced by the next read() call
      this.#inFlight = next;
    }
    return filled.subarray(0, n);
  }

  /** The buffer at `index`, made (full size once streaming) when it is missing or small. */
  #buffer(index: number): Uint8Array {
    let buffer = this.#buffers[index];
    if (buffer === undefined || (this.#streaming && buffer.length < this.#bufferSize)) {
      buffer = new Uint8Array(
        this.#streaming ? this.#bufferSize : Math.min(this.#bufferSize, READ_AHEAD_THRESHOLD),
      );
      this.#buffers[index] = buffer;
    }
    return buffer;
  }

  /** Writes all bytes. */
  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += await this.#conn.write(data.subarray(off));
  }

  /**
   * Hands the connection over to a layer that takes it from here (TLS on top of TCP or of a
   * proxy tunnel) and leaves this transport closed without closing the connection. Throws when
   * a read is in flight, whose bytes would be lost.
   */
  detach(): Deno.Conn {
    if (this.#closed) throw new Error("Cannot hand over the connection: it is closed");
    if (this.#inFlight !== undefined) {
      throw new Error("Cannot hand over the connection while a read is in flight");
    }
    this.#closed = true;
    this.#detached = true;
    return this.#conn;
  }

  /** Closes the socket. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (!this.#detached) {
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    return Promise.resolve();
  }
}

async function connectBun(
  hostname: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Transport> {
  const { connectBunTcp } = await import("./bun_tcp.ts");
  return await raceConnect(connectBunTcp(hostname, port), hostname, port, timeoutMs, signal);
}

/** A `node:net` socket (what {@linkcode NodeSocketTransport} runs over). */
export type NodeSocket = import("node:net").Socket;

async function connectNode(
  hostname: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Transport> {
  const net = await import("node:net");
  const socket: NodeSocket = net.createConnection({ host: hostname, port, noDelay: true });
  const attempt = new Promise<NodeSocket>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
  const connected = await raceConnect(
    attempt.then((s) => ({ socket: s, close: () => s.destroy() })),
    hostname,
    port,
    timeoutMs,
    signal,
  ).catch((err) => {
    socket.destroy();
    throw err;
  });
  connected.socket.setNoDelay(true);
  return new NodeSocketTransport(connected.socket, { hostname, port });
}

/** Bytes queued before the socket is paused (back-pressure). */
const NODE_HIGH_WATER = 1024 * 1024;

/** A Transport over a `node:net` (or `node:tls`) socket: Node, and TLS options Deno lacks. */
export class NodeSocketTransport implements Transport {
  #socket: NodeSocket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown = undefined;
  #waiter: (() => void) | undefined;
  #detached = false;
  // deno-lint-ignore no-explicit-any -- node's listener signature
  #listeners: [string, (...args: any[]) => void][];
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;

  /** Wraps a connected socket. */
  constructor(socket: NodeSocket, remoteAddr: RemoteAddr) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    const onData = (chunk: Uint8Array) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued > NODE_HIGH_WATER) socket.pause();
      this.#wake();
    };
    const onEnd = () => {
      this.#ended = true;
      this.#wake();
    };
    const onError = (err: unknown) => {
      this.#error = err;
      this.#wake();
    };
    this.#listeners = [["data", onData], ["end", onEnd], ["close", onEnd], ["error", onError]];
    for (const [event, listener] of this.#listeners) socket.on(event, listener);
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

  /**
   * Writes all bytes and resolves once `node:net` has handed them to the kernel (its write
   * callback), not when it merely queued them: `node:net` keeps a reference to the caller's
   * buffer until then, and callers reuse their buffers once a write resolves. A socket that
   * closes or fails meanwhile rejects the write.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.reject(new Error("Cannot write: the connection is closed"));
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      let settled = false;
      const onClose = () =>
        settle(this.#error ?? new Error("Cannot write: the connection is closed"));
      const settle = (err: unknown) => {
        if (settled) return;
        settled = true;
        socket.off("close", onClose);
        socket.off("error", onClose);
        if (err === undefined || err === null) resolve();
        else reject(err);
      };
      socket.once("close", onClose);
      socket.once("error", onClose);
      socket.write(data, (err?: Error | null) => settle(err));
    });
  }

  /**
   * Hands the socket over to a layer that takes it from here (TLS) and leaves this transport
   * closed without destroying the socket. Bytes already received go back into the socket.
   */
  detach(): NodeSocket {
    if (this.#ended) throw new Error("Cannot hand over the connection: it is closed");
    for (const [event, listener] of this.#listeners) this.#socket.off(event, listener);
    for (let i = this.#queue.length - 1; i >= 0; i--) this.#socket.unshift(this.#queue[i]);
    this.#queue = [];
    this.#queued = 0;
    this.#ended = true;
    this.#detached = true;
    this.#wake();
    return this.#socket;
  }

  /** Destroys the socket. */
  close(): Promise<void> {
    this.#ended = true;
    if (!this.#detached) this.#socket.destroy();
    this.#wake();
    return Promise.resolve();
  }
}
