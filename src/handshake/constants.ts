/**
 * Sizes, type bytes, version stamps and keys of the RTMP handshake, as librtmp 2.4 uses them
 * (librtmp-facts §4).
 *
 * @module
 */

/** Size of C1, S1, C2 and S2 (`RTMP_SIG_SIZE`). */
export const RTMP_SIG_SIZE = 1536;

/** Size of C0 / S0: the one handshake type byte. */
export const HANDSHAKE_TYPE_SIZE = 1;

/** Size of C0+C1 or S0+S1. */
export const HANDSHAKE_FIRST_PACKET_SIZE: number = HANDSHAKE_TYPE_SIZE + RTMP_SIG_SIZE;

/** Length of an HMAC-SHA256 output: a C1/S1 digest or a C2/S2 signature. */
export const SHA256_DIGEST_LENGTH = 32;

/** Bytes of a C1/S1/C2/S2 block that its digest or signature is computed over (1504). */
export const DIGEST_MESSAGE_LENGTH: number = RTMP_SIG_SIZE - SHA256_DIGEST_LENGTH;

/** Offset of the C2/S2 signature: the block's last 32 bytes. */
export const SIGNATURE_OFFSET: number = DIGEST_MESSAGE_LENGTH;

/** Offset of the 4-byte time field in C1/S1/C2/S2 (big-endian milliseconds). */
export const TIME_OFFSET = 0;

/** Offset of the 4-byte version field in C1/S1 (all zero in a plain handshake). */
export const VERSION_OFFSET = 4;

/** Offset of the random filler in C1/S1. */
export const RANDOM_OFFSET = 8;

/** C0/S0 of a plain or Flash Player 9 (digest) handshake. */
export const HANDSHAKE_TYPE_PLAIN = 0x03;

/** C0/S0 of an RTMPE handshake (what librtmp's client always sends for rtmpe://). */
export const HANDSHAKE_TYPE_RTMPE = 0x06;

/** S0 of an RTMPE handshake whose C2/S2 signatures are XTEA-transformed (FP10). */
export const HANDSHAKE_TYPE_RTMPE_XTEA = 0x08;

/** S0 of an RTMPE handshake whose C2/S2 signatures are Blowfish-transformed. */
export const HANDSHAKE_TYPE_RTMPE_BLOWFISH = 0x09;

/** C1 version of librtmp's digest handshake over plain RTMP with SWF verification: 10.0.45.2. */
export const FP9_CLIENT_VERSION: readonly number[] = Object.freeze([10, 0, 45, 2]);

/** C1 version of librtmp's RTMPE handshake: 128.0.3.2. */
export const RTMPE_CLIENT_VERSION: readonly number[] = Object.freeze([128, 0, 3, 2]);

/** S1 version librtmp's server sends in a digest handshake: 3.5.1.1. */
export const FMS_SERVER_VERSION: readonly number[] = Object.freeze([3, 5, 1, 1]);

/** The 32 bytes both Genuine Adobe keys end with. */
const GENUINE_KEY_TAIL = [
  0xf0,
  0xee,
  0xc2,
  0x4a,
  0x80,
  0x68,
  0xbe,
  0xe8,
  0x2e,
  0x00,
  0xd0,
  0xd1,
  0x02,
  0x9e,
  0x7e,
  0x57,
  0x6e,
  0xec,
  0x5d,
  0x2d,
  0x29,
  0x80,
  0x6f,
  0xab,
  0x93,
  0xb8,
  0xe6,
  0x36,
  0xcf,
  0xeb,
  0x31,
  0xae,
];

function genuineKey(text: string): Uint8Array {
  const head = new TextEncoder().encode(text);
  const key = new Uint8Array(head.length + GENUINE_KEY_TAIL.length);
  key.set(head);
  key.set(GENUINE_KEY_TAIL, head.length);
  return key;
}

/**
 * `GenuineFPKey` (62 bytes): "Genuine Adobe Flash Player 001" followed by 32 fixed bytes.
 * The first {@linkcode FP_KEY_DIGEST_LENGTH} bytes key the C1 digest; all 62 key the C2 signature.
 * Treat as read-only.
 */
export const GENUINE_FP_KEY: Uint8Array = genuineKey("Genuine Adobe Flash Player 001");

/**
 * `GenuineFMSKey` (68 bytes): "Genuine Adobe Flash Media Server 001" followed by the same 32 bytes.
 * The first {@linkcode FMS_KEY_DIGEST_LENGTH} bytes key the S1 digest; all 68 key the S2 signature.
 * Treat as read-only.
 */
export const GENUINE_FMS_KEY: Uint8Array = genuineKey("Genuine Adobe Flash Media Server 001");

/** Bytes of {@linkcode GENUINE_FP_KEY} that key a C1 digest (the ASCII part). */
export const FP_KEY_DIGEST_LENGTH = 30;

/** Bytes of {@linkcode GENUINE_FMS_KEY} that key an S1 digest (the ASCII part). */
export const FMS_KEY_DIGEST_LENGTH = 36;

/** Bytes of {@linkcode GENUINE_FP_KEY} that derive the C2 signature key (all of it). */
export const FP_KEY_SIGNATURE_LENGTH = 62;

/** Bytes of {@linkcode GENUINE_FMS_KEY} that derive the S2 signature key (all of it). */
export const FMS_KEY_SIGNATURE_LENGTH = 68;

/** Size of an RTMPE Diffie-Hellman public key placed at the DH offset of C1/S1. */
export const DH_PUBLIC_KEY_LENGTH = 128;
