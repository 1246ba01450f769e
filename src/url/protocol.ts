/**
 * RTMP protocol numbers, feature bits, names and default ports (librtmp `rtmp.h`,
 * `RTMP_ParseURL` and `RTMP_SetupURL`).
 *
 * @module
 */

/**
 * librtmp's protocol numbers. Each is a combination of {@linkcode PROTOCOL_FEATURE} bits; RTMFP
 * is recognised in URLs but librtmp (and this library) speaks plain RTMP for it.
 */
export const Protocol = {
  RTMP: 0,
  RTMPT: 1,
  RTMPE: 2,
  RTMPTE: 3,
  RTMPS: 4,
  RTMPTS: 5,
  RTMFP: 8,
} as const;

/** A protocol number from {@linkcode Protocol}. */
export type Protocol = typeof Protocol[keyof typeof Protocol];

/** Protocol feature bits: HTTP tunnel, RTMPE encryption, TLS, RTMFP, and publishing. */
export const PROTOCOL_FEATURE = {
  HTTP: 0x01,
  ENC: 0x02,
  SSL: 0x04,
  MFP: 0x08,
  WRITE: 0x10,
} as const;

/** Port used when an RTMP URL gives none and the protocol has neither TLS nor HTTP. */
export const DEFAULT_RTMP_PORT = 1935;
/** Default port of the HTTP-tunnelled protocols (rtmpt, rtmpte). */
export const DEFAULT_HTTP_PORT = 80;
/** Default port of the TLS protocols (rtmps, rtmpts). */
export const DEFAULT_HTTPS_PORT = 443;

/** Lower-case scheme of each protocol number, as librtmp writes it into tcUrl. */
const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [Protocol.RTMP, "rtmp"],
  [Protocol.RTMPT, "rtmpt"],
  [Protocol.RTMPE, "rtmpe"],
  [Protocol.RTMPTE, "rtmpte"],
  [Protocol.RTMPS, "rtmps"],
  [Protocol.RTMPTS, "rtmpts"],
  [Protocol.RTMFP, "rtmfp"],
]);

/**
 * The lower-case scheme of a protocol number ("rtmp", "rtmpte", …), as tcUrl uses it.
 *
 * @throws {RangeError} for a number that is not one of {@linkcode Protocol}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Protocol, protocolName } from "./protocol.ts";
 *
 * assert.equal(protocolName(Protocol.RTMPTE), "rtmpte");
 * ```
 */
export function protocolName(protocol: number): string {
  const name = PROTOCOL_NAMES.get(protocol);
  if (name === undefined) {
    throw new RangeError(`Cannot name protocol ${protocol}: not an RTMP protocol number`);
  }
  return name;
}

/**
 * The protocol number of a scheme, compared case-insensitively as librtmp does, or
 * `undefined` for a scheme librtmp does not know.
 */
export function protocolFromScheme(scheme: string): Protocol | undefined {
  const lower = scheme.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (const [protocol, name] of PROTOCOL_NAMES) {
    if (name === lower) return protocol as Protocol;
  }
  return undefined;
}

/**
 * The port librtmp uses when none is given: 443 with the TLS bit, else 80 with the HTTP bit,
 * else 1935.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultPort, Protocol } from "./protocol.ts";
 *
 * assert.equal(defaultPort(Protocol.RTMPTS), 443);
 * assert.equal(defaultPort(Protocol.RTMPTE), 80);
 * assert.equal(defaultPort(Protocol.RTMFP), 1935);
 * ```
 */
export function defaultPort(protocol: number): number {
  if (protocol & PROTOCOL_FEATURE.SSL) return DEFAULT_HTTPS_PORT;
  if (protocol & PROTOCOL_FEATURE.HTTP) return DEFAULT_HTTP_PORT;
  return DEFAULT_RTMP_PORT;
}
