/**
 * The error the authentication layer throws.
 *
 * @module
 */

/**
 * A failed authentication step: a server challenge that cannot be parsed, missing credentials,
 * a SecureToken that is not hex, or a server that refused the credentials.
 *
 * @example
 * ```ts
 * import { AuthError } from "./auth_error.ts";
 *
 * const error = new AuthError("Authentication failed: wrong password");
 * console.assert(error.name === "AuthError");
 * ```
 */
export class AuthError extends Error {
  /** Creates the error; `options.cause` keeps an underlying error when there is one. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthError";
  }
}
