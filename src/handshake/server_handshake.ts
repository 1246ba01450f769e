/**
 * The server side of the RTMP handshake, after librtmp 2.4's `SHandShake` (librtmp-facts §4.6),
 * answering digest-less clients the way FMS and nginx-rtmp do.
 *
 * @module
 */

import {
  FMS_KEY_DIGEST_LENGTH,
  FMS_SERVER_VERSION,
  FP_KEY_DIGEST_LENGTH,
  GENUINE_FMS_KEY,
  GENUINE_FP_KEY,
  HANDSHAKE_FIRST_PACKET_SIZE,
  HANDSHAKE_TYPE_PLAIN,
  RANDOM_OFFSET,
  RTMP_SIG_SIZE,
  SHA256_DIGEST_LENGTH,
  SIGNATURE_OFFSET,
  TIME_OFFSET,
  VERSION_OFFSET,
} from "./constants.ts";
import {
  bytesEqual,
  computeDigest,
  computeSignature,
  deriveSignatureKey,
  digestOffset,
  findDigest,
} from "./digest.ts";
import { HandshakeError } from "./handshake_error.ts";
import type { HandshakeStep } from "./handshake_step.ts";
import {
  FP9_HANDSHAKE_VARIANT,
  type HandshakeCiphers,
  type HandshakeVariant,
} from "./handshake_variant.ts";
import { isRtmpeType, type RtmpeType, RtmpeVariant } from "./rtmpe_variant.ts";
import { defaultNow, defaultRandom, readTime, writeTime } from "./_defaults.ts";

/** Options of a {@linkcode ServerHandshake}. */
export interface ServerHandshakeOptions {
  /** Milliseconds for the S1 time field (written modulo 2^32). Default: ms since process start. */
  now?: () => number;
  /** Fills a buffer with random bytes (S1's filler, then S2). Default: `crypto.getRandomValues`. */
  random?: (bytes: Uint8Array) => void;
  /**
   * Answer Flash Player 9 digest clients (C0 3, C1 byte 4 non-zero, valid digest) with a digest
   * handshake. Default true; when false every client gets the plain echo.
   */
  fp9?: boolean;
  /**
   * The variant for a C0 other than 3, called once per connection as soon as C0 arrives
   * (`rtmpe` plugs in here). `undefined` refuses the type. Such clients must
   * carry a valid digest and a valid C2 signature.
   */
  variantFor?: (clientType: number) => HandshakeVariant | undefined;
  /**
   * Accept RTMPE clients (C0 6, 8 and 9) with a fresh {@linkcode RtmpeVariant} each, for C0
   * values `variantFor` leaves alone. Off by default: a caller that turns it on must run every
   * byte after the handshake through {@linkcode ServerHandshake.ciphers}. `answerType` fixes
   * the S0 (default as librtmp's server: 8 for a Flash Player 10 client that sent 6 or 8,
   * otherwise the client's type).
   */
  rtmpe?: boolean | { answerType?: RtmpeType };
}

/** C0+C1 then C2: the bytes the server waits for. */
const CLIENT_BYTES = HANDSHAKE_FIRST_PACKET_SIZE + RTMP_SIG_SIZE;

const FMS_DIGEST_KEY = GENUINE_FMS_KEY.subarray(0, FMS_KEY_DIGEST_LENGTH);
const FP_DIGEST_KEY = GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH);

/** First and last printable ASCII bytes: a C0 in this range is most likely text (HTTP). */
const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;

/** How far the handshake has got. */
const Stage = { AwaitC0C1: 0, AwaitC2: 1, Done: 2 } as const;
type Stage = typeof Stage[keyof typeof Stage];

/**
 * A sans-I/O RTMP server handshake: {@linkcode receive} takes the client's bytes in any split,
 * answers S0+S1+S2 once C0+C1 are in, and completes once C2 is in.
 *
 * Plain clients (C1 version all zero) get S1 with a zero version and S2 = C1 echoed. FP9
 * clients (C0 3, C1 byte 4 non-zero, a C1 digest under the Flash Player key at either scheme)
 * get S1 version 3.5.1.1 with a digest under the FMS key at the client's scheme and an S2 signed
 * so that librtmp's check passes; a non-zero version without a valid digest is answered as
 * plain, as FMS does. A C2 that does not match is only a warning. Any other C0 is refused with
 * "Unsupported handshake type N" unless `variantFor` supplies a variant or `rtmpe` is on and
 * it is an RTMPE type (6, 8 or 9). An RTMPE client must carry a valid digest ("Couldn't verify
 * the client digest") and C2 signature ("Client not genuine Adobe!") and a Diffie-Hellman key
 * in [2, p−2]; its S1 carries the server's key at the DH offset of the client's scheme.
 *
 * At most 3073 bytes (C0+C1+C2) are buffered; bytes after C2 come back as `rest`.
 *
 * @example
 * ```ts
 * import { ServerHandshake } from "./server_handshake.ts";
 *
 * const server = new ServerHandshake();
 * const c0c1 = new Uint8Array(1537);
 * c0c1[0] = 3;
 * const { send } = await server.receive(c0c1);
 * console.assert(send!.length === 3073 && !server.usedDigest);
 * ```
 */
