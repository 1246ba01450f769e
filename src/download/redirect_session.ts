/**
 * What a download sends to the server a redirect names: the target's application and tcUrl,
 * the handshake its scheme names ({@linkcode redirectHandshake}), and the user's credentials only
 * where {@linkcode keepsCredentials} (the rule `publish` follows too) lets them go: the same host
 * and port, no less protected than the first server.
 *
 * rtmpdump does not follow redirects, so it never sends anything to a second server. rtmpkit
 * follows them, and a redirect to another server gets the connect request without the values
 * that identify the user: `--auth` (the Boolean and string after the connect object), `--conn`
 * (every extra connect argument), `--token` (the SecureToken answer) and `--jtv` (the usher
 * token). A redirect to the same server keeps them all, so the connect is the one rtmpdump would
 * send there.
 *
 * @module
 */

import type { ClientSessionOptions } from "../session/client_session.ts";
import { PROTOCOL_FEATURE } from "../url/protocol.ts";
import type { ConnectionTarget } from "./open_connection.ts";
import {
  keepsCredentials,
  type RedirectTarget,
  type ServerEndpoint,
} from "../url/redirect_target.ts";

/** Session options that carry credentials, each with the rtmpdump option that sets it. */
const CREDENTIAL_OPTIONS = [
  ["auth", "--auth"],
  ["conn", "--conn"],
  ["secureToken", "--token"],
  ["usherToken", "--jtv"],
] as const satisfies readonly (readonly [keyof ClientSessionOptions, string])[];

/** The session options {@linkcode redirectSession} changes. */
export type RedirectableSession = Pick<
  ClientSessionOptions,
  "app" | "tcUrl" | "auth" | "conn" | "secureToken" | "usherToken"
>;

/** What {@linkcode redirectSession} decided. */
export interface RedirectSession<T extends RedirectableSession> {
  /** The options for the connection to the target. */
  options: T;
  /** The rtmpdump options whose values were left out (`--auth`, …), empty when none. */
  withheld: string[];
}

/**
 * The session options for a connection to `target`: its application and tcUrl, and the
 * credentials of `options` only when {@linkcode keepsCredentials} holds for `origin` (the
 * endpoint the download first connected to) and the target. `withheld` names the options that
 * were given and are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRedirect } from "../url/redirect_target.ts";
 * import { redirectSession } from "./redirect_session.ts";
 *
 * const origin = { protocol: 0, host: "a.example", port: 1935 };
 * const options = { app: "vod", playpath: "clip", auth: "secret" };
 * const elsewhere = redirectSession(options, origin, resolveRedirect("rtmp://b.example/vod", "")!);
 * assert.equal(elsewhere.options.auth, undefined);
 * assert.deepEqual(elsewhere.withheld, ["--auth"]);
 * const same = redirectSession(options, origin, resolveRedirect("rtmp://a.example/vod2", "")!);
 * assert.equal(same.options.auth, "secret");
 * assert.equal(same.options.app, "vod2");
 * ```
 */
export function redirectSession<T extends RedirectableSession>(
  options: T,
  origin: ServerEndpoint,
  target: RedirectTarget,
): RedirectSession<T> {
  const next: T = { ...options, app: target.app, tcUrl: target.tcUrl };
  const withheld: string[] = [];
  if (keepsCredentials(origin, target)) return { options: next, withheld };
  for (const [key, option] of CREDENTIAL_OPTIONS) {
    const value = next[key];
    if (value === undefined) continue;
    delete next[key];
    if (!Array.isArray(value) || value.length > 0) withheld.push(option);
  }
  return { options: next, withheld };
}

/**
 * The handshake for a redirect target: the encrypted one where its scheme is rtmpe or rtmpte, or
 * where the caller asked for RTMPE over a scheme without it (the library's `handshake: "rtmpe"`
 * on an rtmp:// URL) and the target is not TLS; else the Flash Player 9 digest handshake where
 * SWF verification needs it (or the caller chose it); else plain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirectHandshake } from "./redirect_session.ts";
 *
 * // rtmp:// (librtmp's protocol 0) to rtmpe:// (2), and rtmpe:// back to rtmp://.
 * assert.equal(redirectHandshake({ protocol: 0, handshake: "plain" }, 2), "rtmpe");
 * assert.equal(redirectHandshake({ protocol: 2, handshake: "rtmpe" }, 0), "plain");
 * // RTMPE asked for over rtmp:// stays on at an rtmp:// target.
 * assert.equal(redirectHandshake({ protocol: 0, handshake: "rtmpe" }, 0), "rtmpe");
 * ```
 */
export function redirectHandshake(
  from: Pick<ConnectionTarget, "protocol" | "handshake" | "swfVerification">,
  protocol: number,
): ConnectionTarget["handshake"] {
  if ((protocol & PROTOCOL_FEATURE.ENC) !== 0) return "rtmpe";
  const askedForRtmpe = from.handshake === "rtmpe" && (from.protocol & PROTOCOL_FEATURE.ENC) === 0;
  if (askedForRtmpe && (protocol & PROTOCOL_FEATURE.SSL) === 0) return "rtmpe";
  return from.handshake === "fp9" || from.swfVerification !== undefined ? "fp9" : "plain";
}

/**
 * The endpoint as {@linkcode keepsCredentials} judges it: a connection with the RTMPE
 * handshake counts as encrypted whatever its scheme says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { protectedEndpoint } from "./redirect_session.ts";
 *
 * const plain = { protocol: 0, host: "a.example", port: 1935 };
 * assert.equal(protectedEndpoint({ ...plain, handshake: "rtmpe" }).protocol, 2);
 * assert.equal(protectedEndpoint({ ...plain, handshake: "plain" }).protocol, 0);
 * ```
 */
export function protectedEndpoint<T extends ServerEndpoint>(
  endpoint: T & { handshake: ConnectionTarget["handshake"] },
): T {
  return endpoint.handshake === "rtmpe"
    ? { ...endpoint, protocol: endpoint.protocol | PROTOCOL_FEATURE.ENC }
    : endpoint;
}
