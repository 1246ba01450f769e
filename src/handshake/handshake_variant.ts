/**
 * The seam where a digest-handshake variant plugs into `ClientHandshake` and
 * `ServerHandshake`: the Flash Player 9 handshake is the built-in one; RTMPE
 * (librtmp-facts §4.4: C0 6, a Diffie-Hellman key at the DH offset, signature transforms for
 * S0 types 8 and 9, RC4 once the handshake is through) supplies its own hooks here instead of
 * changing the handshake state machines.
 *
 * @module
 */

import type { Rc4 } from "../crypto/rc4.ts";
import { FP9_CLIENT_VERSION, HANDSHAKE_TYPE_PLAIN } from "./constants.ts";
import type { OffsetScheme } from "./digest.ts";
import type { HandshakeNote } from "./handshake_note.ts";

/**
 * The two RC4 streams an encrypted handshake leaves behind, ready for the first byte after it:
 * `encrypt` for every byte this side sends, `decrypt` for every byte it receives.
 */
export interface HandshakeCiphers {
  /** Encrypts outgoing bytes. */
  readonly encrypt: Rc4;
  /** Decrypts incoming bytes. */
  readonly decrypt: Rc4;
}

/**
 * One kind of digest handshake, seen from either side. One object serves one connection, so a
 * variant that keeps per-connection state (an RTMPE key pair) is made fresh for each.
 *
 * Order of the hooks on the client: {@linkcode fillBlock} (own C1, before its digest),
 * {@linkcode readPeerBlock} (S1, once its digest verified), {@linkcode transformSignature} (C2's
 * signature, then the expected S2 signature), {@linkcode complete}. On the server:
 * {@linkcode answerType}, {@linkcode fillBlock} (own S1), {@linkcode readPeerBlock} (C1),
 * {@linkcode transformSignature} (S2's signature, then the expected C2 signature),
 * {@linkcode complete}.
 */
export interface HandshakeVariant {
  /** C0 a client of this variant sends: 3 for FP9, 6 for RTMPE. */
  readonly clientType: number;
  /** C1 bytes 4–7 a client of this variant sends (four bytes). */
  readonly clientVersion: readonly number[];
  /**
   * Scheme of the own C1/S1 digest (client side), and the scheme tried first on the peer's
   * block before the other one (both sides).
   */
  readonly scheme: OffsetScheme;
  /** Server side: the S0 to answer a client that sent `clientType` and `c1`. Default: `clientType`. */
  answerType?(clientType: number, c1: Uint8Array): number;
  /**
   * Writes into the own 1536-byte C1/S1 after the time, version and random bytes and before its
   * digest is computed (RTMPE: the public key at `dhOffset(block, scheme)`).
   */
  fillBlock?(block: Uint8Array, scheme: OffsetScheme): void | Promise<void>;
  /** Reads the peer's 1536-byte C1/S1 once its digest verified under `scheme`. */
  readPeerBlock?(block: Uint8Array, scheme: OffsetScheme): void | Promise<void>;
  /**
   * Transforms a 32-byte C2/S2 signature in place before it is sent or compared. `signatureKey`
   * is the 32-byte key it was computed with and `type` the server's S0.
   */
  transformSignature?(signature: Uint8Array, signatureKey: Uint8Array, type: number): void;
  /** Called once the handshake has completed and verified. */
  complete?(): void;
  /** The streams to encrypt and decrypt with after {@linkcode complete}, for RTMPE. */
  readonly ciphers?: HandshakeCiphers;
  /**
   * What the hooks report in librtmp's words (RTMPE: where its public key sits, the shared
   * secret, the RC4 keys); the client handshake moves them into its own notes after each hook.
   */
  readonly notes?: HandshakeNote[];
}

/**
 * librtmp's digest handshake over plain RTMP (used when SWF verification data exist): C0 3,
 * C1 version 10.0.45.2, digest at scheme 0, no extra hooks.
 */
export const FP9_HANDSHAKE_VARIANT: HandshakeVariant = Object.freeze({
  clientType: HANDSHAKE_TYPE_PLAIN,
  clientVersion: FP9_CLIENT_VERSION,
  scheme: 0,
});
