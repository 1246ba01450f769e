/**
 * Dialers: how a transport stack opens a connection. The TCP dialer is the bottom of every
 * client stack; a proxy dialer, TLS and the RTMPT tunnel each wrap the dialer below them, so a
 * stack is a composition (rtmpts through SOCKS5 = tunnel(tls(socks5(tcp)))).
 *
 * @module
 */

import { connectTcp } from "./tcp.ts";
import type { Transport } from "./transport.ts";

/** Where to connect: a host name, an IPv4 literal or an IPv6 literal (brackets allowed). */
export interface DialTarget {
  /** Host name or address literal. */
  host: string;
  /** TCP port. */
  port: number;
}

/** How long and until when a dial may take. */
export interface DialOptions {
  /** Give up after this many milliseconds (default 30000; 0 = no limit of our own). */
  connectTimeoutMs?: number;
  /** Aborts the dial (the transport is closed if it was already open). */
  signal?: AbortSignal;
  /**
   * The layer above hands the connection to `node:tls`. On Bun the TCP dialer then opens a
   * `node:net` socket, which `node:tls` takes over natively (with its back-pressure), instead
   * of a socket of Bun's own API. Elsewhere it changes nothing.
   */
  forNodeTls?: boolean;
}

/**
 * Opens a transport to a target. Rejects with {@linkcode ConnectError} (or a subclass) when it
 * cannot, with a one-line message that says what failed.
 */
export type Dialer = (target: DialTarget, options?: DialOptions) => Promise<Transport>;

/**
 * The TCP dialer: Deno's sockets on Deno, Bun's own sockets on Bun (`node:net` there when
 * {@linkcode DialOptions.forNodeTls} asks for it).
 */
export const tcpDialer: Dialer = (target, options = {}): Promise<Transport> =>
  connectTcp(target.host, target.port, {
    connectTimeoutMs: options.connectTimeoutMs,
    signal: options.signal,
    nodeSocket: options.forNodeTls,
  });
