import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import {
  FP_KEY_DIGEST_LENGTH,
  GENUINE_FMS_KEY,
  GENUINE_FP_KEY,
} from "../../src/handshake/constants.ts";
import {
  computeDigest,
  computeSignature,
  deriveSignatureKey,
  digestOffset,
  type OffsetScheme,
} from "../../src/handshake/digest.ts";
import { HandshakeError } from "../../src/handshake/handshake_error.ts";
import type { HandshakeVariant } from "../../src/handshake/handshake_variant.ts";
import {
  ServerHandshake,
  type ServerHandshakeOptions,
} from "../../src/handshake/server_handshake.ts";
import {
  CLIENT_TIME,
  concat,
  GOLDEN_FP9,
  hex,
  sequenceBytes,
  sequenceRandom,
  SERVER_RANDOM_START,
  SERVER_TIME,
} from "./_fixtures.ts";

function server(options: ServerHandshakeOptions = {}): ServerHandshake {
  return new ServerHandshake({
    now: () => SERVER_TIME,
    random: sequenceRandom(SERVER_RANDOM_START),
    ...options,
  });
}

/** The golden FP9 client C1 (see client_handshake_test.ts). */
const FP9_C1 = concat(
  hex("07 5B CD 15"), // time: 123456789 ms
  hex("0A 00 2D 02"), // version: 10.0.45.2
  sequenceBytes(0, 58), // filler up to the digest at 66
  GOLDEN_FP9.clientDigest, // digest under the FP key's first 30 bytes
  sequenceBytes(90, 1438), // filler
);

/** The golden S0+S1+S2 a server with the golden clock and random answers FP9_C1 with. */
const FP9_S0S1S2 = concat(
  hex("03"), // S0: type 3
  hex("3A DE 68 B1"), // S1 time: 987654321 ms
  hex("03 05 01 01"), // S1 version: 3.5.1.1 (librtmp's server)
  sequenceBytes(SERVER_RANDOM_START, 66), // S1 filler up to the digest at 74
  GOLDEN_FP9.serverDigest, // S1 digest under the FMS key's first 36 bytes, scheme 0
  sequenceBytes(SERVER_RANDOM_START + 98, 1430), // S1 filler, ends with the SWF verification key
  sequenceBytes(SERVER_RANDOM_START + 1528, 1504), // S2 random
  GOLDEN_FP9.s2Signature, // S2 signature keyed by HMAC(FMS key[68], client digest)
);

/** A C1 with a Flash Player digest at `scheme`. */
async function fpC1(scheme: OffsetScheme, seed = 300): Promise<Uint8Array> {
  const c1 = concat(hex("00 00 00 01 09 00 7C 02"), sequenceBytes(seed, 1528));
  const offset = digestOffset(c1, scheme);
  c1.set(await computeDigest(c1, offset, GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH)), offset);
  return c1;
}

/** The C2 a genuine client answers `s1` with (digest at `s1DigestOffset`). */
async function signedC2(s1: Uint8Array, s1DigestOffset: number): Promise<Uint8Array> {
  const c2 = sequenceBytes(20000, 1536);
  const key = await deriveSignatureKey(
    s1.subarray(s1DigestOffset, s1DigestOffset + 32),
    GENUINE_FP_KEY,
  );
  c2.set(await computeSignature(c2, key), 1504);
  return c2;
}

Deno.test("ServerHandshake answers the golden FP9 C1 with the golden S0+S1+S2", async () => {
  const hs = server();
  const step = await hs.receive(concat(hex("03"), FP9_C1));
  deepStrictEqual(step, { done: false, send: FP9_S0S1S2 });
  strictEqual(hs.usedDigest, true);
  strictEqual(hs.clientType, 3);
  strictEqual(hs.serverType, 3);
  strictEqual(hs.clientUptime, CLIENT_TIME);
  deepStrictEqual(hs.clientVersion, hex("0A 00 2D 02"));
  deepStrictEqual(hs.swfVerificationKey, GOLDEN_FP9.swfVerificationKey);
  // The golden C2 from client_handshake_test.ts verifies without warnings.
  const c2 = concat(sequenceBytes(1528, 1504), GOLDEN_FP9.c2Signature);
  deepStrictEqual(await hs.receive(c2), { done: true });
  deepStrictEqual(hs.warnings, []);
});

