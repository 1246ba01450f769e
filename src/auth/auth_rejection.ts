/**
 * The `description` of a `NetConnection.Connect.Rejected` error that asks a publisher to
 * authenticate, in the form Adobe's and Wowza's servers write it and librtmp and ffmpeg read it:
 *
 * - `[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ` (send a user name)
 * - `[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O`
 * - `[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=U&nonce=N`
 * - `… : ?reason=authfailed`, `… : ?reason=nosuchuser`
 *
 * Readers find the parts by substring, as both clients do, so the prefix is free text; the
 * parameters run from `?reason=` to the end, split on `&` and at the first `=`, not URL-decoded.
 * ffmpeg takes the method name up to the next space and reads at most 255 characters, which
 * {@linkcode rejectionDescription} respects by construction.
 *
 * @module
 */

/** The two publisher authentication methods. */
export type PublisherAuthMethod = "adobe" | "llnw";

/** What a rejection asks for. */
export type AuthRejectionKind =
  /** `code=403 need auth`: reconnect with `?authmod=M&user=U`. */
  | "need-user"
  /** `?reason=needauth&…`: answer the challenge in the parameters. */
  | "challenge"
  /** `?reason=authfailed` (llnw servers may write `authfail`): wrong password. */
  | "auth-failed"
  /** `?reason=nosuchuser`. */
  | "no-such-user"
  /** An `authmod` with none of the above. */
  | "unknown";

/** A parsed authentication rejection. */
export interface AuthRejection {
  /** The method the server asks for. */
  method: PublisherAuthMethod;
  /** What it asks for. */
  kind: AuthRejectionKind;
  /** The `?reason=…` parameters (user, salt, challenge, opaque, nonce …) in order. */
  params: Map<string, string>;
}

const NEED_USER_MARKER = "code=403 need auth";
const REASON_MARKER = "?reason=";
const REJECT_PREFIX = "[ AccessManager.Reject ] : ";

/** Reads the `name=value&…` list after `?`; a pair without `=` has an empty value. */
function parseParams(query: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    if (equals < 0) params.set(pair, "");
    else params.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return params;
}

/**
 * Parses a connect error `description`. Returns `undefined` when it names neither
 * `authmod=adobe` nor `authmod=llnw` (a rejection that is not about authentication).
 *
 * @example
 * ```ts
 * import { parseAuthRejection } from "./auth_rejection.ts";
 *
 * const rejection = parseAuthRejection(
 *   "[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth&user=bob&nonce=c0ffee11",
 * );
 * console.assert(rejection?.kind === "challenge" && rejection.params.get("nonce") === "c0ffee11");
 * ```
 */
export function parseAuthRejection(description: string): AuthRejection | undefined {
  let method: PublisherAuthMethod;
  if (description.includes("authmod=adobe")) method = "adobe";
  else if (description.includes("authmod=llnw")) method = "llnw";
  else return undefined;
  const reasonAt = description.indexOf(REASON_MARKER);
  const params = reasonAt < 0 ? new Map<string, string>() : parseParams(
    description.slice(reasonAt + 1),
  );
  const reason = params.get("reason");
  let kind: AuthRejectionKind;
  if (description.includes(NEED_USER_MARKER)) kind = "need-user";
  else if (reason === "needauth") kind = "challenge";
  else if (reason !== undefined && reason.startsWith("authfail")) kind = "auth-failed";
  else if (reason === "nosuchuser") kind = "no-such-user";
  else kind = "unknown";
  return { method, kind, params };
}

/**
 * Writes a rejection description a server sends in its connect `_error` (see the module doc
 * for the forms). `params` follow `?reason=…` in the given order; `need-user` has none.
 */
export function rejectionDescription(
  method: PublisherAuthMethod,
  kind: Exclude<AuthRejectionKind, "unknown">,
  params: ReadonlyArray<readonly [string, string]> = [],
): string {
  if (kind === "need-user") {
    return `${REJECT_PREFIX}[ ${NEED_USER_MARKER}; authmod=${method} ] : `;
  }
  const reason = kind === "challenge"
    ? "needauth"
    : kind === "auth-failed"
    ? "authfailed"
    : "nosuchuser";
  const rest = params.map(([name, value]) => `&${name}=${value}`).join("");
  return `${REJECT_PREFIX}[ authmod=${method} ] : ?reason=${reason}${rest}`;
}

/** The part of an app or tcUrl before its `?query`, and the query's parameters. */
export function splitAuthQuery(value: string): { base: string; params: Map<string, string> } {
  const at = value.indexOf("?");
  if (at < 0) return { base: value, params: new Map() };
  return { base: value.slice(0, at), params: parseParams(value.slice(at + 1)) };
}
