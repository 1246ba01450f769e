/**
 * The RTMPE handshake variant (librtmp-facts §4.4, §4.6): the Flash Player 9 digest handshake
 * at offset scheme 1 with a Diffie-Hellman public key at the block's DH offset, RC4 keys from
 * the shared secret, and the signature transforms of server types 0x08 and 0x09. It plugs into
 * `ClientHandshake` and `ServerHandshake` through {@linkcode HandshakeVariant}.
 *
 * @module
 */

import { DH_KEY_LENGTH, DiffieHellman } from "../crypto/dh.ts";
import { DhKeyError } from "../crypto/dh_key_error.ts";
import { Rc4 } from "../crypto/rc4.ts";
import {
  HANDSHAKE_TYPE_RTMPE,
  HANDSHAKE_TYPE_RTMPE_BLOWFISH,
  HANDSHAKE_TYPE_RTMPE_XTEA,
  RTMP_SIG_SIZE,
  RTMPE_CLIENT_VERSION,
  VERSION_OFFSET,
} from "./constants.ts";
import { dhOffset, hmacSha256, type OffsetScheme } from "./digest.ts";
import { HandshakeError } from "./handshake_error.ts";
import type { HandshakeNote } from "./handshake_note.ts";
import type { HandshakeCiphers, HandshakeVariant } from "./handshake_variant.ts";
import { transformRtmpeSignature } from "./rtmpe_signature.ts";

/** The RTMPE handshake types: 6 (no transform), 8 (XTEA), 9 (Blowfish). */
export type RtmpeType = 6 | 8 | 9;

/** Bytes of the HMAC-SHA256 output that key each RC4 stream. */
export const RTMPE_RC4_KEY_LENGTH = 16;

/** Keystream bytes both RC4 streams skip once the handshake is through (one signature's size). */
export const RTMPE_KEYSTREAM_SKIP: number = RTMP_SIG_SIZE;

/** C1 byte 4 of a client librtmp's server upgrades from type 6 to 8 (Flash Player 10 and on). */
const FP10_VERSION_MAJOR = 128;

/** Options of an {@linkcode RtmpeVariant}. */
export interface RtmpeVariantOptions {
  /** Which side of the handshake this variant plays. */
  role: "client" | "server";
  /**
   * Client: the C0 to send. Default 6, as rtmpdump; 8 and 9 ask for the XTEA and Blowfish
   * transforms. Ignored on the server.
   */
  type?: RtmpeType;
  /** Client: C1 bytes 4–7. Default 128.0.3.2, as rtmpdump. */
  version?: readonly number[];
  /**
   * Server: the S0 to answer with. Default as librtmp's server: 8 when the client sent 6 or 8
   * with C1 byte 4 = 128 (Flash Player 10 and on, rtmpdump), otherwise the client's type.
   */
  answerType?: RtmpeType;
  /** Fills a buffer with random bytes for the Diffie-Hellman private key. */
  random?: (bytes: Uint8Array) => void;
}

/** Whether `type` is one of the RTMPE handshake types. */
export function isRtmpeType(type: number): type is RtmpeType {
  return type === HANDSHAKE_TYPE_RTMPE || type === HANDSHAKE_TYPE_RTMPE_XTEA ||
    type === HANDSHAKE_TYPE_RTMPE_BLOWFISH;
}

/**
 * The S0 librtmp's server answers an RTMPE client with: 8 when the client sent 6 or 8 and its
 * C1 byte 4 is 128, otherwise the type it sent. (librtmp refuses 9; this server answers it.)
 */
export function rtmpeAnswerType(clientType: RtmpeType, c1: Uint8Array): RtmpeType {
  return clientType !== HANDSHAKE_TYPE_RTMPE_BLOWFISH && c1[VERSION_OFFSET] === FP10_VERSION_MAJOR
    ? HANDSHAKE_TYPE_RTMPE_XTEA
    : clientType;
}

/**
 * One side of one RTMPE handshake. Makes a Diffie-Hellman key pair when its own C1/S1 is
 * filled and writes the public key at the block's DH offset; reads the peer's key at the DH
 * offset of the scheme the peer's digest verified under and derives the RC4 keys:
 * encrypt = HMAC-SHA256(secret, peer's public key)[0..16), decrypt = HMAC-SHA256(secret, own
 * public key)[0..16). Once the handshake has completed, {@linkcode ciphers} holds the two RC4
 * streams, each already advanced by 1536 bytes. A peer key outside [2, p−2] fails the handshake
 * with a {@linkcode HandshakeError}.
 *
 * Use a fresh object per connection.
 *
 * @example
 * ```ts
 * import { ClientHandshake } from "./client_handshake.ts";
 * import { ServerHandshake } from "./server_handshake.ts";
 *
 * const client = new ClientHandshake({ mode: "rtmpe", rtmpeType: 9 });
 * const server = new ServerHandshake({ rtmpe: true });
 * const answer = await server.receive(await client.start());
 * const reply = await client.receive(answer.send!);
 * await server.receive(reply.send!);
 * const data = new TextEncoder().encode("hello");
 * client.ciphers!.encrypt.process(data);
 * server.ciphers!.decrypt.process(data);
 * console.assert(new TextDecoder().decode(data) === "hello");
 * ```
 */
