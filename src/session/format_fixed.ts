/**
 * C's `printf("%.Nf", x)` as glibc prints it.
 *
 * glibc converts the exact binary value of the double and rounds to nearest, ties to even (the
 * default rounding mode). `Number.prototype.toFixed` also works on the exact binary value (the
 * ECMAScript algorithm picks the integer n closest to x·10^f, using the mathematical value of x),
 * but it breaks ties toward the larger magnitude and switches to exponent notation at 1e21. The
 * two therefore differ exactly when x·10^f lies halfway between two integers, which happens for
 * dyadic fractions such as 0.125 (`%.2f` gives "0.12", toFixed gives "0.13") or 2.5 (`%.0f`
 * gives "2", toFixed gives "3"). This module does the conversion with BigInt arithmetic on the
 * double's significand and exponent, so it is exact for every finite double and any precision.
 *
 * @module
 */

const EXPONENT_BIAS = 1075; // 1023 + 52: the value is significand · 2^(exponent - 1075)
const SUBNORMAL_EXPONENT = -1074;
const HIDDEN_BIT = 1n << 52n;
const MAX_DIGITS = 1100;

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Formats `x` with `digits` digits after the decimal point exactly as glibc's `%.<digits>f`:
 * round half to even on the exact binary value, `-0.00` for negative zero and for negative values
 * that round to zero, `inf`/`-inf`, and `nan`/`-nan` by the sign bit of the NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFixed } from "./format_fixed.ts";
 * assert.equal(formatFixed(0.125, 2), "0.12");
 * assert.equal(formatFixed(1.5, 0), "2");
 * ```
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > MAX_DIGITS) {
    throw new RangeError(`Cannot format a number with ${digits} fraction digits`);
  }
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const negative = (hi & 0x80000000) !== 0;
  const sign = negative ? "-" : "";
  if (Number.isNaN(x)) return `${sign}nan`;
  if (!Number.isFinite(x)) return `${sign}inf`;

  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(scratch.getUint32(4));
  const significand = biased === 0 ? fraction : fraction | HIDDEN_BIT;
  const exponent = biased === 0 ? SUBNORMAL_EXPONENT : biased - EXPONENT_BIAS;

  const scale = 10n ** BigInt(digits);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (significand << BigInt(exponent)) * scale;
  } else {
    const shift = BigInt(-exponent);
    const numerator = significand * scale;
    scaled = numerator >> shift;
    const remainder = numerator - (scaled << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (scaled & 1n) === 1n)) scaled += 1n;
  }

  const text = scaled.toString().padStart(digits + 1, "0");
  if (digits === 0) return sign + text;
  const point = text.length - digits;
  return `${sign}${text.slice(0, point)}.${text.slice(point)}`;
}
