/**
 * Test helper: the plain data of the committed LZMA fixtures, generated the way
 * fixtures/make_lzma_fixtures.py generates it.
 *
 * @module
 */

const encoder = new TextEncoder();
const TEXT = encoder.encode("The quick brown fox jumps over the lazy dog. 0123456789\n");

/** The generator of make_lzma_fixtures.py. */
export function lcgBytes(seed: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = Number((BigInt(x) * 1103515245n + 12345n) % 2147483648n);
    out[i] = (x >> 16) & 0xff;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  return concat(Array.from({ length: times }, () => bytes));
}

/** plain_data() of make_lzma_fixtures.py. */
export function plainData(name: string): Uint8Array {
  switch (name) {
    case "empty":
      return new Uint8Array(0);
    case "one":
      return encoder.encode("a");
    case "text":
      return repeat(TEXT, 150);
    case "random":
      return lcgBytes(1, 3000);
    case "far": {
      const block = lcgBytes(2, 8192);
      return concat([repeat(block, 6), block.subarray(0, 1000)]);
    }
    case "mixed":
      return concat(
        Array.from({ length: 200 }, (_, i) => [
          TEXT.subarray(0, (i * 7) % TEXT.length),
          lcgBytes(i, i % 50),
        ]).flat(),
      );
  }
  throw new Error(`no plain data named ${name}`);
}
