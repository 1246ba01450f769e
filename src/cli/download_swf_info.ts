/**
 * rtmpdump's SWF verification options for a download: `-W/--swfVfy URL` (with `-X/--swfAge`
 * and the `$HOME/.swfinfo` cache) or `-w/--swfhash` with `-x/--swfsize`. As in rtmpdump, a
 * `--swfVfy` that fails is logged and the download goes on without SWF data (or with `-w`/`-x`
 * when both were given); unlike rtmpdump, ZWS files are hashed and redirects are followed.
 *
 * @module
 */

import { resolveSwfInfo, type ResolveSwfInfoOptions } from "../swf/resolve_swf_info.ts";
import type { SwfInfo } from "../swf/swf_hash.ts";
import { type Logger, LogLevel } from "./logger.ts";
import { swfInfoFile, swfInfoPath } from "./swf_info_file.ts";

/** The download options this step reads (fields of the CLI's download options). */
export interface DownloadSwfOptions {
  /** `--swfVfy`: fetch `swfUrl` and hash it. */
  swfVfy: boolean;
  /** The SWF URL (`--swfVfy URL` sets it, as `--swfUrl` does). */
  swfUrl: string | undefined;
  /** `--swfAge` days. */
  swfAge: number;
  /** `--swfhash`, present only with a size. */
  swfHash: Uint8Array | undefined;
  /** `--swfsize`, 0 when none. */
  swfSize: number;
}

/**
 * The SWF hash and size to verify with, or undefined for none. `home` is `$HOME`; `resolve`
 * options (fetch, clock) are for tests.
 */
export async function downloadSwfInfo(
  options: DownloadSwfOptions,
  log: Logger,
  home: string | undefined,
  resolve: Omit<ResolveSwfInfoOptions, "maxAgeDays" | "store" | "onWarning"> = {},
): Promise<SwfInfo | undefined> {
  const info = await resolveInfo(options, log, home, resolve);
  if (info !== undefined && options.swfVfy) {
    // What RTMP_SetupStream logs about the SWF, once --swfVfy has found it.
    log.debug("SWFSHA256:");
    log.logHex(LogLevel.DEBUG, info.hash);
    log.debug(`SWFSize  : ${info.size}`);
  }
  return info;
}

async function resolveInfo(
  options: DownloadSwfOptions,
  log: Logger,
  home: string | undefined,
  resolve: Omit<ResolveSwfInfoOptions, "maxAgeDays" | "store" | "onWarning">,
): Promise<SwfInfo | undefined> {
  if (options.swfVfy && options.swfUrl !== undefined) {
    try {
      const resolved = await resolveSwfInfo(options.swfUrl, {
        ...resolve,
        maxAgeDays: options.swfAge,
        store: swfInfoFile(swfInfoPath(home)),
        onWarning: (message) => log.log(LogLevel.WARNING, message),
      });
      return resolved.info;
    } catch (err) {
      log.log(LogLevel.ERROR, (err as Error).message.split("\n")[0]);
    }
  }
  if (options.swfHash !== undefined && options.swfSize > 0) {
    return { hash: options.swfHash, size: options.swfSize };
  }
  return undefined;
}
