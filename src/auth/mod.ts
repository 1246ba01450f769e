/**
 * Authentication: publisher authentication (Adobe `authmod=adobe` and Limelight
 * `authmod=llnw`, client and server side, librtmp-facts §5.7 and ffmpeg-rtmp-facts §1.5) and
 * SecureToken (librtmp-facts §5.6). Pure functions and small state machines: no sockets, clock
 * and randomness injectable.
 *
 * @example Both sides of Limelight authentication
 * ```ts
 * import { PublisherAuthClient, PublisherAuthServer } from "./mod.ts";
 *
 * const server = new PublisherAuthServer({ method: "llnw", users: new Map([["bob", "pw"]]) });
 * const client = new PublisherAuthClient({ user: "bob", password: "pw" });
 * let app = "live";
 * for (;;) {
 *   const decision = server.check(app);
 *   if (decision.accepted) break;
 *   app = "live" + client.answer(decision.description, "live");
 * }
 * ```
 *
 * @module
 */

export { type AdobeAuthInput, adobeAuthQuery, adobeAuthResponse } from "./adobe_auth.ts";
export { AuthError } from "./auth_error.ts";
export {
  type AuthRejection,
  type AuthRejectionKind,
  parseAuthRejection,
  type PublisherAuthMethod,
  rejectionDescription,
  splitAuthQuery,
} from "./auth_rejection.ts";
export {
  DEFAULT_APP_INSTANCE,
  LLNW_METHOD,
  LLNW_NONCE_COUNT,
  LLNW_QOP,
  LLNW_REALM,
  llnwAppPath,
  type LlnwAuthInput,
  llnwAuthQuery,
  llnwAuthResponse,
} from "./llnw_auth.ts";
export {
  MAX_AUTH_RECONNECTS,
  PublisherAuthClient,
  type PublisherAuthClientOptions,
  withAuthQuery,
} from "./publisher_auth_client.ts";
export {
  DEFAULT_CHALLENGE_TTL_MS,
  DEFAULT_MAX_PENDING_CHALLENGES,
  type PublisherAuthDecision,
  PublisherAuthServer,
  type PublisherAuthServerOptions,
} from "./publisher_auth_server.ts";
export { splitUrlCredentials, type UrlCredentials } from "./url_credentials.ts";
export {
  decodeSecureToken,
  encodeSecureToken,
  MAX_SECURE_TOKEN_LENGTH,
  secureTokenKey,
} from "./secure_token.ts";