export class ServerHandshake {
  /**
   * librtmp's texts for what it logs and this class only records: "Client not genuine Adobe!"
   * and "client signature does not match!" (C2 checks).
   */
  readonly warnings: string[] = [];

  #now: () => number;
  #random: (bytes: Uint8Array) => void;
  #fp9: boolean;
  #variantFor: ((clientType: number) => HandshakeVariant | undefined) | undefined;
  #variant: HandshakeVariant | undefined;
  #encrypted = false;
  #input = new Uint8Array(CLIENT_BYTES);
  #received = 0;
  #stage: Stage = Stage.AwaitC0C1;
  #error: HandshakeError | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #usedDigest = false;
  #answerType = HANDSHAKE_TYPE_PLAIN;
  #s1 = new Uint8Array(RTMP_SIG_SIZE);
  #serverDigestOffset = -1;
  #clientType: number | undefined;
  #clientUptime: number | undefined;
  #clientVersion: Uint8Array | undefined;
  #swfVerificationKey: Uint8Array | undefined;

  /** Creates a server handshake for one connection. */
  constructor(options: ServerHandshakeOptions = {}) {
    this.#now = options.now ?? defaultNow;
    this.#random = options.random ?? defaultRandom;
    this.#fp9 = options.fp9 ?? true;
    const custom = options.variantFor;
    const rtmpe = options.rtmpe;
    const answerType = typeof rtmpe === "object" ? rtmpe.answerType : undefined;
    const random = this.#random;
    this.#variantFor = rtmpe
      ? (type) =>
        custom?.(type) ??
          (isRtmpeType(type) ? new RtmpeVariant({ role: "server", answerType, random }) : undefined)
      : custom;
  }

  /** C0: the handshake type the client asked for, once it has arrived. */
  get clientType(): number | undefined {
    return this.#clientType;
  }

  /** S0: the handshake type answered, once S0 has been made. */
  get serverType(): number | undefined {
    return this.#stage === Stage.AwaitC0C1 ? undefined : this.#answerType;
  }

  /** C1 bytes 0–3: the client's time field, once C1 has arrived. */
  get clientUptime(): number | undefined {
    return this.#clientUptime;
  }

  /** C1 bytes 4–7: the client's version (Flash Player version; zero from plain clients). */
  get clientVersion(): Uint8Array | undefined {
    return this.#clientVersion?.slice();
  }

  /** Whether the digest handshake ran. */
  get usedDigest(): boolean {
    return this.#usedDigest;
  }

  /**
   * The last 32 bytes of S1, which key the client's SWF verification response
   * (librtmp-facts §4.5). Set only when the digest handshake ran.
   */
  get swfVerificationKey(): Uint8Array | undefined {
    return this.#swfVerificationKey?.slice();
  }

  /** Whether the handshake has completed. */
  get done(): boolean {
    return this.#stage === Stage.Done;
  }

  /**
   * After an RTMPE handshake has completed: the RC4 streams for every byte after it (encrypt
   * what is sent, decrypt what is received). Undefined for plain and FP9 clients.
   */
  get ciphers(): HandshakeCiphers | undefined {
    return this.done ? this.#variant?.ciphers : undefined;
  }

