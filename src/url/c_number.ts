/**
 * C library number parsing (`strtol`, `atoi`, `atol`, `strtod`, `atof`) with glibc's exact
 * semantics in the C locale, because rtmpdump and librtmp read every numeric option this way:
 * leading whitespace is skipped, the longest valid prefix is used ("12abc" → 12), text with no
 * number gives 0, and out-of-range integers saturate at the 64-bit `long` limits before a
 * cast to `int` keeps the low 32 bits.
 *
 * @module
 */

import { byteAt, hexDigit, isCSpace } from "./_c_string.ts";

/** `LONG_MAX` of the LP64 C ABI (Linux x86-64, where rtmpdump runs). */
export const C_LONG_MAX = 0x7fffffffffffffffn;
/** `LONG_MIN` of the LP64 C ABI. */
export const C_LONG_MIN = -0x8000000000000000n;
/** Once an accumulated magnitude passes this, it has overflowed `unsigned long` for sure. */
const OVERFLOW_GUARD = 1n << 65n;

/** What a C conversion read: the value and the index just after the characters it used. */
export interface CNumberScan<T> {
  /** The converted value (0 when nothing converted). */
  value: T;
  /** Index after the converted text; equals the start index when nothing converted. */
  end: number;
}

/** Value of `code` as a digit in bases up to 36, or -1. */
function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return -1;
}

/**
 * glibc `strtol(text + start, &end, base)`: the exact `long` value and where parsing stopped.
 * Base 0 picks 16 for a `0x`/`0X` prefix followed by a hex digit, 8 for a leading `0`, else 10.
 *
 * @throws {RangeError} when `base` is neither 0 nor 2..36 (C reports EINVAL).
 */
export function scanStrtol(text: string, start = 0, base = 10): CNumberScan<bigint> {
  if (base !== 0 && (base < 2 || base > 36 || !Number.isInteger(base))) {
    throw new RangeError(`Cannot parse integer: base ${base} is not 0 or 2..36`);
  }
  let i = start;
  while (isCSpace(byteAt(text, i))) i++;
  let negative = false;
  const sign = byteAt(text, i);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i++;
  }
  const hasHexPrefix = byteAt(text, i) === 0x30 && (byteAt(text, i + 1) | 0x20) === 0x78 &&
    hexDigit(byteAt(text, i + 2)) >= 0;
  if (base === 0) base = hasHexPrefix ? 16 : byteAt(text, i) === 0x30 ? 8 : 10;
  if (base === 16 && hasHexPrefix) i += 2;
  const bigBase = BigInt(base);
  let magnitude = 0n;
  let digits = 0;
  for (;; i++) {
    const digit = digitValue(byteAt(text, i));
    if (digit < 0 || digit >= base) break;
    if (magnitude < OVERFLOW_GUARD) magnitude = magnitude * bigBase + BigInt(digit);
    digits++;
  }
  if (digits === 0) return { value: 0n, end: start };
  let value: bigint;
  if (negative) value = magnitude > -C_LONG_MIN ? C_LONG_MIN : -magnitude;
  else value = magnitude > C_LONG_MAX ? C_LONG_MAX : magnitude;
  return { value, end: i };
}

/**
 * C `strtol(text, NULL, base)` as an exact 64-bit `long`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strtol } from "./c_number.ts";
 *
 * assert.equal(strtol("010", 0), 8n); // leading 0 means octal
 * assert.equal(strtol(" 0x1fz", 0), 31n);
 * ```
 */
export function strtol(text: string, base = 10): bigint {
  return scanStrtol(text, 0, base).value;
}

