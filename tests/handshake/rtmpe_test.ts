import { deepStrictEqual, notDeepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { bigIntToBytes, DH_PRIME } from "../../src/crypto/dh.ts";
import { ClientHandshake } from "../../src/handshake/client_handshake.ts";
import { dhOffset, digestOffset } from "../../src/handshake/digest.ts";
import { HandshakeError } from "../../src/handshake/handshake_error.ts";
import type { HandshakeVariant } from "../../src/handshake/handshake_variant.ts";
import {
  isRtmpeType,
  rtmpeAnswerType,
  type RtmpeType,
  RtmpeVariant,
} from "../../src/handshake/rtmpe_variant.ts";
import { ServerHandshake } from "../../src/handshake/server_handshake.ts";
import {
  byteByByte,
  CLIENT_TIME,
  concat,
  feedInPieces,
  hex,
  sequenceRandom,
  SERVER_RANDOM_START,
  SERVER_TIME,
} from "./_fixtures.ts";

/**
 * Golden RTMPE exchanges: client clock and random as the FP9 goldens (sequence from 0: C1
 * filler, then the DH private key, then C2), server clock and random likewise (sequence from
 * 5000: S1 filler, DH private key, S2); client C0 6 with version 128.0.3.2, the server answering
 * 6, 8 or 9. Computed independently in Python (hmac, hashlib, pow, `cryptography`'s ARC4 and
 * Blowfish, XTEA as librtmp's code reads its words): SHA-256 of each message, offsets, the
 * signatures after the type's transform, and the first 16 bytes of each RC4 stream after the
 * 1536 skipped bytes.
 */
const GOLDEN_RTMPE = {
  /** Sums of C1 bytes 768–771 and 772–775 under scheme 1 (the same for every answer type). */
  clientDhOffset: 230,
  clientDigestOffset: 1014,
  serverDhOffset: 574,
  serverDigestOffset: 1454,
  c0c1Sha256: "2bf99e4f0c38a2a8bcbbdb94786f9c9b3eb31e38c8b666ec9861c59859a52b97",
  /** RC4 key of the client's outgoing stream: HMAC-SHA256(secret, server public key)[0..16). */
  clientEncryptKeystream: "992df41604c6c203b724d5c74b98bfab",
  /** RC4 key of the client's incoming stream: HMAC-SHA256(secret, client public key)[0..16). */
  clientDecryptKeystream: "a5d0952cecb66afa84ee536ad195edcf",
  byAnswer: {
    6: {
      s0s1s2Sha256: "24723f3371b58451eec7f129a5dfd2118e76da7848920bf4842b35601dc29fd3",
      c2Sha256: "f6bd7b14557d99a712eea3d87c05e33fcadf8215f8fe711dbba4a7447b14ddf6",
      c2Signature: "05f2baf2c9686bb1c8c101c49c1fd34d00505eac2197e105ef71986140713cd1",
      s2Signature: "bd29899a02fbcab19d553670cd4d7169f2d59929ce7f9cbbecf8f58c02af8b77",
    },
    8: {
      s0s1s2Sha256: "9d2679d503a581a57081f59cca266a6c62f955f50cb7cf145644d7ed12fa9ba1",
      c2Sha256: "0974035616c1a17ff64c2371ed57d68011f7ed1f834626a2961cf4fb0fe8193c",
      c2Signature: "e266106e87f13024b42d35932dbedadd58dc511bce415be53d264bfe3f2bc6b6",
      s2Signature: "2b2d33eb329214c663a01173db2b240a22843a8aafc470b19da9c2f4d26b4c2c",
    },
    9: {
      s0s1s2Sha256: "dce6117c72ad8985d57ed92a4ae702781c4582d02bdc0b3730509b91ceea9958",
      c2Sha256: "328d3154e2eec5bd45b6b58401857e09b3c23d0cdb6b43d4cce9daf8e336397e",
      c2Signature: "82eac9a46c73ea858003f6804cd13fea072422656c70e776a3add289ef8c77f1",
      s2Signature: "f25cb2eee53ed3811842f10399eebb74508d3415b08f97f33f774f8ffe6437c2",
    },
  },
};

/** The first chunks each side sends after the handshake, encrypted (see runPair). */
const CLIENT_CHUNKS = hex("03 00 00 00 00 00 0B 14 00 00 00 00 02 00 07 63 6F 6E 6E 65 63 74");
const SERVER_CHUNKS = hex("02 00 00 00 00 00 04 05 00 00 00 00 00 26 25 A0");

async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
  );
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The next 16 keystream bytes of an RC4 stream (it is advanced). */
function keystream(cipher: { process(data: Uint8Array): void }): string {
  const bytes = new Uint8Array(16);
  cipher.process(bytes);
  return toHex(bytes);
}

