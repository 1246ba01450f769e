/**
 * The `.swfinfo` cache file of the command line: `$HOME/.swfinfo`, or `./.swfinfo` when HOME is
 * unset, as rtmpdump keeps it (librtmp-facts §4.5). `node:fs/promises` is loaded on first use,
 * so a run without `--swfVfy` does not load it.
 *
 * @module
 */

import type { SwfInfoStore } from "../swf/resolve_swf_info.ts";

/** The cache file's name in the home folder. */
export const SWF_INFO_FILE_NAME = ".swfinfo";

/** The cache path for a home folder (`.` when there is none, as rtmpdump). */
export function swfInfoPath(home: string | undefined): string {
  return `${home === undefined || home === "" ? "." : home}/${SWF_INFO_FILE_NAME}`;
}

function plain(err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  if (code === "EACCES" || code === "EPERM") return new Error("permission denied");
  if (code === "EROFS") return new Error("read-only file system");
  if (code === "ENOSPC") return new Error("no space left on the device");
  const message = err instanceof Error ? err.message : String(err);
  return new Error(message.split("\n")[0].replace(/\s*\(os error \d+\)/, ""), { cause: err });
}

/**
 * A {@linkcode SwfInfoStore} over the file at `path`: a missing file reads as no cache; errors
 * are one plain line.
 */
export function swfInfoFile(path: string): SwfInfoStore {
  return {
    async read() {
      const { readFile } = await import("node:fs/promises");
      try {
        return new Uint8Array(await readFile(path));
      } catch (err) {
        if ((err as { code?: unknown }).code === "ENOENT") return undefined;
        throw plain(err);
      }
    },
    async write(bytes) {
      const { writeFile } = await import("node:fs/promises");
      try {
        await writeFile(path, bytes);
      } catch (err) {
        throw plain(err);
      }
    },
  };
}
