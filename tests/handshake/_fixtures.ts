/**
 * Shared test fixtures for the handshake layer: a deterministic random source and the golden
 * values an independent implementation (Python's hmac/hashlib) computed for it.
 *
 * @module
 */

/**
 * A deterministic stand-in for `crypto.getRandomValues`: the n-th byte it ever produces is
 * `(7 * n + 3) & 0xff`, counting from `start` across calls.
 */
export function sequenceRandom(start = 0): (bytes: Uint8Array) => void {
  let n = start;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++, n++) bytes[i] = (n * 7 + 3) & 0xff;
  };
}

/** `count` bytes of the {@linkcode sequenceRandom} sequence, starting at its `start`-th byte. */
export function sequenceBytes(start: number, count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  sequenceRandom(start)(bytes);
  return bytes;
}

/** Bytes from a hex string (spaces allowed). */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Client clock used by the golden tests: 123456789 ms = 07 5B CD 15. */
export const CLIENT_TIME = 123456789;

/** Server clock used by the golden tests: 987654321 ms = 3A DE 68 B1. */
export const SERVER_TIME = 987654321;

/** Where the server's random sequence starts in the golden tests. */
export const SERVER_RANDOM_START = 5000;

/**
 * Golden FP9 exchange: client random = sequence from 0 (C1 filler, then C2), server random =
 * sequence from 5000 (S1 filler, then S2), clocks as above. Values from Python's hmac.
 */
export const GOLDEN_FP9 = {
  /** C1 bytes 8–11 = 03 0A 11 18, sum 54, 54 % 728 + 12. */
  clientDigestOffset: 66,
  /** HMAC-SHA256(FP key[0..30), C1 without its digest). */
  clientDigest: hex("03dff697cd5f90477847c742d44321e4680f999007f34bbd054f43481c0bb3a2"),
  /** S1 bytes 8–11 from the server's sequence, scheme 0 (the client's). */
  serverDigestOffset: 74,
  /** HMAC-SHA256(FMS key[0..36), S1 without its digest). */
  serverDigest: hex("d2dfcb2e1f5dc922b1c8136f3e695ae266379401fc361036465deedeb8a637dd"),
  /** HMAC-SHA256(HMAC-SHA256(FMS key[68], client digest), S2[0..1504)). */
  s2Signature: hex("cddbeef52b78ab1477d9b4a41474049d0a514ee8e37ab1c9ca6afc71f4e6e5cb"),
  /** HMAC-SHA256(HMAC-SHA256(FP key[62], server digest), C2[0..1504)). */
  c2Signature: hex("26189099e11e83e15de6da1760ca97bb0ea39f2698c18b3a458b233f5db47d23"),
  /** S1's last 32 bytes. */
  swfVerificationKey: hex("a3aab1b8bfc6cdd4dbe2e9f0f7fe050c131a21282f363d444b525960676e757c"),
};

/** Feeds `data` to `receive` in pieces cut at `cuts` (sorted offsets), gathering the results. */
export async function feedInPieces(
  receive: (data: Uint8Array) => Promise<{ send?: Uint8Array; done: boolean; rest?: Uint8Array }>,
  data: Uint8Array,
  cuts: number[],
): Promise<{ sent: Uint8Array[]; done: boolean; rest: Uint8Array }> {
  const sent: Uint8Array[] = [];
  const rests: Uint8Array[] = [];
  let done = false;
  let from = 0;
  for (const to of [...cuts, data.length]) {
    if (to < from) continue;
    const step = await receive(data.slice(from, to));
    if (step.send) sent.push(step.send);
    if (step.rest) rests.push(step.rest);
    done = step.done;
    from = to;
  }
  return { sent, done, rest: concat(...rests) };
}

/** Every offset from 1 to `length - 1`: the cuts that feed data byte by byte. */
export function byteByByte(length: number): number[] {
  return Array.from({ length: length - 1 }, (_, i) => i + 1);
}