export class RtmpeVariant implements HandshakeVariant {
  /** C0 the client sends. */
  readonly clientType: RtmpeType;
  /** C1 bytes 4–7 the client sends. */
  readonly clientVersion: readonly number[];
  /** RTMPE uses offset scheme 1 (librtmp's `offalg 1`) for its own blocks. */
  readonly scheme: OffsetScheme = 1;
  /** librtmp's lines about the keys: the public key's offsets, the secret, the RC4 keys. */
  readonly notes: HandshakeNote[] = [];

  #role: "client" | "server";
  #answerType: RtmpeType | undefined;
  #random: ((bytes: Uint8Array) => void) | undefined;
  #dh: DiffieHellman | undefined;
  #encryptKey: Uint8Array | undefined;
  #decryptKey: Uint8Array | undefined;
  #ciphers: HandshakeCiphers | undefined;

  /** Creates the variant for one connection. */
  constructor(options: RtmpeVariantOptions) {
    this.#role = options.role;
    this.clientType = options.type ?? HANDSHAKE_TYPE_RTMPE;
    this.clientVersion = options.version ?? RTMPE_CLIENT_VERSION;
    this.#answerType = options.answerType;
    this.#random = options.random;
  }

  /** The RC4 streams for the bytes after the handshake, once it has completed. */
  get ciphers(): HandshakeCiphers | undefined {
    return this.#ciphers;
  }

  /** Server: the S0 for a client that sent `clientType` with `c1`. */
  answerType(clientType: number, c1: Uint8Array): number {
    if (this.#answerType !== undefined) return this.#answerType;
    return isRtmpeType(clientType) ? rtmpeAnswerType(clientType, c1) : clientType;
  }

  /** Makes the key pair and writes the public key at `block`'s DH offset. */
  fillBlock(block: Uint8Array, scheme: OffsetScheme): void {
    this.#dh = new DiffieHellman({ random: this.#random });
    const at = dhOffset(block, scheme);
    block.set(this.#dh.publicKey, at);
    this.notes.push({ level: "debug", text: `HandShake: DH pubkey position: ${at}` });
  }

  /** Reads the peer's public key and derives the two RC4 keys. */
  async readPeerBlock(block: Uint8Array, scheme: OffsetScheme): Promise<void> {
    const dh = this.#dh;
    if (!dh) throw new Error("Cannot read the peer's RTMPE key before making our own");
    const at = dhOffset(block, scheme);
    const peerKey = block.slice(at, at + DH_KEY_LENGTH);
    const peerName = this.#role === "client" ? "Server" : "Client";
    this.notes.push({ level: "debug", text: `HandShake: ${peerName} DH public key offset: ${at}` });
    let secret: Uint8Array;
    try {
      secret = dh.computeSecret(peerKey);
    } catch (error) {
      if (!(error instanceof DhKeyError)) throw error;
      const peer = this.#role === "client" ? "server" : "client";
      throw new HandshakeError(
        `Cannot complete the RTMPE handshake: the ${peer}'s Diffie-Hellman public key is ${error.reason}`,
        { cause: error },
      );
    }
    this.#encryptKey = (await hmacSha256(secret, peerKey)).slice(0, RTMPE_RC4_KEY_LENGTH);
    this.#decryptKey = (await hmacSha256(secret, dh.publicKey)).slice(0, RTMPE_RC4_KEY_LENGTH);
    this.notes.push(
      { level: "debug", text: "HandShake: Secret key: ", bytes: secret.slice() },
      { level: "debug", text: "RC4 Out Key: ", bytes: this.#encryptKey.slice() },
      { level: "debug", text: "RC4 In Key: ", bytes: this.#decryptKey.slice() },
    );
  }

  /** Applies the type 0x08/0x09 transform for the server's S0 `type`. */
  transformSignature(signature: Uint8Array, signatureKey: Uint8Array, type: number): void {
    transformRtmpeSignature(signature, signatureKey, type);
  }

  /** Sets up both RC4 streams and skips 1536 bytes of each. */
  complete(): void {
    if (!this.#encryptKey || !this.#decryptKey) return;
    const encrypt = new Rc4(this.#encryptKey);
    const decrypt = new Rc4(this.#decryptKey);
    encrypt.skip(RTMPE_KEYSTREAM_SKIP);
    decrypt.skip(RTMPE_KEYSTREAM_SKIP);
    this.#ciphers = { encrypt, decrypt };
  }
}