function encrypted(cipher: { process(data: Uint8Array): void }, plain: Uint8Array): Uint8Array {
  const copy = plain.slice();
  cipher.process(copy);
  return copy;
}

for (const answer of [6, 8, 9] as const) {
  Deno.test(`RTMPE golden exchange answered with type ${answer} gives Python's bytes and keys`, async () => {
    const golden = GOLDEN_RTMPE.byAnswer[answer];
    const client = new ClientHandshake({
      mode: "rtmpe",
      now: () => CLIENT_TIME,
      random: sequenceRandom(0),
    });
    const server = new ServerHandshake({
      now: () => SERVER_TIME,
      random: sequenceRandom(SERVER_RANDOM_START),
      rtmpe: { answerType: answer },
    });
    const c0c1 = await client.start();
    strictEqual(await sha256(c0c1), GOLDEN_RTMPE.c0c1Sha256);
    const c1 = c0c1.subarray(1);
    strictEqual(dhOffset(c1, 1), GOLDEN_RTMPE.clientDhOffset);
    strictEqual(digestOffset(c1, 1), GOLDEN_RTMPE.clientDigestOffset);

    const s0s1s2 = (await server.receive(c0c1)).send!;
    strictEqual(s0s1s2[0], answer);
    strictEqual(await sha256(s0s1s2), golden.s0s1s2Sha256);
    const s1 = s0s1s2.subarray(1, 1537);
    strictEqual(dhOffset(s1, 1), GOLDEN_RTMPE.serverDhOffset);
    strictEqual(digestOffset(s1, 1), GOLDEN_RTMPE.serverDigestOffset);
    strictEqual(toHex(s0s1s2.subarray(1537 + 1504)), golden.s2Signature);

    const step = await client.receive(s0s1s2);
    strictEqual(step.done, true);
    const c2 = step.send!;
    strictEqual(await sha256(c2), golden.c2Sha256);
    strictEqual(toHex(c2.subarray(1504)), golden.c2Signature);
    strictEqual((await server.receive(c2)).done, true);

    strictEqual(keystream(client.ciphers!.encrypt), GOLDEN_RTMPE.clientEncryptKeystream);
    strictEqual(keystream(client.ciphers!.decrypt), GOLDEN_RTMPE.clientDecryptKeystream);
    strictEqual(keystream(server.ciphers!.decrypt), GOLDEN_RTMPE.clientEncryptKeystream);
    strictEqual(keystream(server.ciphers!.encrypt), GOLDEN_RTMPE.clientDecryptKeystream);
    deepStrictEqual(
      client.warnings,
      answer === 6 ? [] : [`Type mismatch: client sent 6, server answered ${answer}`],
    );
    deepStrictEqual(server.warnings, []);
  });
}

interface PairOptions {
  clientType: RtmpeType;
  version?: readonly number[];
  answerType?: RtmpeType;
  split: (length: number) => number[];
}

/**
 * Runs an RTMPE client and server against each other, each side's bytes cut where `split`
 * says, with encrypted chunks following C2 and S2 in the same writes; checks that each side
 * decrypts the other's bytes and returns the S0 the server answered.
 */