Deno.test("ServerHandshake plain: S1 has a zero version, S2 echoes C1, C2 = S1 is silent", async () => {
  const hs = server();
  const c1 = concat(hex("00 00 30 39 00 00 00 00"), sequenceBytes(77, 1528));
  const step = await hs.receive(concat(hex("03"), c1));
  const expected = concat(
    hex("03"), // S0
    hex("3A DE 68 B1 00 00 00 00"), // S1 time and zero version
    sequenceBytes(SERVER_RANDOM_START, 1528), // S1 random
    c1, // S2: C1 echoed
  );
  deepStrictEqual(step.send, expected);
  strictEqual(hs.usedDigest, false);
  strictEqual(hs.swfVerificationKey, undefined);
  deepStrictEqual(await hs.receive(expected.subarray(1, 1537)), { done: true });
  deepStrictEqual(hs.warnings, []);
});

Deno.test("ServerHandshake plain: a C2 that does not echo S1 is only a warning", async () => {
  const hs = server();
  await hs.receive(concat(hex("03"), new Uint8Array(1536)));
  strictEqual((await hs.receive(new Uint8Array(1536))).done, true);
  deepStrictEqual(hs.warnings, ["client signature does not match!"]);
});

Deno.test("ServerHandshake answers a non-zero version without a valid digest as plain", async () => {
  const hs = server();
  const c1 = await fpC1(0);
  c1[digestOffset(c1, 0)] ^= 1;
  const step = await hs.receive(concat(hex("03"), c1));
  strictEqual(hs.usedDigest, false);
  deepStrictEqual(step.send!.subarray(5, 9), hex("00 00 00 00"));
  deepStrictEqual(step.send!.subarray(1537), c1);
});

Deno.test("ServerHandshake puts its digest at the scheme the client used", async () => {
  for (const scheme of [0, 1] as const) {
    const hs = server();
    const step = await hs.receive(concat(hex("03"), await fpC1(scheme)));
    const s1 = step.send!.subarray(1, 1537);
    const offset = digestOffset(s1, scheme);
    deepStrictEqual(
      s1.subarray(offset, offset + 32),
      await computeDigest(s1, offset, GENUINE_FMS_KEY.subarray(0, 36)),
      `scheme ${scheme}`,
    );
    strictEqual((await hs.receive(await signedC2(s1, offset))).done, true);
    deepStrictEqual(hs.warnings, []);
  }
});

Deno.test("ServerHandshake signs S2 with the key derived from the client digest", async () => {
  const c1 = await fpC1(1, 999);
  const step = await server().receive(concat(hex("03"), c1));
  const s2 = step.send!.subarray(1537);
  const offset = digestOffset(c1, 1);
  const key = await deriveSignatureKey(c1.subarray(offset, offset + 32), GENUINE_FMS_KEY);
  deepStrictEqual(s2.subarray(1504), await computeSignature(s2, key));
});

Deno.test("ServerHandshake fp9: a C2 with a wrong signature is only a warning", async () => {
  const hs = server();
  const step = await hs.receive(concat(hex("03"), await fpC1(0)));
  // A client that echoes S1 instead of signing.
  strictEqual((await hs.receive(step.send!.subarray(1, 1537))).done, true);
  deepStrictEqual(hs.warnings, ["Client not genuine Adobe!"]);
});

Deno.test("ServerHandshake with fp9 off answers digest clients as plain", async () => {
  const hs = server({ fp9: false });
  const c1 = await fpC1(0);
  const step = await hs.receive(concat(hex("03"), c1));
  strictEqual(hs.usedDigest, false);
  deepStrictEqual(step.send!.subarray(1537), c1);
});

Deno.test("ServerHandshake refuses other handshake types as soon as C0 arrives", async () => {
  for (const type of [0, 6, 8, 9, 0xff]) {
    const hs = server();
    await rejects(hs.receive(Uint8Array.of(type)), {
      name: "HandshakeError",
      message: `Unsupported handshake type ${type}`,
    });
    await rejects(hs.receive(new Uint8Array(1536)), HandshakeError);
  }
});

Deno.test("ServerHandshake names text such as HTTP in its refusal", async () => {
  const hs = server();
  await rejects(hs.receive(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), {
    name: "HandshakeError",
    message: "Unsupported handshake type 71 ('G': text such as HTTP, not an RTMP handshake)",
  });
});

