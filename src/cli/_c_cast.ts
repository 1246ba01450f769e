/**
 * C integer conversions as rtmpdump's x86-64 build performs them, for values that flow through
 * `int`, `uint32_t` and `unsigned short` variables.
 *
 * @module
 */

const INT32_MIN = -2147483648;
const INT32_LIMIT = 2147483648;

/**
 * `(int) x` for a double on x86-64 (`cvttsd2si`): truncates toward zero; NaN and values outside
 * the int range give INT_MIN, the "integer indefinite" value.
 */
export function doubleToInt32(x: number): number {
  if (!(x > INT32_MIN - 1 && x < INT32_LIMIT)) return INT32_MIN;
  return Math.trunc(x) | 0;
}

/** Stores an integer into a `uint32_t`: reduces it modulo 2^32. */
export function toUint32(n: number): number {
  return n >>> 0;
}

/** Stores an integer into an `int32_t`: reduces it modulo 2^32 into the signed range. */
export function toInt32(n: number): number {
  return n | 0;
}

/** Stores an integer into an `unsigned short`: reduces it modulo 2^16. */
export function toUint16(n: number): number {
  return n & 0xffff;
}
