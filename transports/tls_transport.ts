/**
 * Transports over an established TLS session, for the client and the server alike: Deno's own
 * TLS connections (read into large double buffers, as TCP is) and `node:tls` sockets. Closing
 * sends TLS's close_notify before the connection goes, waiting at most
 * {@linkcode CLOSE_NOTIFY_TIMEOUT_MS} for it to leave (a peer that reads nothing cannot hold a
 * close up).
 *
 * @module
 */

import { DenoTcpTransport, NodeSocketTransport, TCP_READ_BUFFER_SIZE } from "./tcp.ts";
import { isDeno } from "./runtime.ts";
import type { RemoteAddr, Transport } from "./transport.ts";

/** Longest wait for close_notify to be written before the connection is closed anyway. */
export const CLOSE_NOTIFY_TIMEOUT_MS = 2000;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => {}, () => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

/** A transport over a `Deno.TlsConn`. */
export class DenoTlsTransport implements Transport {
  #conn: Deno.TlsConn;
  #inner: DenoTcpTransport;
  #closing: Promise<void> | undefined;

  /** Wraps a TLS connection; reads fill buffers of `readBufferSize` bytes. */
  constructor(conn: Deno.TlsConn, remoteAddr: RemoteAddr, readBufferSize = TCP_READ_BUFFER_SIZE) {
    this.#conn = conn;
    this.#inner = new DenoTcpTransport(conn, remoteAddr, readBufferSize);
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** Reads the next decrypted bytes; `null` at the end of the stream or after close. */
  read(): Promise<Uint8Array | null> {
    return this.#inner.read();
  }

  /** Writes all bytes. */
  write(data: Uint8Array): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new Error("Cannot write: the connection is closed"));
    }
    return this.#inner.write(data);
  }

  /** Sends close_notify (bounded), then closes the connection. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await settledWithin(this.#conn.closeWrite(), CLOSE_NOTIFY_TIMEOUT_MS);
      await this.#inner.close();
    })();
    return this.#closing;
  }
}

type TlsSocket = import("node:tls").TLSSocket;

/** A transport over a `node:tls` socket whose handshake is done. */
export class NodeTlsTransport implements Transport {
  #socket: TlsSocket;
  #inner: NodeSocketTransport;
  #closing: Promise<void> | undefined;

  /** Wraps a secure socket. */
  constructor(socket: TlsSocket, remoteAddr: RemoteAddr) {
    this.#socket = socket;
    this.#inner = new NodeSocketTransport(socket, remoteAddr);
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** Returns the next decrypted bytes; `null` at the end of the stream. */
  read(): Promise<Uint8Array | null> {
    if (this.#closing !== undefined) return Promise.resolve(null);
    return this.#inner.read();
  }

  /**
   * Writes all bytes. `node:tls` keeps the caller's buffer until it has encrypted it, so the
   * socket gets a copy: the caller may reuse `data` as soon as this resolves.
   */
  write(data: Uint8Array): Promise<void> {
    if (this.#closing !== undefined) {
      return Promise.reject(new Error("Cannot write: the connection is closed"));
    }
    return this.#inner.write(data.slice());
  }

  /**
   * Sends close_notify after what was written (bounded), then destroys the socket. Node and Bun
   * report "finish" once the bytes are on the connection; Deno's `node:tls` reports it while
   * they may still be inside its TLS stream, and "close" once it has flushed and closed it.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const socket = this.#socket;
      if (!socket.destroyed && socket.writable) {
        const flushed = new Promise<void>((resolve) => {
          socket.once(isDeno ? "close" : "finish", () => resolve());
          socket.end();
        });
        await settledWithin(flushed, CLOSE_NOTIFY_TIMEOUT_MS);
      }
      await this.#inner.close();
    })();
    return this.#closing;
  }
}
