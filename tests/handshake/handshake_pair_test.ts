import { deepStrictEqual, strictEqual } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { ClientHandshake } from "../../src/handshake/client_handshake.ts";
import { ServerHandshake } from "../../src/handshake/server_handshake.ts";
import { byteByByte, concat, feedInPieces, hex, sequenceRandom } from "./_fixtures.ts";

type Mode = "plain" | "fp9";

/** The first chunks each side sends after the handshake: they must come out as `rest`. */
const CLIENT_CHUNKS = hex("03 00 00 00 00 00 0B 14 00 00 00 00 02 00 07 63 6F 6E 6E 65 63 74");
const SERVER_CHUNKS = hex("02 00 00 00 00 00 04 05 00 00 00 00 00 26 25 A0");

/**
 * Runs a client and a server against each other, each side's bytes cut at the cuts `split`
 * picks for that many bytes, and checks the outcome.
 */
async function runPair(mode: Mode, split: (length: number) => number[]): Promise<void> {
  const client = new ClientHandshake({ mode });
  const server = new ServerHandshake();
  const c0c1 = await client.start();
  strictEqual(c0c1.length, 1537);

  const atServer1 = await feedInPieces((d) => server.receive(d), c0c1, split(c0c1.length));
  strictEqual(atServer1.sent.length, 1);
  strictEqual(atServer1.done, false);
  const s0s1s2 = concat(atServer1.sent[0], SERVER_CHUNKS);

  const atClient = await feedInPieces((d) => client.receive(d), s0s1s2, split(s0s1s2.length));
  strictEqual(atClient.done, true);
  strictEqual(atClient.sent.length, 1);
  deepStrictEqual(atClient.rest, SERVER_CHUNKS);
  const c2 = concat(atClient.sent[0], CLIENT_CHUNKS);

  const atServer2 = await feedInPieces((d) => server.receive(d), c2, split(c2.length));
  strictEqual(atServer2.done, true);
  strictEqual(atServer2.sent.length, 0);
  deepStrictEqual(atServer2.rest, CLIENT_CHUNKS);

  deepStrictEqual(client.warnings, []);
  deepStrictEqual(server.warnings, []);
  strictEqual(client.usedDigest, mode === "fp9");
  strictEqual(server.usedDigest, mode === "fp9");
  deepStrictEqual(client.swfVerificationKey, server.swfVerificationKey);
  deepStrictEqual(client.serverVersion, mode === "fp9" ? hex("03 05 01 01") : hex("00 00 00 00"));
  deepStrictEqual(server.clientVersion, mode === "fp9" ? hex("0A 00 2D 02") : hex("00 00 00 00"));
}

for (const mode of ["plain", "fp9"] as const) {
  Deno.test(`client and server complete a ${mode} handshake fed whole`, async () => {
    await runPair(mode, () => []);
  });

  Deno.test(`client and server complete a ${mode} handshake fed byte by byte`, async () => {
    await runPair(mode, byteByByte);
  });

  Deno.test(`client and server complete a ${mode} handshake fed at random splits`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { maxLength: 12 }),
        async (seeds) => {
          await runPair(
            mode,
            (length) => [...new Set(seeds.map((s) => s % length))].sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
}

Deno.test("a deterministic fp9 exchange gives the same bytes on every run", async () => {
  async function exchange(): Promise<Uint8Array[]> {
    const client = new ClientHandshake({ mode: "fp9", now: () => 1, random: sequenceRandom(1) });
    const server = new ServerHandshake({ now: () => 2, random: sequenceRandom(2) });
    const c0c1 = await client.start();
    const s0s1s2 = (await server.receive(c0c1)).send!;
    const c2 = (await client.receive(s0s1s2)).send!;
    strictEqual((await server.receive(c2)).done, true);
    return [c0c1, s0s1s2, c2];
  }
  deepStrictEqual(await exchange(), await exchange());
});
