/**
 * The runtime adapter: which JavaScript runtime we run on. Transports pick their socket API
 * from this; nothing else in the engine looks at the runtime.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** True on Deno (Deno's own sockets are the fastest there). */
export const isDeno: boolean = typeof g.Deno?.connect === "function" &&
  typeof g.Bun === "undefined";

/** True on Bun. */
export const isBun: boolean = typeof g.Bun !== "undefined";
