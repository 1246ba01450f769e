/**
 * The one step of a download that depends on how bytes travel: open the transport for the
 * protocol, do the handshake and send connect. Everything after it talks to the returned
 * {@linkcode RtmpClient} only, so a new transport stack or handshake driver changes this file
 * alone.
 *
 * @module
 */

import { openTransport, type TlsOptions } from "../../transports/stack.ts";
import { ReadTimeoutTransport } from "../../transports/read_timeout.ts";
import type { RtmpeType } from "../handshake/mod.ts";
import type { ClientSession } from "../session/client_session.ts";
import type { LogSink } from "../session/log.ts";
import { RtmpClient } from "../session/rtmp_client.ts";

/** Where and how to connect. */
export interface ConnectionTarget {
  /** librtmp protocol number (0 rtmp, 1 rtmpt, 2 rtmpe, 3 rtmpte, 4 rtmps, 5 rtmpts, 8 rtmfp). */
  protocol: number;
  /** Server host name or address. */
  host: string;
  /** Server port. */
  port: number;
  /** SOCKS4 proxy `host:port` (rtmpdump `-S`). */
  socks?: string;
  /** A proxy URL (`socks4://`, `socks4a://`, `socks5://`, `http://`). */
  proxy?: string;
  /** TLS settings for rtmps:// and rtmpts:// (CA file, skip verification, expected name). */
  tls?: TlsOptions;
  /** Connect timeout in ms. */
  connectTimeoutMs: number;
  /** Receive timeout in ms (rtmpdump `-m`); 0 waits for ever. */
  receiveTimeoutMs: number;
  /**
   * "rtmpe" for an encrypted protocol (RC4 after the handshake), else the Flash Player 9 digest
   * handshake ("fp9", when SWF verification data exist) or "plain".
   */
  handshake: "plain" | "fp9" | "rtmpe";
  /** With "rtmpe": the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /**
   * SWF verification: computes the 42 bytes of the answer to the server's request (user control
   * 0x1B after its event type) from the last 32 bytes of S1. Needs a digest handshake.
   */
  swfVerification?: (serverKey: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

/** Why {@linkcode openConnection} failed. */
export class ConnectionFailure extends Error {
  /** "transport": the socket (DNS, refused, proxy, settings); "handshake": after it. */
  readonly stage: "transport" | "handshake";

  /** Wraps the error of a stage. */
  constructor(stage: "transport" | "handshake", cause: unknown) {
    super(`Cannot connect: ${String((cause as Error)?.message ?? cause).split("\n")[0]}`, {
      cause,
    });
    this.name = "ConnectionFailure";
    this.stage = stage;
  }
}

/**
 * Opens a connection for `session`: transport, handshake, connect command sent. The caller
 * reads the answer with {@linkcode RtmpClient.pump}. `onTransport` sees the transport as soon
 * as it is open, so a signal can close it during the handshake.
 */
export type ConnectionOpener = (
  target: ConnectionTarget,
  session: ClientSession,
  options: { log: LogSink; onClient: (client: RtmpClient) => void },
) => Promise<RtmpClient>;

/** The default {@linkcode ConnectionOpener}: the transport stack and the handshake driver. */
export const openConnection: ConnectionOpener = async (
  target,
  session,
  options,
): Promise<RtmpClient> => {
  let client: RtmpClient;
  try {
    const raw = await openTransport({
      protocol: target.protocol,
      host: target.host,
      port: target.port,
      connectTimeoutMs: target.connectTimeoutMs,
      socks: target.socks,
      proxy: target.proxy,
      tls: target.tls,
    });
    const transport = new ReadTimeoutTransport(raw, target.receiveTimeoutMs);
    client = new RtmpClient(transport, session, {
      handshake: target.handshake,
      rtmpeType: target.rtmpeType,
      log: options.log,
    });
  } catch (err) {
    throw new ConnectionFailure("transport", err);
  }
  options.onClient(client);
  try {
    await client.connect();
    const key = client.swfVerificationKey;
    if (target.swfVerification && key !== undefined) {
      session.setSwfVerifyResponse(await target.swfVerification(key));
    }
  } catch (err) {
    await client.close();
    throw new ConnectionFailure("handshake", err);
  }
  return client;
};
