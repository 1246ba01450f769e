/**
 * The TLS layer of client stacks (rtmps://, and under the tunnel rtmpts://). It wraps whatever
 * dialer is below (TCP, or a proxy over TCP) and verifies the server's certificate with SNI by
 * default, where rtmpdump checks nothing and sends no SNI (librtmp-facts §8.4): the name is
 * `serverName` or the host dialled; an IP address is checked against the certificate's IP
 * addresses and sent without SNI. `caFile` trusts the certificate authorities of a PEM file
 * instead of the built-in ones; `insecure` skips verification (the connection is still
 * encrypted).
 *
 * On Deno a verified connection uses Deno's own TLS over the socket below (`Deno.startTls`),
 * which cannot skip verification: `insecure`, a stack below that is not a Deno socket, and Bun
 * use `node:tls`. The handshake shares the dial's time limit with the layers below; a failure is
 * a {@linkcode ConnectError} with code `EPROTO` and the reason in one line.
 *
 * One limit of Deno's TLS: it finishes a handshake before it closes the socket, so when a
 * server never answers the handshake (a plain RTMP server waits for 1537 bytes) the dial fails
 * at its time limit but the socket stays open until the server closes it. The command line
 * exits at once all the same.
 *
 * @module
 */

import { type Dialer, type DialTarget, tcpDialer } from "./dialer.ts";
import { DialDeadline, interruptedDial, PROTOCOL_FAILURE_CODE } from "./dial_deadline.ts";
import { isIpLiteral } from "./ip_address.ts";
import { isBun, isDeno } from "./runtime.ts";
import type { TlsOptions } from "./stack.ts";
import { bareHost, DenoTcpTransport, hostPort, NodeSocketTransport } from "./tcp.ts";
import { describeTlsFailure } from "./tls_failure.ts";
import { readCertificates } from "./tls_files.ts";
import { DenoTlsTransport, NodeTlsTransport } from "./tls_transport.ts";
import { transportToDuplex } from "./transport_duplex.ts";
import type { RemoteAddr, Transport } from "./transport.ts";
import { ConnectError, describeNetworkError } from "./transport_error.ts";

/**
 * Wraps `below` in TLS. The CA file is read at the first dial; a missing or empty one rejects
 * that dial with `TypeError`.
 *
 * @example
 * ```ts ignore
 * import { tcpDialer } from "./dialer.ts";
 * import { tlsDialer } from "./tls.ts";
 * const dial = tlsDialer(tcpDialer, { caFile: "ca.pem" });
 * const transport = await dial({ host: "localhost", port: 443 }, { connectTimeoutMs: 10_000 });
 * await transport.close();
 * ```
 */
export function tlsDialer(below: Dialer, options: TlsOptions = {}): Dialer {
  let authorities: Promise<string[]> | undefined;
  return async (target, dialOptions = {}) => {
    const deadline = new DialDeadline(dialOptions);
    if (options.caFile !== undefined) authorities ??= readCertificates(options.caFile, "CA file");
    const ca = await authorities;
    const name = tlsName(options.serverName ?? target.host);
    const where = `Cannot connect to ${hostPort(target.host, target.port)}`;
    const remoteAddr = { hostname: bareHost(target.host), port: target.port };
    const race = <T>(step: Promise<T>, cancel: () => void) =>
      deadline.race(
        step,
        cancel,
        () =>
          new ConnectError(`${where}: no TLS handshake ${deadline.describeLimit()}`, {
            code: PROTOCOL_FAILURE_CODE,
          }),
        () => interruptedDial(where, deadline.signal),
      );
    const fail = (err: unknown): ConnectError =>
      err instanceof ConnectError
        ? err
        : new ConnectError(`${where}: ${describeTlsFailure(err, name)}`, {
          cause: err,
          code: PROTOCOL_FAILURE_CODE,
        });
    if (isBun && below === tcpDialer) {
      // Bun's own TLS over Bun's own socket: decrypted inside Bun's socket layer.
      return await bunTls(target, name, ca, options.insecure === true, race, fail);
    }
    // On Bun node:tls takes a node:net socket over natively; over any other stream it loses
    // back-pressure.
    const inner = await below(target, { ...deadline.remaining(), forNodeTls: !isDeno });
    try {
      if (isDeno && !options.insecure && inner instanceof DenoTcpTransport) {
        return await denoHandshake(inner, name, ca, remoteAddr, race);
      }
      return await nodeHandshake(inner, name, ca, options.insecure === true, remoteAddr, race);
    } catch (err) {
      await inner.close();
      throw fail(err);
    }
  };
}

