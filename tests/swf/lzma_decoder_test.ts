import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "../amf/_fast_check.ts";
import { LzmaError } from "../../src/swf/lzma_error.ts";
import {
  decodeLzma,
  LZMA_PROPERTIES_LENGTH,
  parseLzmaProperties,
} from "../../src/swf/lzma_decoder.ts";
import { plainData } from "./_lzma_plain_data.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const ALONE_HEADER_LENGTH = 13;
const CASES = [
  "empty_302",
  "one_302",
  "text_302",
  "random_302",
  "far_302",
  "mixed_302",
  "mixed_020",
  "mixed_404",
  "mixed_131",
];

async function fixture(name: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(`lzma_${name}.lzma`, FIXTURES));
}

function decodeAlone(file: Uint8Array, size: number): Uint8Array {
  return decodeLzma(
    file.subarray(0, LZMA_PROPERTIES_LENGTH),
    file.subarray(ALONE_HEADER_LENGTH),
    size,
  );
}

Deno.test("decodeLzma decodes liblzma's output for every fixture", async () => {
  for (const name of CASES) {
    const file = await fixture(name);
    const expected = plainData(name.slice(0, name.lastIndexOf("_")));
    deepStrictEqual(decodeAlone(file, expected.length), expected, name);
    const digits = name.slice(-3);
    const props = parseLzmaProperties(file);
    deepStrictEqual(
      [props.lc, props.lp, props.pb],
      [Number(digits[0]), Number(digits[1]), Number(digits[2])],
    );
    strictEqual(props.dictionarySize, 1 << 20);
  }
});

Deno.test("decodeLzma stops at the requested size, a prefix of the data", async () => {
  const file = await fixture("far_302");
  const expected = plainData("far");
  for (const size of [0, 1, 2, 100, 8192, 8193, 30000]) {
    deepStrictEqual(decodeAlone(file, size), expected.subarray(0, size), `size ${size}`);
  }
});

Deno.test("decodeLzma: an end marker before the declared size is an error", async () => {
  const file = await fixture("text_302");
  const size = plainData("text").length;
  throws(
    () => decodeAlone(file, size + 1),
    (e: unknown) =>
      e instanceof LzmaError &&
      e.message === `LZMA data ends after ${size} bytes, ${size + 1} were declared`,
  );
});

Deno.test("decodeLzma: truncated data is an error at every cut", async () => {
  const file = await fixture("mixed_302");
  const size = plainData("mixed").length;
  const data = file.subarray(ALONE_HEADER_LENGTH);
  // The stream ends with a 5-byte flush plus the end marker; cut well before that.
  for (let cut = 0; cut < data.length - 12; cut += 97) {
    throws(
      () => decodeLzma(file.subarray(0, 5), data.subarray(0, cut), size),
      LzmaError,
      `cut at ${cut}`,
    );
  }
});

Deno.test("decodeLzma never throws anything but LzmaError on corrupt data", async () => {
  const file = await fixture("mixed_302");
  const size = plainData("mixed").length;
  fc.assert(
    fc.property(
      fc.nat({ max: file.length - ALONE_HEADER_LENGTH - 1 }),
      fc.integer({ min: 1, max: 255 }),
      (at, flip) => {
        const corrupt = file.slice(ALONE_HEADER_LENGTH);
        corrupt[at] ^= flip;
        try {
          const out = decodeLzma(file.subarray(0, 5), corrupt, size);
          strictEqual(out.length, size);
        } catch (error) {
          if (!(error instanceof LzmaError)) throw error;
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("decodeLzma on random bytes ends in LzmaError or the requested size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 224 }),
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.nat({ max: 5000 }),
      (propertyByte, data, size) => {
        const properties = Uint8Array.of(propertyByte, 0, 0, 1, 0);
        try {
          strictEqual(decodeLzma(properties, data, size).length, size);
        } catch (error) {
          if (!(error instanceof LzmaError)) throw error;
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("parseLzmaProperties refuses bad headers", () => {
  throws(() => parseLzmaProperties(Uint8Array.of(225, 0, 0, 0, 0)), LzmaError);
  throws(() => parseLzmaProperties(Uint8Array.of(0x5d, 0, 0)), LzmaError);
  // A dictionary below 4 KiB counts as 4 KiB.
  strictEqual(parseLzmaProperties(Uint8Array.of(0x5d, 1, 0, 0, 0)).dictionarySize, 4096);
  throws(() => decodeLzma(Uint8Array.of(0x5d, 0, 0, 1, 0), Uint8Array.of(1, 0, 0, 0, 0), 1));
  throws(() => decodeLzma(Uint8Array.of(0x5d, 0, 0, 1, 0), new Uint8Array(5), -1), RangeError);
});
