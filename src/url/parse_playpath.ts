/**
 * Playpath normalisation of RTMP URLs (librtmp `RTMP_ParsePlaypath`).
 *
 * @module
 */

import { fromBinary, toBinary } from "./_c_string.ts";
import { parsePlaypathBinary } from "./_playpath.ts";

/**
 * Turns the path part of an RTMP URL into the stream name FMS expects, exactly as librtmp:
 * - the extension is the 4 characters before the first '?' (or at the end), compared
 *   case-sensitively: `.mp4`/`.f4v` add an `mp4:` prefix, `.mp3` adds `mp3:`, and the
 *   extension is removed; `.flv` is just removed;
 * - a path that already starts with the prefix keeps its extension;
 * - the query string is kept; `%XX` escapes are decoded (as bytes, then read as UTF-8);
 * - a path starting with `?` that contains `slist=` names the stream by that value (up to
 *   `&`), and there `.flv` is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePlaypath } from "./parse_playpath.ts";
 *
 * assert.equal(parsePlaypath("dir/clip.mp4?token=1"), "mp4:dir/clip?token=1");
 * assert.equal(parsePlaypath("my%20file.flv"), "my file");
 * assert.equal(parsePlaypath("x.F4V"), "x.F4V");
 * ```
 */
export function parsePlaypath(path: string): string {
  const binary = toBinary(path);
  const nul = binary.indexOf("\0");
  const length = nul < 0 ? binary.length : nul;
  return fromBinary(parsePlaypathBinary(binary, 0, length));
}
