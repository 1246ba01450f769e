/**
 * Plain TCP on Bun's own socket API (`Bun.connect`, `Bun.listen`), which the single binary uses:
 * it reads and writes without `node:net`'s streams and event emitters, which on Bun cost a
 * third more CPU on a fast download and several MB of start-up memory.
 *
 * Bun pushes received bytes to a handler (up to 512 KiB at a time, a fresh buffer each time);
 * the transport queues them and each `read` returns one received buffer without copying it.
 * When more than {@linkcode BUN_READ_HIGH_WATER} bytes wait unread the socket is paused, so a
 * peer that sends faster than the engine parses is held back by TCP. Bun's `write` takes what
 * the kernel accepts and returns the count; the rest waits here, in call order, until Bun says
 * the socket drained, and each `write` resolves once all its bytes were handed to the kernel.
 *
 * One handler object serves every socket (`socket.data` points at its transport), so a server
 * with many connections allocates no closures per connection.
 *
 * @module
 */

import type { RemoteAddr, Transport } from "./transport.ts";

/** Unread received bytes above which the socket is paused. */
export const BUN_READ_HIGH_WATER = 1024 * 1024;

/** The part of a Bun socket this transport uses. */
export interface BunSocket {
  /** Writes what the kernel accepts now; returns the count (0 when full, -1 when closed). */
  write(data: Uint8Array): number;
  /** Sends FIN after what was written and closes. */
  end(): void;
  /** Stops reading (TCP back-pressure on the peer). */
  pause(): void;
  /** Reads again after {@linkcode BunSocket.pause}. */
  resume(): void;
  setNoDelay(noDelay: boolean): boolean;
  /** Per-socket context: the transport. */
  data: BunTcpTransport | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** The handlers Bun calls for a socket. */
export interface BunSocketHandlers {
  binaryType: "uint8array";
  open?(socket: BunSocket): void;
  /** TLS sockets: the handshake finished; `error` says why the peer is not trusted. */
  handshake?(socket: BunSocket, success: boolean, error: Error | null): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

/** The part of the `Bun` global this module uses. */
export interface BunNetApi {
  connect(options: {
    allowHalfOpen?: boolean;
    hostname: string;
    port: number;
    data?: BunTcpTransport;
    tls?: { ca?: string[]; serverName?: string; rejectUnauthorized: boolean };
    socket: BunSocketHandlers;
  }): Promise<BunSocket>;
  listen(options: { hostname: string; port: number; socket: BunSocketHandlers }): BunServer;
}

/** A listening Bun socket. */
export interface BunServer {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting; with `true` also closes the connections (not used here). */
  stop(closeActive?: boolean): void;
}

/** The `Bun` global, typed for the calls above. */
export function bunNet(): BunNetApi {
  return (globalThis as unknown as { Bun: BunNetApi }).Bun;
}

/** Handlers shared by every client socket (`Bun.connect` sets `socket.data` first). */
export const BUN_CLIENT_HANDLERS: BunSocketHandlers = {
  binaryType: "uint8array",
  data: (socket, data) => socket.data?.onData(data),
  drain: (socket) => socket.data?.onDrain(),
  end: (socket) => socket.data?.onPeerEnd(),
  close: (socket, error) => socket.data?.onEnd(error),
  error: (socket, error) => socket.data?.onEnd(error),
};

/** Handlers for client sockets over TLS: the shared ones and the handshake's outcome. */
const BUN_TLS_CLIENT_HANDLERS: BunSocketHandlers = {
  ...BUN_CLIENT_HANDLERS,
  handshake: (socket, success, error) => socket.data?.onHandshake(success, error),
};

const DONE: Promise<void> = Promise.resolve();

/** Event-loop turns a write after the peer's end waits for a reset to show (see below). */
const WRITE_AFTER_END_POLLS = 5;
/** Milliseconds between those turns after the first. */
const WRITE_AFTER_END_POLL_MS = 10;

function closedError(): Error {
  return new Error("Cannot write: the connection is closed");
}

/** A write not yet handed to the kernel in full. */
interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A Transport over a Bun TCP socket. */
export class BunTcpTransport implements Transport {
  #socket: BunSocket | undefined;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #paused = false;
  /** The socket closed (by the peer, an error or Bun). */
  #ended = false;
  /**
   * The peer finished sending on a half-open socket: reads end after the queue, writes go on.
   * Bun reports a reset as this end too; the write after it learns which it was.
   */
  #peerEnded = false;
  #error: unknown = undefined;
  #closed = false;
  #detached = false;
  #readWaiter: (() => void) | undefined;
  #writes: PendingWrite[] = [];
  /** A TLS handshake being waited for: settled by the handshake handler or an early end. */
  #handshake:
    | { resolve: (error: Error | null) => void; reject: (err: unknown) => void }
    | undefined;
  /** The TLS handshake's outcome once known (null: trusted), for a wait that starts later. */
  #handshakeOutcome: Error | null | undefined;
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;

