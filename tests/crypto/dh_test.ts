import { deepStrictEqual, notDeepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  bigIntToBytes,
  bytesToBigInt,
  checkPublicKey,
  DH_PRIME,
  DiffieHellman,
  modPow,
} from "../../src/crypto/dh.ts";
import { DhKeyError } from "../../src/crypto/dh_key_error.ts";
import { toHex } from "./_hex.ts";

/** The n-th byte it ever produces is `(7 * n + 3) & 0xff`, counting from `start`. */
function sequenceRandom(start: number): (bytes: Uint8Array) => void {
  let n = start;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++, n++) bytes[i] = (n * 7 + 3) & 0xff;
  };
}

/**
 * Golden values from Python's pow(): private key = (128 random bytes as a big-endian number)
 * mod (q − 1) + 2 with q = (p − 1) / 2, public key = 2^x mod p, secret = peer^x mod p.
 */
const GOLDEN = {
  /** Public key from sequenceRandom(0). */
  publicA:
    "ec75f4c6235e548bc968a14073c006cc39cf03cdfef578b57a4270ff53e203282aa5fbf1cb511fe312f8d97e" +
    "70643d633fd9f14380320c0a380ae86235d67590ed490b9bf90eeafc11e0525d590f4f0078009860126f68cda8b7" +
    "237ef09be144c8db41a59589dce1029e59b2e0d4f4e36067c3906d01253d06cfb4a34b26e9c5",
  /** Public key from sequenceRandom(1000). */
  publicB:
    "09472a567f4c02675bbf038525ec0dd6867eaa3114812436e09c0d3f1e4913b25c925f7c12ebd314d9525f1e" +
    "1ed94e05017ab415f67de9deb1fa790df7747660219f5fcd5c475ac2cf39beb9c12d5376526e6a7bf18e4c068081" +
    "a9667097b21689a00033fbdf706cef2c81c1a548a1268b028a14b039a18aa197333965e2b74d",
  /** Their shared secret. */
  secretAB:
    "6db7b89ca0fb1dfb31899bad618a744d06dc084dd9c7c8c4ccbf8a437107c669ad5f37b7280ec54a9b0fd609" +
    "f02be3d09ab9749594c0dab791aee3e69e045c42c4188c5801be3d1d9d441405d924aec5a734033fffd409b0968b" +
    "37ec4f656706b78aecce8ee99c8e9c367eac40e00aca18aee58a95d97b46a7970d0310d73674",
  /** Public key from sequenceRandom(26): its first byte is zero. */
  publicShort:
    "0053618867b134457daefe8bb1ec9dbe6ed52dfbc2d99d481f8d5323efafbeb78c7f40421eed8fe14a10b" +
    "6cc9035fc49d695adbe5e94e5e4a5c4366ccf9f443b5f48b5a9bbee13bd23c24dce0b0dccad35a6a1babc3bb73f" +
    "d81ab8b1327fce73fd87020643b22cf8eed4ab07dbcd8ad5813d057e9c946c02c0e1dd1de999c9f8",
  /** Secret of sequenceRandom(0) with sequenceRandom(247): its first byte is zero. */
  secretShort:
    "00808162365be6194d852abc98f393d10eabeee609955c375fc215291c76010d72afef00b0ed7c830304f7" +
    "761a3637595f8a6e05fbd5c04f241996465ada05f9c1bcc6dc9219f2b8c347934b0632a39fa0cd39a9f61720b5" +
    "cda686feba45beab4dcbb72c063e564163ce6bd58c6a139d861e59a6e2207a6dfb612bb35165b3b4",
};

Deno.test("DH_PRIME is RFC 2409's 1024-bit MODP prime", () => {
  strictEqual(DH_PRIME.toString(2).length, 1024);
  strictEqual(DH_PRIME >> 960n, (1n << 64n) - 1n, "top 64 bits set");
  strictEqual(DH_PRIME & ((1n << 64n) - 1n), (1n << 64n) - 1n, "bottom 64 bits set");
  strictEqual(DH_PRIME % 8n, 7n, "so 2 is a quadratic residue and spans the order-q subgroup");
});

Deno.test("DiffieHellman gives the golden public keys and secret for a seeded random source", () => {
  const a = new DiffieHellman({ random: sequenceRandom(0) });
  const b = new DiffieHellman({ random: sequenceRandom(1000) });
  strictEqual(toHex(a.publicKey), GOLDEN.publicA);
  strictEqual(toHex(b.publicKey), GOLDEN.publicB);
  strictEqual(toHex(a.computeSecret(b.publicKey)), GOLDEN.secretAB);
  strictEqual(toHex(b.computeSecret(a.publicKey)), GOLDEN.secretAB);
});

