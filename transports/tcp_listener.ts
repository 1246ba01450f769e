/**
 * Plain TCP listening for the server: Deno's own listener on Deno, Bun's own (`Bun.listen`) on
 * Bun, `node:net` elsewhere.
 * Accepted connections come out as {@linkcode Transport}s with TCP_NODELAY set, the same classes
 * the client uses.
 *
 * @module
 */

import { isBun, isDeno } from "./runtime.ts";
import { bareHost, DenoTcpTransport, hostPort, NodeSocketTransport } from "./tcp.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { ConnectError, describeNetworkError, systemErrorCode } from "./transport_error.ts";

/**
 * Read buffer of an accepted connection on Deno. Smaller than the client's: a server holds many
 * connections, and players send little.
 */
export const SERVER_READ_BUFFER_SIZE = 64 * 1024;

/** Where to listen. */
export interface TcpListenOptions {
  /** Address to bind: an IPv4 or IPv6 literal (brackets allowed) or a host name. */
  hostname: string;
  /** Port to bind; 0 asks the system for a free one (read it back from `addr`). */
  port: number;
}

/** A listening TCP socket. */
export interface TcpListener {
  /** The bound address; `port` is the actual port when 0 was asked. */
  readonly addr: RemoteAddr;
  /**
   * Accepted connections, in order, until {@linkcode TcpListener.close}. Only one consumer may
   * iterate at a time.
   */
  accept(): AsyncIterable<Transport>;
  /** Stops listening; connections already accepted stay open. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts listening on `hostname:port`. Throws {@linkcode ConnectError} when the address cannot
 * be bound (in use, not local, permission denied).
 *
 * @example
 * ```ts ignore
 * import { listenTcp } from "./tcp_listener.ts";
 * const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
 * console.log(listener.addr.port);
 * for await (const transport of listener.accept()) transport.close();
 * ```
 */
export async function listenTcp(options: TcpListenOptions): Promise<TcpListener> {
  const hostname = bareHost(options.hostname);
  if (isDeno) return listenDeno(hostname, options.port);
  if (isBun) return await listenBun(hostname, options.port);
  return await listenNode(hostname, options.port);
}

/** Why a bind failed, in words: "port 1935 is already in use", … */
export function bindFailure(hostname: string, port: number, err: unknown): ConnectError {
  const code = systemErrorCode(err);
  let detail: string;
  if (code === "EADDRINUSE") detail = `port ${port} is already in use`;
  else if (code === "EADDRNOTAVAIL") {
    detail = `${bareHost(hostname)} is not an address of this machine`;
  } else if (code === "EACCES" || code === "EPERM") {
    detail = `permission denied (ports below 1024 need privileges)`;
  } else if (code === "ENOTFOUND") detail = `host ${bareHost(hostname)} not found`;
  else detail = describeNetworkError(err);
  return new ConnectError(`Cannot listen on ${hostPort(hostname, port)}: ${detail}`, {
    cause: err,
    code,
  });
}

function listenDeno(hostname: string, port: number): TcpListener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port, transport: "tcp" });
  } catch (err) {
    throw bindFailure(hostname, port, err);
  }
  return fromDenoListener(
    listener,
    (conn, remote) => {
      try {
        conn.setNoDelay(true);
      } catch { /* not fatal */ }
      return new DenoTcpTransport(conn, remote, SERVER_READ_BUFFER_SIZE);
    },
    // A connection reset before accept completed: keep listening.
    (err) => err instanceof Deno.errors.ConnectionReset,
  );
}

/**
 * The listener over a bound Deno TCP or TLS `listener`, which {@linkcode listenTcp} and
 * `listenTls` use on Deno: yields each accepted connection as the transport `wrap` makes of it.
 * After an accept error for which `keepListening` is true the loop goes on (only that client is
 * lost); any other one ends the iteration with that error. None is raised once closed.
 */
