/**
 * Recognises a permission the runtime refused (Deno run without `-A`: `NotCapable`), so the
 * CLI can say which one is missing in one line and exit 1, as for any other bad invocation,
 * instead of reporting it as a network or file failure.
 *
 * @module
 */

/** How deep a chain of `cause`s is followed. */
const MAX_CAUSE_DEPTH = 8;

/**
 * The one-line message of the refused permission in `err` or its causes (Deno's own sentence,
 * which names the permission and the flag that grants it), or undefined when `err` is not about
 * a permission.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingPermission } from "./missing_permission.ts";
 * const refused = Object.assign(new Error('Requires env access to "HOME"'), { name: "NotCapable" });
 * assert.equal(
 *   missingPermission(new Error("Cannot connect", { cause: refused })),
 *   'Requires env access to "HOME"',
 * );
 * assert.equal(missingPermission(new Error("Connection refused")), undefined);
 * ```
 */
export function missingPermission(err: unknown): string | undefined {
  let current = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (current.name === "NotCapable") return current.message.split("\n")[0];
    current = current.cause;
  }
  return undefined;
}
