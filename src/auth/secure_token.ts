/**
 * SecureToken (librtmp-facts §5.6): a server puts a hex `secureToken` in its connect `_result`;
 * a client that knows the key (rtmpdump `-T`) decrypts it with XXTEA and sends the plain text
 * back as `secureTokenResponse`.
 *
 * Byte layout, as librtmp: the key is the first 16 bytes of the key string packed as four
 * little-endian 32-bit words (shorter keys are zero padded); the token is read in groups of 8
 * hex digits, each group being the bytes of one little-endian word; the answer is the first
 * (hex length / 2) bytes of the decrypted words. Where librtmp reads past the end of a token
 * whose length is not a multiple of 8, the missing digits count as 0 here, and a character that
 * is not a hex digit is refused instead of being decoded as garbage.
 *
 * @module
 */

import { XXTEA_KEY_WORDS, xxteaDecrypt, xxteaEncrypt } from "../crypto/xxtea.ts";
import { AuthError } from "./auth_error.ts";

const HEX_DIGITS_PER_WORD = 8;
const KEY_BYTES = XXTEA_KEY_WORDS * 4;
const MIN_ENCRYPTED_WORDS = 2;
/** A token longer than this is refused (real ones are a few dozen digits). */
export const MAX_SECURE_TOKEN_LENGTH = 4096;

/** The XXTEA key of a SecureToken key string: its first 16 bytes (UTF-8) as 4 LE words. */
export function secureTokenKey(key: string): Uint32Array {
  const bytes = new Uint8Array(KEY_BYTES);
  bytes.set(new TextEncoder().encode(key).subarray(0, KEY_BYTES));
  const view = new DataView(bytes.buffer);
  return Uint32Array.from({ length: XXTEA_KEY_WORDS }, (_, i) => view.getUint32(i * 4, true));
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decrypts a server's `secureToken` with `key` (rtmpdump's `-T`) and returns the bytes to send
 * back in `secureTokenResponse`. Throws {@linkcode AuthError} for an empty, oversized or
 * non-hex token.
 *
 * @example
 * ```ts
 * import { decodeSecureToken, encodeSecureToken } from "./secure_token.ts";
 *
 * const token = encodeSecureToken(new TextEncoder().encode("hello"), "secret");
 * const plain = decodeSecureToken(token, "secret");
 * console.assert(new TextDecoder().decode(plain) === "hello");
 * ```
 */
export function decodeSecureToken(token: string, key: string): Uint8Array {
  if (token.length === 0) throw new AuthError("Cannot decode the SecureToken: it is empty");
  if (token.length > MAX_SECURE_TOKEN_LENGTH) {
    throw new AuthError(
      `Cannot decode the SecureToken: it is ${token.length} characters, over the limit of ${MAX_SECURE_TOKEN_LENGTH}`,
    );
  }
  const n = Math.ceil(token.length / HEX_DIGITS_PER_WORD);
  const words = new Uint32Array(n);
  for (let w = 0; w < n; w++) {
    let word = 0;
    for (let b = 0; b < 4; b++) {
      let byte = 0;
      for (let d = 0; d < 2; d++) {
        const at = w * HEX_DIGITS_PER_WORD + b * 2 + d;
        const value = at < token.length ? hexValue(token.charCodeAt(at)) : 0;
        if (value < 0) {
          throw new AuthError(
            `Cannot decode the SecureToken: character ${at + 1} is not a hex digit`,
          );
        }
        byte = byte * 16 + value;
      }
      word |= byte << (b * 8);
    }
    words[w] = word >>> 0;
  }
  xxteaDecrypt(words, secureTokenKey(key));
  const out = new Uint8Array(n * 4);
  const view = new DataView(out.buffer);
  words.forEach((word, i) => view.setUint32(i * 4, word, true));
  return out.slice(0, Math.floor(token.length / 2));
}

/**
 * The server side of {@linkcode decodeSecureToken}: encrypts `plain` under `key` and returns
 * the lower-case hex token, as a server would put it in `secureToken`. The plain text is zero
 * padded to whole 32-bit words, and to two words at least (XXTEA needs two).
 */
export function encodeSecureToken(plain: Uint8Array, key: string): string {
  const n = Math.max(MIN_ENCRYPTED_WORDS, Math.ceil(plain.length / 4));
  const bytes = new Uint8Array(n * 4);
  bytes.set(plain);
  const view = new DataView(bytes.buffer);
  const words = Uint32Array.from({ length: n }, (_, i) => view.getUint32(i * 4, true));
  xxteaEncrypt(words, secureTokenKey(key));
  let hex = "";
  for (const word of words) {
    for (let b = 0; b < 4; b++) hex += ((word >>> (b * 8)) & 0xff).toString(16).padStart(2, "0");
  }
  return hex;
}
