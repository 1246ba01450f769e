/**
 * Transports: the byte-stream contract the engine depends on, the registry from URL scheme to
 * stack, and the stacks themselves (TCP today; TLS, RTMPT, SOCKS and RTMPE plug in here).
 *
 * @example
 * ```ts ignore
 * import { openTransport } from "./mod.ts";
 * const transport = await openTransport({ protocol: 0, host: "127.0.0.1", port: 1935 });
 * transport.close();
 * ```
 *
 * @module
 */

export type { RemoteAddr, Transport } from "./transport.ts";
export { ConnectError, TimeoutError, UnsupportedTransportError } from "./transport_error.ts";
export { connectTcp, DenoTcpTransport, NodeSocketTransport, TCP_READ_BUFFER_SIZE } from "./tcp.ts";
export type { TcpOptions } from "./tcp.ts";
export { ReadTimeoutTransport } from "./read_timeout.ts";
export { openTransport, registerTransport, transportStack } from "./registry.ts";
export type { TransportOpener, TransportRequest, TransportStack } from "./registry.ts";
