/**
 * The `$HOME/.swfinfo` cache shared with rtmpdump (librtmp-facts §4.5), as text in and text out.
 * Each entry is five lines in this order:
 *
 * ```text
 * url: http://example.com/player.swf      (the SWF URL without its query)
 * ctim: Sun, 06 Nov 1994 08:49:37 GMT     (when it was last checked)
 * date: Sat, 05 Nov 1994 10:00:00 GMT     (the server's Last-Modified, may be empty)
 * size: 0001e240                          (decompressed size, 8 hex digits)
 * hash: 0123…                             (SWF hash, 64 hex digits)
 * ```
 *
 * Lookup is librtmp's: the first entry whose `url:` starts with the requested URL's
 * `scheme://host/` and whose last path component (from the last `/`) is a prefix of the
 * requested URL's last component. So two files of the same name in different folders of one
 * host share an entry, and a query string after the name does not matter.
 *
 * Updates: an entry that was found is rewritten where it is (rtmpdump overwrites its lines in
 * place; for the fixed-width fields it writes the bytes are the same, and here a field that
 * changed width cannot run into the next entry); a new one is appended. Text is handled as
 * bytes (one character per byte), so nothing in the file is re-encoded.
 *
 * @module
 */

import { formatHttpDate, parseHttpDate } from "./http_date.ts";
import { SWF_HASH_LENGTH, type SwfInfo } from "./swf_hash.ts";

/** One cache entry. Fields are optional as a hand-edited or truncated file may lack some. */
export interface SwfInfoEntry {
  /** The `url:` value. */
  url: string;
  /** Epoch ms of the `ctim:` line, when it parses. */
  checkedAt?: number;
  /** The raw `date:` value (the server's Last-Modified; empty when it sent none). */
  lastModified?: string;
  /** Size and hash, when both lines are present and valid. */
  info?: SwfInfo;
}

/** Where an entry sits in the text: its lines `[start, end)` (the url line is `start`). */
export interface SwfInfoMatch {
  /** The entry. */
  entry: SwfInfoEntry;
  /** Index of its `url:` line. */
  start: number;
  /** Index of the line after its last field line. */
  end: number;
}

const URL_PREFIX = "url: ";
const FIELD_COUNT = 4;
const SIZE_DIGITS = 8;

/** The bytes of a cache file as text, one character per byte. */
export function cacheText(bytes: Uint8Array): string {
  let text = "";
  const step = 8192;
  for (let i = 0; i < bytes.length; i += step) {
    text += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return text;
}

/** Text back to bytes, one byte per character (the inverse of {@linkcode cacheText}). */
export function cacheBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** `scheme://host/` and the last component (from the last `/`) of a SWF URL. */
function lookupKey(url: string): { prefix: string; last: string } | undefined {
  const first = url.indexOf("/");
  if (first < 0) return undefined;
  const hostSlash = url.indexOf("/", first + 2);
  if (hostSlash < 0) return undefined;
  return { prefix: url.slice(0, hostSlash + 1), last: url.slice(url.lastIndexOf("/")) };
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function parseHash(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  return Uint8Array.from(
    { length: SWF_HASH_LENGTH },
    (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16),
  );
}

/**
 * Finds the cache entry for `url` in the text of a `.swfinfo` file (librtmp's rule, see the
 * module doc); `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { findSwfInfo } from "./swf_info_cache.ts";
 *
 * const text = "url: http://a.example/v1/player.swf\nctim: Sun, 06 Nov 1994 08:49:37 GMT\n";
 * console.assert(findSwfInfo(text, "http://a.example/v2/player.swf?x=1")?.start === 0);
 * ```
 */
export function findSwfInfo(text: string, url: string): SwfInfoMatch | undefined {
  const key = lookupKey(url);
  if (key === undefined) return undefined;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith(URL_PREFIX)) continue;
    const value = line.slice(URL_PREFIX.length);
    if (!value.startsWith(key.prefix)) continue;
    if (!key.last.startsWith(value.slice(value.lastIndexOf("/")))) continue;
    const entry: SwfInfoEntry = { url: value };
    let size: number | undefined;
    let hash: Uint8Array | undefined;
    let got = 0;
    let end = i + 1;
    while (got < FIELD_COUNT && end < lines.length && !lines[end].startsWith(URL_PREFIX)) {
      const field = lines[end];
      const content = field.slice(6);
      if (field.startsWith("size: ")) {
        const n = parseInt(content, 16);
        size = Number.isFinite(n) ? n : undefined;
        got++;
      } else if (field.startsWith("hash: ")) {
        hash = parseHash(content);
        got++;
      } else if (field.startsWith("date: ")) {
        entry.lastModified = content;
        got++;
      } else if (field.startsWith("ctim: ")) {
        entry.checkedAt = parseHttpDate(content);
        got++;
      }
      end++;
    }
    if (size !== undefined && size > 0 && hash !== undefined) entry.info = { hash, size };
    return { entry, start: i, end };
  }
  return undefined;
}

function entryLines(url: string, checkedAt: number, lastModified: string, info?: SwfInfo) {
  const lines = [`ctim: ${formatHttpDate(checkedAt)}`];
  if (info !== undefined) {
    lines.push(`date: ${lastModified}`);
    lines.push(`size: ${(info.size >>> 0).toString(16).padStart(SIZE_DIGITS, "0")}`);
    lines.push(`hash: ${Array.from(info.hash, (b) => b.toString(16).padStart(2, "0")).join("")}`);
  }
  return { url: `${URL_PREFIX}${url}`, fields: lines };
}

/** What {@linkcode updateSwfInfo} records. */
export interface SwfInfoUpdate {
  /** When the SWF was checked (epoch ms). */
  checkedAt: number;
  /** The server's Last-Modified (empty when none is known). */
  lastModified: string;
  /** The SWF's size and hash; omit to refresh only `ctim:` (an answer 304 Not Modified). */
  info?: SwfInfo;
}

/**
 * The text of a `.swfinfo` file after recording `update` for `url`: the entry
 * {@linkcode findSwfInfo} finds is rewritten in place, otherwise one is appended with the URL
 * cut at its `?`.
 */
export function updateSwfInfo(text: string, url: string, update: SwfInfoUpdate): string {
  const match = findSwfInfo(text, url);
  if (match === undefined || match.end === match.start + 1) {
    const query = url.indexOf("?");
    const { url: urlLine, fields } = entryLines(
      query < 0 ? url : url.slice(0, query),
      update.checkedAt,
      update.lastModified,
      update.info,
    );
    return text + [urlLine, ...fields].join("\n") + "\n";
  }
  const lines = splitLines(text);
  const old = match.entry;
  const info = update.info ?? old.info;
  const lastModified = update.info !== undefined ? update.lastModified : old.lastModified ?? "";
  const { fields } = entryLines(old.url, update.checkedAt, lastModified, info);
  lines.splice(match.start + 1, match.end - match.start - 1, ...fields);
  return lines.join("\n") + "\n";
}
