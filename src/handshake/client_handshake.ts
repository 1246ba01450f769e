/**
 * The client side of the RTMP handshake, as librtmp 2.4's `HandShake` (librtmp-facts §4.1–4.3).
 *
 * @module
 */

import {
  FMS_KEY_DIGEST_LENGTH,
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
import type { HandshakeNote } from "./handshake_note.ts";
import type { HandshakeStep } from "./handshake_step.ts";
import {
  FP9_HANDSHAKE_VARIANT,
  type HandshakeCiphers,
  type HandshakeVariant,
} from "./handshake_variant.ts";
import { type RtmpeType, RtmpeVariant } from "./rtmpe_variant.ts";
import { defaultNow, defaultRandom, readTime, writeTime } from "./_defaults.ts";

/** Options of a {@linkcode ClientHandshake}. */
export interface ClientHandshakeOptions {
  /**
   * `"plain"`: C0 3, C1 = time + 4 zero bytes + random, C2 = S1 echoed. `"fp9"`: the Flash
   * Player 9 digest handshake (C1 version 10.0.45.2, digest at scheme 0), which librtmp uses
   * when SWF verification data exist. `"rtmpe"`: the encrypted handshake (C1 version
   * 128.0.3.2, digest and Diffie-Hellman key at scheme 1); {@linkcode ClientHandshake.ciphers}
   * then holds the RC4 streams for everything after it.
   */
  mode: "plain" | "fp9" | "rtmpe";
  /**
   * With mode `"rtmpe"`: the C0 to send. 6 (the default) as rtmpdump, which lets the server
   * choose; 8 or 9 ask for the XTEA or Blowfish signature transform.
   */
  rtmpeType?: RtmpeType;
  /** Milliseconds for the C1 time field (written modulo 2^32). Default: ms since process start. */
  now?: () => number;
  /** Fills a buffer with random bytes. Default: `crypto.getRandomValues`. */
  random?: (bytes: Uint8Array) => void;
  /**
   * A digest-handshake variant to run instead of the FP9 one, whatever `mode` says (RTMPE
   * plugs in here). Use a fresh object per connection.
   */
  variant?: HandshakeVariant;
}

/** What librtmp's `HandShake` puts before its log lines (its function name). */
const NOTE_PREFIX = "HandShake: ";

/** A byte as two upper-case hex digits (librtmp's `%02X`). */
function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

/** C0+C1 in, S0+S1 then S2 out: the bytes the client waits for. */
const SERVER_BYTES = HANDSHAKE_FIRST_PACKET_SIZE + RTMP_SIG_SIZE;

const FMS_DIGEST_KEY = GENUINE_FMS_KEY.subarray(0, FMS_KEY_DIGEST_LENGTH);
const FP_DIGEST_KEY = GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH);

/** How far the handshake has got. */
const Stage = { New: 0, AwaitS0S1: 1, AwaitS2: 2, Done: 3 } as const;
type Stage = typeof Stage[keyof typeof Stage];

/**
 * A sans-I/O RTMP client handshake: {@linkcode start} gives C0+C1, {@linkcode receive} takes
 * the server's bytes in any split and gives C2, then completion and the bytes after S2.
 *
 * Behaves as librtmp: an S0 other than the C0 sent is only a warning; in plain mode C2 is S1
 * echoed and an S2 that differs from C1 is only a warning. In FP9 mode a server answering type
 * 3 with S1 byte 4 zero gets the plain echo; otherwise S1's digest must verify (the client's
 * scheme first, then the other) or the handshake fails with "Couldn't verify the server
 * digest", and S2's signature must verify or it fails with "Server not genuine Adobe!".
 *
 * At most 3073 bytes (S0+S1+S2) are buffered; bytes after S2 come back as `rest`.
 *
 * @example
 * ```ts
 * import { ClientHandshake } from "./client_handshake.ts";
 * import { ServerHandshake } from "./server_handshake.ts";
 *
 * const client = new ClientHandshake({ mode: "fp9" });
 * const server = new ServerHandshake();
 * const fromServer = await server.receive(await client.start());
 * const fromClient = await client.receive(fromServer.send!);
 * const last = await server.receive(fromClient.send!);
 * console.assert(fromClient.done && last.done && client.usedDigest);
 * ```
 */
export class ClientHandshake {
  /**
   * librtmp's warnings, in order, without its "HandShake: " prefix: "Type mismatch: client
   * sent 3, server answered N" and "client signature does not match!".
   */
  readonly warnings: string[] = [];
  /**
   * Everything librtmp's `HandShake` logs, in its order and words, warnings included: the
   * client type, its digest and where it sits; S0, S1's time and version; the keys and
   * signatures of the digest handshake, with a variant's own notes (RTMPE's keys) where it
   * makes them; "Handshaking finished".
   */
  readonly notes: HandshakeNote[] = [];

