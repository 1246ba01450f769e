/**
 * TLS listening for the server (rtmps://): Deno's own TLS listener on Deno, `node:tls` elsewhere
 * (Bun). Each accepted connection comes out at once as a transport whose handshake runs with
 * its first read, so a client that never finishes its handshake holds up nobody but itself (the
 * server's idle timeout ends it), and a failed handshake is that transport's read error.
 *
 * @module
 */

import type { Listener } from "./listen.ts";
import { isDeno } from "./runtime.ts";
import { bareHost, hostPort } from "./tcp.ts";
import {
  bindFailure,
  fromDenoListener,
  listenNodeServer,
  SERVER_READ_BUFFER_SIZE,
} from "./tcp_listener.ts";
import { readCertificates, readPrivateKey } from "./tls_files.ts";
import { DenoTlsTransport, NodeTlsTransport } from "./tls_transport.ts";
import { systemErrorCode } from "./transport_error.ts";

/** Where to listen and with which certificate. */
export interface TlsListenOptions {
  /** Address to bind: an IPv4 or IPv6 literal (brackets allowed) or a host name. */
  hostname: string;
  /** Port to bind; 0 asks the system for a free one (read it back from `addr`). */
  port: number;
  /** PEM file with the certificate chain, the server's own certificate first. */
  certFile: string;
  /** PEM file with the certificate's private key. */
  keyFile: string;
}

/**
 * Starts a TLS listener. Throws `TypeError` when the certificate or key file cannot be read,
 * holds no PEM certificate or key, or the two do not belong together, and `ConnectError` when
 * the address cannot be bound.
 *
 * @example
 * ```ts ignore
 * import { listenTls } from "./tls_listener.ts";
 * const listener = await listenTls({
 *   hostname: "127.0.0.1", port: 0, certFile: "cert.pem", keyFile: "key.pem",
 * });
 * for await (const transport of listener.accept()) await transport.close();
 * ```
 */
export async function listenTls(options: TlsListenOptions): Promise<Listener> {
  const hostname = bareHost(options.hostname);
  const chain = await readCertificates(options.certFile, "certificate file");
  const key = await readPrivateKey(options.keyFile, "key file");
  const cert = chain.join("\n");
  return isDeno
    ? listenDeno(hostname, options.port, cert, key)
    : await listenNode(hostname, options.port, cert, key);
}

/** The error for a certificate and key the TLS library refuses. */
function unusableCertificate(hostname: string, port: number, err: unknown): TypeError {
  const message = err instanceof Error ? err.message : String(err);
  const detail = /KeyMismatch|key values mismatch|inconsistent|not consistent/i.test(message)
    ? "the key does not belong to the certificate"
    : `the certificate or key cannot be used (${message.split("\n")[0]})`;
  return new TypeError(`Cannot listen on ${hostPort(hostname, port)}: ${detail}`, { cause: err });
}

/** True for a bind error (as opposed to one about the certificate or key). */
function isBindError(err: unknown): boolean {
  return systemErrorCode(err) !== undefined;
}

function listenDeno(hostname: string, port: number, cert: string, key: string): Listener {
  let listener: Deno.TlsListener;
  try {
    listener = Deno.listenTls({ hostname, port, cert, key, transport: "tcp" });
  } catch (err) {
    throw isBindError(err)
      ? bindFailure(hostname, port, err)
      : unusableCertificate(hostname, port, err);
  }
  return fromDenoListener(
    listener,
    (conn, remote) => new DenoTlsTransport(conn, remote, SERVER_READ_BUFFER_SIZE),
    // A connection reset or a failed handshake before accept completed: keep listening.
    () => true,
  );
}

type NodeTlsSocket = import("node:tls").TLSSocket;

/**
 * The `node:tls` listener, which {@linkcode listenTls} uses on Bun; exported so that Deno can
 * test it too. Takes the PEM text of the chain and key.
 */
export async function listenNode(
  hostname: string,
  port: number,
  cert: string,
  key: string,
): Promise<Listener> {
  const tls = await import("node:tls");
  return await listenNodeServer<NodeTlsSocket>(hostname, port, (onConnection) => {
    let server;
    try {
      server = tls.createServer({ cert, key }, onConnection);
    } catch (err) {
      throw unusableCertificate(hostname, port, err);
    }
    // A client whose handshake fails is its own problem; the listener goes on.
    server.on("tlsClientError", (_err: unknown, socket: { destroy(): void }) => socket.destroy());
    return server;
  }, (socket, remote) => new NodeTlsTransport(socket, remote));
}
