/**
 * Adobe publisher authentication (`authmod=adobe`, librtmp-facts §5.7, ffmpeg-rtmp-facts §1.5):
 * a salted, challenged MD5 exchanged in the connect `app` query.
 *
 * The server gives `salt`, `challenge` and, usually, `opaque`; the client picks its own
 * challenge and answers
 * `response = base64(md5(base64(md5(user + salt + password)) + (opaque or challenge) + clientChallenge))`,
 * sending `?authmod=adobe&user=…&challenge=<clientChallenge>&response=…[&opaque=…]`.
 *
 * @module
 */

import { md5 } from "../crypto/md5.ts";

/** The values an Adobe response is computed from. */
export interface AdobeAuthInput {
  /** User name, as the server echoed it in its challenge. */
  user: string;
  /** The user's password. */
  password: string;
  /** The server's salt. */
  salt: string;
  /** The server's challenge; used when there is no `opaque`. */
  challenge?: string;
  /** The server's opaque value; used instead of `challenge` when present. */
  opaque?: string;
  /** The client's own challenge (ffmpeg: 8 hex digits; librtmp: base64 of 4 random bytes). */
  clientChallenge: string;
}

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64Md5(text: string): string {
  return base64(md5(encoder.encode(text)));
}

/**
 * The Adobe response: `base64(md5(base64(md5(user + salt + password)) + (opaque || challenge) +
 * clientChallenge))`. An empty `opaque` counts as absent, as in librtmp.
 *
 * @example
 * ```ts
 * import { adobeAuthResponse } from "./adobe_auth.ts";
 *
 * const response = adobeAuthResponse({
 *   user: "alice",
 *   password: "secret",
 *   salt: "a1b2c3d4",
 *   challenge: "0f0e0d0c",
 *   opaque: "99887766",
 *   clientChallenge: "12345678",
 * });
 * console.assert(response.length === 24 && response.endsWith("=="));
 * ```
 */
export function adobeAuthResponse(input: AdobeAuthInput): string {
  const salted = base64Md5(input.user + input.salt + input.password);
  const serverPart = input.opaque ? input.opaque : input.challenge ?? "";
  return base64Md5(salted + serverPart + input.clientChallenge);
}

/**
 * The query a client appends to `app` and `tcUrl` to answer an Adobe challenge, in ffmpeg's
 * order: `?authmod=adobe&user=U&challenge=C&response=R`, then `&opaque=O` when the server sent
 * an opaque value.
 */
export function adobeAuthQuery(input: AdobeAuthInput): string {
  const response = adobeAuthResponse(input);
  let query =
    `?authmod=adobe&user=${input.user}&challenge=${input.clientChallenge}&response=${response}`;
  if (input.opaque) query += `&opaque=${input.opaque}`;
  return query;
}
