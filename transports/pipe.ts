/**
 * An in-memory pair of connected transports, for tests and for running a client and a server
 * in one process without sockets. Behaves like a TCP connection on loopback: bytes arrive in
 * order, writes wait when the peer has not read `highWaterMark` bytes (back-pressure), a close
 * ends the peer's reads once it has read what was sent, and writes to a closed pipe reject.
 *
 * @example
 * ```ts
 * import { createPipe } from "./pipe.ts";
 *
 * const [client, server] = createPipe();
 * await client.write(new Uint8Array([1, 2, 3]));
 * const bytes = await server.read();
 * console.assert(bytes?.length === 3);
 * await client.close();
 * console.assert(await server.read() === null);
 * ```
 *
 * @module
 */

import type { RemoteAddr, Transport } from "./transport.ts";

/** Options of {@linkcode createPipe}. */
export interface PipeOptions {
  /** Unread bytes per direction after which writes wait (default 1 MiB). */
  highWaterMark?: number;
  /** Largest piece one read returns (default 256 KiB), as a socket read buffer would. */
  readSize?: number;
  /** What each end reports as its peer (default 127.0.0.1:0). */
  remoteAddr?: RemoteAddr;
}

/** Default unread bytes per direction before writes wait. */
export const PIPE_HIGH_WATER_MARK = 1024 * 1024;
/** Default largest read. */
export const PIPE_READ_SIZE = 256 * 1024;

/** One direction of the pipe. */
class Channel {
  readonly #highWaterMark: number;
  readonly #readSize: number;
  #chunks: Uint8Array[] = [];
  #head = 0;
  /** Unread bytes. */
  queued = 0;
  /** The writing end closed: reads end after the queue. */
  writerClosed = false;
  /** The reading end closed: writes reject. */
  readerClosed = false;
  #readWaiter: (() => void) | undefined;
  #drainWaiters: { limit: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(highWaterMark: number, readSize: number) {
    this.#highWaterMark = highWaterMark;
    this.#readSize = readSize;
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.readerClosed || this.writerClosed) throw closedError();
    if (data.length === 0) return;
    this.#chunks.push(data.slice());
    this.queued += data.length;
    this.#wakeReader();
    if (this.queued <= this.#highWaterMark) return;
    await new Promise<void>((resolve, reject) => {
      this.#drainWaiters.push({ limit: this.#highWaterMark, resolve, reject });
    });
  }

  async read(): Promise<Uint8Array | null> {
    while (this.queued === 0) {
      if (this.writerClosed || this.readerClosed) return null;
      await new Promise<void>((resolve) => (this.#readWaiter = resolve));
    }
    let chunk = this.#chunks[0].subarray(this.#head);
    if (chunk.length > this.#readSize) {
      this.#head += this.#readSize;
      chunk = chunk.subarray(0, this.#readSize);
    } else {
      this.#chunks.shift();
      this.#head = 0;
    }
    this.queued -= chunk.length;
    this.#wakeWriters();
    return chunk;
  }

  closeWriter(): void {
    this.writerClosed = true;
    this.#wakeReader();
    this.#failWriters();
  }

  closeReader(): void {
    this.readerClosed = true;
    this.#chunks = [];
    this.#head = 0;
    this.queued = 0;
    this.#wakeReader();
    this.#failWriters();
  }

  #wakeReader(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  #wakeWriters(): void {
    if (this.#drainWaiters.length === 0) return;
    const still = [];
    for (const waiter of this.#drainWaiters) {
      if (this.queued <= waiter.limit) waiter.resolve();
      else still.push(waiter);
    }
    this.#drainWaiters = still;
  }

  #failWriters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiters) waiter.reject(closedError());
  }
}

function closedError(): Error {
  return new Error("Cannot write: the connection is closed");
}

/** One end of a pipe. */
class PipeEnd implements Transport {
  readonly #in: Channel;
  readonly #out: Channel;
  #closed = false;
  readonly remoteAddr: RemoteAddr;

  constructor(input: Channel, output: Channel, remoteAddr: RemoteAddr) {
    this.#in = input;
    this.#out = output;
    this.remoteAddr = remoteAddr;
  }

  read(): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.resolve(null);
    return this.#in.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#out.write(data);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#out.closeWriter();
      this.#in.closeReader();
    }
    return Promise.resolve();
  }
}

/** Makes two connected transports: what one writes, the other reads. */
export function createPipe(options: PipeOptions = {}): [Transport, Transport] {
  const highWaterMark = options.highWaterMark ?? PIPE_HIGH_WATER_MARK;
  const readSize = options.readSize ?? PIPE_READ_SIZE;
  const remoteAddr = options.remoteAddr ?? { hostname: "127.0.0.1", port: 0 };
  const aToB = new Channel(highWaterMark, readSize);
  const bToA = new Channel(highWaterMark, readSize);
  return [new PipeEnd(bToA, aToB, remoteAddr), new PipeEnd(aToB, bToA, remoteAddr)];
}
