/**
 * SOCKS byte layouts, without I/O: the SOCKS4 CONNECT request as rtmpdump sends it
 * (librtmp-facts §8.2: `04 01 <port BE> <IPv4> <user id> 00`), SOCKS4a's variant with the name
 * after the user id (address 0.0.0.1), and SOCKS5 (RFC 1928) with no authentication or user
 * name and password (RFC 1929), with the readers of each reply.
 *
 * @module
 */

import { IPV4_LENGTH, IPV6_LENGTH, parseIpv4, parseIpv6 } from "./ip_address.ts";

/** SOCKS4 request version byte. */
export const SOCKS4_VERSION = 0x04;
/** SOCKS5 version byte (greeting, request and reply). */
export const SOCKS5_VERSION = 0x05;
/** The CONNECT command, in SOCKS4 and SOCKS5. */
export const SOCKS_CONNECT = 0x01;
/** Length of a SOCKS4 reply. */
export const SOCKS4_REPLY_LENGTH = 8;
/** First byte of a SOCKS4 reply (the reply's version). */
export const SOCKS4_REPLY_VERSION = 0x00;
/** SOCKS4 reply code: request granted. */
export const SOCKS4_GRANTED = 90;
/** SOCKS4a's marker address 0.0.0.1: "the host name follows the user id". */
export const SOCKS4A_MARKER = new Uint8Array([0, 0, 0, 1]);
/** SOCKS5 method: no authentication. */
export const SOCKS5_METHOD_NONE = 0x00;
/** SOCKS5 method: user name and password (RFC 1929). */
export const SOCKS5_METHOD_PASSWORD = 0x02;
/** SOCKS5 method choice: none of the offered methods is acceptable. */
export const SOCKS5_NO_ACCEPTABLE_METHOD = 0xff;
/** Version byte of the RFC 1929 sub-negotiation. */
export const SOCKS5_PASSWORD_VERSION = 0x01;
/** SOCKS5 address types. */
export const SOCKS5_ADDRESS = { IPV4: 0x01, DOMAIN: 0x03, IPV6: 0x04 } as const;
/** SOCKS5 reply code: succeeded. */
export const SOCKS5_SUCCEEDED = 0x00;
/** Length of a SOCKS5 method choice and of an RFC 1929 status reply. */
export const SOCKS5_SHORT_REPLY_LENGTH = 2;
/** Bytes of a SOCKS5 reply that tell its full length (up to the domain length byte). */
export const SOCKS5_REPLY_HEAD_LENGTH = 5;
/** Longest name, user name or password a length byte can carry. */
export const SOCKS_MAX_FIELD_LENGTH = 255;

/** SOCKS4 refusal codes (91–93), in words. */
export const SOCKS4_REFUSALS: Readonly<Record<number, string>> = {
  91: "request rejected or failed",
  92: "the proxy could not reach the identd service on this machine",
  93: "the user id does not match what identd reports",
};

/** SOCKS5 reply codes 1–8 (RFC 1928 §6), in words. */
export const SOCKS5_REFUSALS: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** What a reply said. */
export type SocksReply =
  | { kind: "granted" }
  | { kind: "refused"; code: number; reason: string }
  | { kind: "invalid"; detail: string };

const encoder = new TextEncoder();

/** Bytes of `text` as a NUL-terminated field; RangeError when it holds a NUL or is too long. */
function cString(text: string, what: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.includes(0)) throw new RangeError(`the ${what} contains a NUL character`);
  if (bytes.length > SOCKS_MAX_FIELD_LENGTH) {
    throw new RangeError(`the ${what} is longer than ${SOCKS_MAX_FIELD_LENGTH} bytes`);
  }
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Bytes of `text` after a length byte; RangeError when empty or longer than 255 bytes. */
function lengthPrefixed(text: string, what: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length === 0) throw new RangeError(`the ${what} is empty`);
  if (bytes.length > SOCKS_MAX_FIELD_LENGTH) {
    throw new RangeError(`the ${what} is longer than ${SOCKS_MAX_FIELD_LENGTH} bytes`);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function portBytes(port: number): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`the port ${port} is not between 0 and 65535`);
  }
  return new Uint8Array([port >> 8, port & 0xff]);
}

