/**
 * The byte-stream contract every transport implements and the engine depends on.
 *
 * Stacks compose: rtmp = tcp; rtmps = tcp+tls; rtmpt = tcp+HTTP tunnel; rtmpts = tcp+tls+tunnel;
 * rtmpe = tcp + RC4 after the RTMPE handshake; rtmpte = tcp+tunnel+RC4. Proxies sit under TCP's
 * place in the stack. The session engine sees only this interface.
 *
 * @module
 */

/** Where a transport is connected to. */
export interface RemoteAddr {
  /** The host name or address the transport was opened to. */
  hostname: string;
  /** The TCP port. */
  port: number;
}

/** A bidirectional byte stream. */
export interface Transport {
  /**
   * Reads the next bytes. Resolves to `null` at end of stream. The returned view is only
   * valid until the next call to `read` (implementations reuse one large buffer).
   * Rejects on a network error. At most one read may be pending at a time.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Writes all of `data`. Resolves when the bytes are handed to the OS or the layer below; the
   * caller may reuse `data` from then on. Writes are delivered in the order they were made.
   */
  write(data: Uint8Array): Promise<void>;
  /**
   * Closes the stream: a pending read resolves to `null` (or rejects), later writes reject.
   * Resolves once the layer has said goodbye where its protocol has one (an RTMPT tunnel posts
   * `/close`, TLS sends close_notify), bounded in time. Idempotent; never rejects.
   */
  close(): Promise<void>;
  /** The peer's address. */
  readonly remoteAddr: RemoteAddr;
}