/**
 * TLS with Bun's own API straight to the target. A failed connect (refused, unreachable) is
 * the TCP dialer's ConnectError; a failed handshake is described as the other paths do.
 */
async function bunTls(
  target: DialTarget,
  name: string,
  ca: string[] | undefined,
  insecure: boolean,
  race: Race,
  fail: (err: unknown) => ConnectError,
): Promise<Transport> {
  const { connectBunTls } = await import("./bun_tcp.ts");
  const host = bareHost(target.host);
  let opened: Transport | undefined;
  let connected = false;
  const attempt = connectBunTls(
    host,
    target.port,
    { ca, serverName: isIpLiteral(name) ? undefined : name, insecure },
    (transport) => (opened = transport),
    () => (connected = true),
  );
  try {
    return await race(attempt, () => void opened?.close());
  } catch (err) {
    await opened?.close();
    if (err instanceof ConnectError) throw err;
    if (!connected) {
      throw new ConnectError(
        `Cannot connect to ${hostPort(target.host, target.port)}: ${describeNetworkError(err)}`,
        { cause: err },
      );
    }
    throw fail(err);
  }
}

/** The name to verify: without brackets and without an IPv6 zone index. */
function tlsName(host: string): string {
  const bare = bareHost(host);
  const zone = bare.indexOf("%");
  return zone >= 0 && bare.includes(":") ? bare.slice(0, zone) : bare;
}

type Race = <T>(step: Promise<T>, cancel: () => void) => Promise<T>;

async function denoHandshake(
  inner: DenoTcpTransport,
  name: string,
  ca: string[] | undefined,
  remoteAddr: RemoteAddr,
  race: Race,
): Promise<Transport> {
  const conn = inner.detach() as Deno.TcpConn;
  let tls: Deno.TlsConn | undefined;
  try {
    tls = await race(
      Deno.startTls(conn, { hostname: name, caCerts: ca }),
      () => conn.close(),
    );
    const started = tls;
    await race(started.handshake(), () => started.close());
  } catch (err) {
    try {
      (tls ?? conn).close();
    } catch { /* closed already */ }
    throw err;
  }
  return new DenoTlsTransport(tls, remoteAddr);
}

async function nodeHandshake(
  inner: Transport,
  name: string,
  ca: string[] | undefined,
  insecure: boolean,
  remoteAddr: RemoteAddr,
  race: Race,
): Promise<Transport> {
  const tls = await import("node:tls");
  const socket = inner instanceof NodeSocketTransport
    ? inner.detach()
    : await transportToDuplex(inner);
  const secure = tls.connect({
    socket,
    host: name,
    servername: isIpLiteral(name) ? undefined : name,
    ca,
    rejectUnauthorized: !insecure,
  });
  const established = new Promise<void>((resolve, reject) => {
    const onClose = () => reject(new Error("socket hang up"));
    secure.once("secureConnect", () => {
      secure.off("error", reject);
      secure.off("close", onClose);
      resolve();
    });
    secure.once("error", reject);
    secure.once("close", onClose);
  });
  try {
    await race(established, () => secure.destroy());
  } catch (err) {
    secure.destroy();
    socket.destroy();
    throw err;
  }
  return new NodeTlsTransport(secure, remoteAddr);
}
