/**
 * Which requested feature the downloader cannot serve yet. The command line accepts all of
 * rtmpdump's options; the download step stops with a "not supported yet" message naming the
 * first one this function reports.
 *
 * @module
 */

import { unsupportedLayer } from "../../transports/stack.ts";
import type { DownloadOptions } from "./download_options.ts";

/**
 * Names the first feature `options` asks for that is not implemented yet, in this order: a
 * transport layer the protocol needs (read from the transport stack's layer list) or a kind of
 * `--proxy` the stack cannot build. Undefined when the download can go ahead (every layer and
 * proxy kind is served in this version). Features rtmpdump itself
 * ignored (for example `--resume` with `--live`) are not reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDownloadOptions } from "./download_options.ts";
 * import { Logger } from "./logger.ts";
 * import { unsupportedFeature } from "./unsupported_feature.ts";
 * const result = buildDownloadOptions(["-r", "rtmpe://h/app/x", "-o", "x.flv"], new Logger(() => {}));
 * if ("options" in result) {
 *   assert.equal(unsupportedFeature(result.options), undefined);
 * }
 * ```
 */
export function unsupportedFeature(options: DownloadOptions): string | undefined {
  return unsupportedLayer({
    protocol: options.protocol,
    socks: options.socks,
    proxy: options.proxy,
  });
}
