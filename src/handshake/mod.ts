/**
 * The RTMP handshake layer: C0/C1/C2 and S0/S1/S2 as bytes in and bytes out, no sockets.
 *
 * It owns the plain handshake and the Flash Player 9 digest handshake, client and server, as
 * rtmpdump 2.4's librtmp performs them (librtmp-facts §4.1–4.3, §4.6): same C0/C1 layout,
 * version stamps, digest offset schemes, Genuine Adobe keys, warnings and failures. The bytes
 * after S2/C2 are handed back for the chunk decoder. RTMPE (librtmp-facts §4.4) plugs in
 * through {@linkcode HandshakeVariant} without changing the state machines: a client in mode
 * `"rtmpe"` or a server with `rtmpe: true` runs {@linkcode RtmpeVariant} (Diffie-Hellman key
 * agreement, the type 0x08/0x09 signature transforms) and hands out the two RC4 streams as
 * `ciphers` once the handshake is through.
 *
 * Where it deviates from librtmp, on the server side only: a client with a non-zero version but
 * no valid digest is answered with a plain handshake instead of being refused (as FMS and
 * nginx-rtmp do); the S1 digest (and an RTMPE key) goes at the scheme the client used; S2 is
 * random bytes with the signature at the end (librtmp signs C1 echoed), and a C2 that does not
 * verify is a warning, not a failure, for type 3; an RTMPE client of type 9 is answered
 * (librtmp's server refuses it). The clock and random source are injectable; by default the
 * time field is milliseconds since the process started and the random bytes come from
 * `crypto.getRandomValues` (librtmp uses an unseeded `rand()`).
 *
 * @example
 * ```ts
 * import { ClientHandshake, ServerHandshake } from "./mod.ts";
 *
 * const client = new ClientHandshake({ mode: "plain" });
 * const server = new ServerHandshake();
 * const answer = await server.receive(await client.start());
 * const reply = await client.receive(answer.send!);
 * const last = await server.receive(reply.send!);
 * console.assert(reply.done && last.done);
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export {
  bytesEqual,
  computeDigest,
  computeSignature,
  deriveSignatureKey,
  dhOffset,
  type DigestLocation,
  digestOffset,
  findDigest,
  hmacSha256,
  type OffsetScheme,
  otherScheme,
  verifyDigest,
} from "./digest.ts";
export { HandshakeError } from "./handshake_error.ts";
export type { HandshakeStep } from "./handshake_step.ts";
export type { HandshakeNote } from "./handshake_note.ts";
export type { Rc4 } from "../crypto/rc4.ts";
export {
  FP9_HANDSHAKE_VARIANT,
  type HandshakeCiphers,
  type HandshakeVariant,
} from "./handshake_variant.ts";
export {
  isRtmpeType,
  RTMPE_KEYSTREAM_SKIP,
  RTMPE_RC4_KEY_LENGTH,
  rtmpeAnswerType,
  type RtmpeType,
  RtmpeVariant,
  type RtmpeVariantOptions,
} from "./rtmpe_variant.ts";
export { RTMPE8_KEYS, RTMPE9_KEYS, transformRtmpeSignature } from "./rtmpe_signature.ts";
export { ClientHandshake, type ClientHandshakeOptions } from "./client_handshake.ts";
export { ServerHandshake, type ServerHandshakeOptions } from "./server_handshake.ts";
