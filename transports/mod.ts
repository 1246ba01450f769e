/**
 * Transports: the byte-stream contract the engine depends on, client stacks built from a
 * protocol's feature bits (dialers that compose: TCP, SOCKS and HTTP CONNECT proxies, TLS, the
 * RTMPT tunnel), the RC4 layer the RTMPE handshake puts over any of them, server listeners by
 * scheme (TCP, TLS; the RTMPT tunnel wraps either), and an in-memory pipe for tests.
 *
 * @example
 * ```ts ignore
 * import { openTransport } from "./mod.ts";
 * const transport = await openTransport({ protocol: 0, host: "127.0.0.1", port: 1935 });
 * await transport.close();
 * ```
 *
 * @module
 */

export type { RemoteAddr, Transport } from "./transport.ts";
export {
  ConnectError,
  describeNetworkError,
  systemErrorCode,
  TimeoutError,
} from "./transport_error.ts";
export { connectTcp, DenoTcpTransport, NodeSocketTransport, TCP_READ_BUFFER_SIZE } from "./tcp.ts";
export type { NodeSocket, TcpOptions } from "./tcp.ts";
export { ReadTimeoutTransport } from "./read_timeout.ts";
export type { Dialer, DialOptions, DialTarget } from "./dialer.ts";
export { tcpDialer } from "./dialer.ts";
export { buildDialer, CLIENT_LAYERS, isEncrypted, openTransport, stackName } from "./stack.ts";
export type { ClientLayer, TlsOptions, TransportRequest } from "./stack.ts";
export { listen, LISTEN_SCHEMES, listenScheme } from "./listen.ts";
export type { Listener, ListenRequest, ListenScheme, ListenTlsOptions } from "./listen.ts";
export { listenTcp, SERVER_READ_BUFFER_SIZE } from "./tcp_listener.ts";
export type { TcpListener, TcpListenOptions } from "./tcp_listener.ts";
export { createPipe, type PipeOptions } from "./pipe.ts";
export { rtmptDialer, RtmptError } from "./rtmpt.ts";
export type { RtmptOptions } from "./rtmpt.ts";
export { rtmptListener } from "./rtmpt_listener.ts";
export type { RtmptListenerOptions } from "./rtmpt_listener.ts";
export { httpConnectDialer } from "./http_connect.ts";
export { HttpParseError } from "./http1.ts";
export type { HttpParseErrorCode } from "./http1.ts";
export { RC4_SCRATCH_LIMIT, Rc4Transport } from "./rc4_transport.ts";
export type { Rc4TransportCiphers, StreamCipher } from "./rc4_transport.ts";
export { tlsDialer } from "./tls.ts";
export { listenTls } from "./tls_listener.ts";
export type { TlsListenOptions } from "./tls_listener.ts";
export { socksDialer } from "./socks.ts";
export type { Ipv4Resolver, SocksDialerOptions } from "./socks.ts";
export { parseProxyUrl, proxyLabel, socksOptionToProxy } from "./proxy_url.ts";
export type { ProxyKind, ProxyUrl } from "./proxy_url.ts";
