/**
 * RTMPE for the handshake driver: the handshake layer's {@linkcode RtmpeVariant} plus the
 * {@linkcode TransportUpgrade} that puts the RC4 layer (`transports/rc4_transport.ts`) over the
 * connection once the handshake is through, for clients and servers alike.
 *
 * @module
 */

import { Rc4Transport } from "../../transports/rc4_transport.ts";
import type { Transport } from "../../transports/transport.ts";
import {
  isRtmpeType,
  type RtmpeType,
  RtmpeVariant,
  type RtmpeVariantOptions,
} from "../handshake/mod.ts";
import type { TransportUpgrade } from "./handshake_driver.ts";

/**
 * An {@linkcode RtmpeVariant} that, once the handshake has completed, wraps the connection in
 * RC4 both ways. One object per connection.
 *
 * @example
 * ```ts
 * import { createPipe } from "../../transports/pipe.ts";
 * import { clientHandshake, serverHandshake } from "./handshake_driver.ts";
 * import { RtmpeTransportVariant, rtmpeVariantFor } from "./rtmpe_upgrade.ts";
 *
 * const [a, b] = createPipe();
 * const [client, server] = await Promise.all([
 *   clientHandshake(a, { mode: "plain", variant: new RtmpeTransportVariant({ role: "client" }) }),
 *   serverHandshake(b, { variantFor: rtmpeVariantFor() }),
 * ]);
 * await client.transport.write(new TextEncoder().encode("connect"));
 * console.assert(new TextDecoder().decode((await server.transport.read())!) === "connect");
 * await client.transport.close();
 * ```
 */
export class RtmpeTransportVariant extends RtmpeVariant implements TransportUpgrade {
  /** Creates the variant for one connection. */
  constructor(options: RtmpeVariantOptions) {
    super(options);
  }

  /**
   * Decrypts `rest` (the bytes that came in behind the handshake) in place and returns
   * `transport` wrapped in RC4. When a server answered the client with a plain handshake (type 3
   * and version 0, which librtmp's client accepts), there are no keys and the connection goes
   * on unencrypted, as rtmpdump's does.
   */
  upgrade(transport: Transport, rest: Uint8Array): Transport {
    const ciphers = this.ciphers;
    if (ciphers === undefined) return transport;
    ciphers.decrypt.process(rest);
    return new Rc4Transport(transport, ciphers);
  }
}

/** Options of {@linkcode rtmpeVariantFor}. */
export interface RtmpeServerOptions {
  /** The S0 to answer every RTMPE client with; default as librtmp's server. */
  answerType?: RtmpeType;
  /** Random source for the server's Diffie-Hellman keys. */
  random?: (bytes: Uint8Array) => void;
}

/**
 * The server's `variantFor`: a fresh {@linkcode RtmpeTransportVariant} for a client that sent
 * C0 6, 8 or 9, nothing for any other C0 (plain and FP9 clients keep the built-in handshake).
 */
export function rtmpeVariantFor(
  options: RtmpeServerOptions = {},
): (clientType: number) => RtmpeTransportVariant | undefined {
  return (clientType) =>
    isRtmpeType(clientType)
      ? new RtmpeTransportVariant({
        role: "server",
        answerType: options.answerType,
        random: options.random,
      })
      : undefined;
}
