import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { Rc4 } from "../../src/crypto/rc4.ts";
import { hex, toHex } from "./_hex.ts";

/**
 * RFC 6229 §2: keystream bytes at offsets 0, 16, 240, 256, ..., 4080, 4096 (16 bytes each) for
 * five of its keys.
 */
const OFFSETS = [
  0,
  16,
  240,
  256,
  496,
  512,
  752,
  768,
  1008,
  1024,
  1520,
  1536,
  2032,
  2048,
  3056,
  3072,
  4080,
  4096,
];
const RFC_6229: Record<string, string[]> = {
  "0102030405": [
    "b2396305f03dc027ccc3524a0a1118a8",
    "6982944f18fc82d589c403a47a0d0919",
    "28cb1132c96ce286421dcaadb8b69eae",
    "1cfcf62b03eddb641d77dfcf7f8d8c93",
    "42b7d0cdd918a8a33dd51781c81f4041",
    "6459844432a7da923cfb3eb4980661f6",
    "ec10327bde2beefd18f9277680457e22",
    "eb62638d4f0ba1fe9fca20e05bf8ff2b",
    "45129048e6a0ed0b56b490338f078da5",
    "30abbcc7c20b01609f23ee2d5f6bb7df",
    "3294f744d8f9790507e70f62e5bbceea",
    "d8729db41882259bee4f825325f5a130",
    "1eb14a0c13b3bf47fa2a0ba93ad45b8b",
    "cc582f8ba9f265e2b1be9112e975d2d7",
    "f2e30f9bd102ecbf75aaade9bc35c43c",
    "ec0e11c479dc329dc8da7968fe965681",
    "068326a2118416d21f9d04b2cd1ca050",
    "ff25b58995996707e51fbdf08b34d875",
  ],
  "0102030405060708090a0b0c0d0e0f10": [
    "9ac7cc9a609d1ef7b2932899cde41b97",
    "5248c4959014126a6e8a84f11d1a9e1c",
    "065902e4b620f6cc36c8589f66432f2b",
    "d39d566bc6bce3010768151549f3873f",
    "b6d1e6c4a5e4771cad79538df295fb11",
    "c68c1d5c559a974123df1dbc52a43b89",
    "c5ecf88de897fd57fed301701b82a259",
    "eccbe13de1fcc91c11a0b26c0bc8fa4d",
    "e7a72574f8782ae26aabcf9ebcd66065",
    "bdf0324e6083dcc6d3cedd3ca8c53c16",
    "b40110c4190b5622a96116b0017ed297",
    "ffa0b514647ec04f6306b892ae661181",
    "d03d1bc03cd33d70dff9fa5d71963ebd",
    "8a44126411eaa78bd51e8d87a8879bf5",
    "fabeb76028ade2d0e48722e46c4615a3",
    "c05d88abd50357f935a63c59ee537623",
    "ff38265c1642c1abe8d3c2fe5e572bf8",
    "a36a4c301ae8ac13610ccbc12256cacc",
  ],
  "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20": [
    "eaa6bd25880bf93d3f5d1e4ca2611d91",
    "cfa45c9f7e714b54bdfa80027cb14380",
    "114ae344ded71b35f2e60febad727fd8",
    "02e1e7056b0f623900496422943e97b6",
    "91cb93c787964e10d9527d999c6f936b",
    "49b18b42f8e8367cbeb5ef104ba1c7cd",
    "87084b3ba700bade955610672745b374",
    "e7a7b9e9ec540d5ff43bdb12792d1b35",
    "c799b596738f6b018c76c74b1759bd90",
    "7fec5bfd9f9b89ce6548309092d7e958",
    "40f250b26d1f096a4afd4c340a588815",
    "3e34135c79db010200767651cf263073",
    "f656abccf88dd827027b2ce917d464ec",
    "18b62503bfbc077fbabb98f20d98ab34",
    "8aed95ee5b0dcbfbef4eb21d3a3f52f9",
    "625a1ab00ee39a5327346bddb01a9c18",
    "a13a7c79c7e119b5ab0296ab28c300b9",
    "f3e4c0a2e02d1d01f7f0a74618af2b48",
  ],
  "833222772a": [
    "80ad97bdc973df8a2e879e92a497efda",
    "20f060c2f2e5126501d3d4fea10d5fc0",
    "faa148e99046181fec6b2085f3b20ed9",
    "f0daf5bab3d596839857846f73fbfe5a",
    "1c7e2fc4639232fe297584b296996bc8",
    "3db9b249406cc8edffac55ccd322ba12",
    "e4f9f7e0066154bbd125b745569bc897",
    "75d5ef262b44c41a9cf63ae14568e1b9",
    "6da453dbf81e82334a3d8866cb50a1e3",
    "7828d074119cab5c22b294d7a9bfa0bb",
    "adb89cea9a15fbe617295bd04b8ca05c",
    "6251d87fd4aaae9a7e4ad5c217d3f300",
    "e7119bd6dd9b22afe8f89585432881e2",
    "785b60fd7ec4e9fcb6545f350d660fab",
    "afecc037fdb7b0838eb3d70bcd268382",
    "dbc1a7b49d57358cc9fa6d61d73b7cf0",
    "6349d126a37afcba89794f9804914fdc",
    "bf42c3018c2f7c66bfde524975768115",
  ],
  "1ada31d5cf688221c109163908ebe51debb46227c6cc8b37641910833222772a": [
    "dd5bcb0018e922d494759d7c395d02d3",
    "c8446f8f77abf737685353eb89a1c9eb",
    "af3e30f9c095045938151575c3fb9098",
    "f8cb6274db99b80b1d2012a98ed48f0e",
    "25c3005a1cb85de076259839ab7198ab",
    "9dcbc183e8cb994b727b75be3180769c",
    "a1d3078dfa9169503ed9d4491dee4eb2",
    "8514a5495858096f596e4bcd66b10665",
    "5f40d59ec1b03b33738efa60b2255d31",
    "3477c7f764a41baceff90bf14f92b7cc",
    "ac4e95368d99b9eb78b8da8f81ffa795",
    "8c3c13f8c2388bb73f38576e65b7c446",
    "13c4b9c1dfb66579eddd8a280b9f7316",
    "ddd27820550126698efaadc64b64f66e",
    "f08f2e66d28ed143f3a237cf9de73559",
    "9ea36c525531b880ba124334f57b0b70",
    "d5a39e3dfcc50280bac4a6b5aa0dca7d",
    "370b1c1fe655916d97fd0d47ca1d72b8",
  ],
};

