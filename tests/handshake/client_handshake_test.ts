import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ClientHandshake } from "../../src/handshake/client_handshake.ts";
import { ServerHandshake } from "../../src/handshake/server_handshake.ts";
import {
  FMS_KEY_DIGEST_LENGTH,
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
  CLIENT_TIME,
  concat,
  GOLDEN_FP9,
  hex,
  sequenceBytes,
  sequenceRandom,
  SERVER_RANDOM_START,
  SERVER_TIME,
} from "./_fixtures.ts";

function plainClient(): ClientHandshake {
  return new ClientHandshake({ mode: "plain", now: () => CLIENT_TIME, random: sequenceRandom() });
}

function fp9Client(): ClientHandshake {
  return new ClientHandshake({ mode: "fp9", now: () => CLIENT_TIME, random: sequenceRandom() });
}

/** Golden plain C0+C1. */
const PLAIN_C0C1 = concat(
  hex("03"), // C0: plain handshake
  hex("07 5B CD 15"), // C1 time: 123456789 ms
  hex("00 00 00 00"), // C1 version: zero in a plain handshake
  sequenceBytes(0, 1528), // C1 random filler
);

/** Golden FP9 C0+C1: the filler with the digest written over it at offset 66. */
const FP9_C0C1 = concat(
  hex("03"), // C0: type 3 (digest handshake over plain RTMP)
  hex("07 5B CD 15"), // C1 time: 123456789 ms
  hex("0A 00 2D 02"), // C1 version: 10.0.45.2
  sequenceBytes(0, 58), // filler, C1 bytes 8..65 (bytes 8..11 = 03 0A 11 18 give offset 66)
  GOLDEN_FP9.clientDigest, // C1 bytes 66..97: HMAC under the FP key's first 30 bytes
  sequenceBytes(90, 1438), // filler, C1 bytes 98..1535
);

/** A server S1 with version 3.5.1.1 and an FMS digest at `scheme` (from the golden sequence). */
async function digestS1(scheme: OffsetScheme): Promise<Uint8Array> {
  const s1 = concat(hex("3A DE 68 B1 03 05 01 01"), sequenceBytes(SERVER_RANDOM_START, 1528));
  const offset = digestOffset(s1, scheme);
  s1.set(
    await computeDigest(s1, offset, GENUINE_FMS_KEY.subarray(0, FMS_KEY_DIGEST_LENGTH)),
    offset,
  );
  return s1;
}

/** S2 signed for `c1` (the client's C1) as a genuine server signs it. */
async function signedS2(c1: Uint8Array, clientDigestOffset: number): Promise<Uint8Array> {
  const s2 = sequenceBytes(SERVER_RANDOM_START + 1528, 1536);
  const clientDigest = c1.subarray(clientDigestOffset, clientDigestOffset + 32);
  const key = await deriveSignatureKey(clientDigest, GENUINE_FMS_KEY);
  s2.set(await computeSignature(s2, key), 1504);
  return s2;
}

Deno.test("ClientHandshake plain C0+C1 matches the golden bytes", async () => {
  deepStrictEqual(await plainClient().start(), PLAIN_C0C1);
});

Deno.test("ClientHandshake fp9 C0+C1 matches the golden bytes", async () => {
  deepStrictEqual(await fp9Client().start(), FP9_C0C1);
});

Deno.test("ClientHandshake writes the time modulo 2^32", async () => {
  const client = new ClientHandshake({ mode: "plain", now: () => 2 ** 32 + 5, random: () => {} });
  deepStrictEqual((await client.start()).subarray(0, 9), hex("03 00 00 00 05 00 00 00 00"));
});

Deno.test("ClientHandshake plain: C2 echoes S1 exactly, S2 = C1 gives no warning", async () => {
  const client = plainClient();
  const c0c1 = await client.start();
  const s1 = concat(hex("3A DE 68 B1 00 00 00 00"), sequenceBytes(9000, 1528));
  const step = await client.receive(concat(hex("03"), s1));
  deepStrictEqual(step.send, s1);
  strictEqual(step.done, false);
  const last = await client.receive(c0c1.subarray(1));
  deepStrictEqual(last, { done: true });
  deepStrictEqual(client.warnings, []);
  strictEqual(client.serverType, 3);
  strictEqual(client.serverUptime, SERVER_TIME);
  deepStrictEqual(client.serverVersion, hex("00 00 00 00"));
  strictEqual(client.usedDigest, false);
  strictEqual(client.swfVerificationKey, undefined);
});

Deno.test("ClientHandshake plain: S0 mismatch and S2 mismatch are librtmp's warnings", async () => {
  const client = plainClient();
  await client.start();
  const s1 = sequenceBytes(100, 1536);
  await client.receive(concat(hex("06"), s1));
  const last = await client.receive(new Uint8Array(1536));
  strictEqual(last.done, true);
  deepStrictEqual(client.warnings, [
    "Type mismatch: client sent 3, server answered 6",
    "client signature does not match!",
  ]);
});

