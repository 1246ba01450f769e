/**
 * Which requested feature the downloader cannot serve yet. The command line accepts all of
 * rtmpdump's options; the download step stops with a "not supported yet" message naming the
 * first one this function reports.
 *
 * @module
 */

import { Protocol } from "../url/protocol.ts";
import type { DownloadOptions } from "./download_options.ts";

/** Protocols the downloader serves: plain RTMP, and RTMFP, which librtmp also runs over TCP. */
const SUPPORTED_PROTOCOLS: ReadonlySet<number> = new Set([Protocol.RTMP, Protocol.RTMFP]);

const PROTOCOL_FEATURES: ReadonlyMap<number, string> = new Map([
  [Protocol.RTMPT, "RTMPT (rtmpt://)"],
  [Protocol.RTMPE, "RTMPE (rtmpe://)"],
  [Protocol.RTMPTE, "RTMPTE (rtmpte://)"],
  [Protocol.RTMPS, "RTMPS (rtmps://)"],
  [Protocol.RTMPTS, "RTMPTS (rtmpts://)"],
]);

/**
 * Names the first feature `options` asks for that is not implemented yet, in this order: a
 * protocol other than plain RTMP, a SOCKS proxy, SWF verification (`--swfVfy`, or
 * `--swfhash` with `--swfsize`), SecureToken, the Justin.tv token. Undefined when
 * the download can go ahead. Features rtmpdump itself ignored (for example `--resume` with
 * `--live`) are not reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDownloadOptions } from "./download_options.ts";
 * import { Logger } from "./logger.ts";
 * import { unsupportedFeature } from "./unsupported_feature.ts";
 * const result = buildDownloadOptions(["-r", "rtmpe://h/app/x", "-o", "x.flv"], new Logger(() => {}));
 * if ("options" in result) assert.equal(unsupportedFeature(result.options), "RTMPE (rtmpe://)");
 * ```
 */
export function unsupportedFeature(options: DownloadOptions): string | undefined {
  if (!SUPPORTED_PROTOCOLS.has(options.protocol)) {
    return PROTOCOL_FEATURES.get(options.protocol) ?? `protocol ${options.protocol}`;
  }
  if (options.socks !== undefined) return "--socks";
  if (options.swfVfy) return "--swfVfy";
  if (options.swfHash !== undefined) return "--swfhash/--swfsize (SWF verification)";
  if (options.token !== undefined) return "--token";
  if (options.jtv !== undefined) return "--jtv";
  return undefined;
}
