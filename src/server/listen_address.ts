/**
 * Listen URLs (`rtmp://host:port`, `rtmps://…`, `rtmpt://…`, `rtmpts://…`): the scheme picks the
 * transport stack (transports/listen.ts holds the list), host and port say where to bind.
 *
 * @module
 */

import { type ListenScheme, listenScheme } from "../../transports/listen.ts";

/** Default RTMP port. */
export const DEFAULT_RTMP_PORT = 1935;

/** Schemes that are served by another listen scheme, and which. */
const SERVED_BY: Readonly<Record<string, string>> = { rtmpe: "rtmp", rtmpte: "rtmpt" };

/** Where and how to listen. */
export interface ListenAddress {
  /** Transport scheme, lower case: "rtmp", "rtmps", "rtmpt" or "rtmpts". */
  scheme: string;
  /** Address to bind (brackets of an IPv6 literal removed). */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
}

/**
 * Parses a listen URL such as `rtmp://127.0.0.1:1935`, `rtmps://[::1]:0` or
 * `rtmpt://127.0.0.1:8080`. The port defaults to the scheme's (1935, 443, 80, 443); a path is
 * ignored. Throws `TypeError` for anything that is not a listen URL, an unknown scheme among
 * them.
 */
export function parseListenUrl(text: string): ListenAddress {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (match === null) {
    throw new TypeError(`Cannot listen on "${text}": expected a URL such as rtmp://127.0.0.1:1935`);
  }
  const scheme = match[1].toLowerCase();
  if (scheme in SERVED_BY) {
    throw new TypeError(
      `Cannot listen on "${text}": use ${
        SERVED_BY[scheme]
      }://, which also accepts ${scheme} clients`,
    );
  }
  const entry: ListenScheme | undefined = listenScheme(scheme);
  if (entry === undefined) {
    throw new TypeError(`Cannot listen on "${text}": unknown scheme ${scheme}://`);
  }
  let url: URL;
  try {
    // URL only knows the ports of special schemes; parse as a neutral one.
    url = new URL(`x-listen://${text.slice(match[0].length)}`);
  } catch (err) {
    throw new TypeError(`Cannot listen on "${text}": not a valid URL`, { cause: err });
  }
  let hostname = url.hostname;
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  if (hostname === "") throw new TypeError(`Cannot listen on "${text}": no host`);
  const port = url.port === "" ? entry.defaultPort : Number(url.port);
  return { scheme, hostname, port };
}
