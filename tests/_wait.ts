/**
 * Waiting in tests: wait for a state, never sleep and hope. Every wait has a "no hang" limit,
 * generous because the machine may be slow and loaded (the limit only ends a wait that would
 * otherwise never end), and a failure names the limit it broke.
 *
 * @module
 */

/**
 * Default limit of a wait, in milliseconds: far above what any awaited state takes on a busy
 * machine, so that reaching it means a hang, not a slow machine.
 */
export const DEFAULT_WAIT_MS = 30_000;

/** How often a condition is polled, in milliseconds. */
const POLL_MS = 10;

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` until it holds. Rejects with "Timed out after N ms waiting for WHAT" once
 * the limit has passed without it: {@linkcode DEFAULT_WAIT_MS}, or `timeoutMs` when given.
 */
export function waitFor(condition: () => boolean, what?: string): Promise<void>;
/** {@linkcode waitFor} with its own limit, in milliseconds. */
export function waitFor(condition: () => boolean, timeoutMs: number, what?: string): Promise<void>;
export async function waitFor(
  condition: () => boolean,
  timeoutOrWhat?: number | string,
  what = "a condition",
): Promise<void> {
  let timeoutMs = DEFAULT_WAIT_MS;
  if (typeof timeoutOrWhat === "string") what = timeoutOrWhat;
  else if (timeoutOrWhat !== undefined) timeoutMs = timeoutOrWhat;
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(POLL_MS);
  }
}

/**
 * Throws unless something that took `elapsedMs` stayed within its "no hang" limit, with a message
 * naming both ("WHAT took 1234 ms, over its no-hang limit of 1000 ms").
 */
export function assertWithin(elapsedMs: number, limitMs: number, what: string): void {
  if (elapsedMs <= limitMs) return;
  throw new Error(
    `${what} took ${Math.round(elapsedMs)} ms, over its no-hang limit of ${limitMs} ms`,
  );
}

/**
 * Settles as `promise` does, or rejects with "Timed out after N ms WHAT" once `ms` have passed
 * (the promise itself goes on; this only stops waiting for it).
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
