/**
 * The client side of publisher authentication: turns each connect rejection into the query to
 * reconnect with, the way ffmpeg does (librtmp's flow is the same; it differs only in the form
 * of its own challenge and in always writing `&opaque=`).
 *
 * 1. The first connect goes out without credentials; a server that wants them rejects it with
 *    `code=403 need auth; authmod=M`, and the client reconnects with `?authmod=M&user=U`.
 * 2. The server rejects that with `?reason=needauth&…` and a challenge; the client reconnects
 *    with the full answer ({@linkcode adobeAuthQuery} or {@linkcode llnwAuthQuery}).
 * 3. A second challenge after an answer, `authfailed` or `nosuchuser` end it with an
 *    {@linkcode AuthError}.
 *
 * The query is appended to both `app` and `tcUrl` of the next connect ({@linkcode withAuthQuery}).
 *
 * @module
 */

import { adobeAuthQuery } from "./adobe_auth.ts";
import { AuthError } from "./auth_error.ts";
import { parseAuthRejection } from "./auth_rejection.ts";
import { llnwAuthQuery } from "./llnw_auth.ts";

/** Credentials and the source of the client's challenges. */
export interface PublisherAuthClientOptions {
  /** User name (from the URL's `user:password@`). */
  user: string;
  /** Password. */
  password: string;
  /**
   * The client's challenge / cnonce: 8 lower-case hex digits of a random 32-bit number by
   * default, as ffmpeg writes it. Injectable for tests.
   */
  clientNonce?: () => string;
}

/** Most reconnects one publish attempt makes for authentication (need-user, then answer). */
export const MAX_AUTH_RECONNECTS = 2;

function randomNonce(): string {
  const word = crypto.getRandomValues(new Uint32Array(1))[0];
  return word.toString(16).padStart(8, "0");
}

/**
 * Answers connect rejections for one publish attempt.
 *
 * @example
 * ```ts
 * import { PublisherAuthClient } from "./publisher_auth_client.ts";
 *
 * const client = new PublisherAuthClient({ user: "bob", password: "pw", clientNonce: () => "01020304" });
 * const first = client.answer("[ AccessManager.Reject ] : [ code=403 need auth; authmod=llnw ] : ", "live");
 * console.assert(first === "?authmod=llnw&user=bob");
 * ```
 */
export class PublisherAuthClient {
  readonly #options: PublisherAuthClientOptions;
  #answered = false;
  #reconnects = 0;

  /** Creates the client for one publish attempt. */
  constructor(options: PublisherAuthClientOptions) {
    this.#options = options;
  }

  /**
   * The query to append to `app` and `tcUrl` for the next connect, given the `description` of
   * the connect `_error` and the `app` the client connects to (without any auth query).
   * Throws {@linkcode AuthError} with a one-line reason when the rejection cannot be answered.
   */
  answer(description: string, app: string): string {
    const rejection = parseAuthRejection(description);
    if (rejection === undefined) {
      throw new AuthError(`Connection rejected: ${description || "no reason given"}`);
    }
    const { user, password } = this.#options;
    if (user === "" || password === "") {
      throw new AuthError(
        `The server asks for ${rejection.method} authentication; give user:password in the URL`,
      );
    }
    if (rejection.kind === "auth-failed") {
      throw new AuthError("Authentication failed: wrong user name or password");
    }
    if (rejection.kind === "no-such-user") {
      throw new AuthError(`Authentication failed: no such user ${user}`);
    }
    if (rejection.kind === "unknown") {
      throw new AuthError(`Authentication failed: ${description}`);
    }
    if (this.#answered || this.#reconnects >= MAX_AUTH_RECONNECTS) {
      throw new AuthError("Authentication failed: the server refused the answer");
    }
    this.#reconnects++;
    if (rejection.kind === "need-user") {
      return `?authmod=${rejection.method}&user=${user}`;
    }
    this.#answered = true;
    const params = rejection.params;
    const nonce = (this.#options.clientNonce ?? randomNonce)();
    const echoedUser = params.get("user") ?? user;
    if (rejection.method === "adobe") {
      return adobeAuthQuery({
        user: echoedUser,
        password,
        salt: params.get("salt") ?? "",
        challenge: params.get("challenge"),
        opaque: params.get("opaque"),
        clientChallenge: nonce,
      });
    }
    return llnwAuthQuery({
      user: echoedUser,
      password,
      nonce: params.get("nonce") ?? "",
      cnonce: nonce,
      app,
    });
  }
}

/** `app` and `tcUrl` with an auth `query` appended to each (as librtmp and ffmpeg send them). */
export function withAuthQuery(
  app: string,
  tcUrl: string,
  query: string,
): { app: string; tcUrl: string } {
  return { app: app + query, tcUrl: tcUrl + query };
}
