/**
 * Byte-string helpers that let the URL code follow librtmp's C string handling.
 *
 * librtmp works on NUL-terminated byte strings. To measure lengths and positions in bytes, as C
 * does, the URL code works on "binary strings": JavaScript strings holding one UTF-8 byte per
 * code unit (0..255). Reading past the end yields 0, the terminator C would find.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
/** Code units turned into a string per `String.fromCharCode` call (stays under argument limits). */
const CHUNK = 0x2000;
/** Matches a character outside ASCII; without one, text and binary strings are the same. */
const NON_ASCII = /[^\0-\x7f]/;

/** Encodes text as UTF-8 and returns one code unit per byte. */
export function toBinary(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return bytesToBinary(encoder.encode(text));
}

/** Returns one code unit per byte of `bytes`. */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return out;
}

/** Decodes a binary string as UTF-8 (invalid sequences become U+FFFD). */
export function fromBinary(binary: string): string {
  if (!NON_ASCII.test(binary)) return binary;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return decoder.decode(bytes);
}

/** The byte at `index`, or 0 (the C terminator) outside the string. */
export function byteAt(binary: string, index: number): number {
  return index >= 0 && index < binary.length ? binary.charCodeAt(index) : 0;
}

/** The C string starting at `index`: up to the first NUL or the end. */
export function cString(binary: string, index: number): string {
  if (index < 0 || index >= binary.length) return "";
  const nul = binary.indexOf("\0", index);
  return nul < 0 ? binary.slice(index) : binary.slice(index, nul);
}

/** C `strchr`: index of `char` at or after `index` before the terminator, or -1. */
export function cIndexOf(binary: string, char: string, index: number): number {
  const found = binary.indexOf(char, index);
  if (found < 0) return -1;
  const nul = binary.indexOf("\0", index);
  return nul >= 0 && nul < found ? -1 : found;
}

/** C `isspace` in the C locale: space, \t, \n, \v, \f, \r. */
export function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Lower-cases ASCII letters only, as `strcasecmp` does in the C locale. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x20));
}

/** Value of a hexadecimal digit, or -1. */
export function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * glibc `sscanf(s, "%02x", &c)`: skips C whitespace, then reads at most two characters: an
 * optional sign and hexadecimal digits (`0x` fits the width, so it reads as 0). Returns the
 * byte that ends up stored (a negative value wraps as `unsigned int`), or `undefined` when
 * nothing converts (C then leaves the variable unchanged).
 */
export function scanHexByte(binary: string, index: number): number | undefined {
  let i = index;
  while (isCSpace(byteAt(binary, i))) i++;
  let width = 2;
  let negative = false;
  const first = byteAt(binary, i);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i++;
    width--;
  }
  let value = 0;
  let digits = 0;
  for (; width > 0; width--, i++) {
    const digit = hexDigit(byteAt(binary, i));
    if (digit < 0) break;
    value = value * 16 + digit;
    digits++;
  }
  if (digits === 0) return undefined;
  return (negative ? -value : value) & 0xff;
}