Deno.test("ClientHandshake fp9 against a genuine server: golden C2, S2 verifies", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  const s1 = await digestS1(0);
  strictEqual(digestOffset(s1, 0), GOLDEN_FP9.serverDigestOffset);
  const step = await client.receive(concat(hex("03"), s1));
  const c2 = concat(sequenceBytes(1528, 1504), GOLDEN_FP9.c2Signature);
  deepStrictEqual(step.send, c2);
  const s2 = await signedS2(c0c1.subarray(1), GOLDEN_FP9.clientDigestOffset);
  deepStrictEqual(s2.subarray(1504), GOLDEN_FP9.s2Signature);
  deepStrictEqual(await client.receive(s2), { done: true });
  strictEqual(client.usedDigest, true);
  deepStrictEqual(client.swfVerificationKey, GOLDEN_FP9.swfVerificationKey);
  deepStrictEqual(client.serverVersion, hex("03 05 01 01"));
  deepStrictEqual(client.warnings, []);
});

Deno.test("ClientHandshake fp9 accepts a server digest at the other scheme", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  const step = await client.receive(concat(hex("03"), await digestS1(1)));
  strictEqual(step.send?.length, 1536);
  const last = await client.receive(
    await signedS2(c0c1.subarray(1), GOLDEN_FP9.clientDigestOffset),
  );
  strictEqual(last.done, true);
});

Deno.test("ClientHandshake fp9 falls back to the plain echo when S1 byte 4 is zero", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  const s1 = concat(hex("3A DE 68 B1 00 01 02 03"), sequenceBytes(7, 1528));
  const step = await client.receive(concat(hex("03"), s1));
  deepStrictEqual(step.send, s1);
  strictEqual((await client.receive(c0c1.subarray(1))).done, true);
  strictEqual(client.usedDigest, false);
  deepStrictEqual(client.warnings, []);
});

Deno.test("ClientHandshake fp9 fails on a tampered S1 digest", async () => {
  const client = fp9Client();
  await client.start();
  const s1 = await digestS1(0);
  s1[GOLDEN_FP9.serverDigestOffset + 5] ^= 0x40;
  await rejects(client.receive(concat(hex("03"), s1)), {
    name: "HandshakeError",
    message: "Couldn't verify the server digest",
  });
  // The failure sticks.
  await rejects(client.receive(new Uint8Array(1)), HandshakeError);
});

Deno.test("ClientHandshake fp9 keeps the digest check when S0 is not 3, even with a zero version", async () => {
  const client = fp9Client();
  await client.start();
  const s1 = concat(hex("00 00 00 00 00 00 00 00"), sequenceBytes(3, 1528));
  await rejects(client.receive(concat(hex("06"), s1)), {
    message: "Couldn't verify the server digest",
  });
  deepStrictEqual(client.warnings, ["Type mismatch: client sent 3, server answered 6"]);
});

Deno.test("ClientHandshake fp9 fails on a tampered S2 signature", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  await client.receive(concat(hex("03"), await digestS1(0)));
  const s2 = await signedS2(c0c1.subarray(1), GOLDEN_FP9.clientDigestOffset);
  s2[1535] ^= 1;
  await rejects(client.receive(s2), {
    name: "HandshakeError",
    message: "Server not genuine Adobe!",
  });
  strictEqual(client.done, false);
});

Deno.test("ClientHandshake fp9 fails on an S2 that merely echoes C1", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  await client.receive(concat(hex("03"), await digestS1(0)));
  await rejects(client.receive(c0c1.subarray(1)), { message: "Server not genuine Adobe!" });
});

Deno.test("ClientHandshake returns the bytes after S2 intact and passes later bytes through", async () => {
  const client = plainClient();
  const c0c1 = await client.start();
  const s1 = sequenceBytes(50, 1536);
  const chunks = hex("02 00 00 00 00 00 04 01 00 00 00 00 00 00 10 00");
  const step = await client.receive(concat(hex("03"), s1, c0c1.subarray(1), chunks));
  deepStrictEqual(step.send, s1);
  strictEqual(step.done, true);
  deepStrictEqual(step.rest, chunks);
  const later = await client.receive(hex("AA BB"));
  deepStrictEqual(later, { done: true, rest: hex("AA BB") });
});

Deno.test("ClientHandshake keeps the order when receive is called without awaiting", async () => {
  const client = plainClient();
  const c0c1 = await client.start();
  const all = concat(hex("03"), sequenceBytes(50, 1536), c0c1.subarray(1), hex("01 02 03"));
  const steps = await Promise.all([
    client.receive(all.subarray(0, 1000)),
    client.receive(all.subarray(1000, 2000)),
    client.receive(all.subarray(2000)),
  ]);
  deepStrictEqual(steps[0], { done: false });
  deepStrictEqual(steps[1], { done: false, send: all.subarray(1, 1537) });
  deepStrictEqual(steps[2], { done: true, rest: hex("01 02 03") });
});