async function runPair(options: PairOptions): Promise<number> {
  const client = new ClientHandshake({
    mode: "rtmpe",
    variant: new RtmpeVariant({
      role: "client",
      type: options.clientType,
      version: options.version,
    }),
  });
  const server = new ServerHandshake({
    rtmpe: options.answerType ? { answerType: options.answerType } : true,
  });
  const c0c1 = await client.start();
  strictEqual(c0c1[0], options.clientType);
  const atServer1 = await feedInPieces((d) => server.receive(d), c0c1, options.split(1537));
  strictEqual(atServer1.sent.length, 1);
  strictEqual(server.ciphers, undefined, "no ciphers before C2");

  // The server cannot encrypt before C2 has verified; its chunks follow in a later write.
  const atClient = await feedInPieces(
    (d) => client.receive(d),
    atServer1.sent[0],
    options.split(3073),
  );
  strictEqual(atClient.done, true);
  const clientCiphers = client.ciphers!;
  const c2 = concat(atClient.sent[0], encrypted(clientCiphers.encrypt, CLIENT_CHUNKS));
  const atServer2 = await feedInPieces((d) => server.receive(d), c2, options.split(c2.length));
  strictEqual(atServer2.done, true);
  const serverCiphers = server.ciphers!;
  notDeepStrictEqual(atServer2.rest, CLIENT_CHUNKS, "the chunks travel encrypted");
  deepStrictEqual(encrypted(serverCiphers.decrypt, atServer2.rest), CLIENT_CHUNKS);

  const fromServer = encrypted(serverCiphers.encrypt, SERVER_CHUNKS);
  deepStrictEqual(encrypted(clientCiphers.decrypt, fromServer), SERVER_CHUNKS);
  // The streams keep going: a second message each way.
  const more = new TextEncoder().encode(
    "second message, longer than sixty-four bytes, so RC4's word path runs",
  );
  deepStrictEqual(encrypted(serverCiphers.decrypt, encrypted(clientCiphers.encrypt, more)), more);
  deepStrictEqual(encrypted(clientCiphers.decrypt, encrypted(serverCiphers.encrypt, more)), more);
  strictEqual(client.serverType, server.serverType);
  strictEqual(server.clientType, options.clientType);
  ok(client.usedDigest && server.usedDigest);
  deepStrictEqual(server.warnings, []);
  return server.serverType!;
}

const whole = () => [];

Deno.test("RTMPE client and server agree as librtmp's server answers: 6 -> 8, 8 -> 8, 9 -> 9", async () => {
  strictEqual(await runPair({ clientType: 6, split: whole }), 8);
  strictEqual(await runPair({ clientType: 8, split: whole }), 8);
  strictEqual(await runPair({ clientType: 9, split: whole }), 9);
});

Deno.test("RTMPE type 6 from a client that is not Flash Player 10 is answered with 6", async () => {
  strictEqual(await runPair({ clientType: 6, version: [9, 0, 124, 2], split: whole }), 6);
  strictEqual(await runPair({ clientType: 8, version: [9, 0, 124, 2], split: whole }), 8);
});

Deno.test("RTMPE server answerType forces any of 6, 8 and 9", async () => {
  for (const answerType of [6, 8, 9] as const) {
    strictEqual(await runPair({ clientType: 6, answerType, split: whole }), answerType);
  }
});

Deno.test("RTMPE handshakes complete fed byte by byte", async () => {
  for (const clientType of [6, 8, 9] as const) {
    await runPair({ clientType, split: byteByByte });
  }
});

Deno.test("RTMPE handshakes complete fed at random splits, for every type", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<RtmpeType>(6, 8, 9),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (clientType, seeds) => {
        await runPair({
          clientType,
          split: (length) => [...new Set(seeds.map((s) => s % length))].sort((a, b) => a - b),
        });
      },
    ),
    { numRuns: 25 },
  );
});