/** C's conversion of a `long` to `int`: keeps the low 32 bits, as gcc does. */
export function toCInt(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/**
 * glibc `atoi`: `(int) strtol(text, NULL, 10)`. Overflow saturates at the `long` limits and the
 * cast then keeps the low 32 bits, so "4294967297" is 1 and "99999999999999999999" is -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atoi } from "./c_number.ts";
 *
 * assert.equal(atoi("  12abc"), 12);
 * assert.equal(atoi("abc"), 0);
 * ```
 */
export function atoi(text: string): number {
  return toCInt(strtol(text, 10));
}

/** glibc `atol`: `strtol(text, NULL, 10)`, the exact 64-bit `long`. */
export function atol(text: string): bigint {
  return strtol(text, 10);
}

/** Whether `code` is an ASCII decimal digit. */
function isDecimalDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Index after a run of decimal digits starting at `i`. */
function skipDecimalDigits(text: string, i: number): number {
  while (isDecimalDigit(byteAt(text, i))) i++;
  return i;
}

/** Whether `word` (lower case) appears at `i`, ignoring ASCII case. */
function matchesWord(text: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((byteAt(text, i + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Reads a decimal exponent `[+-]digits` at `i`; undefined when no digit follows. */
function scanExponent(text: string, i: number): { exponent: number; end: number } | undefined {
  let negative = false;
  const sign = byteAt(text, i);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i++;
  }
  const digitsStart = i;
  let exponent = 0;
  while (isDecimalDigit(byteAt(text, i))) {
    // Saturate: any exponent this large already overflows or underflows a double.
    if (exponent < 1e9) exponent = exponent * 10 + (byteAt(text, i) - 0x30);
    i++;
  }
  if (i === digitsStart) return undefined;
  return { exponent: negative ? -exponent : exponent, end: i };
}

/** Largest binary exponent of a finite double plus one. */
const DOUBLE_EXP_LIMIT = 1024;
/** Exponent of the smallest subnormal double (2^-1074). */
const DOUBLE_MIN_EXP = -1074;
/** Significand bits of a double. */
const DOUBLE_PRECISION = 53;

/** Rounds `mantissa · 2^exp2` to the nearest double, ties to even, as glibc does. */
function scaleBinary(mantissa: bigint, exp2: number): number {
  if (mantissa === 0n) return 0;
  const bits = mantissa.toString(2).length;
  const top = bits - 1 + exp2; // exponent of the leading bit
  if (top >= DOUBLE_EXP_LIMIT) return Infinity;
  // Keep 53 bits for normal results, fewer below 2^-1022 so that the last kept bit is 2^-1074.
  const lowestKept = Math.max(top - (DOUBLE_PRECISION - 1), DOUBLE_MIN_EXP);
  let shift = lowestKept - exp2; // bits to drop from the mantissa
  if (shift > 0) {
    if (shift > bits + 1) return 0;
    const bigShift = BigInt(shift);
    const kept = mantissa >> bigShift;
    const rest = mantissa - (kept << bigShift);
    const half = 1n << (bigShift - 1n);
    const roundUp = rest > half || (rest === half && (kept & 1n) === 1n);
    mantissa = roundUp ? kept + 1n : kept;
    exp2 += shift;
    shift = 0;
  }
  // mantissa now fits in 54 bits, so Number() is exact; scale in two steps to avoid underflow.
  const value = Number(mantissa);
  const half = Math.trunc(exp2 / 2);
  return value * 2 ** half * 2 ** (exp2 - half);
}

/**
 * glibc `strtod(text + start, &end)` in the C locale: decimal and hexadecimal (`0x1.8p1`)
 * floating point, `inf`/`infinity`, `nan`/`nan(chars)`, with correct rounding. The sign and
 * payload of a NaN are not kept (JavaScript has one NaN).
 */
export function scanStrtod(text: string, start = 0): CNumberScan<number> {
  let i = start;
  while (isCSpace(byteAt(text, i))) i++;
  let sign = 1;
  const signChar = byteAt(text, i);
  if (signChar === 0x2b || signChar === 0x2d) {
    if (signChar === 0x2d) sign = -1;
    i++;
  }
  if (matchesWord(text, i, "inf")) {
    const end = matchesWord(text, i, "infinity") ? i + 8 : i + 3;
    return { value: sign * Infinity, end };
  }
  if (matchesWord(text, i, "nan")) {
    let end = i + 3;
    if (byteAt(text, end) === 0x28) {
      let k = end + 1;
      while (digitValue(byteAt(text, k)) >= 0 || byteAt(text, k) === 0x5f) k++;
      if (byteAt(text, k) === 0x29) end = k + 1;
    }
    return { value: NaN, end };
  }
  const hex = byteAt(text, i) === 0x30 && (byteAt(text, i + 1) | 0x20) === 0x78 &&
    (hexDigit(byteAt(text, i + 2)) >= 0 ||
      (byteAt(text, i + 2) === 0x2e && hexDigit(byteAt(text, i + 3)) >= 0));
  if (hex) return scanHexFloat(text, i + 2, sign);
  const intEnd = skipDecimalDigits(text, i);
  let end = intEnd;
  let fracEnd = intEnd;
  if (byteAt(text, intEnd) === 0x2e) {
    fracEnd = skipDecimalDigits(text, intEnd + 1);
    end = fracEnd;
  }
  const digitCount = (intEnd - i) + (fracEnd > intEnd ? fracEnd - intEnd - 1 : 0);
  if (digitCount === 0) return { value: 0, end: start };
  if ((byteAt(text, end) | 0x20) === 0x65) {
    const exponent = scanExponent(text, end + 1);
    if (exponent) end = exponent.end;
  }
  return { value: sign * Number(text.slice(i, end)), end };
}

/** Reads the hexadecimal float after its `0x` prefix at `i`. */
function scanHexFloat(text: string, i: number, sign: number): CNumberScan<number> {
  let mantissa = 0n;
  let exp2 = 0;
  let sticky = false;
  const takeDigit = (digit: number, fractional: boolean) => {
    // Past 2^64 the low digits only matter as a sticky bit for rounding.
    if (mantissa < OVERFLOW_GUARD) {
      mantissa = mantissa * 16n + BigInt(digit);
      if (fractional) exp2 -= 4;
    } else {
      if (digit !== 0) sticky = true;
      if (!fractional) exp2 += 4;
    }
  };
  for (; hexDigit(byteAt(text, i)) >= 0; i++) takeDigit(hexDigit(byteAt(text, i)), false);
  if (byteAt(text, i) === 0x2e) {
    for (i++; hexDigit(byteAt(text, i)) >= 0; i++) takeDigit(hexDigit(byteAt(text, i)), true);
  }
  if ((byteAt(text, i) | 0x20) === 0x70) {
    const exponent = scanExponent(text, i + 1);
    if (exponent) {
      exp2 += exponent.exponent;
      i = exponent.end;
    }
  }
  if (sticky) {
    mantissa = mantissa * 2n + 1n;
    exp2 -= 1;
  }
  return { value: sign * scaleBinary(mantissa, exp2), end: i };
}

/**
 * C `strtod(text, NULL)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strtod } from "./c_number.ts";
 *
 * assert.equal(strtod(" 1.5e3x"), 1500);
 * assert.equal(strtod("0x1.8p1"), 3);
 * assert.equal(strtod("-inf"), -Infinity);
 * ```
 */
export function strtod(text: string): number {
  return scanStrtod(text, 0).value;
}

/** glibc `atof`: `strtod(text, NULL)`. */
export function atof(text: string): number {
  return strtod(text);
}
