/**
 * Deadlines: a callback after a delay, for the limits that guard a pending operation (a connect,
 * a read, a handshake). Like a timer, a pending deadline keeps the process alive.
 *
 * On Deno the timer is a wait on a shared memory cell (`Atomics.waitAsync` with a timeout), which
 * V8 runs itself, and one message port held open while any deadline is pending keeps the event
 * loop running: Deno's `setTimeout` is Node's timer implementation, and its first use loads part
 * of Deno's Node compatibility layer, about 4 MB of memory and 5 ms of CPU at start-up, which a
 * short download would pay before its first byte. Elsewhere (Bun, whose timers are native and
 * cheap) it is `setTimeout`.
 *
 * @example
 * ```ts
 * import { startDeadline } from "./deadline.ts";
 *
 * let expired = false;
 * const deadline = startDeadline(60_000, () => (expired = true));
 * deadline.cancel();
 * console.assert(!expired);
 * ```
 *
 * @module
 */

import { isDeno } from "./runtime.ts";

/** A callback that will run unless cancelled. */
export interface Deadline {
  /** Stops the callback from running; idempotent, harmless after it ran. */
  cancel(): void;
}

/** The part of `Atomics` used here (the standard library types may lack `waitAsync`). */
interface AtomicsWithWaitAsync {
  waitAsync?(
    cell: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ): { async: boolean; value: "ok" | "not-equal" | "timed-out" | Promise<string> };
  notify(cell: Int32Array, index: number, count?: number): number;
}

const atomics = Atomics as unknown as AtomicsWithWaitAsync;

/** Whether deadlines wait on a shared cell (Deno) instead of using `setTimeout`. */
const useSharedCell = isDeno && typeof atomics.waitAsync === "function";

/** Calls `onExpiry` after `ms` milliseconds unless the returned deadline is cancelled first. */
export function startDeadline(ms: number, onExpiry: () => void): Deadline {
  const delay = Math.max(0, ms);
  return useSharedCell ? cellDeadline(delay, onExpiry) : timerDeadline(delay, onExpiry);
}

/** Pending deadlines on the shared-cell path, and the port that keeps the loop alive for them. */
let pendingCells = 0;
let keeper: MessagePort | undefined;

function holdEventLoop(): void {
  if (pendingCells++ > 0) return;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {};
  keeper = channel.port1;
}

function releaseEventLoop(): void {
  if (--pendingCells > 0) return;
  keeper?.close();
  keeper = undefined;
}

function cellDeadline(ms: number, onExpiry: () => void): Deadline {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const wait = atomics.waitAsync!(cell, 0, 0, ms);
  let done = false;
  holdEventLoop();
  const expire = (outcome: string) => {
    if (done) return;
    done = true;
    releaseEventLoop();
    if (outcome === "timed-out") onExpiry();
  };
  if (wait.async) (wait.value as Promise<string>).then(expire);
  else queueMicrotask(() => expire(wait.value as string));
  return {
    cancel() {
      if (done) return;
      done = true;
      releaseEventLoop();
      cell[0] = 1;
      atomics.notify(cell, 0);
    },
  };
}

function timerDeadline(ms: number, onExpiry: () => void): Deadline {
  const timer = setTimeout(onExpiry, ms);
  return { cancel: () => clearTimeout(timer) };
}
