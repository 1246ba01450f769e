/**
 * Hex strings to bytes for reproducers written the way they are reported
 * (`"02 000000 000000 04 00000000"`).
 *
 * @module
 */

/** Bytes of a hex string; spaces, line breaks and `|` separators are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, "");
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) {
    throw new TypeError(`Not a hex string: ${text}`);
  }
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
