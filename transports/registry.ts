/**
 * The registry from URL scheme (librtmp protocol number) to transport stack. Adding a transport
 * means adding an entry here; the engine never branches on the transport.
 *
 * @module
 */

import { connectTcp } from "./tcp.ts";
import type { Transport } from "./transport.ts";
import { UnsupportedTransportError } from "./transport_error.ts";

/** What a stack needs to open a connection. */
export interface TransportRequest {
  /** librtmp protocol number: 0 rtmp, 1 rtmpt, 2 rtmpe, 3 rtmpte, 4 rtmps, 5 rtmpts, 8 rtmfp. */
  protocol: number;
  host: string;
  port: number;
  /** Connect timeout in milliseconds. */
  connectTimeoutMs?: number;
  /** SOCKS4 proxy `host:port` (rtmpdump `-S`). */
  socks?: string;
}

/** Opens a transport for one protocol. */
export type TransportOpener = (request: TransportRequest) => Promise<Transport>;

/** A registered stack: how to open it and what the handshake layer must add on top. */
export interface TransportStack {
  /** Human name, e.g. "tcp" or "tcp+tls". */
  name: string;
  open: TransportOpener;
}

const stacks = new Map<number, TransportStack>();

/** Registers (or replaces) the stack for a protocol number. */
export function registerTransport(protocol: number, stack: TransportStack): void {
  stacks.set(protocol, stack);
}

/** The stack for a protocol, or undefined when none is registered. */
export function transportStack(protocol: number): TransportStack | undefined {
  return stacks.get(protocol);
}

const PROTOCOL_NAMES: Record<number, string> = {
  0: "RTMP (rtmp://)",
  1: "RTMPT (rtmpt://)",
  2: "RTMPE (rtmpe://)",
  3: "RTMPTE (rtmpte://)",
  4: "RTMPS (rtmps://)",
  5: "RTMPTS (rtmpts://)",
  8: "RTMFP (rtmfp://)",
};

/** Opens the registered stack for `request.protocol`. */
export function openTransport(request: TransportRequest): Promise<Transport> {
  if (request.socks) {
    return Promise.reject(
      new UnsupportedTransportError("SOCKS proxies (--socks) are not supported yet"),
    );
  }
  const stack = stacks.get(request.protocol);
  if (!stack) {
    const name = PROTOCOL_NAMES[request.protocol] ?? `protocol ${request.protocol}`;
    return Promise.reject(new UnsupportedTransportError(`${name} is not supported yet`));
  }
  return stack.open(request);
}

const tcpStack: TransportStack = {
  name: "tcp",
  open: (r) => connectTcp(r.host, r.port, { connectTimeoutMs: r.connectTimeoutMs }),
};
registerTransport(0, tcpStack);
// librtmp has no RTMFP: an rtmfp:// URL is plain RTMP over TCP, and so it is here.
registerTransport(8, tcpStack);
