/**
 * Server listeners by URL scheme: `rtmp://` (TCP; the server also accepts RTMPE handshakes
 * there), `rtmps://` (TLS), `rtmpt://` (the RTMPT tunnel over TCP; also RTMPTE) and `rtmpts://`
 * (the tunnel over TLS). {@linkcode LISTEN_SCHEMES} is the one list: the server's listen-URL
 * parser, the `serve` usage text and {@linkcode listen} all read it.
 *
 * @module
 */

import { rtmptListener } from "./rtmpt_listener.ts";
import { listenTcp } from "./tcp_listener.ts";
import { listenTls } from "./tls_listener.ts";
import type { RemoteAddr, Transport } from "./transport.ts";

/** A listening endpoint that hands out one transport per client connection. */
export interface Listener {
  /** The bound address; `port` is the actual port when 0 was asked. */
  readonly addr: RemoteAddr;
  /**
   * Client connections (for the tunnel: client sessions), in order, until
   * {@linkcode Listener.close}. Only one consumer may iterate at a time.
   */
  accept(): AsyncIterable<Transport>;
  /** Stops listening; transports already handed out stay open. Idempotent. */
  close(): Promise<void>;
}

/** Certificate and key for TLS listeners. */
export interface ListenTlsOptions {
  /** PEM file with the certificate chain (leaf first). */
  certFile: string;
  /** PEM file with the private key. */
  keyFile: string;
}

/** Where and how to listen. */
export interface ListenRequest {
  /** One of {@linkcode LISTEN_SCHEMES}' schemes. */
  scheme: string;
  /** Address to bind (an IPv6 literal with or without brackets). */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Required for rtmps:// and rtmpts://. */
  tls?: ListenTlsOptions;
  /** RTMPT: a client session with no request for this long is closed (default 60000 ms). */
  tunnelIdleTimeoutMs?: number;
}

/** One listen scheme. */
export interface ListenScheme {
  /** URL scheme, lower case. */
  readonly scheme: string;
  /** Default port when the listen URL gives none. */
  readonly defaultPort: number;
  /** Layers from the bottom, as the usage text shows them. */
  readonly layers: string;
  /** Whether TLS files (`--cert`, `--key`) are needed. */
  readonly needsTls: boolean;
  /** Opens a listener for the scheme. */
  readonly open: (request: ListenRequest) => Promise<Listener>;
}

/** The listen schemes, in the order the usage text lists them. */
export const LISTEN_SCHEMES: readonly ListenScheme[] = [
  {
    scheme: "rtmp",
    defaultPort: 1935,
    layers: "TCP",
    needsTls: false,
    open: (r) => listenTcp({ hostname: r.hostname, port: r.port }),
  },
  {
    scheme: "rtmps",
    defaultPort: 443,
    layers: "TLS",
    needsTls: true,
    open: (r) =>
      listenTls({
        hostname: r.hostname,
        port: r.port,
        certFile: r.tls?.certFile ?? "",
        keyFile: r.tls?.keyFile ?? "",
      }),
  },
  {
    scheme: "rtmpt",
    defaultPort: 80,
    layers: "HTTP tunnel",
    needsTls: false,
    open: async (r) =>
      rtmptListener(await listenTcp({ hostname: r.hostname, port: r.port }), {
        idleTimeoutMs: r.tunnelIdleTimeoutMs,
      }),
  },
  {
    scheme: "rtmpts",
    defaultPort: 443,
    layers: "HTTP tunnel over TLS",
    needsTls: true,
    open: async (r) =>
      rtmptListener(
        await listenTls({
          hostname: r.hostname,
          port: r.port,
          certFile: r.tls?.certFile ?? "",
          keyFile: r.tls?.keyFile ?? "",
        }),
        { idleTimeoutMs: r.tunnelIdleTimeoutMs },
      ),
  },
];

/** The listen scheme named `scheme` (case-insensitive), or undefined. */
export function listenScheme(scheme: string): ListenScheme | undefined {
  const lower = scheme.toLowerCase();
  return LISTEN_SCHEMES.find((s) => s.scheme === lower);
}

/**
 * Starts listening. Throws `TypeError` for a scheme that is not in {@linkcode LISTEN_SCHEMES}
 * and for missing TLS files, and `ConnectError` when the address cannot be bound.
 */
export async function listen(request: ListenRequest): Promise<Listener> {
  const entry = listenScheme(request.scheme);
  if (entry === undefined) {
    throw new TypeError(`Cannot listen on ${request.scheme}://: unknown scheme`);
  }
  if (entry.needsTls && request.tls === undefined) {
    throw new TypeError(
      `Cannot listen on ${entry.scheme}://: a certificate and key are needed (--cert, --key)`,
    );
  }
  return await entry.open(request);
}