/**
 * A SOCKS4 CONNECT request to an IPv4 address, or with `hostname` a SOCKS4a request (the
 * address is then {@linkcode SOCKS4A_MARKER}'s and the proxy resolves the name). Throws
 * RangeError for a field SOCKS4 cannot carry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeSocks4Request } from "./socks_protocol.ts";
 * // rtmpdump -S to 10.1.2.3:1936
 * assert.deepEqual(
 *   encodeSocks4Request(1936, new Uint8Array([10, 1, 2, 3]), ""),
 *   new Uint8Array([0x04, 0x01, 0x07, 0x90, 10, 1, 2, 3, 0x00]),
 * );
 * ```
 */
export function encodeSocks4Request(
  port: number,
  address: Uint8Array,
  userId: string,
  hostname?: string,
): Uint8Array {
  if (address.length !== IPV4_LENGTH) throw new RangeError("a SOCKS4 address has 4 bytes");
  const parts = [
    new Uint8Array([SOCKS4_VERSION, SOCKS_CONNECT]),
    portBytes(port),
    address,
    cString(userId, "user id"),
  ];
  if (hostname !== undefined) parts.push(cString(hostname, "host name"));
  return concat(parts);
}

/** Reads an 8-byte SOCKS4 reply. */
export function readSocks4Reply(reply: Uint8Array): SocksReply {
  if (reply.length !== SOCKS4_REPLY_LENGTH || reply[0] !== SOCKS4_REPLY_VERSION) {
    return { kind: "invalid", detail: `it is not a SOCKS4 reply (${hexStart(reply)})` };
  }
  const code = reply[1];
  if (code === SOCKS4_GRANTED) return { kind: "granted" };
  const reason = SOCKS4_REFUSALS[code];
  if (reason === undefined) {
    return { kind: "invalid", detail: `it is not a SOCKS4 reply (unknown code ${code})` };
  }
  return { kind: "refused", code, reason };
}

/** The SOCKS5 greeting offering `methods`. */
export function encodeSocks5Greeting(methods: readonly number[]): Uint8Array {
  if (methods.length === 0 || methods.length > SOCKS_MAX_FIELD_LENGTH) {
    throw new RangeError("a SOCKS5 greeting offers 1 to 255 methods");
  }
  return new Uint8Array([SOCKS5_VERSION, methods.length, ...methods]);
}

/**
 * Reads the proxy's 2-byte method choice: the method, or "invalid" when the reply is not SOCKS5
 * or names a method that was not offered ({@linkcode SOCKS5_NO_ACCEPTABLE_METHOD} is returned
 * as it is).
 */
export function readSocks5MethodChoice(
  reply: Uint8Array,
  offered: readonly number[],
): number | { kind: "invalid"; detail: string } {
  if (reply.length !== SOCKS5_SHORT_REPLY_LENGTH || reply[0] !== SOCKS5_VERSION) {
    return { kind: "invalid", detail: `it is not a SOCKS5 reply (${hexStart(reply)})` };
  }
  const method = reply[1];
  if (method !== SOCKS5_NO_ACCEPTABLE_METHOD && !offered.includes(method)) {
    return { kind: "invalid", detail: `it chose method ${method}, which was not offered` };
  }
  return method;
}

/** The RFC 1929 user name and password request. Throws RangeError for empty or long fields. */
export function encodeSocks5PasswordAuth(username: string, password: string): Uint8Array {
  return concat([
    new Uint8Array([SOCKS5_PASSWORD_VERSION]),
    lengthPrefixed(username, "user name"),
    lengthPrefixed(password, "password"),
  ]);
}

/**
 * Reads the RFC 1929 status reply: "granted" for status 0. Some proxies answer with version 5
 * instead of 1; that is accepted.
 */
export function readSocks5PasswordReply(reply: Uint8Array): SocksReply {
  const version = reply[0];
  if (
    reply.length !== SOCKS5_SHORT_REPLY_LENGTH ||
    (version !== SOCKS5_PASSWORD_VERSION && version !== SOCKS5_VERSION)
  ) {
    return { kind: "invalid", detail: `it is not a SOCKS5 reply (${hexStart(reply)})` };
  }
  if (reply[1] === 0) return { kind: "granted" };
  return { kind: "refused", code: reply[1], reason: "wrong user name or password" };
}

