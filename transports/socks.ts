/**
 * SOCKS proxies under a client stack: SOCKS4 as rtmpdump speaks it (`-S host:port`; the target
 * is resolved here and must be IPv4, librtmp-facts §8.2), SOCKS4a (the proxy resolves the name)
 * and SOCKS5 (RFC 1928: names go to the proxy, IPv4 and IPv6 literals as addresses; no
 * authentication, or user name and password per RFC 1929).
 *
 * The dialer opens the connection to the proxy with the dialer below (TCP), negotiates, and
 * hands back that same connection, now a tunnel to the target, for TLS or RTMP to run over.
 * Every reply is read to its exact length; the whole dial, the proxy's connect included, ends
 * within the caller's connect timeout. A refusal, a reply that is not SOCKS, a close or a
 * silence is a {@linkcode ConnectError} with code `EPROTO` and one line saying which, e.g.
 * "Cannot connect to example.com:1935: the SOCKS5 proxy refused: connection not allowed by
 * ruleset (code 2)". Failing to reach the proxy itself keeps the system error's code.
 *
 * @module
 */

import type { Dialer, DialTarget } from "./dialer.ts";
import { DialDeadline, interruptedDial, PROTOCOL_FAILURE_CODE } from "./dial_deadline.ts";
import { ExactReader } from "./exact_reader.ts";
import { parseIpv4, parseIpv6 } from "./ip_address.ts";
import { withPrefix } from "./prefixed_transport.ts";
import type { ProxyUrl } from "./proxy_url.ts";
import {
  encodeSocks4Request,
  encodeSocks5Connect,
  encodeSocks5Greeting,
  encodeSocks5PasswordAuth,
  readSocks4Reply,
  readSocks5MethodChoice,
  readSocks5PasswordReply,
  readSocks5Reply,
  SOCKS4_REPLY_LENGTH,
  SOCKS4A_MARKER,
  SOCKS5_METHOD_NONE,
  SOCKS5_METHOD_PASSWORD,
  SOCKS5_NO_ACCEPTABLE_METHOD,
  SOCKS5_REPLY_HEAD_LENGTH,
  SOCKS5_SHORT_REPLY_LENGTH,
  socks5Address,
  socks5ReplyLength,
  type SocksReply,
} from "./socks_protocol.ts";
import { bareHost, hostPort } from "./tcp.ts";
import type { Transport } from "./transport.ts";
import { ConnectError, describeNetworkError, systemErrorCode } from "./transport_error.ts";

/** Resolves a host name to its IPv4 addresses (SOCKS4 resolves the target itself). */
export type Ipv4Resolver = (host: string) => Promise<string[]>;

/** Options of {@linkcode socksDialer}. */
export interface SocksDialerOptions {
  /** How SOCKS4 resolves a target name (default: the system resolver, hosts file included). */
  resolveIpv4?: Ipv4Resolver;
}

/** The system resolver through `node:dns` (getaddrinfo, so /etc/hosts counts, as for rtmpdump). */
const systemResolveIpv4: Ipv4Resolver = async (host) => {
  const dns = await import("node:dns");
  const found = await dns.promises.lookup(host, { family: 4, all: true });
  return found.map((entry) => entry.address);
};

/** A negotiation that failed in a way the user should read as is. */
class NegotiationError extends Error {}

/**
 * Wraps `below` (the dialer that reaches the proxy, normally TCP) in a SOCKS4, SOCKS4a or
 * SOCKS5 client for `proxy`. An `http` proxy is not SOCKS: it throws `TypeError`.
 *
 * @example
 * ```ts ignore
 * import { tcpDialer } from "./dialer.ts";
 * import { parseProxyUrl } from "./proxy_url.ts";
 * import { socksDialer } from "./socks.ts";
 * const dial = socksDialer(parseProxyUrl("socks5://127.0.0.1:1080"), tcpDialer);
 * const transport = await dial({ host: "example.com", port: 1935 });
 * ```
 */