Deno.test("DiffieHellman pads keys and secrets with leading zeros to 128 bytes", () => {
  const short = new DiffieHellman({ random: sequenceRandom(26) });
  strictEqual(short.publicKey.length, 128);
  strictEqual(toHex(short.publicKey), GOLDEN.publicShort);
  const a = new DiffieHellman({ random: sequenceRandom(0) });
  const b = new DiffieHellman({ random: sequenceRandom(247) });
  strictEqual(toHex(a.computeSecret(b.publicKey)), GOLDEN.secretShort);
});

Deno.test("two random key pairs agree on their secret, and public keys lie in the subgroup", () => {
  for (let run = 0; run < 4; run++) {
    const a = new DiffieHellman();
    const b = new DiffieHellman();
    notDeepStrictEqual(a.publicKey, b.publicKey);
    deepStrictEqual(a.computeSecret(b.publicKey), b.computeSecret(a.publicKey));
    strictEqual(modPow(bytesToBigInt(a.publicKey), (DH_PRIME - 1n) / 2n, DH_PRIME), 1n);
  }
});

Deno.test("computeSecret refuses 0, 1, p-1, p and anything above, and keys not 128 bytes", () => {
  const dh = new DiffieHellman({ random: sequenceRandom(0) });
  const cases: [bigint, string][] = [
    [0n, "below 2"],
    [1n, "below 2"],
    [DH_PRIME - 1n, "above p-2"],
    [DH_PRIME, "above p-2"],
    [DH_PRIME + 1n, "above p-2"],
    [(1n << 1024n) - 1n, "above p-2"],
  ];
  for (const [value, reason] of cases) {
    throws(() => dh.computeSecret(bigIntToBytes(value, 128)), (error) => {
      strictEqual(error instanceof DhKeyError, true);
      strictEqual((error as DhKeyError).reason, reason);
      strictEqual((error as Error).message, `Diffie-Hellman public key is ${reason}`);
      return true;
    });
  }
  throws(() => dh.computeSecret(new Uint8Array(127).fill(5)), {
    name: "DhKeyError",
    message: "Diffie-Hellman public key is not 128 bytes",
  });
});

Deno.test("computeSecret accepts the bounds 2 and p-2", () => {
  const dh = new DiffieHellman({ random: sequenceRandom(0) });
  strictEqual(dh.computeSecret(bigIntToBytes(2n, 128)).length, 128);
  // (p-2)^x = (-2)^x mod p.
  const x = bytesToBigInt(dh.computeSecret(bigIntToBytes(DH_PRIME - 2n, 128)));
  const y = bytesToBigInt(dh.computeSecret(bigIntToBytes(2n, 128)));
  strictEqual(x === y || x === DH_PRIME - y, true);
  checkPublicKey(2n);
  checkPublicKey(DH_PRIME - 2n);
});

Deno.test("modPow agrees with repeated multiplication", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 1n << 200n }),
      fc.bigInt({ min: 0n, max: 300n }),
      fc.bigInt({ min: 2n, max: 1n << 130n }),
      (base, exponent, modulus) => {
        let expected = 1n % modulus;
        for (let k = 0n; k < exponent; k++) expected = expected * base % modulus;
        strictEqual(modPow(base, exponent, modulus), expected);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("modPow follows Fermat's little theorem in the DH group", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n, max: DH_PRIME - 2n }), (a) => {
      strictEqual(modPow(a, DH_PRIME - 1n, DH_PRIME), 1n);
    }),
    { numRuns: 10 },
  );
});

Deno.test("modPow refuses a modulus below 2 and a negative exponent", () => {
  throws(() => modPow(2n, 3n, 1n), RangeError);
  throws(() => modPow(2n, -1n, 7n), RangeError);
  strictEqual(modPow(-3n, 3n, 7n), 1n, "a negative base is reduced first: (-3)^3 = -27 = 1 mod 7");
});

Deno.test("bigIntToBytes and bytesToBigInt round-trip, padding on the left", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 130 }), (bytes) => {
      deepStrictEqual(bigIntToBytes(bytesToBigInt(bytes), bytes.length), bytes);
    }),
  );
  deepStrictEqual(bigIntToBytes(0x0102n, 4), new Uint8Array([0, 0, 1, 2]));
  strictEqual(bytesToBigInt(new Uint8Array(0)), 0n);
  throws(() => bigIntToBytes(0x10000n, 2), RangeError);
  throws(() => bigIntToBytes(-1n, 2), RangeError);
});
