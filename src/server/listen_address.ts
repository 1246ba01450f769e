/**
 * Listen URLs (`rtmp://host:port`): the scheme picks the transport stack, host and port where to
 * bind.
 *
 * @module
 */

import { UnsupportedTransportError } from "../../transports/transport_error.ts";

/** Default RTMP port. */
export const DEFAULT_RTMP_PORT = 1935;

/** Listen URL schemes and whether this version serves them. */
const SCHEMES: Readonly<Record<string, boolean>> = {
  rtmp: true,
  rtmps: false,
  rtmpt: false,
  rtmpts: false,
  rtmpe: false,
  rtmpte: false,
};

/** Where and how to listen. */
export interface ListenAddress {
  /** Transport scheme; only "rtmp" (plain TCP) is served in this version. */
  scheme: "rtmp";
  /** Address to bind (brackets of an IPv6 literal removed). */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
}

/**
 * Parses a listen URL such as `rtmp://127.0.0.1:1935` or `rtmp://[::1]:0`. The port defaults to
 * 1935; a path is ignored. Throws {@linkcode UnsupportedTransportError} for rtmps://, rtmpt://
 * and rtmpts:// (not served yet) and `TypeError` for anything that is not a listen URL.
 */
export function parseListenUrl(text: string): ListenAddress {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (match === null) {
    throw new TypeError(`Cannot listen on "${text}": expected a URL such as rtmp://127.0.0.1:1935`);
  }
  const scheme = match[1].toLowerCase();
  if (!(scheme in SCHEMES)) {
    throw new TypeError(`Cannot listen on "${text}": unknown scheme ${scheme}://`);
  }
  if (!SCHEMES[scheme]) {
    throw new UnsupportedTransportError(
      `Cannot listen on "${text}": ${scheme}:// is not supported yet (only rtmp://)`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new TypeError(`Cannot listen on "${text}": not a valid URL`, { cause: err });
  }
  let hostname = url.hostname;
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  if (hostname === "") throw new TypeError(`Cannot listen on "${text}": no host`);
  const port = url.port === "" ? DEFAULT_RTMP_PORT : Number(url.port);
  return { scheme: "rtmp", hostname, port };
}