export function socksDialer(
  proxy: ProxyUrl,
  below: Dialer,
  options: SocksDialerOptions = {},
): Dialer {
  if (proxy.kind === "http") throw new TypeError("Cannot use an HTTP proxy as a SOCKS proxy");
  const label = proxy.kind === "socks5"
    ? "SOCKS5"
    : proxy.kind === "socks4a"
    ? "SOCKS4a"
    : "SOCKS4";
  const proxyAddress = hostPort(proxy.host, proxy.port);
  const resolve = options.resolveIpv4 ?? systemResolveIpv4;

  return async (target, dialOptions = {}) => {
    const deadline = new DialDeadline(dialOptions);
    const where = `Cannot connect to ${hostPort(target.host, target.port)}`;
    const failure = (detail: string, cause?: unknown) =>
      new ConnectError(`${where}: ${detail}`, { cause, code: PROTOCOL_FAILURE_CODE });
    const timeout = () =>
      failure(`the ${label} proxy ${proxyAddress} did not answer ${deadline.describeLimit()}`);
    const aborted = () => interruptedDial(where, deadline.signal);

    // Everything that can fail without the proxy fails before connecting to it.
    let request: Uint8Array | Socks5Plan;
    try {
      request = proxy.kind === "socks5" ? planSocks5(proxy, target) : await deadline.race(
        socks4Request(proxy, target, label, resolve),
        () => {},
        timeout,
        aborted,
      );
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      if (err instanceof NegotiationError || err instanceof RangeError) {
        throw failure(err.message);
      }
      throw new ConnectError(`${where}: ${describeNetworkError(err)}`, {
        cause: err,
        code: systemErrorCode(err),
      });
    }

    let transport: Transport;
    try {
      transport = await below({ host: proxy.host, port: proxy.port }, deadline.remaining());
    } catch (err) {
      throw proxyUnreachable(err, label, proxyAddress);
    }
    try {
      const reader = new ExactReader(transport);
      const step = request instanceof Uint8Array
        ? negotiateSocks4(transport, reader, request)
        : negotiateSocks5(transport, reader, request);
      await deadline.race(step, () => void transport.close(), timeout, aborted);
      return withPrefix(transport, reader.leftover());
    } catch (err) {
      await transport.close();
      if (err instanceof ConnectError) throw err;
      if (err instanceof NegotiationError) throw failure(`the ${label} proxy ${err.message}`);
      throw failure(
        `the connection to the ${label} proxy failed: ${describeNetworkError(err)}`,
        err,
      );
    }
  };
}

/** The dialer below could not reach the proxy: say so, keeping the system error's code. */
function proxyUnreachable(err: unknown, label: string, proxyAddress: string): ConnectError {
  const message = err instanceof Error ? err.message : String(err);
  const prefix = `Cannot connect to ${proxyAddress}: `;
  const detail = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  return new ConnectError(`Cannot connect to the ${label} proxy ${proxyAddress}: ${detail}`, {
    cause: err,
    code: err instanceof ConnectError ? err.code : systemErrorCode(err),
  });
}

/** The SOCKS4 or SOCKS4a request for `target`, resolving its name locally for SOCKS4. */
async function socks4Request(
  proxy: ProxyUrl,
  target: DialTarget,
  label: string,
  resolve: Ipv4Resolver,
): Promise<Uint8Array> {
  const host = bareHost(target.host);
  const userId = proxy.username ?? "";
  const v4 = parseIpv4(host);
  if (v4 !== undefined) return encodeSocks4Request(target.port, v4, userId);
  if (parseIpv6(host) !== undefined || host.includes(":")) {
    throw new NegotiationError(`${label} cannot reach IPv6 addresses; use a socks5:// proxy`);
  }
  if (proxy.kind === "socks4a") {
    return encodeSocks4Request(target.port, SOCKS4A_MARKER, userId, host);
  }
  const addresses = await resolve(host);
  const first = addresses.map(parseIpv4).find((a) => a !== undefined);
  if (first === undefined) {
    throw new NegotiationError(
      `${host} has no IPv4 address, which SOCKS4 needs; use a socks4a:// or socks5:// proxy`,
    );
  }
  return encodeSocks4Request(target.port, first, userId);
}