/** A SOCKS5 destination: an IPv4 or IPv6 address, or a name the proxy resolves. */
export type Socks5Address =
  | { type: "ipv4"; bytes: Uint8Array }
  | { type: "ipv6"; bytes: Uint8Array }
  | { type: "domain"; name: string };

/** The SOCKS5 destination for a host: literals as addresses, anything else as a name. */
export function socks5Address(host: string): Socks5Address {
  const v4 = parseIpv4(host);
  if (v4 !== undefined) return { type: "ipv4", bytes: v4 };
  const v6 = parseIpv6(host);
  if (v6 !== undefined) return { type: "ipv6", bytes: v6 };
  return { type: "domain", name: host };
}

/**
 * The SOCKS5 CONNECT request. Throws RangeError for a name longer than 255 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeSocks5Connect, socks5Address } from "./socks_protocol.ts";
 * assert.deepEqual(
 *   encodeSocks5Connect(socks5Address("a.b"), 1935),
 *   new Uint8Array([5, 1, 0, 3, 3, 0x61, 0x2e, 0x62, 0x07, 0x8f]),
 * );
 * ```
 */
export function encodeSocks5Connect(address: Socks5Address, port: number): Uint8Array {
  const head = new Uint8Array([SOCKS5_VERSION, SOCKS_CONNECT, 0x00]);
  let body: Uint8Array;
  switch (address.type) {
    case "ipv4":
      body = concat([new Uint8Array([SOCKS5_ADDRESS.IPV4]), address.bytes]);
      break;
    case "ipv6":
      body = concat([new Uint8Array([SOCKS5_ADDRESS.IPV6]), address.bytes]);
      break;
    case "domain":
      body = concat([
        new Uint8Array([SOCKS5_ADDRESS.DOMAIN]),
        lengthPrefixed(address.name, "host name"),
      ]);
      break;
  }
  return concat([head, body, portBytes(port)]);
}

/**
 * The full length of a SOCKS5 reply from its first {@linkcode SOCKS5_REPLY_HEAD_LENGTH} bytes
 * (version, code, reserved, address type, first address byte), or "invalid" when they are not
 * the start of a SOCKS5 reply.
 */
export function socks5ReplyLength(
  head: Uint8Array,
): number | { kind: "invalid"; detail: string } {
  if (head.length < SOCKS5_REPLY_HEAD_LENGTH || head[0] !== SOCKS5_VERSION) {
    return { kind: "invalid", detail: `it is not a SOCKS5 reply (${hexStart(head)})` };
  }
  const fixed = 4 + 2; // version, code, reserved, type … port
  switch (head[3]) {
    case SOCKS5_ADDRESS.IPV4:
      return fixed + IPV4_LENGTH;
    case SOCKS5_ADDRESS.IPV6:
      return fixed + IPV6_LENGTH;
    case SOCKS5_ADDRESS.DOMAIN:
      return fixed + 1 + head[4];
    default:
      return {
        kind: "invalid",
        detail: `it is not a SOCKS5 reply (unknown address type ${head[3]})`,
      };
  }
}

/** Reads a whole SOCKS5 reply (its length from {@linkcode socks5ReplyLength}). */
export function readSocks5Reply(reply: Uint8Array): SocksReply {
  const length = socks5ReplyLength(reply);
  if (typeof length !== "number") return length;
  if (reply.length !== length) {
    return { kind: "invalid", detail: `it is not a SOCKS5 reply (${hexStart(reply)})` };
  }
  const code = reply[1];
  if (code === SOCKS5_SUCCEEDED) return { kind: "granted" };
  const reason = SOCKS5_REFUSALS[code];
  if (reason === undefined) {
    return { kind: "invalid", detail: `it is not a SOCKS5 reply (unknown code ${code})` };
  }
  return { kind: "refused", code, reason };
}

/** Bytes to show of a reply that is not what was expected. */
const SHOWN_BYTES = 8;

/** "starts 48 54 54 50 2f 31 2e 31" — the first bytes of an unexpected reply, in hex. */
export function hexStart(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, SHOWN_BYTES), (b) => b.toString(16).padStart(2, "0"));
  return `starts ${shown.join(" ")}${bytes.length > SHOWN_BYTES ? " …" : ""}`;
}
