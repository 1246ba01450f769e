/**
 * The error Diffie-Hellman throws for a peer's public key it must not use.
 *
 * @module
 */

/**
 * A peer's Diffie-Hellman public key outside [2, p−2], the range librtmp accepts: 0, 1 and p−1
 * would give a predictable shared secret, and a value of p or more is not a group element.
 * `reason` says which bound it broke.
 *
 * @example
 * ```ts
 * import { DhKeyError } from "./dh_key_error.ts";
 *
 * const error = new DhKeyError("below 2");
 * console.assert(error.message === "Diffie-Hellman public key is below 2");
 * ```
 */
export class DhKeyError extends Error {
  /** Which bound the key broke: "below 2", "above p-2" or "not 128 bytes". */
  readonly reason: string;

  /** Creates the error naming the broken bound. */
  constructor(reason: string) {
    super(`Diffie-Hellman public key is ${reason}`);
    this.name = "DhKeyError";
    this.reason = reason;
  }
}
