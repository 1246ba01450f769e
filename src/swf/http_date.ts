/**
 * HTTP dates as the `.swfinfo` cache writes and reads them: `Sun, 06 Nov 1994 08:49:37 GMT`
 * written; that form, RFC 850's `Sunday, 06-Nov-94 08:49:37 GMT` and asctime's
 * `Sun Nov  6 08:49:37 1994` read (librtmp reads the same three).
 *
 * @module
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Formats epoch milliseconds as an HTTP date (`Day, DD Mon YYYY HH:MM:SS GMT`), the form of the
 * cache's `ctim:` line.
 *
 * @example
 * ```ts
 * import { formatHttpDate } from "./http_date.ts";
 *
 * console.assert(formatHttpDate(784111777000) === "Sun, 06 Nov 1994 08:49:37 GMT");
 * ```
 */
export function formatHttpDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:` +
    `${two(d.getUTCSeconds())} GMT`;
}

const RFC_1123 =
  /^[A-Za-z]{3}, +(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{2,4}) +(\d{1,2}):(\d{1,2}):(\d{1,2})/;
const RFC_850 = /^[A-Za-z]+, +(\d{1,2})-([A-Za-z]{3})-(\d{2,4}) +(\d{1,2}):(\d{1,2}):(\d{1,2})/;
const ASCTIME = /^[A-Za-z]{3} +([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d{1,2}):(\d{1,2}) +(\d{4})/;

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
}

function fullYear(year: string): number {
  const n = Number(year);
  if (year.length > 2) return n;
  return n < 70 ? 2000 + n : 1900 + n;
}

/**
 * Parses an HTTP date in any of the three forms; `undefined` when it is none of them.
 *
 * @example
 * ```ts
 * import { parseHttpDate } from "./http_date.ts";
 *
 * console.assert(parseHttpDate("Sun Nov  6 08:49:37 1994") === 784111777000);
 * ```
 */
export function parseHttpDate(text: string): number | undefined {
  let day: string, month: string, year: string, hh: string, mm: string, ss: string;
  let match = RFC_1123.exec(text) ?? RFC_850.exec(text);
  if (match) {
    [, day, month, year, hh, mm, ss] = match;
  } else {
    match = ASCTIME.exec(text);
    if (!match) return undefined;
    [, month, day, hh, mm, ss, year] = match;
  }
  const m = monthIndex(month);
  if (m < 0) return undefined;
  const ms = Date.UTC(fullYear(year), m, Number(day), Number(hh), Number(mm), Number(ss));
  return Number.isFinite(ms) ? ms : undefined;
}