export function fromDenoListener<C extends Deno.Conn<Deno.NetAddr>>(
  listener: Deno.Listener<C, Deno.NetAddr>,
  wrap: (conn: C, remote: RemoteAddr) => Transport,
  keepListening: (err: unknown) => boolean,
): TcpListener {
  const local = listener.addr;
  let closed = false;
  return {
    addr: { hostname: local.hostname, port: local.port },
    async *accept(): AsyncIterable<Transport> {
      while (!closed) {
        let conn: C;
        try {
          conn = await listener.accept();
        } catch (err) {
          if (closed || err instanceof Deno.errors.BadResource) return;
          if (keepListening(err)) continue;
          throw err;
        }
        const remote = conn.remoteAddr;
        yield wrap(conn, { hostname: remote.hostname, port: remote.port });
      }
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      try {
        listener.close();
      } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
}

/** Accepted connections waiting for `accept()`, and its wake-up. */
class AcceptQueue<T> {
  readonly pending: T[] = [];
  closed = false;
  #waiter: (() => void) | undefined;

  push(item: T): void {
    this.pending.push(item);
    this.wake();
  }

  wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** The next item, or undefined once closed. */
  async next(): Promise<T | undefined> {
    while (this.pending.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.pending.shift();
  }
}

async function listenBun(hostname: string, port: number): Promise<TcpListener> {
  const { BUN_CLIENT_HANDLERS, BunTcpTransport, bunNet } = await import("./bun_tcp.ts");
  const queue = new AcceptQueue<InstanceType<typeof BunTcpTransport>>();
  let server;
  try {
    server = bunNet().listen({
      hostname,
      port,
      socket: {
        ...BUN_CLIENT_HANDLERS,
        open(socket) {
          const transport = new BunTcpTransport({
            hostname: socket.remoteAddress,
            port: socket.remotePort,
          });
          transport.attach(socket);
          if (queue.closed) void transport.close();
          else queue.push(transport);
        },
      },
    });
  } catch (err) {
    throw bindFailure(hostname, port, err);
  }
  const bound = server;
  return {
    addr: { hostname: bound.hostname, port: bound.port },
    async *accept(): AsyncIterable<Transport> {
      for (;;) {
        const transport = await queue.next();
        if (transport === undefined) return;
        yield transport;
      }
    },
    close(): Promise<void> {
      if (queue.closed) return Promise.resolve();
      queue.closed = true;
      bound.stop(false);
      for (const transport of queue.pending.splice(0)) void transport.close();
      queue.wake();
      return Promise.resolve();
    },
  };
}

type NodeServer = import("node:net").Server;
type NodeSocket = import("node:net").Socket;

async function listenNode(hostname: string, port: number): Promise<TcpListener> {
  const net = await import("node:net");
  return await listenNodeServer<NodeSocket>(
    hostname,
    port,
    (onConnection) => net.createServer({ noDelay: true }, onConnection),
    (socket, remote) => new NodeSocketTransport(socket, remote),
  );
}

function ignoreError(): void {}

/**
 * Listens with the `node:net` or `node:tls` server that `create` makes around the connection
 * handler it is given, and yields each accepted socket as the transport `wrap` makes of it.
 * Rejects with {@linkcode bindFailure}'s error when the address cannot be bound.
 */
export async function listenNodeServer<S extends NodeSocket>(
  hostname: string,
  port: number,
  create: (onConnection: (socket: S) => void) => NodeServer,
  wrap: (socket: S, remote: RemoteAddr) => Transport,
): Promise<TcpListener> {
  const pending: S[] = [];
  let waiter: (() => void) | undefined;
  let closed = false;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const server = create((socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    // A reset before the socket is taken must not become an unhandled 'error' event; the
    // transport that takes it listens for errors itself.
    socket.on("error", ignoreError);
    pending.push(socket);
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: unknown) => reject(bindFailure(hostname, port, err)));
    server.listen({ host: hostname, port }, () => resolve());
  });
  server.on("error", () => {});
  const local = server.address();
  const boundPort = typeof local === "object" && local !== null ? local.port : port;
  const boundHost = typeof local === "object" && local !== null ? local.address : hostname;
  return {
    addr: { hostname: boundHost, port: boundPort },
    async *accept(): AsyncIterable<Transport> {
      for (;;) {
        while (pending.length === 0) {
          if (closed) return;
          await new Promise<void>((resolve) => (waiter = resolve));
        }
        const socket = pending.shift()!;
        socket.off("error", ignoreError);
        socket.setNoDelay(true);
        yield wrap(socket, { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 });
      }
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      server.close();
      for (const socket of pending.splice(0)) socket.destroy();
      wake();
      return Promise.resolve();
    },
  };
}