Deno.test("ClientHandshake refuses receive before start and a second start", async () => {
  const client = plainClient();
  await rejects(client.receive(new Uint8Array(1)), /before start/);
  await client.start();
  await rejects(client.start(), /already started/);
});

Deno.test("ClientHandshake runs a variant's hooks in librtmp's order", async () => {
  const calls: string[] = [];
  // A toy variant: type 6, version 128.0.3.2, scheme 1, signatures XORed with 0x5A.
  const variant: HandshakeVariant = {
    clientType: 6,
    clientVersion: [128, 0, 3, 2],
    scheme: 1,
    fillBlock(block, scheme) {
      calls.push(`fill ${scheme}`);
      block.fill(0x11, 8, 136);
    },
    readPeerBlock(_block, scheme) {
      calls.push(`read ${scheme}`);
    },
    transformSignature(signature, key, type) {
      calls.push(`transform ${type} ${key.length}`);
      for (let i = 0; i < signature.length; i++) signature[i] ^= 0x5a;
    },
    complete() {
      calls.push("complete");
    },
  };
  const client = new ClientHandshake({
    mode: "plain",
    variant,
    now: () => 0,
    random: sequenceRandom(),
  });
  const c0c1 = await client.start();
  deepStrictEqual(c0c1.subarray(0, 9), hex("06 00 00 00 00 80 00 03 02"));
  deepStrictEqual(c0c1.subarray(9, 137), new Uint8Array(128).fill(0x11));
  const c1 = c0c1.subarray(1);
  const clientDigestOffset = digestOffset(c1, 1);
  const s1 = await digestS1(1);
  const step = await client.receive(concat(hex("08"), s1));
  // C2's signature is the FP9 one, transformed.
  const c2 = step.send!;
  const serverDigestOffset = digestOffset(s1, 1);
  const c2Key = await deriveSignatureKey(
    s1.subarray(serverDigestOffset, serverDigestOffset + 32),
    GENUINE_FP_KEY,
  );
  const expectedC2 = (await computeSignature(c2, c2Key)).map((b) => b ^ 0x5a);
  deepStrictEqual(c2.subarray(1504), expectedC2);
  const s2 = await signedS2(c1, clientDigestOffset);
  for (let i = 1504; i < 1536; i++) s2[i] ^= 0x5a;
  strictEqual((await client.receive(s2)).done, true);
  deepStrictEqual(calls, ["fill 1", "read 1", "transform 8 32", "transform 8 32", "complete"]);
  ok(client.warnings[0] === "Type mismatch: client sent 6, server answered 8");
});

Deno.test("ClientHandshake never buffers past S2: a large read comes back as a view", async () => {
  const client = plainClient();
  const c0c1 = await client.start();
  const big = new Uint8Array(1 << 20);
  big[0] = 3;
  big.set(c0c1.subarray(1), 1537);
  const step = await client.receive(big);
  strictEqual(step.done, true);
  strictEqual(step.rest?.length, (1 << 20) - 3073);
  strictEqual(step.rest?.buffer, big.buffer);
  strictEqual(step.rest?.byteOffset, 3073);
});

Deno.test("ClientHandshake wraps a failing hook in a HandshakeError that sticks", async () => {
  const cause = new Error("no key pair");
  const variant: HandshakeVariant = {
    clientType: 6,
    clientVersion: [128, 0, 3, 2],
    scheme: 1,
    fillBlock() {
      throw cause;
    },
  };
  const client = new ClientHandshake({ mode: "fp9", variant });
  await rejects(client.start(), {
    name: "HandshakeError",
    message: "Cannot complete the handshake: no key pair",
    cause,
  });
  await rejects(client.receive(new Uint8Array(1537)), { message: /no key pair/ });
});