/** A variant that runs `inner` but overwrites its own public key with `key` (128 bytes). */
function withPublicKey(inner: RtmpeVariant, key: Uint8Array): HandshakeVariant {
  return {
    clientType: inner.clientType,
    clientVersion: inner.clientVersion,
    scheme: inner.scheme,
    answerType: (type, c1) => inner.answerType(type, c1),
    fillBlock(block, scheme) {
      inner.fillBlock(block, scheme);
      block.set(key, dhOffset(block, scheme));
    },
    readPeerBlock: (block, scheme) => inner.readPeerBlock(block, scheme),
    transformSignature: (signature, key, type) => inner.transformSignature(signature, key, type),
    complete: () => inner.complete(),
  };
}

const BAD_KEYS: [string, bigint, string][] = [
  ["0", 0n, "below 2"],
  ["1", 1n, "below 2"],
  ["p-1", DH_PRIME - 1n, "above p-2"],
  ["p", DH_PRIME, "above p-2"],
  ["2^1024-1", (1n << 1024n) - 1n, "above p-2"],
];

/** Checks a rejection is a one-line HandshakeError with `message`. */
async function rejectsWithLine(promise: Promise<unknown>, message: string): Promise<void> {
  await rejects(promise, (error) => {
    ok(error instanceof HandshakeError, `a HandshakeError, got ${error}`);
    strictEqual(error.message, message);
    ok(!error.message.includes("\n"));
    return true;
  });
}

for (const [name, value, reason] of BAD_KEYS) {
  Deno.test(`RTMPE client refuses a server public key of ${name}`, async () => {
    const client = new ClientHandshake({ mode: "rtmpe" });
    const server = new ServerHandshake({
      variantFor: () =>
        withPublicKey(new RtmpeVariant({ role: "server" }), bigIntToBytes(value, 128)),
    });
    const s0s1s2 = (await server.receive(await client.start())).send!;
    const message =
      `Cannot complete the RTMPE handshake: the server's Diffie-Hellman public key is ${reason}`;
    await rejectsWithLine(client.receive(s0s1s2), message);
    await rejectsWithLine(client.receive(new Uint8Array(1)), message);
  });

  Deno.test(`RTMPE server refuses a client public key of ${name}`, async () => {
    const client = new ClientHandshake({
      mode: "rtmpe",
      variant: withPublicKey(new RtmpeVariant({ role: "client" }), bigIntToBytes(value, 128)),
    });
    const server = new ServerHandshake({ rtmpe: true });
    await rejectsWithLine(
      server.receive(await client.start()),
      `Cannot complete the RTMPE handshake: the client's Diffie-Hellman public key is ${reason}`,
    );
  });
}

Deno.test("RTMPE client fails on a wrong S1 digest and a wrong S2 signature", async () => {
  for (const type of [6, 8, 9] as const) {
    const client = new ClientHandshake({ mode: "rtmpe", rtmpeType: type });
    const server = new ServerHandshake({ rtmpe: true });
    const s0s1s2 = (await server.receive(await client.start())).send!;
    const badDigest = s0s1s2.slice();
    badDigest[1 + digestOffset(s0s1s2.subarray(1, 1537), 1)] ^= 1;
    const other = new ClientHandshake({ mode: "rtmpe", rtmpeType: type });
    await other.start();
    await rejectsWithLine(other.receive(badDigest), "Couldn't verify the server digest");

    const badSignature = s0s1s2.slice();
    badSignature[3072] ^= 0x80;
    await rejectsWithLine(client.receive(badSignature), "Server not genuine Adobe!");
    strictEqual(client.ciphers, undefined);
  }
});

Deno.test("RTMPE client fails when S0 is changed in transit (the wrong transform is used)", async () => {
  for (const [answer, forged] of [[8, 9], [9, 8], [8, 6], [6, 8]] as const) {
    const client = new ClientHandshake({ mode: "rtmpe" });
    const server = new ServerHandshake({ rtmpe: { answerType: answer } });
    const s0s1s2 = (await server.receive(await client.start())).send!;
    const forgedType = s0s1s2.slice();
    forgedType[0] = forged;
    await rejectsWithLine(client.receive(forgedType), "Server not genuine Adobe!");
  }
});

