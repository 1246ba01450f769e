/**
 * A key that lets `setupUrl` feed `conn=` values to a {@linkcode ConnBuilder} with C's view of
 * the option buffer, without making that part of the public API.
 *
 * @module
 */

/** Method key: `(binary: string, start: number, length: number) => boolean`. */
export const addFromBuffer: unique symbol = Symbol("addFromBuffer");