/** Textbook RC4, one byte at a time, as an independent reference for the property tests. */
function referenceKeystream(key: Uint8Array, length: number): Uint8Array {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) % 256;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = new Uint8Array(length);
  let i = 0;
  j = 0;
  for (let n = 0; n < length; n++) {
    i = (i + 1) % 256;
    j = (j + s[i]) % 256;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = s[(s[i] + s[j]) % 256];
  }
  return out;
}

for (const [key, rows] of Object.entries(RFC_6229)) {
  Deno.test(`Rc4 matches the RFC 6229 keystream for key ${key}`, () => {
    const keystream = new Uint8Array(4112);
    new Rc4(hex(key)).process(keystream);
    OFFSETS.forEach((offset, row) => {
      strictEqual(toHex(keystream.subarray(offset, offset + 16)), rows[row], `offset ${offset}`);
    });
  });

  Deno.test(`Rc4 skip lands on the RFC 6229 offsets for key ${key}`, () => {
    OFFSETS.forEach((offset, row) => {
      const cipher = new Rc4(hex(key));
      cipher.skip(offset);
      const block = new Uint8Array(16);
      cipher.process(block);
      strictEqual(toHex(block), rows[row], `offset ${offset}`);
    });
  });
}

Deno.test("Rc4 gives the same bytes in place, into another buffer, and byte by byte", () => {
  const key = hex("0102030405");
  const plain = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) & 0xff);
  const expected = referenceKeystream(key, plain.length).map((byte, i) => byte ^ plain[i]);

  const inPlace = plain.slice();
  new Rc4(key).process(inPlace);
  deepStrictEqual(inPlace, expected);

  const out = new Uint8Array(plain.length);
  const input = plain.slice();
  new Rc4(key).process(input, out);
  deepStrictEqual(out, expected);
  deepStrictEqual(input, plain, "the input is left alone when an output is given");

  const byByte = plain.slice();
  const cipher = new Rc4(key);
  for (let i = 0; i < byByte.length; i++) cipher.process(byByte.subarray(i, i + 1));
  deepStrictEqual(byByte, expected);
});

Deno.test("Rc4 matches textbook RC4 for any key, split, offset and alignment", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 256 }),
      fc.array(fc.nat({ max: 700 }), { maxLength: 8 }),
      fc.nat({ max: 7 }),
      fc.nat({ max: 7 }),
      fc.nat({ max: 64 }),
      (key, pieces, inShift, outShift, skip) => {
        const total = pieces.reduce((sum, n) => sum + n, 0);
        const plain = Uint8Array.from({ length: total }, (_, i) => (i * 13) & 0xff);
        const keystream = referenceKeystream(key, skip + total);
        const cipher = new Rc4(key);
        cipher.skip(skip);
        const inBuffer = new Uint8Array(total + 8);
        inBuffer.set(plain, inShift);
        const outBuffer = new Uint8Array(total + 8);
        let at = 0;
        pieces.forEach((length, index) => {
          const input = inBuffer.subarray(inShift + at, inShift + at + length);
          if (index % 2 === 0) cipher.process(input);
          else cipher.process(input, outBuffer.subarray(outShift + at, outShift + at + length));
          at += length;
        });
        at = 0;
        pieces.forEach((length, index) => {
          for (let n = 0; n < length; n++) {
            const got = index % 2 === 0 ? inBuffer[inShift + at + n] : outBuffer[outShift + at + n];
            if (got !== (plain[at + n] ^ keystream[skip + at + n])) {
              throw new Error(`byte ${at + n} differs`);
            }
          }
          at += length;
        });
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("Rc4 processing twice with the same key gives the data back", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ maxLength: 3000 }),
      (key, data) => {
        const copy = data.slice();
        new Rc4(key).process(copy);
        new Rc4(key).process(copy);
        deepStrictEqual(copy, data);
      },
    ),
  );
});

Deno.test("Rc4 refuses empty and oversized keys, short outputs and bad skip counts", () => {
  throws(() => new Rc4(new Uint8Array(0)), RangeError);
  throws(() => new Rc4(new Uint8Array(257)), RangeError);
  const cipher = new Rc4(new Uint8Array(16));
  throws(() => cipher.process(new Uint8Array(10), new Uint8Array(9)), {
    name: "RangeError",
    message: "Cannot run RC4: output is 9 bytes, input 10",
  });
  throws(() => cipher.skip(-1), RangeError);
  throws(() => cipher.skip(1.5), RangeError);
});
