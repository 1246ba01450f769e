/**
 * rtmpdump's default tcUrl.
 *
 * @module
 */

import { protocolName } from "./protocol.ts";

/**
 * Builds `<scheme>://<host>:<port>/<app>` with the lower-case scheme of `protocol` and the
 * port always written, as rtmpdump does when `-t` is not given (and as `RTMP_SetupURL` does
 * when `app=` is). A host containing ':' (IPv6) is bracketed.
 *
 * @throws {RangeError} for a number that is not one of `Protocol`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTcUrl } from "./build_tc_url.ts";
 * import { Protocol } from "./protocol.ts";
 *
 * assert.equal(buildTcUrl(Protocol.RTMPE, "example.com", 1935, "vod"), "rtmpe://example.com:1935/vod");
 * assert.equal(buildTcUrl(Protocol.RTMP, "::1", 1935, "live"), "rtmp://[::1]:1935/live");
 * ```
 */
export function buildTcUrl(protocol: number, host: string, port: number, app: string): string {
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return `${protocolName(protocol)}://${hostPart}:${port}/${app}`;
}
