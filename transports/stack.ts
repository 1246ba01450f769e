/**
 * Client transport stacks, built from a protocol's feature bits (librtmp-facts §2.1, §8): TCP at
 * the bottom, or a proxy over TCP (SOCKS4 for rtmpdump's `-S`, or the kind a proxy URL names);
 * TLS for the SSL bit; the RTMPT tunnel for the HTTP bit; the RTMPE handshake and RC4 for the
 * ENC bit (that layer is added by the handshake driver, since it starts with the handshake).
 * {@linkcode CLIENT_LAYERS} is the one list of layers: this builder and the stack's name both
 * read it.
 *
 * @module
 */

import { PROTOCOL_FEATURE } from "../src/url/protocol.ts";
import { type Dialer, tcpDialer } from "./dialer.ts";
import { parseProxyUrl, type ProxyUrl, socksOptionToProxy } from "./proxy_url.ts";
import type { Transport } from "./transport.ts";

/** TLS settings of a client stack. */
export interface TlsOptions {
  /** A PEM file with the certificate authorities to trust instead of the built-in ones. */
  caFile?: string;
  /** Skip certificate verification (the connection is still encrypted). */
  insecure?: boolean;
  /** Name sent with SNI and checked against the certificate; default: the host dialled. */
  serverName?: string;
}

/** What a stack needs to open a connection. */
export interface TransportRequest {
  /** librtmp protocol number: 0 rtmp, 1 rtmpt, 2 rtmpe, 3 rtmpte, 4 rtmps, 5 rtmpts, 8 rtmfp. */
  protocol: number;
  /** The server's host name or address literal (IPv6 with or without brackets). */
  host: string;
  /** The server's port. */
  port: number;
  /** Connect timeout in milliseconds, per connection the stack opens (default 30000). */
  connectTimeoutMs?: number;
  /** Aborts opening (and, for the tunnel, the requests it makes later). */
  signal?: AbortSignal;
  /**
   * SOCKS4 proxy `host[:port]` (rtmpdump `-S`, `socks=`; port 1080 by default). Not together
   * with {@linkcode TransportRequest.proxy}.
   */
  socks?: string;
  /** A proxy URL: `socks4://`, `socks4a://`, `socks5://[user:pass@]`, `http://[user:pass@]`. */
  proxy?: string;
  /** TLS settings for rtmps:// and rtmpts://. */
  tls?: TlsOptions;
}

/** One layer a protocol feature bit adds to a client stack. */
export interface ClientLayer {
  /** The feature bit (PROTOCOL_FEATURE) that asks for this layer. */
  readonly feature: number;
  /** Short name, as stack names show it ("tls"). */
  readonly name: string;
  /**
   * Wraps the dialer below. Absent for a layer that is not a dialer: RTMPE starts with the
   * handshake, so the handshake driver adds it.
   */
  readonly wrap?: (below: Dialer, request: TransportRequest) => Dialer;
}

/** Client layers in stack order, bottom first (TLS under the tunnel, RC4 above both). */
export const CLIENT_LAYERS: readonly ClientLayer[] = [
  {
    feature: PROTOCOL_FEATURE.SSL,
    name: "tls",
    wrap: (below, request) =>
      loadedOnDial(async () => (await import("./tls.ts")).tlsDialer(below, request.tls ?? {})),
  },
  {
    feature: PROTOCOL_FEATURE.HTTP,
    name: "rtmpt",
    wrap: (below) => loadedOnDial(async () => (await import("./rtmpt.ts")).rtmptDialer(below)),
  },
  {
    feature: PROTOCOL_FEATURE.ENC,
    name: "rtmpe",
  },
];

/**
 * The stack's layer names from the bottom, e.g. "tcp+tls+rtmpt", or "tcp(socks5)+tls" through a
 * proxy.
 */
export function stackName(request: TransportRequest): string {
  const proxy = proxyName(request);
  const names = [proxy === undefined ? "tcp" : `tcp(${proxy})`];
  for (const layer of CLIENT_LAYERS) {
    if ((request.protocol & layer.feature) !== 0) names.push(layer.name);
  }
  return names.join("+");
}

function proxyName(request: TransportRequest): string | undefined {
  if (request.proxy !== undefined) {
    return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(request.proxy)?.[1]?.toLowerCase() ?? "proxy";
  }
  return request.socks !== undefined ? "socks4" : undefined;
}

/**
 * The dialer for `request`: TCP (or the proxy over TCP), wrapped by each dialer layer its
 * protocol's feature bits ask for. Throws `TypeError` for a proxy URL that does not parse (an
 * unknown kind among them) and for two proxies.
 */
export function buildDialer(request: TransportRequest): Dialer {
  let dialer = baseDialer(request);
  for (const layer of CLIENT_LAYERS) {
    if ((request.protocol & layer.feature) !== 0 && layer.wrap) {
      dialer = layer.wrap(dialer, request);
    }
  }
  return dialer;
}

/**
 * The bottom of the stack: TCP, or the proxy `request` names over TCP. Throws `TypeError` for a
 * proxy URL that does not parse and when both `socks` and `proxy` are given.
 */
function baseDialer(request: TransportRequest): Dialer {
  if (request.socks !== undefined && request.proxy !== undefined) {
    throw new TypeError("Cannot use two proxies: give either a SOCKS proxy (--socks) or --proxy");
  }
  const proxy = request.proxy !== undefined
    ? parseProxyUrl(request.proxy)
    : request.socks !== undefined
    ? socksOptionToProxy(request.socks)
    : undefined;
  return proxy === undefined ? tcpDialer : proxyDialer(proxy, tcpDialer);
}

/** The dialer for one proxy kind over `below`. */
function proxyDialer(proxy: ProxyUrl, below: Dialer): Dialer {
  switch (proxy.kind) {
    case "socks4":
    case "socks4a":
    case "socks5":
      return loadedOnDial(async () => (await import("./socks.ts")).socksDialer(proxy, below));
    case "http":
      return loadedOnDial(async () =>
        (await import("./http_connect.ts")).httpConnectDialer(proxy, below)
      );
  }
}

/**
 * Opens the stack for `request` up to (not including) the RTMPE layer. Rejects with `TypeError`
 * for settings the stack cannot use (see {@linkcode buildDialer}) and with `ConnectError` when
 * the connection cannot be opened.
 */
export async function openTransport(request: TransportRequest): Promise<Transport> {
  const dialer = buildDialer(request);
  return await dialer({ host: request.host, port: request.port }, {
    connectTimeoutMs: request.connectTimeoutMs,
    signal: request.signal,
  });
}

/**
 * A dialer whose module is loaded when it first dials: a plain rtmp:// download starts without
 * the TLS, tunnel and proxy code (and `node:tls` behind it), which are a fifth of a download's
 * modules.
 */
function loadedOnDial(load: () => Promise<Dialer>): Dialer {
  let loaded: Promise<Dialer> | undefined;
  return async (target, options) => {
    loaded ??= load();
    return await (await loaded)(target, options);
  };
}

/** Whether `protocol` starts with the RTMPE handshake (its ENC bit). */
export function isEncrypted(protocol: number): boolean {
  return (protocol & PROTOCOL_FEATURE.ENC) !== 0;
}
