/**
 * Drives a {@linkcode ClientSession} over a {@linkcode Transport}: the handshake, then a loop
 * that reads large buffers, lets the session parse them synchronously and sends what it queued.
 *
 * @module
 */

import type { Transport } from "../../transports/transport.ts";
import type { RtmpeType } from "../handshake/mod.ts";
import type { ClientSession } from "./client_session.ts";
import { clientHandshake } from "./handshake_driver.ts";
import { LogLevel, type LogSink, silentLog } from "./log.ts";

/** How {@linkcode RtmpClient.pump} ended. */
export type PumpResult =
  | "done" // the condition became true
  | "closed" // the session closed (complete, failed, server close)
  | "eof"; // the transport ended

/** Options for the driver. */
export interface RtmpClientOptions {
  /**
   * "rtmpe" for an encrypted protocol (everything after the handshake then runs through RC4),
   * else "fp9" when SWF verification data exist (librtmp's rule), else "plain".
   */
  handshake?: "plain" | "fp9" | "rtmpe";
  /** With "rtmpe": the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /** Receives the handshake's warnings and the driver's debug lines (librtmp levels). */
  log?: LogSink;
}

/** One client connection: transport + handshake + session. */
export class RtmpClient {
  #transport: Transport;
  readonly #session: ClientSession;
  readonly #log: LogSink;
  readonly #handshakeMode: "plain" | "fp9" | "rtmpe";
  readonly #rtmpeType: RtmpeType | undefined;
  /** Chunk stream bytes that arrived with S2, not yet given to the session. */
  #leftover: Uint8Array | undefined;
  /** Bytes sent so far. */
  bytesOut = 0;
  /**
   * The last 32 bytes of the server's S1 after a digest handshake: the key of the SWF
   * verification answer (librtmp-facts §4.5); undefined after a plain handshake.
   */
  swfVerificationKey: Uint8Array | undefined;
  /**
   * Where the last {@linkcode pump} failed: "transport" (a read or write of the connection) or
   * "session" (the server's bytes were refused by the session).
   */
  failedIn: "transport" | "session" | undefined;

  /** Binds a session to an open transport. */
  constructor(transport: Transport, session: ClientSession, options: RtmpClientOptions = {}) {
    this.#transport = transport;
    this.#session = session;
    this.#log = options.log ?? silentLog;
    this.#handshakeMode = options.handshake ?? "plain";
    this.#rtmpeType = options.rtmpeType;
  }

  /** The session this client drives. */
  get session(): ClientSession {
    return this.#session;
  }

  /** The transport underneath. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Handshakes, then sends connect (librtmp's RTMP_Connect after the socket is open).
   * Bytes that arrived behind S2 are kept for the first {@linkcode pump}, so that a bad chunk
   * stream fails there (librtmp's RTMP_ConnectStream) and not as a failed connect. Handshake
   * warnings are logged as librtmp's HandShake logs them, also when it then fails.
   * Throws HandshakeError / transport errors.
   */
  async connect(): Promise<void> {
    this.#log(LogLevel.Debug, "RTMP_Connect1, ... connected, handshaking");
    const result = await clientHandshake(this.#transport, {
      mode: this.#handshakeMode,
      rtmpeType: this.#rtmpeType,
      log: this.#log,
    });
    this.#transport = result.transport;
    this.swfVerificationKey = result.swfVerificationKey;
    this.bytesOut += result.bytesOut;
    this.#session.countBytes(result.bytesIn);
    if (result.rest.length > 0) this.#leftover = result.rest;
    this.#log(LogLevel.Debug, "RTMP_Connect1, handshaked");
    this.#session.connect();
    await this.flush();
  }

  /** Sends whatever the session queued. */
  async flush(): Promise<void> {
    if (this.#session.hasOutput) await this.#write(this.#session.takeOutput());
  }

  /**
   * Reads and feeds the session until `until()` holds after a buffer, the session closes, or the
   * transport ends. `afterRead` runs after each buffer (progress, output flushing).
   * Transport errors (including TimeoutError) and protocol errors propagate.
   */
  async pump(until: () => boolean, afterRead?: () => void | Promise<void>): Promise<PumpResult> {
    const session = this.#session;
    if (until()) return "done";
    for (;;) {
      if (!session.connected) {
        await this.flush().catch(() => {});
        return "closed";
      }
      let data: Uint8Array | null;
      try {
        data = this.#leftover ?? await this.#transport.read();
      } catch (err) {
        this.failedIn = "transport";
        throw err;
      }
      this.#leftover = undefined;
      if (data === null) return "eof";
      try {
        session.receive(data);
      } catch (err) {
        this.failedIn = "session";
        throw err;
      }
      if (session.hasOutput) {
        try {
          await this.#write(session.takeOutput());
        } catch (err) {
          this.failedIn = "transport";
          throw err;
        }
      }
      if (afterRead) await afterRead();
      if (until()) return "done";
    }
  }

  /** Closes the session (deleteStream if needed), sends what is left and closes the transport. */
  async close(): Promise<void> {
    this.#session.close();
    try {
      await this.flush();
    } catch { /* the peer may be gone */ }
    await this.#transport.close();
  }

  async #write(bytes: Uint8Array): Promise<void> {
    this.bytesOut += bytes.length;
    await this.#transport.write(bytes);
  }
}
