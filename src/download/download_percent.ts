/**
 * How far a recorded stream is downloaded, as rtmpdump computes it for its progress line and
 * its exit status.
 *
 * @module
 */

/** A download counts as complete from this percentage on (rtmpdump's `percent < 99.9` test). */
export const COMPLETE_PERCENT = 99.9;

const INT32_MIN = -0x80000000;
const INT32_LIMIT = 0x80000000;

/**
 * The percentage rtmpdump shows: `timestampMs / (durationSec·1000) · 100`, truncated toward zero
 * to one decimal by a C `(int)` cast of ten times the value (so values past the int range, as a
 * huge timestamp against a tiny duration gives, become −214748364.8 like on x86-64). It exceeds
 * 100 when the stream runs past its announced duration.
 */
export function computePercent(timestampMs: number, durationSec: number): number {
  const tenths = timestampMs / (durationSec * 1000) * 100 * 10;
  const truncated = tenths > INT32_MIN - 1 && tenths < INT32_LIMIT
    ? Math.trunc(tenths) | 0
    : INT32_MIN;
  return truncated / 10;
}