  /** A transport for a socket that {@linkcode BunTcpTransport.attach} hands over. */
  constructor(remoteAddr: RemoteAddr) {
    this.remoteAddr = remoteAddr;
  }

  /** Received bytes not read yet. */
  get unreadBytes(): number {
    return this.#queued;
  }

  /** Takes over `socket` (whose `data` is this transport); sets TCP_NODELAY. */
  attach(socket: BunSocket): void {
    this.#socket = socket;
    socket.data = this;
    try {
      socket.setNoDelay(true);
    } catch { /* not fatal */ }
    if (this.#closed && !this.#detached) socket.end();
  }

  /** Bun's data handler: queues the received buffer (Bun does not reuse it). */
  onData(data: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(data);
    this.#queued += data.length;
    if (this.#queued > BUN_READ_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
    }
    this.#wake();
  }

  /** Bun's drain handler: continues the writes that waited. */
  onDrain(): void {
    this.#flushWrites();
  }

  /** Bun's handshake handler (TLS): `error` is why the peer's certificate is not trusted. */
  onHandshake(success: boolean, error: Error | null): void {
    const outcome = success ? null : error ?? new Error("the certificate is not trusted");
    this.#handshakeOutcome = outcome;
    const waiter = this.#handshake;
    this.#handshake = undefined;
    waiter?.resolve(outcome);
  }

  /**
   * Resolves once the TLS handshake of a socket from {@linkcode connectBunTls} is done, to the
   * reason its certificate is not trusted (null when it is); rejects when the connection ends
   * first.
   */
  tlsHandshake(): Promise<Error | null> {
    if (this.#handshakeOutcome !== undefined) return Promise.resolve(this.#handshakeOutcome);
    if (this.#ended || this.#peerEnded || this.#closed) {
      return Promise.reject(this.#error ?? new Error("socket hang up"));
    }
    return new Promise((resolve, reject) => (this.#handshake = { resolve, reject }));
  }

  /**
   * Bun's end handler: the peer finished sending. On a half-open socket ({@linkcode
   * connectBunTcp}) writes go on until the socket closes; otherwise Bun closes it next.
   */
  onPeerEnd(): void {
    this.#peerEnded = true;
    const handshake = this.#handshake;
    this.#handshake = undefined;
    handshake?.reject(new Error("socket hang up"));
    this.#wake();
  }

  /** Bun's close and error handlers: reads end after the queue (with `error`, reject). */
  onEnd(error: unknown): void {
    if (error !== undefined && this.#error === undefined) this.#error = error;
    const handshake = this.#handshake;
    this.#handshake = undefined;
    handshake?.reject(error ?? new Error("socket hang up"));
    this.#ended = true;
    this.#failWrites(error ?? closedError());
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  /** Returns the next received bytes; `null` at end of stream or after close. */
  async read(): Promise<Uint8Array | null> {
    while (this.#head === this.#queue.length) {
      if (this.#closed) return null;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended || this.#peerEnded) return null;
      await new Promise<void>((resolve) => (this.#readWaiter = resolve));
    }
    if (this.#closed) return null;
    const out = this.#queue[this.#head];
    this.#queue[this.#head++] = EMPTY;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    this.#queued -= out.length;
    if (this.#paused && this.#queued <= BUN_READ_HIGH_WATER >> 1) {
      this.#paused = false;
      this.#socket?.resume();
    }
    return out;
  }

  /**
   * Writes all bytes. Bun copies what the kernel does not take at once nowhere: the rest of
   * `data` waits here and is written when the socket drains, so the promise resolves only
   * once every byte was handed to the kernel.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#ended) {
      return Promise.reject(this.#error ?? closedError());
    }
    const socket = this.#socket!;
    if (this.#peerEnded) return this.#writeAfterPeerEnd(socket, data);
    if (this.#writes.length === 0) {
      const n = socket.write(data);
      if (n === data.length) return DONE;
      if (n < 0) return Promise.reject(this.#error ?? closedError());
      return new Promise((resolve, reject) => {
        this.#writes.push({ data, offset: n, resolve, reject });
      });
    }
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, offset: 0, resolve, reject });
    });
  }

  /**
   * A write after the peer's end: Bun reports a reset as an end, and the write into the reset
   * socket fails only when Bun next polls the socket (as EPIPE). So the write settles after a
   * few polls ({@linkcode WRITE_AFTER_END_POLLS}): it rejects when the socket closed with an
   * error meanwhile (the peer reset the connection, where a C program gets EPIPE at once), and
   * resolves otherwise. Only the last writes of a connection the server ended wait this way.
   */
  #writeAfterPeerEnd(socket: BunSocket, data: Uint8Array): Promise<void> {
    const n = this.#writes.length === 0 ? socket.write(data) : 0;
    if (n < 0) return Promise.reject(this.#error ?? closedError());
    if (n < data.length) {
      return new Promise((resolve, reject) => {
        this.#writes.push({ data, offset: n, resolve, reject });
      });
    }
    return new Promise((resolve, reject) => {
      let polls = 0;
      const check = () => {
        if (this.#error !== undefined) reject(this.#error);
        else if (this.#ended && !this.#closed) reject(closedError());
        else if (++polls < WRITE_AFTER_END_POLLS) setTimeout(check, WRITE_AFTER_END_POLL_MS);
        else resolve();
      };
      setTimeout(check, 0);
    });
  }

  #flushWrites(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    let done = 0;
    for (const pending of this.#writes) {
      const rest = pending.offset === 0 ? pending.data : pending.data.subarray(pending.offset);
      const n = socket.write(rest);
      if (n < 0) {
        this.#failWrites(this.#error ?? closedError());
        return;
      }
      pending.offset += n;
      if (n < rest.length) break;
      pending.resolve();
      done++;
    }
    if (done > 0) this.#writes.splice(0, done);
  }

  #failWrites(error: unknown): void {
    const writes = this.#writes;
    if (writes.length === 0) return;
    this.#writes = [];
    for (const pending of writes) pending.reject(error);
  }

  /**
   * Hands the socket over to a layer that takes it from here (TLS) and leaves this transport
   * closed without closing the socket. The new owner replaces the handlers
   * (`reload({ socket: handlers })`, or `upgradeTLS`) before it yields to the event loop;
   * until then received bytes are dropped.
   * Throws when received bytes wait unread, which would be lost.
   */
  detach(): BunSocket {
    if (this.#closed || this.#socket === undefined) {
      throw new Error("Cannot hand over the connection: it is closed");
    }
    if (this.#head < this.#queue.length) {
      throw new Error("Cannot hand over the connection while received bytes wait unread");
    }
    if (this.#writes.length > 0) {
      throw new Error("Cannot hand over the connection while a write is in flight");
    }
    this.#closed = true;
    this.#detached = true;
    const socket = this.#socket;
    socket.data = undefined;
    if (this.#paused) socket.resume();
    this.#wake();
    return socket;
  }

  /**
   * Closes the socket: FIN after the bytes already handed to the kernel (the rest of writes
   * still waiting for a drain is dropped, and they reject), pending and later reads end, later
   * writes reject.
   */
  close(): Promise<void> {
    if (this.#closed) return DONE;
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#queued = 0;
    this.#failWrites(closedError());
    const socket = this.#socket;
    if (socket !== undefined) {
      socket.data = undefined;
      socket.end();
    }
    this.#wake();
    return DONE;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Opens a TCP connection with Bun's `Bun.connect`. Rejects with Bun's error (which carries a
 * `code` such as "ECONNREFUSED"); timeouts and cancellation are the caller's.
 */
export async function connectBunTcp(hostname: string, port: number): Promise<BunTcpTransport> {
  const transport = new BunTcpTransport({ hostname, port });
  const socket = await bunNet().connect({
    hostname,
    port,
    // The end of the peer's data keeps the socket writable: librtmp writes deleteStream there,
    // and whether that write fails tells a reset from a close.
    allowHalfOpen: true,
    data: transport,
    socket: BUN_CLIENT_HANDLERS,
  });
  transport.attach(socket);
  return transport;
}

/** TLS settings of {@linkcode connectBunTls}. */
export interface BunTlsOptions {
  /** PEM certificates to trust instead of the built-in ones. */
  ca?: string[];
  /** Name sent with SNI and verified (none for an IP address: then the address is verified). */
  serverName?: string;
  /** Accept any certificate (the connection is still encrypted). */
  insecure: boolean;
}

/**
 * Opens a TLS connection with Bun's own TLS (`Bun.connect` with `tls`), which decrypts inside
 * Bun's socket layer: the same transport as plain TCP, without `node:tls` streams on top.
 * Rejects with the reason the certificate is not trusted (an error with node:tls's `code`), or
 * with the connection's error; timeouts and cancellation are the caller's (closing the
 * transport, which `onTransport` hands over at once, ends a handshake in progress).
 * `onConnected` is called once TCP is connected (a later failure is the handshake's).
 */
export async function connectBunTls(
  hostname: string,
  port: number,
  options: BunTlsOptions,
  onTransport?: (transport: BunTcpTransport) => void,
  onConnected?: () => void,
): Promise<BunTcpTransport> {
  const transport = new BunTcpTransport({ hostname, port });
  onTransport?.(transport);
  const socket = await bunNet().connect({
    hostname,
    port,
    data: transport,
    tls: { ca: options.ca, serverName: options.serverName, rejectUnauthorized: !options.insecure },
    socket: BUN_TLS_CLIENT_HANDLERS,
  });
  transport.attach(socket);
  onConnected?.();
  const untrusted = await transport.tlsHandshake();
  if (untrusted !== null && !options.insecure) {
    await transport.close();
    throw untrusted;
  }
  return transport;
}