Deno.test("RTMPE server fails on a wrong C1 digest and a wrong C2 signature", async () => {
  for (const type of [6, 8, 9] as const) {
    const client = new ClientHandshake({ mode: "rtmpe", rtmpeType: type });
    const c0c1 = await client.start();
    const badDigest = c0c1.slice();
    badDigest[1 + digestOffset(c0c1.subarray(1), 1)] ^= 1;
    await rejectsWithLine(
      new ServerHandshake({ rtmpe: true }).receive(badDigest),
      "Couldn't verify the client digest",
    );

    const server = new ServerHandshake({ rtmpe: true });
    const s0s1s2 = (await server.receive(c0c1)).send!;
    const c2 = (await client.receive(s0s1s2)).send!.slice();
    c2[1535] ^= 1;
    await rejectsWithLine(server.receive(c2), "Client not genuine Adobe!");
    strictEqual(server.ciphers, undefined);
  }
});

Deno.test("ServerHandshake with rtmpe still refuses types other than 3, 6, 8 and 9", async () => {
  for (const type of [0, 4, 5, 7, 10, 0xff]) {
    const c0c1 = new Uint8Array(1537);
    c0c1[0] = type;
    await rejectsWithLine(
      new ServerHandshake({ rtmpe: true }).receive(c0c1),
      `Unsupported handshake type ${type}`,
    );
  }
});

Deno.test("ServerHandshake without rtmpe refuses RTMPE clients", async () => {
  for (const rtmpeType of [6, 8, 9] as const) {
    const client = new ClientHandshake({ mode: "rtmpe", rtmpeType });
    await rejectsWithLine(
      new ServerHandshake().receive(await client.start()),
      `Unsupported handshake type ${rtmpeType}`,
    );
  }
});

Deno.test("ServerHandshake with rtmpe answers plain and FP9 clients as before, without ciphers", async () => {
  for (const mode of ["plain", "fp9"] as const) {
    const client = new ClientHandshake({ mode });
    const server = new ServerHandshake({ rtmpe: true });
    const reply = await client.receive((await server.receive(await client.start())).send!);
    strictEqual((await server.receive(reply.send!)).done, true);
    strictEqual(server.serverType, 3);
    strictEqual(server.ciphers, undefined);
    strictEqual(client.ciphers, undefined);
  }
});

Deno.test("an RTMPE client answered plainly falls back to the plain handshake, unencrypted", async () => {
  const client = new ClientHandshake({ mode: "rtmpe" });
  const c0c1 = await client.start();
  const s1 = new Uint8Array(1536).fill(0x42);
  s1.fill(0, 4, 8); // server version 0: librtmp abandons the digest handshake
  const reply = await client.receive(concat(hex("03"), s1, c0c1.subarray(1)));
  strictEqual(reply.done, true);
  deepStrictEqual(reply.send, s1, "C2 echoes S1");
  strictEqual(client.usedDigest, false);
  strictEqual(client.ciphers, undefined);
  deepStrictEqual(client.warnings, ["Type mismatch: client sent 6, server answered 3"]);
});

Deno.test("rtmpeAnswerType and isRtmpeType follow librtmp's server", () => {
  const fp10 = new Uint8Array(1536);
  fp10[4] = 128;
  const fp9 = new Uint8Array(1536);
  fp9[4] = 9;
  strictEqual(rtmpeAnswerType(6, fp10), 8);
  strictEqual(rtmpeAnswerType(6, fp9), 6);
  strictEqual(rtmpeAnswerType(8, fp10), 8);
  strictEqual(rtmpeAnswerType(8, fp9), 8);
  strictEqual(rtmpeAnswerType(9, fp10), 9);
  strictEqual(rtmpeAnswerType(9, fp9), 9);
  deepStrictEqual([3, 5, 6, 7, 8, 9, 10].filter(isRtmpeType), [6, 8, 9]);
});