Deno.test("ServerHandshake returns the bytes after C2 intact and passes later bytes through", async () => {
  const hs = server();
  const s0s1s2 = (await hs.receive(concat(hex("03"), new Uint8Array(1000)))).send;
  strictEqual(s0s1s2, undefined);
  const chunk = hex("03 00 00 00 00 00 20 14 00 00 00 00 02 00 07 63 6F 6E 6E 65 63 74");
  const step = await hs.receive(concat(new Uint8Array(536), new Uint8Array(1536), chunk));
  strictEqual(step.send?.length, 3073);
  strictEqual(step.done, true);
  deepStrictEqual(step.rest, chunk);
  deepStrictEqual(await hs.receive(hex("C3")), { done: true, rest: hex("C3") });
});

Deno.test("ServerHandshake hands other types to variantFor and runs its hooks", async () => {
  const calls: string[] = [];
  const variant: HandshakeVariant = {
    clientType: 6,
    clientVersion: [128, 0, 3, 2],
    scheme: 1,
    answerType: (type, c1) => (c1[4] === 128 ? 8 : type),
    fillBlock(block, scheme) {
      calls.push(`fill ${scheme}`);
      block.fill(0x22, 8, 136);
    },
    readPeerBlock(_block, scheme) {
      calls.push(`read ${scheme}`);
    },
    transformSignature(signature, _key, type) {
      calls.push(`transform ${type}`);
      signature.reverse();
    },
    complete() {
      calls.push("complete");
    },
  };
  const hs = server({ variantFor: (type) => (type === 6 ? variant : undefined) });
  const c1 = await fpC1(1);
  c1[4] = 128;
  const offset = digestOffset(c1, 1);
  c1.set(await computeDigest(c1, offset, GENUINE_FP_KEY.subarray(0, 30)), offset);
  const step = await hs.receive(concat(hex("06"), c1));
  const out = step.send!;
  strictEqual(out[0], 8);
  deepStrictEqual(out.subarray(5, 9), hex("03 05 01 01"));
  deepStrictEqual(out.subarray(9, 137), new Uint8Array(128).fill(0x22));
  const s1 = out.subarray(1, 1537);
  const s1Offset = digestOffset(s1, 1);
  const c2 = await signedC2(s1, s1Offset);
  c2.subarray(1504).reverse();
  strictEqual((await hs.receive(c2)).done, true);
  deepStrictEqual(calls, ["fill 1", "read 1", "transform 8", "transform 8", "complete"]);
  deepStrictEqual(hs.warnings, []);
});

Deno.test("ServerHandshake fails a variant client without a valid digest or C2 signature", async () => {
  const variant: HandshakeVariant = { clientType: 6, clientVersion: [128, 0, 3, 2], scheme: 1 };
  const noDigest = server({ variantFor: () => variant });
  await rejects(noDigest.receive(concat(hex("06"), new Uint8Array(1536))), {
    message: "Couldn't verify the client digest",
  });
  const badC2 = server({ variantFor: () => variant });
  await badC2.receive(concat(hex("06"), await fpC1(1)));
  await rejects(badC2.receive(new Uint8Array(1536)), { message: "Client not genuine Adobe!" });
});

Deno.test("ServerHandshake never buffers past C2: a large read comes back as a view", async () => {
  const hs = server();
  const big = new Uint8Array(1 << 20);
  big[0] = 3;
  const step = await hs.receive(big);
  strictEqual(step.send?.length, 3073);
  strictEqual(step.done, true);
  strictEqual(step.rest?.length, (1 << 20) - 3073);
  strictEqual(step.rest?.buffer, big.buffer);
  deepStrictEqual(hs.warnings, ["client signature does not match!"]);
});

Deno.test("ServerHandshake wraps a failing hook in a HandshakeError that sticks", async () => {
  const cause = new Error("bad public key");
  const variant: HandshakeVariant = {
    clientType: 6,
    clientVersion: [128, 0, 3, 2],
    scheme: 1,
    readPeerBlock() {
      throw cause;
    },
  };
  const hs = server({ variantFor: () => variant });
  await rejects(hs.receive(concat(hex("06"), await fpC1(1))), {
    name: "HandshakeError",
    message: "Cannot complete the handshake: bad public key",
    cause,
  });
  await rejects(hs.receive(new Uint8Array(1536)), { message: /bad public key/ });
});
