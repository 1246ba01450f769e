/**
 * The RC4 layer of RTMPE (librtmp-facts §4.4): once the encrypted handshake is through, every
 * byte either way runs through one RC4 stream per direction. This transport wraps whatever
 * stack is below (TCP, a proxy, the RTMPT tunnel) with the two streams the handshake produced.
 *
 * @module
 */

import type { RemoteAddr, Transport } from "./transport.ts";

/** A keystream that XORs itself into bytes in order, such as `Rc4` from the crypto layer. */
export interface StreamCipher {
  /** Runs the next `input.length` keystream bytes over `input` into `output` (default `input`). */
  process(input: Uint8Array, output?: Uint8Array): void;
}

/** The two keystreams of a connection. */
export interface Rc4TransportCiphers {
  /** Runs over every byte written. */
  readonly encrypt: StreamCipher;
  /** Runs over every byte read. */
  readonly decrypt: StreamCipher;
}

/**
 * Largest write whose ciphertext goes through the reused scratch buffer; a longer one gets a
 * buffer of its own, so one huge write does not keep that much memory for the connection.
 */
export const RC4_SCRATCH_LIMIT = 1024 * 1024;

/**
 * A transport that decrypts what it reads and encrypts what it writes.
 *
 * Reads are decrypted in place in the buffer the layer below returned (its view is valid only
 * until the next read anyway). Writes are encrypted, in the order they are made, into a scratch
 * buffer this transport reuses once the layer below has taken the previous write, so the
 * caller's bytes are never changed and a steady stream of writes allocates nothing; a write made
 * while another is still in flight, or longer than {@linkcode RC4_SCRATCH_LIMIT}, gets a buffer
 * of its own.
 *
 * @example
 * ```ts
 * import { createPipe } from "./pipe.ts";
 * import { Rc4Transport } from "./rc4_transport.ts";
 * import { Rc4 } from "../src/crypto/rc4.ts";
 *
 * const a = new Uint8Array(16).fill(1);
 * const b = new Uint8Array(16).fill(2);
 * const [left, right] = createPipe();
 * const client = new Rc4Transport(left, { encrypt: new Rc4(a), decrypt: new Rc4(b) });
 * const server = new Rc4Transport(right, { encrypt: new Rc4(b), decrypt: new Rc4(a) });
 * await client.write(new TextEncoder().encode("connect"));
 * console.assert(new TextDecoder().decode((await server.read())!) === "connect");
 * await client.close();
 * ```
 */
export class Rc4Transport implements Transport {
  readonly #inner: Transport;
  readonly #encrypt: StreamCipher;
  readonly #decrypt: StreamCipher;
  #scratch: Uint8Array | undefined;
  #scratchBusy = false;

  /** Wraps `inner`; the ciphers must be at the first byte after the handshake. */
  constructor(inner: Transport, ciphers: Rc4TransportCiphers) {
    this.#inner = inner;
    this.#encrypt = ciphers.encrypt;
    this.#decrypt = ciphers.decrypt;
  }

  /** The peer's address. */
  get remoteAddr(): RemoteAddr {
    return this.#inner.remoteAddr;
  }

  /** Reads the next bytes from below and decrypts them in place. */
  async read(): Promise<Uint8Array | null> {
    const data = await this.#inner.read();
    if (data !== null) this.#decrypt.process(data);
    return data;
  }

  /** Encrypts `data` (left unchanged) and writes the ciphertext below. */
  async write(data: Uint8Array): Promise<void> {
    const length = data.length;
    if (length === 0) return await this.#inner.write(data);
    const reuse = !this.#scratchBusy && length <= RC4_SCRATCH_LIMIT;
    let buffer: Uint8Array;
    if (reuse) {
      if (this.#scratch === undefined || this.#scratch.length < length) {
        this.#scratch = new Uint8Array(Math.min(RC4_SCRATCH_LIMIT, nextPowerOfTwo(length)));
      }
      buffer = this.#scratch.subarray(0, length);
      this.#scratchBusy = true;
    } else {
      buffer = new Uint8Array(length);
    }
    // Encrypt now, before any await: the keystream must follow the order of the calls.
    this.#encrypt.process(data, buffer);
    try {
      await this.#inner.write(buffer);
    } finally {
      if (reuse) this.#scratchBusy = false;
    }
  }

  /** Closes the layer below. */
  async close(): Promise<void> {
    await this.#inner.close();
  }
}

function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}
