/**
 * IP address literals as bytes, for the layers that put addresses on the wire (SOCKS) or treat
 * names and addresses differently (TLS sends SNI for names only).
 *
 * @module
 */

/** Bytes of an IPv4 address. */
export const IPV4_LENGTH = 4;
/** Bytes of an IPv6 address. */
export const IPV6_LENGTH = 16;

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET_PATTERN = /^[0-9A-Fa-f]{1,4}$/;
const HEXTETS = 8;

/**
 * The 4 bytes of a dotted-quad IPv4 literal (`10.1.2.3`), or undefined for anything else
 * (including the shortened forms `inet_aton` accepts, which are names here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpv4 } from "./ip_address.ts";
 * assert.deepEqual(parseIpv4("10.1.2.3"), new Uint8Array([10, 1, 2, 3]));
 * assert.equal(parseIpv4("10.1.2"), undefined);
 * ```
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return undefined;
  const out = new Uint8Array(IPV4_LENGTH);
  for (let i = 0; i < IPV4_LENGTH; i++) {
    const part = match[i + 1];
    const value = Number(part);
    if (value > 255 || (part.length > 1 && part[0] === "0")) return undefined;
    out[i] = value;
  }
  return out;
}

/**
 * The 16 bytes of an IPv6 literal (`::1`, `2001:db8::10`, `::ffff:10.1.2.3`; brackets allowed),
 * or undefined for anything else. A zone index (`fe80::1%eth0`) is not an address on the wire:
 * such text gives undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpv6 } from "./ip_address.ts";
 * assert.deepEqual(parseIpv6("[::1]"), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
 * assert.equal(parseIpv6("1::2::3"), undefined);
 * ```
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  let body = text;
  if (body.startsWith("[") && body.endsWith("]")) body = body.slice(1, -1);
  if (!body.includes(":")) return undefined;
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head = parseHextets(halves[0]);
  const tail = halves.length === 2 ? parseHextets(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 1 ? given !== HEXTETS : given > HEXTETS - 1) return undefined;
  const words = [...head, ...new Array<number>(HEXTETS - given).fill(0), ...tail];
  const out = new Uint8Array(IPV6_LENGTH);
  words.forEach((word, i) => {
    out[2 * i] = word >> 8;
    out[2 * i + 1] = word & 0xff;
  });
  return out;
}

/** The 16-bit groups of one side of `::`; a final dotted quad counts as two groups. */
function parseHextets(text: string): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!HEXTET_PATTERN.test(part)) return undefined;
      words.push(Number.parseInt(part, 16));
    }
  }
  return words;
}

/**
 * The canonical text of an IPv6 address (RFC 5952: lower case, no leading zeros, the longest
 * run of two or more zero groups as `::`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIpv6, parseIpv6 } from "./ip_address.ts";
 * assert.equal(formatIpv6(parseIpv6("0:0:0:0:0:0:0:1")!), "::1");
 * ```
 */
export function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < IPV6_LENGTH; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < HEXTETS;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < HEXTETS && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** True when `host` is an IPv4 or IPv6 literal (brackets and a zone index allowed), not a name. */
export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const zone = bare.indexOf("%");
  const address = zone >= 0 && bare.includes(":") ? bare.slice(0, zone) : bare;
  return parseIpv4(address) !== undefined || parseIpv6(address) !== undefined;
}