  #variant: HandshakeVariant | undefined;
  #now: () => number;
  #random: (bytes: Uint8Array) => void;
  #c0c1 = new Uint8Array(HANDSHAKE_FIRST_PACKET_SIZE);
  #clientDigestOffset = -1;
  #input = new Uint8Array(SERVER_BYTES);
  #received = 0;
  #stage: Stage = Stage.New;
  #started = false;
  #error: HandshakeError | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #usedDigest = false;
  #serverType: number | undefined;
  #serverUptime: number | undefined;
  #serverVersion: Uint8Array | undefined;
  #swfVerificationKey: Uint8Array | undefined;

  /** Creates a client handshake; nothing happens until {@linkcode start}. */
  constructor(options: ClientHandshakeOptions) {
    this.#now = options.now ?? defaultNow;
    this.#random = options.random ?? defaultRandom;
    this.#variant = options.variant ??
      (options.mode === "fp9"
        ? FP9_HANDSHAKE_VARIANT
        : options.mode === "rtmpe"
        ? new RtmpeVariant({ role: "client", type: options.rtmpeType, random: this.#random })
        : undefined);
  }

  /** S0: the server's handshake type, once S0 has arrived. */
  get serverType(): number | undefined {
    return this.#serverType;
  }

  /** S1 bytes 0–3: the server's time field, once S1 has arrived. */
  get serverUptime(): number | undefined {
    return this.#serverUptime;
  }

  /** S1 bytes 4–7: the server's version (all zero from a plain server), once S1 has arrived. */
  get serverVersion(): Uint8Array | undefined {
    return this.#serverVersion?.slice();
  }

  /** Whether the digest handshake ran (false in plain mode and after a plain fallback). */
  get usedDigest(): boolean {
    return this.#usedDigest;
  }

  /**
   * The last 32 bytes of S1, which key the SWF verification response (librtmp-facts §4.5).
   * Set only when the digest handshake ran.
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
   * what is sent, decrypt what is received). Undefined otherwise, also when an RTMPE client
   * fell back to the plain handshake because the server answered it plainly, as librtmp does.
   */
  get ciphers(): HandshakeCiphers | undefined {
    return this.done ? this.#variant?.ciphers : undefined;
  }

  /** Makes C0+C1 (1537 bytes), to send first. Call once. */
  start(): Promise<Uint8Array> {
    if (this.#started) {
      return Promise.reject(new Error("Cannot start the handshake: it has already started"));
    }
    this.#started = true;
    const job = this.#tail.then(() =>
      this.#makeC0C1().catch((error) => {
        throw this.#fail(error);
      })
    );
    this.#tail = job.catch(() => {});
    return job;
  }

  /**
   * Feeds bytes from the server, split anywhere. Resolves with C2 to send as soon as S0+S1 are
   * in (librtmp sends C2 before reading S2), `done` once S2 verified, and the bytes after S2.
   * After completion all fed bytes come back as `rest`. Rejects with {@linkcode HandshakeError}
   * when the handshake fails; every later call rejects with the same error.
   */
  async receive(data: Uint8Array): Promise<HandshakeStep> {
    if (!this.#started) {
      throw new Error("Cannot receive handshake bytes before start()");
    }
    if (this.#error) throw this.#error;
    const take = Math.min(data.length, SERVER_BYTES - this.#received);
    this.#input.set(data.subarray(0, take), this.#received);
    this.#received += take;
    const upTo = this.#received;
    const job = this.#tail.then(() => this.#advance(upTo));
    this.#tail = job.catch(() => {});
    const step = await job;
    if (take < data.length) step.rest = data.subarray(take);
    return step;
  }

  async #makeC0C1(): Promise<Uint8Array> {
    const c0c1 = this.#c0c1;
    const c1 = c0c1.subarray(HANDSHAKE_FIRST_PACKET_SIZE - RTMP_SIG_SIZE);
    const variant = this.#variant;
    c0c1[0] = variant ? variant.clientType : HANDSHAKE_TYPE_PLAIN;
    writeTime(c1, TIME_OFFSET, this.#now());
    if (variant) c1.set(variant.clientVersion, VERSION_OFFSET);
    this.#random(c1.subarray(RANDOM_OFFSET));
    if (variant) {
      this.#debug(`Client type: ${hex2(c0c1[0])}`);
      await variant.fillBlock?.(c1, variant.scheme);
      this.#takeVariantNotes();
      const offset = digestOffset(c1, variant.scheme);
      const digest = await computeDigest(c1, offset, FP_DIGEST_KEY);
      c1.set(digest, offset);
      this.#clientDigestOffset = offset;
      this.#debug(`Client digest offset: ${offset}`);
      this.#debug("Initial client digest: ", digest);
    }
    this.#stage = Stage.AwaitS0S1;
    return c0c1.slice();
  }

  async #advance(upTo: number): Promise<HandshakeStep> {
    if (this.#error) throw this.#error;
    const step: HandshakeStep = { done: false };
    try {
      if (this.#stage === Stage.AwaitS0S1 && upTo >= HANDSHAKE_FIRST_PACKET_SIZE) {
        step.send = await this.#onS0S1();
        this.#stage = Stage.AwaitS2;
      }
      if (this.#stage === Stage.AwaitS2 && upTo >= SERVER_BYTES) {
        await this.#onS2();
        this.#variant?.complete?.();
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

  /** Handles S0+S1 and makes C2. */
  async #onS0S1(): Promise<Uint8Array> {
    const type = this.#input[0];
    const s1 = this.#input.subarray(1, HANDSHAKE_FIRST_PACKET_SIZE);
    const sent = this.#c0c1[0];
    this.#serverType = type;
    this.#serverUptime = readTime(s1, TIME_OFFSET);
    this.#serverVersion = s1.slice(VERSION_OFFSET, RANDOM_OFFSET);
    this.#debug(`Type Answer   : ${hex2(type)}`);
    if (type !== sent) this.#warn(`Type mismatch: client sent ${sent}, server answered ${type}`);
    this.#debug(`Server Uptime : ${this.#serverUptime | 0}`); // librtmp prints it with %d
    this.#debug(`FMS Version   : ${this.#serverVersion.join(".")}`);
    const variant = this.#variant;
    if (!variant || (type === HANDSHAKE_TYPE_PLAIN && s1[VERSION_OFFSET] === 0)) {
      return s1.slice();
    }
    const found = await findDigest(s1, FMS_DIGEST_KEY, variant.scheme);
    if (!found) throw new HandshakeError("Couldn't verify the server digest");
    this.#usedDigest = true;
    this.#swfVerificationKey = s1.slice(SIGNATURE_OFFSET);
    try {
      await variant.readPeerBlock?.(s1, found.scheme);
    } finally {
      this.#takeVariantNotes();
    }
    const c2 = new Uint8Array(RTMP_SIG_SIZE);
    this.#random(c2);
    const serverDigest = s1.subarray(found.offset, found.offset + SHA256_DIGEST_LENGTH);
    const key = await deriveSignatureKey(serverDigest, GENUINE_FP_KEY);
    const signature = await computeSignature(c2, key);
    variant.transformSignature?.(signature, key, type);
    c2.set(signature, SIGNATURE_OFFSET);
    this.#debug("Calculated digest key from secure key and server digest: ", key);
    this.#debug("Client signature calculated:", signature);
    return c2;
  }

  /** Checks S2. */
  async #onS2(): Promise<void> {
    const s2 = this.#input.subarray(HANDSHAKE_FIRST_PACKET_SIZE);
    const c1 = this.#c0c1.subarray(HANDSHAKE_FIRST_PACKET_SIZE - RTMP_SIG_SIZE);
    if (!this.#usedDigest) {
      if (!bytesEqual(s2, c1)) this.#warn("client signature does not match!");
      this.#debug("Handshaking finished....");
      return;
    }
    if (s2.subarray(VERSION_OFFSET, RANDOM_OFFSET).every((byte) => byte === 0)) {
      this.#debug("Wait, did the server just refuse signed authentication?");
    }
    this.#debug("Server sent signature:", s2.subarray(SIGNATURE_OFFSET));
    const offset = this.#clientDigestOffset;
    const clientDigest = c1.subarray(offset, offset + SHA256_DIGEST_LENGTH);
    const key = await deriveSignatureKey(clientDigest, GENUINE_FMS_KEY);
    const expected = await computeSignature(s2, key);
    this.#variant?.transformSignature?.(expected, key, this.#input[0]);
    this.#debug("Digest key: ", key);
    this.#debug("Signature calculated:", expected);
    if (!bytesEqual(expected, s2.subarray(SIGNATURE_OFFSET))) {
      throw new HandshakeError("Server not genuine Adobe!");
    }
    this.#debug("Genuine Adobe Flash Media Server");
    this.#debug("Handshaking finished....");
  }

  /** Adds a DEBUG note in librtmp's words (the "HandShake: " prefix added), with its bytes. */
  #debug(text: string, bytes?: Uint8Array): void {
    this.notes.push({ level: "debug", text: `${NOTE_PREFIX}${text}`, bytes: bytes?.slice() });
  }

  /** Moves the variant's notes (its keys) into the handshake's, in order. */
  #takeVariantNotes(): void {
    const notes = this.#variant?.notes;
    if (notes !== undefined) this.notes.push(...notes.splice(0));
  }

  /** Adds a warning, to {@linkcode warnings} and as a note. */
  #warn(text: string): void {
    this.warnings.push(text);
    this.notes.push({ level: "warning", text: `${NOTE_PREFIX}${text}` });
  }
}
