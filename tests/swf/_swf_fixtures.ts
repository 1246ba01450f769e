/**
 * Test helper: SWF files in the three forms built from one body, so their hashes must agree.
 * CWS uses node:zlib; ZWS wraps one of the committed liblzma streams (fixtures/), whose plain
 * data lzma_decoder_test.ts regenerates.
 *
 * @module
 */

import { deflateSync } from "node:zlib";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const ALONE_HEADER_LENGTH = 13;

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function withHeader(signature: string, version: number, length: number, rest: Uint8Array) {
  const out = new Uint8Array(8 + rest.length);
  out.set([...signature].map((c) => c.charCodeAt(0)));
  out[3] = version;
  out.set(u32le(length), 4);
  out.set(rest, 8);
  return out;
}

/** An uncompressed SWF (FWS) with `body` after the header. */
export function fwsFile(body: Uint8Array, version = 10): Uint8Array {
  return withHeader("FWS", version, 8 + body.length, body);
}

/** The CWS form of an FWS file (zlib body, same header fields). */
export function cwsFile(fws: Uint8Array): Uint8Array {
  const length = fws[4] | fws[5] << 8 | fws[6] << 16 | fws[7] << 24;
  return withHeader("CWS", fws[3], length, new Uint8Array(deflateSync(fws.subarray(8))));
}

/**
 * A ZWS file and its FWS form, built from the committed LZMA stream `lzma_<name>.lzma` whose
 * plain data is `body` (the caller regenerates it).
 */
export async function zwsFile(name: string, body: Uint8Array, version = 13): Promise<{
  zws: Uint8Array;
  fws: Uint8Array;
}> {
  const alone = await Deno.readFile(new URL(`lzma_${name}.lzma`, FIXTURES));
  const properties = alone.subarray(0, 5);
  const data = alone.subarray(ALONE_HEADER_LENGTH);
  const rest = new Uint8Array(4 + 5 + data.length);
  rest.set(u32le(data.length), 0);
  rest.set(properties, 4);
  rest.set(data, 9);
  return {
    zws: withHeader("ZWS", version, 8 + body.length, rest),
    fws: fwsFile(body, version),
  };
}

/** Deterministic filler that compresses a little (text mixed with counters). */
export function swfBody(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i % 3 === 0 ? 0x41 + (i % 26) : (x >>> 24) & 0x0f;
  }
  return out;
}