/** The notes as text, with the hex of their bytes (if any) after a bar. */
function noteLines(client: ClientHandshake): string[] {
  return client.notes.map((note) =>
    `${note.level}: ${note.text}` +
    (note.bytes
      ? ` | ${Array.from(note.bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`
      : "")
  );
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("ClientHandshake notes: plain, librtmp's lines and warnings in its order", async () => {
  const client = plainClient();
  await client.start();
  deepStrictEqual(client.notes, []);
  const s1 = sequenceBytes(100, 1536);
  await client.receive(concat(hex("06"), s1));
  await client.receive(new Uint8Array(1536));
  const uptime = new DataView(s1.buffer, s1.byteOffset).getInt32(0); // librtmp prints %d
  deepStrictEqual(noteLines(client), [
    "debug: HandShake: Type Answer   : 06",
    "warning: HandShake: Type mismatch: client sent 3, server answered 6",
    `debug: HandShake: Server Uptime : ${uptime}`,
    `debug: HandShake: FMS Version   : ${Array.from(s1.subarray(4, 8)).join(".")}`,
    "warning: HandShake: client signature does not match!",
    "debug: HandShake: Handshaking finished....",
  ]);
});

Deno.test("ClientHandshake notes: fp9 against a genuine server, with the golden digests and signatures", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  const s1 = await digestS1(0);
  await client.receive(concat(hex("03"), s1));
  const s2 = await signedS2(c0c1.subarray(1), GOLDEN_FP9.clientDigestOffset);
  await client.receive(s2);
  const signatureKey = await deriveSignatureKey(GOLDEN_FP9.serverDigest, GENUINE_FP_KEY);
  const digestKey = await deriveSignatureKey(GOLDEN_FP9.clientDigest, GENUINE_FMS_KEY);
  deepStrictEqual(noteLines(client), [
    "debug: HandShake: Client type: 03",
    "debug: HandShake: Client digest offset: 66",
    `debug: HandShake: Initial client digest:  | ${hexOf(GOLDEN_FP9.clientDigest)}`,
    "debug: HandShake: Type Answer   : 03",
    `debug: HandShake: Server Uptime : ${SERVER_TIME}`,
    "debug: HandShake: FMS Version   : 3.5.1.1",
    `debug: HandShake: Calculated digest key from secure key and server digest:  | ${
      hexOf(signatureKey)
    }`,
    `debug: HandShake: Client signature calculated: | ${hexOf(GOLDEN_FP9.c2Signature)}`,
    `debug: HandShake: Server sent signature: | ${hexOf(GOLDEN_FP9.s2Signature)}`,
    `debug: HandShake: Digest key:  | ${hexOf(digestKey)}`,
    `debug: HandShake: Signature calculated: | ${hexOf(GOLDEN_FP9.s2Signature)}`,
    "debug: HandShake: Genuine Adobe Flash Media Server",
    "debug: HandShake: Handshaking finished....",
  ]);
});

Deno.test("ClientHandshake notes: an S2 with a zero version makes librtmp wonder", async () => {
  const client = fp9Client();
  const c0c1 = await client.start();
  await client.receive(concat(hex("03"), await digestS1(0)));
  const s2 = sequenceBytes(SERVER_RANDOM_START + 1528, 1536);
  s2.fill(0, 4, 8);
  const clientDigest = c0c1.subarray(
    1 + GOLDEN_FP9.clientDigestOffset,
    1 + GOLDEN_FP9.clientDigestOffset + 32,
  );
  s2.set(await computeSignature(s2, await deriveSignatureKey(clientDigest, GENUINE_FMS_KEY)), 1504);
  await client.receive(s2);
  const texts = client.notes.map((note) => note.text);
  strictEqual(
    texts[texts.indexOf("HandShake: Server sent signature:") - 1],
    "HandShake: Wait, did the server just refuse signed authentication?",
  );
});

Deno.test("ClientHandshake notes: rtmpe adds the variant's key lines where librtmp logs them", async () => {
  const client = new ClientHandshake({ mode: "rtmpe", now: () => CLIENT_TIME });
  const server = new ServerHandshake({ rtmpe: true });
  const answer = await server.receive(await client.start());
  const reply = await client.receive(answer.send!);
  await server.receive(reply.send!);
  const texts = client.notes.map((note) =>
    note.text.replace(/(position|offset|Uptime ): -?\d+$/, "$1: N")
  );
  deepStrictEqual(texts, [
    "HandShake: Client type: 06",
    "HandShake: DH pubkey position: N",
    "HandShake: Client digest offset: N",
    "HandShake: Initial client digest: ",
    "HandShake: Type Answer   : 08", // librtmp's server answers Flash Player 10 with 8
    "HandShake: Type mismatch: client sent 6, server answered 8",
    "HandShake: Server Uptime : N",
    "HandShake: FMS Version   : 3.5.1.1",
    "HandShake: Server DH public key offset: N",
    "HandShake: Secret key: ",
    "RC4 Out Key: ",
    "RC4 In Key: ",
    "HandShake: Calculated digest key from secure key and server digest: ",
    "HandShake: Client signature calculated:",
    "HandShake: Server sent signature:",
    "HandShake: Digest key: ",
    "HandShake: Signature calculated:",
    "HandShake: Genuine Adobe Flash Media Server",
    "HandShake: Handshaking finished....",
  ]);
  deepStrictEqual(
    client.notes.filter((note) => note.bytes).map((note) => note.bytes!.length),
    [32, 128, 16, 16, 32, 32, 32, 32, 32],
  );
});
