/**
 * The server side of publisher authentication: decides, from the `app` of a publisher's
 * connect, whether to accept it or which rejection to send (see
 * {@linkcode rejectionDescription} for the forms), as Adobe's and Wowza's servers do:
 *
 * 1. No `authmod` in the app query → `code=403 need auth; authmod=M`.
 * 2. `?authmod=M&user=U` without an answer → a challenge (`salt`, `challenge`, `opaque` for
 *    adobe; `nonce` for llnw), remembered for a while.
 * 3. An answer → accepted when it matches a challenge this server issued and has not seen
 *    answered yet; `authfailed` otherwise. An unknown user → `nosuchuser`.
 *
 * Issued challenges are bounded in number and age, so clients that never answer cost nothing
 * lasting. Randomness and the clock are injectable.
 *
 * @module
 */

import { adobeAuthResponse } from "./adobe_auth.ts";
import {
  type PublisherAuthMethod,
  rejectionDescription,
  splitAuthQuery,
} from "./auth_rejection.ts";
import { llnwAuthResponse } from "./llnw_auth.ts";

/** Settings of a {@linkcode PublisherAuthServer}. */
export interface PublisherAuthServerOptions {
  /** The method to require. */
  method: PublisherAuthMethod;
  /** Accepted users and their passwords. */
  users: ReadonlyMap<string, string>;
  /** Random bytes (default `crypto.getRandomValues`). */
  randomBytes?: (length: number) => Uint8Array;
  /** Milliseconds now (default `Date.now`). */
  now?: () => number;
  /** How long an issued challenge stays valid, in ms (default 60 s). */
  challengeTtlMs?: number;
  /** Most challenges kept at once; the oldest are dropped first (default 1024). */
  maxPendingChallenges?: number;
}

/** The decision on one connect. */
export type PublisherAuthDecision =
  | {
    /** The connect is authenticated. */
    accepted: true;
    /** The user it authenticated as. */
    user: string;
    /** The app without the auth query. */
    app: string;
  }
  | {
    /** The connect is rejected. */
    accepted: false;
    /** The description for the `NetConnection.Connect.Rejected` `_error`. */
    description: string;
  };

/** Default lifetime of an issued challenge. */
export const DEFAULT_CHALLENGE_TTL_MS = 60_000;
/** Default bound on challenges kept at once. */
export const DEFAULT_MAX_PENDING_CHALLENGES = 1024;

const RANDOM_VALUE_BYTES = 4;

interface PendingChallenge {
  user: string;
  issuedAt: number;
  /** Adobe: the challenge the server sent (used by clients when there is no opaque). */
  challenge: string;
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * Checks publishers' connects against a user list.
 *
 * @example
 * ```ts
 * import { PublisherAuthServer } from "./publisher_auth_server.ts";
 *
 * const server = new PublisherAuthServer({ method: "adobe", users: new Map([["bob", "pw"]]) });
 * const first = server.check("live");
 * console.assert(!first.accepted && first.description.includes("code=403 need auth"));
 * ```
 */
export class PublisherAuthServer {
  readonly #options: PublisherAuthServerOptions;
  readonly #salts = new Map<string, string>();
  /** Issued challenges by opaque (adobe) or nonce (llnw), oldest first. */
  readonly #pending = new Map<string, PendingChallenge>();

  /** Creates the checker. */
  constructor(options: PublisherAuthServerOptions) {
    this.#options = options;
  }

  /** The method this server requires. */
  get method(): PublisherAuthMethod {
    return this.#options.method;
  }

  /** Challenges issued and not yet answered or expired (for tests and monitoring). */
  get pendingChallenges(): number {
    this.#expire();
    return this.#pending.size;
  }

  /** Decides on a connect whose `app` (with its auth query, if any) is given. */
  check(appWithQuery: string): PublisherAuthDecision {
    const { method, users } = this.#options;
    const { base, params } = splitAuthQuery(appWithQuery);
    if (params.get("authmod") !== method) {
      return { accepted: false, description: rejectionDescription(method, "need-user") };
    }
    const user = params.get("user") ?? "";
    const password = users.get(user);
    if (password === undefined) {
      return { accepted: false, description: rejectionDescription(method, "no-such-user") };
    }
    const response = params.get("response");
    if (response === undefined) return this.#challenge(user);
    const ok = method === "adobe"
      ? this.#verifyAdobe(user, password, params, response)
      : this.#verifyLlnw(user, password, params, response, base);
    if (!ok) return { accepted: false, description: rejectionDescription(method, "auth-failed") };
    return { accepted: true, user, app: base };
  }

  #challenge(user: string): PublisherAuthDecision {
    const { method } = this.#options;
    this.#expire();
    const key = this.#randomHex();
    const pending: PendingChallenge = {
      user,
      issuedAt: this.#now(),
      challenge: method === "adobe" ? this.#randomHex() : "",
    };
    this.#pending.set(key, pending);
    const max = this.#options.maxPendingChallenges ?? DEFAULT_MAX_PENDING_CHALLENGES;
    while (this.#pending.size > max) this.#pending.delete(this.#pending.keys().next().value!);
    const params: [string, string][] = method === "adobe"
      ? [["user", user], ["salt", this.#salt(user)], ["challenge", pending.challenge], [
        "opaque",
        key,
      ]]
      : [["user", user], ["nonce", key]];
    return { accepted: false, description: rejectionDescription(method, "challenge", params) };
  }

  #verifyAdobe(
    user: string,
    password: string,
    params: Map<string, string>,
    response: string,
  ): boolean {
    const opaque = params.get("opaque") ?? "";
    const pending = this.#take(opaque, user);
    if (pending === undefined) return false;
    const expected = adobeAuthResponse({
      user,
      password,
      salt: this.#salt(user),
      challenge: pending.challenge,
      opaque,
      clientChallenge: params.get("challenge") ?? "",
    });
    return expected === response;
  }

  #verifyLlnw(
    user: string,
    password: string,
    params: Map<string, string>,
    response: string,
    app: string,
  ): boolean {
    const nonce = params.get("nonce") ?? "";
    if (this.#take(nonce, user) === undefined) return false;
    const expected = llnwAuthResponse({
      user,
      password,
      nonce,
      cnonce: params.get("cnonce") ?? "",
      nc: params.get("nc") ?? "",
      app,
    });
    return expected === response;
  }

  /** Removes and returns the challenge issued under `key` to `user`, if still valid. */
  #take(key: string, user: string): PendingChallenge | undefined {
    this.#expire();
    const pending = this.#pending.get(key);
    if (pending === undefined || pending.user !== user) return undefined;
    this.#pending.delete(key);
    return pending;
  }

  #expire(): void {
    const ttl = this.#options.challengeTtlMs ?? DEFAULT_CHALLENGE_TTL_MS;
    const oldest = this.#now() - ttl;
    for (const [key, pending] of this.#pending) {
      if (pending.issuedAt >= oldest) break;
      this.#pending.delete(key);
    }
  }

  /** A per-user salt, stable for the life of this server. */
  #salt(user: string): string {
    let salt = this.#salts.get(user);
    if (salt === undefined) {
      salt = this.#randomHex();
      this.#salts.set(user, salt);
    }
    return salt;
  }

  #randomHex(): string {
    const random = this.#options.randomBytes ??
      ((length: number) => crypto.getRandomValues(new Uint8Array(length)));
    return hex(random(RANDOM_VALUE_BYTES));
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
