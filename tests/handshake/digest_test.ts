import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  FMS_KEY_DIGEST_LENGTH,
  FP_KEY_DIGEST_LENGTH,
  GENUINE_FMS_KEY,
  GENUINE_FP_KEY,
} from "../../src/handshake/constants.ts";
import {
  computeDigest,
  computeSignature,
  deriveSignatureKey,
  dhOffset,
  digestOffset,
  findDigest,
  hmacSha256,
  verifyDigest,
} from "../../src/handshake/digest.ts";
import { hex } from "./_fixtures.ts";

const FP_DIGEST_KEY = GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH);
const FMS_DIGEST_KEY = GENUINE_FMS_KEY.subarray(0, FMS_KEY_DIGEST_LENGTH);

/** A block whose four offset-sum ranges are all FF FF FF FF (sum 1020). */
function ffBlock(): Uint8Array {
  const block = new Uint8Array(1536);
  block.fill(0xff, 8, 12); // scheme 0 digest: 1020 % 728 + 12 = 304
  block.fill(0xff, 772, 776); // scheme 1 digest: 1020 % 728 + 776 = 1068
  block.fill(0xff, 1532, 1536); // scheme 0 DH: 1020 % 632 + 772 = 1160
  block.fill(0xff, 768, 772); // scheme 1 DH: 1020 % 632 + 8 = 396
  return block;
}

/** Bytes 0..255 six times: byte i = i & 0xff. */
function rangeBlock(): Uint8Array {
  return Uint8Array.from({ length: 1536 }, (_, i) => i & 0xff);
}

Deno.test("digestOffset and dhOffset on a block of FF sums", () => {
  const block = ffBlock();
  strictEqual(digestOffset(block, 0), 304);
  strictEqual(digestOffset(block, 1), 1068);
  strictEqual(dhOffset(block, 0), 1160);
  strictEqual(dhOffset(block, 1), 396);
});

Deno.test("digestOffset and dhOffset on a counting block", () => {
  const block = rangeBlock();
  strictEqual(digestOffset(block, 0), 50); // 8+9+10+11 = 38, + 12
  strictEqual(digestOffset(block, 1), 798); // 4+5+6+7 = 22 (bytes 772..775), + 776
  strictEqual(dhOffset(block, 0), 1154); // 252+253+254+255 = 1014 % 632 = 382, + 772
  strictEqual(dhOffset(block, 1), 14); // 0+1+2+3 = 6 (bytes 768..771), + 8
});

Deno.test("digestOffset and dhOffset of a zero block are the scheme bases", () => {
  const block = new Uint8Array(1536);
  strictEqual(digestOffset(block, 0), 12);
  strictEqual(digestOffset(block, 1), 776);
  strictEqual(dhOffset(block, 0), 772);
  strictEqual(dhOffset(block, 1), 8);
});

Deno.test("digest and DH key always fit and never overlap within one scheme", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1536, maxLength: 1536 }), (block) => {
      for (const scheme of [0, 1] as const) {
        const digest = digestOffset(block, scheme);
        const dh = dhOffset(block, scheme);
        if (digest < 0 || digest + 32 > 1536 || dh < 0 || dh + 128 > 1536) return false;
        if (digest < dh + 128 && dh < digest + 32) return false;
      }
      return true;
    }),
  );
});

Deno.test("offset functions refuse a block that is not 1536 bytes", () => {
  throws(() => digestOffset(new Uint8Array(1535), 0), RangeError);
  throws(() => dhOffset(new Uint8Array(10), 1), RangeError);
  throws(() => computeDigest(new Uint8Array(1537), 12, FP_DIGEST_KEY), RangeError);
  throws(() => computeDigest(new Uint8Array(1536), 1505, FP_DIGEST_KEY), RangeError);
});

Deno.test("hmacSha256 matches RFC 4231 test cases 1 and 2", async () => {
  deepStrictEqual(
    await hmacSha256(new Uint8Array(20).fill(0x0b), new TextEncoder().encode("Hi There")),
    hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
  );
  deepStrictEqual(
    await hmacSha256(
      new TextEncoder().encode("Jefe"),
      new TextEncoder().encode("what do ya want for nothing?"),
    ),
    hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
  );
});

Deno.test("computeDigest leaves out the 32 digest bytes (golden values from Python's hmac)", async () => {
  const block = rangeBlock();
  deepStrictEqual(
    await computeDigest(block, 50, FP_DIGEST_KEY),
    hex("db8e5fd0b081979a4ede294f09b382fa04d10f66b27d6de0438960458b0a6a21"),
  );
  deepStrictEqual(
    await computeDigest(block, 798, FMS_DIGEST_KEY),
    hex("8155a83bf5d6f7dc63ada1ce50e1879be4863afb5e38839d6858d92de87a17a6"),
  );
  // Whatever sits at the digest position does not count.
  block.fill(0xaa, 50, 82);
  deepStrictEqual(
    await computeDigest(block, 50, FP_DIGEST_KEY),
    hex("db8e5fd0b081979a4ede294f09b382fa04d10f66b27d6de0438960458b0a6a21"),
  );
});

Deno.test("verifyDigest accepts a placed digest and rejects any changed byte or wrong key", async () => {
  const block = rangeBlock();
  block.set(await computeDigest(block, 50, FP_DIGEST_KEY), 50);
  strictEqual(await verifyDigest(block, 50, FP_DIGEST_KEY), true);
  strictEqual(await verifyDigest(block, 50, FMS_DIGEST_KEY), false);
  strictEqual(await verifyDigest(block, 51, FP_DIGEST_KEY), false);
  for (const at of [0, 49, 50, 81, 82, 1535]) {
    const changed = block.slice();
    changed[at] ^= 1;
    strictEqual(await verifyDigest(changed, 50, FP_DIGEST_KEY), false, `byte ${at}`);
  }
});

Deno.test("findDigest tries the given scheme first, then the other", async () => {
  const block = rangeBlock();
  block.set(await computeDigest(block, 798, FMS_DIGEST_KEY), 798);
  deepStrictEqual(await findDigest(block, FMS_DIGEST_KEY, 1), { scheme: 1, offset: 798 });
  deepStrictEqual(await findDigest(block, FMS_DIGEST_KEY, 0), { scheme: 1, offset: 798 });
  strictEqual(await findDigest(block, FP_DIGEST_KEY, 0), undefined);
  strictEqual(await findDigest(rangeBlock(), FMS_DIGEST_KEY, 0), undefined);
});

Deno.test("a digest placed at either scheme on a random block is found there", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1536, maxLength: 1536 }),
      fc.constantFrom(0 as const, 1 as const),
      async (block, scheme) => {
        const offset = digestOffset(block, scheme);
        block.set(await computeDigest(block, offset, FP_DIGEST_KEY), offset);
        const found = await findDigest(block, FP_DIGEST_KEY, scheme === 0 ? 1 : 0);
        return found?.scheme === scheme && found.offset === offset;
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("computeSignature signs the first 1504 bytes with the derived key", async () => {
  const peerDigest = new Uint8Array(32).fill(7);
  const key = await deriveSignatureKey(peerDigest, GENUINE_FMS_KEY);
  deepStrictEqual(key, await hmacSha256(GENUINE_FMS_KEY, peerDigest));
  const block = rangeBlock();
  const signature = await computeSignature(block, key);
  deepStrictEqual(signature, await hmacSha256(key, block.subarray(0, 1504)));
  block.fill(0, 1504);
  deepStrictEqual(await computeSignature(block, key), signature);
  await rejects(async () => await computeSignature(new Uint8Array(100), key), RangeError);
});