  /**
   * Feeds bytes from the client, split anywhere. Resolves with S0+S1+S2 (3073 bytes) once
   * C0+C1 are in, `done` once C2 is in, and the bytes after C2. After completion all fed bytes
   * come back as `rest`. Rejects with {@linkcode HandshakeError} as soon as C0 is refused or
   * when the handshake fails; every later call rejects with the same error.
   */
  async receive(data: Uint8Array): Promise<HandshakeStep> {
    if (this.#error) throw this.#error;
    const take = Math.min(data.length, CLIENT_BYTES - this.#received);
    if (this.#received === 0 && take > 0) this.#acceptType(data[0]);
    this.#input.set(data.subarray(0, take), this.#received);
    this.#received += take;
    const upTo = this.#received;
    const job = this.#tail.then(() => this.#advance(upTo));
    this.#tail = job.catch(() => {});
    const step = await job;
    if (take < data.length) step.rest = data.subarray(take);
    return step;
  }

  /** Checks C0 and picks the variant, or records and throws the refusal. */
  #acceptType(type: number): void {
    this.#clientType = type;
    if (type === HANDSHAKE_TYPE_PLAIN) {
      this.#variant = this.#fp9 ? FP9_HANDSHAKE_VARIANT : undefined;
      return;
    }
    const variant = this.#variantFor?.(type);
    if (variant) {
      this.#variant = variant;
      this.#encrypted = true;
      return;
    }
    const text = type >= PRINTABLE_FIRST && type <= PRINTABLE_LAST
      ? ` ('${String.fromCharCode(type)}': text such as HTTP, not an RTMP handshake)`
      : "";
    this.#error = new HandshakeError(`Unsupported handshake type ${type}${text}`);
    throw this.#error;
  }

  async #advance(upTo: number): Promise<HandshakeStep> {
    if (this.#error) throw this.#error;
    const step: HandshakeStep = { done: false };
    try {
      if (this.#stage === Stage.AwaitC0C1 && upTo >= HANDSHAKE_FIRST_PACKET_SIZE) {
        step.send = await this.#onC0C1();
        this.#stage = Stage.AwaitC2;
      }
      if (this.#stage === Stage.AwaitC2 && upTo >= CLIENT_BYTES) {
        await this.#onC2();
        if (this.#usedDigest) this.#variant?.complete?.();
        this.#stage = Stage.Done;
      }
    } catch (error) {
      throw this.#fail(error);
    }
    step.done = this.#stage === Stage.Done;
    return step;
  }

  /** Records the failure every later call reports, as a HandshakeError. */
  #fail(error: unknown): HandshakeError {
    this.#error = error instanceof HandshakeError ? error : new HandshakeError(
      `Cannot complete the handshake: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
    return this.#error;
  }

  /** Handles C0+C1 and makes S0+S1+S2. */
  async #onC0C1(): Promise<Uint8Array> {
    const type = this.#input[0];
    const c1 = this.#input.subarray(1, HANDSHAKE_FIRST_PACKET_SIZE);
    this.#clientUptime = readTime(c1, TIME_OFFSET);
    this.#clientVersion = c1.slice(VERSION_OFFSET, RANDOM_OFFSET);
    const variant = this.#variant;
    const found = variant && (this.#encrypted || c1[VERSION_OFFSET] !== 0)
      ? await findDigest(c1, FP_DIGEST_KEY, variant.scheme)
      : undefined;
    if (this.#encrypted && !found) throw new HandshakeError("Couldn't verify the client digest");

    const out = new Uint8Array(HANDSHAKE_FIRST_PACKET_SIZE + RTMP_SIG_SIZE);
    const s1 = out.subarray(1, HANDSHAKE_FIRST_PACKET_SIZE);
    const s2 = out.subarray(HANDSHAKE_FIRST_PACKET_SIZE);
    writeTime(s1, TIME_OFFSET, this.#now());
    this.#random(s1.subarray(RANDOM_OFFSET));
    if (!variant || !found) {
      out[0] = this.#answerType = HANDSHAKE_TYPE_PLAIN;
      s2.set(c1);
      this.#s1.set(s1);
      return out;
    }

    this.#usedDigest = true;
    out[0] = this.#answerType = variant.answerType?.(type, c1) ?? type;
    s1.set(FMS_SERVER_VERSION, VERSION_OFFSET);
    await variant.fillBlock?.(s1, found.scheme);
    const offset = digestOffset(s1, found.scheme);
    s1.set(await computeDigest(s1, offset, FMS_DIGEST_KEY), offset);
    this.#serverDigestOffset = offset;
    this.#s1.set(s1);
    this.#swfVerificationKey = s1.slice(SIGNATURE_OFFSET);
    await variant.readPeerBlock?.(c1, found.scheme);

    this.#random(s2);
    const clientDigest = c1.subarray(found.offset, found.offset + SHA256_DIGEST_LENGTH);
    const key = await deriveSignatureKey(clientDigest, GENUINE_FMS_KEY);
    const signature = await computeSignature(s2, key);
    variant.transformSignature?.(signature, key, this.#answerType);
    s2.set(signature, SIGNATURE_OFFSET);
    return out;
  }

  /** Checks C2. */
  async #onC2(): Promise<void> {
    const c2 = this.#input.subarray(HANDSHAKE_FIRST_PACKET_SIZE);
    if (!this.#usedDigest) {
      if (!bytesEqual(c2, this.#s1)) this.warnings.push("client signature does not match!");
      return;
    }
    const offset = this.#serverDigestOffset;
    const serverDigest = this.#s1.subarray(offset, offset + SHA256_DIGEST_LENGTH);
    const key = await deriveSignatureKey(serverDigest, GENUINE_FP_KEY);
    const expected = await computeSignature(c2, key);
    this.#variant?.transformSignature?.(expected, key, this.#answerType);
    if (!bytesEqual(expected, c2.subarray(SIGNATURE_OFFSET))) {
      if (this.#encrypted) throw new HandshakeError("Client not genuine Adobe!");
      this.warnings.push("Client not genuine Adobe!");
    }
  }
}