async function negotiateSocks4(
  transport: Transport,
  reader: ExactReader,
  request: Uint8Array,
): Promise<void> {
  await transport.write(request);
  check(await reply(reader, SOCKS4_REPLY_LENGTH), readSocks4Reply);
}

/** What SOCKS5 sends, prepared before connecting. */
interface Socks5Plan {
  methods: number[];
  auth: Uint8Array | undefined;
  connect: Uint8Array;
}

function planSocks5(proxy: ProxyUrl, target: DialTarget): Socks5Plan {
  const host = bareHost(target.host);
  if (host.includes("%")) {
    throw new NegotiationError("an IPv6 zone index cannot be sent through a proxy");
  }
  const connect = encodeSocks5Connect(socks5Address(host), target.port);
  if (proxy.username === undefined) {
    return { methods: [SOCKS5_METHOD_NONE], auth: undefined, connect };
  }
  return {
    methods: [SOCKS5_METHOD_NONE, SOCKS5_METHOD_PASSWORD],
    auth: encodeSocks5PasswordAuth(proxy.username, proxy.password ?? ""),
    connect,
  };
}

async function negotiateSocks5(
  transport: Transport,
  reader: ExactReader,
  plan: Socks5Plan,
): Promise<void> {
  await transport.write(encodeSocks5Greeting(plan.methods));
  const choice = readSocks5MethodChoice(
    await reply(reader, SOCKS5_SHORT_REPLY_LENGTH),
    plan.methods,
  );
  if (typeof choice !== "number") throw new NegotiationError(`sent a bad reply: ${choice.detail}`);
  if (choice === SOCKS5_NO_ACCEPTABLE_METHOD) {
    throw new NegotiationError(
      plan.auth === undefined
        ? "wants authentication; give a user name and password (socks5://USER:PASS@HOST:PORT)"
        : "accepts neither no authentication nor a user name and password",
    );
  }
  if (choice === SOCKS5_METHOD_PASSWORD && plan.auth !== undefined) {
    await transport.write(plan.auth);
    const status = readSocks5PasswordReply(await reply(reader, SOCKS5_SHORT_REPLY_LENGTH));
    if (status.kind === "refused") throw new NegotiationError("refused the user name or password");
    if (status.kind === "invalid") throw new NegotiationError(`sent a bad reply: ${status.detail}`);
  }
  await transport.write(plan.connect);
  const head = await reply(reader, SOCKS5_REPLY_HEAD_LENGTH);
  const length = socks5ReplyLength(head);
  if (typeof length !== "number") throw new NegotiationError(`sent a bad reply: ${length.detail}`);
  const rest = await reply(reader, length - SOCKS5_REPLY_HEAD_LENGTH, true);
  const whole = new Uint8Array(length);
  whole.set(head);
  whole.set(rest, head.length);
  check(whole, readSocks5Reply);
}

/**
 * Exactly `length` bytes of reply, or a NegotiationError saying the proxy closed. `continued`:
 * these bytes are the rest of a reply whose start was read already.
 */
async function reply(reader: ExactReader, length: number, continued = false): Promise<Uint8Array> {
  const before = reader.received;
  const bytes = await reader.read(length);
  if (bytes === null) {
    throw new NegotiationError(
      reader.received === before && !continued
        ? "closed the connection without answering"
        : "closed the connection in the middle of its reply",
    );
  }
  return bytes;
}

function check(bytes: Uint8Array, read: (bytes: Uint8Array) => SocksReply): void {
  const result = read(bytes);
  if (result.kind === "refused") {
    throw new NegotiationError(`refused: ${result.reason} (code ${result.code})`);
  }
  if (result.kind === "invalid") throw new NegotiationError(`sent a bad reply: ${result.detail}`);
}
