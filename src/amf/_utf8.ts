/**
 * UTF-8 helpers shared by the AMF codecs: one module-level TextEncoder/TextDecoder, and a fast
 * path for the short ASCII strings that make up most command and metadata names.
 *
 * @module
 */

const encoder = new TextEncoder();
// Non-fatal (bad sequences become U+FFFD) and keeping a leading BOM, so strings are not altered.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Strings up to this many bytes are decoded by hand when they are ASCII. */
const ASCII_FAST_PATH_MAX = 32;

/** Decodes `bytes[start, end)` as UTF-8; invalid sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= ASCII_FAST_PATH_MAX) {
    let text = "";
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte >= 0x80) return decoder.decode(bytes.subarray(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/** Number of bytes `text` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  const length = text.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code < 0xdc00 && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        bytes += 2; // two UTF-16 units, four bytes
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Writes `text` as UTF-8 into `target` at `offset`; `byteLength` must be `utf8Length(text)` and
 * the target must have room for it.
 */
export function encodeUtf8Into(
  text: string,
  byteLength: number,
  target: Uint8Array,
  offset: number,
): void {
  if (byteLength === text.length && byteLength <= ASCII_FAST_PATH_MAX) {
    for (let i = 0; i < byteLength; i++) target[offset + i] = text.charCodeAt(i);
    return;
  }
  encoder.encodeInto(text, target.subarray(offset, offset + byteLength));
}
