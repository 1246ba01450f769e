/**
 * `RTMP_ParsePlaypath` on a binary string, with C's view of the surrounding bytes.
 *
 * @module
 */

import { byteAt, cIndexOf, cString, scanHexByte } from "./_c_string.ts";

/** Length of an extension such as ".mp4". */
const EXT_LENGTH = 4;
/** The query parameter whose value names the stream in `?slist=` URLs. */
const SLIST = "slist=";
/** Bytes a `%XX` escape occupies. */
const PERCENT_ESCAPE_LENGTH = 3;

/**
 * Normalises the `length` bytes at `start` of `binary` the way `RTMP_ParsePlaypath` does.
 * Like the C code it may look outside that range: `strstr`/`strchr` run to the end of the
 * string, and the extension test can look at the bytes just before a '?'. Returns a binary
 * string.
 */
export function parsePlaypathBinary(binary: string, start: number, length: number): string {
  let from = start;
  let remaining = length;
  if (byteAt(binary, from) === 0x3f) {
    const slist = cString(binary, from).indexOf(SLIST);
    if (slist >= 0) {
      from += slist + SLIST.length;
      const value = cString(binary, from);
      const amp = value.indexOf("&");
      remaining = amp >= 0 ? amp : value.length;
    }
  }
  const query = cIndexOf(binary, "?", from);
  let ext = Number.NaN;
  let addPrefix = "";
  let stripExt = false;
  if (remaining >= EXT_LENGTH) {
    ext = query >= 0 ? query - EXT_LENGTH : from + remaining - EXT_LENGTH;
    const extText = ext >= 0 ? binary.slice(ext, ext + EXT_LENGTH) : "";
    if (extText === ".f4v" || extText === ".mp4") {
      addPrefix = "mp4:";
      stripExt = true;
    } else if (from === start && extText === ".flv") {
      // Only a URL's own playpath loses ".flv", not an slist value.
      stripExt = true;
    } else if (extText === ".mp3") {
      addPrefix = "mp3:";
      stripExt = true;
    }
  }
  if (addPrefix && binary.startsWith(addPrefix, from)) {
    // Already prefixed: keep the extension.
    addPrefix = "";
    stripExt = false;
  }
  let out = addPrefix;
  // C keeps the byte of a failed `%XX` conversion from the previous one; the first is 0.
  let lastByte = 0;
  let p = from;
  while (remaining > 0) {
    if (stripExt && p === ext) {
      p += EXT_LENGTH;
      remaining -= EXT_LENGTH;
      continue;
    }
    if (byteAt(binary, p) === 0x25) {
      const decoded = scanHexByte(binary, p + 1);
      if (decoded !== undefined) lastByte = decoded;
      out += String.fromCharCode(lastByte);
      p += PERCENT_ESCAPE_LENGTH;
      remaining -= PERCENT_ESCAPE_LENGTH;
    } else {
      out += String.fromCharCode(byteAt(binary, p));
      p++;
      remaining--;
    }
  }
  return out;
}
