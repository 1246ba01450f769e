/**
 * Maps a play name to a file under the server's media root, refusing anything that could reach
 * outside it.
 *
 * @module
 */

import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";

/** Prefixes clients put in front of stream names (FMS's type selectors); removed before lookup. */
const NAME_PREFIX = /^(?:mp4|flv|f4v|mp3|id3):/;
/** A Windows drive letter, which must not be joined onto the root. */
const DRIVE = /^[A-Za-z]:/;
const FLV_EXTENSION = ".flv";

/**
 * The relative file name a play name asks for, or undefined when the name is not acceptable:
 * empty, absolute, with a `..` segment, a backslash or a NUL. The query string (`?…`) and an
 * `mp4:`/`flv:`-style prefix are removed first.
 */
export function mediaFileName(name: string): string | undefined {
  let file = name;
  const query = file.indexOf("?");
  if (query >= 0) file = file.slice(0, query);
  file = file.replace(NAME_PREFIX, "");
  if (file === "" || file.startsWith("/") || DRIVE.test(file)) return undefined;
  if (file.includes("\0") || file.includes("\\")) return undefined;
  if (file.split("/").some((segment) => segment === "..")) return undefined;
  return file;
}

/**
 * Finds the file a play name refers to under `rootRealPath` (already passed through
 * `realpath`): the name as given, then with `.flv` appended (rtmpdump strips `.flv` from URL
 * play paths, so `vod/sample.flv` arrives as `sample`). The file's real path must lie inside the
 * root, so symbolic links cannot lead out of it. Resolves to the real path of a regular file, or
 * undefined.
 *
 * @example
 * ```ts ignore
 * import { resolveMediaPath } from "./resolve_media_path.ts";
 * await resolveMediaPath("/srv/media", "mp4:sample"); // "/srv/media/sample.flv" if it exists
 * await resolveMediaPath("/srv/media", "../etc/passwd"); // undefined
 * ```
 */
export async function resolveMediaPath(
  rootRealPath: string,
  name: string,
): Promise<string | undefined> {
  const file = mediaFileName(name);
  if (file === undefined) return undefined;
  const candidates = file.endsWith(FLV_EXTENSION) ? [file] : [file, file + FLV_EXTENSION];
  const inside = rootRealPath.endsWith(sep) ? rootRealPath : rootRealPath + sep;
  for (const candidate of candidates) {
    let real: string;
    try {
      real = await realpath(join(rootRealPath, candidate));
    } catch {
      continue;
    }
    if (!real.startsWith(inside)) continue;
    try {
      if ((await stat(real)).isFile()) return real;
    } catch {
      continue;
    }
  }
  return undefined;
}
