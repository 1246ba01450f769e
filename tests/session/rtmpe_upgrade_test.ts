import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { bigIntToBytes } from "../../src/crypto/dh.ts";
import {
  ClientHandshake,
  dhOffset,
  HandshakeError,
  type HandshakeVariant,
  RtmpeVariant,
} from "../../src/handshake/mod.ts";
import { clientHandshake, serverHandshake } from "../../src/session/handshake_driver.ts";
import { RtmpeTransportVariant, rtmpeVariantFor } from "../../src/session/rtmpe_upgrade.ts";
import { createPipe } from "../../transports/pipe.ts";
import { Rc4Transport } from "../../transports/rc4_transport.ts";
import type { Transport } from "../../transports/transport.ts";

const CHUNK = new Uint8Array([0x03, 0, 0, 0, 0, 0, 4, 0x14, 0, 0, 0, 0, 1, 2, 3, 4]);

/** Reads from `transport` until `length` bytes arrived; returns them. */
async function readExactly(transport: Transport, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const data = await transport.read();
    if (data === null) throw new Error(`ended after ${filled} of ${length} bytes`);
    out.set(data, filled);
    filled += data.length;
  }
  return out;
}

for (const rtmpeType of [6, 8, 9] as const) {
  Deno.test(`handshake driver: an RTMPE client of type ${rtmpeType} and the server talk through RC4`, async () => {
    const [a, b] = createPipe({ readSize: 700 });
    const served = serverHandshake(b, { variantFor: rtmpeVariantFor() });
    const client = await clientHandshake(a, { mode: "rtmpe", rtmpeType });
    const server = await served;
    strictEqual(server.clientType, rtmpeType);
    ok(client.transport instanceof Rc4Transport);
    ok(server.transport instanceof Rc4Transport);
    strictEqual(client.bytesOut, 1537 + 1536);
    strictEqual(server.bytesIn, 1537 + 1536);

    await client.transport.write(CHUNK);
    deepStrictEqual(await readExactly(server.transport, CHUNK.length), CHUNK);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    const sending = server.transport.write(big);
    deepStrictEqual(await readExactly(client.transport, big.length), big);
    await sending;
    // What travels on the wire is not the plain bytes.
    const [c, d] = createPipe();
    const watched = await Promise.all([
      clientHandshake(c, { mode: "rtmpe", rtmpeType }),
      serverHandshake(d, { variantFor: rtmpeVariantFor() }),
    ]);
    await watched[0].transport.write(CHUNK);
    const raw = await d.read();
    ok(raw !== null && raw.length === CHUNK.length);
    ok(!raw.every((byte, i) => byte === CHUNK[i]), "encrypted on the wire");
    for (const t of [a, b, c, d]) await t.close();
  });
}

Deno.test("handshake driver: the RTMPE server answers as asked and decrypts bytes that came with C2", async () => {
  for (const answerType of [6, 8, 9] as const) {
    const [a, b] = createPipe();
    const served = serverHandshake(b, { variantFor: rtmpeVariantFor({ answerType }) });
    // A sans-I/O client that writes C2 and its first chunk, encrypted, in one write.
    const handshake = new ClientHandshake({ mode: "rtmpe" });
    await a.write(await handshake.start());
    const s0s1s2 = await readExactly(a, 3073);
    strictEqual(s0s1s2[0], answerType);
    const step = await handshake.receive(s0s1s2);
    const ciphers = handshake.ciphers!;
    const first = CHUNK.slice();
    ciphers.encrypt.process(first);
    const together = new Uint8Array(1536 + first.length);
    together.set(step.send!);
    together.set(first, 1536);
    await a.write(together);
    const server = await served;
    deepStrictEqual(server.rest, CHUNK, "rest comes decrypted");
    strictEqual(server.bytesIn, 3073);
    // The stream goes on where rest ended.
    const second = CHUNK.slice();
    ciphers.encrypt.process(second);
    await a.write(second);
    deepStrictEqual(await readExactly(server.transport, CHUNK.length), CHUNK);
    await a.close();
    await b.close();
  }
});

Deno.test("handshake driver: an RTMPE client answered plainly goes on unencrypted, as rtmpdump", async () => {
  const [a, b] = createPipe();
  const lines: string[] = [];
  const running = clientHandshake(a, { mode: "rtmpe", log: (_level, line) => lines.push(line) });
  const c0c1 = await readExactly(b, 1537);
  strictEqual(c0c1[0], 6);
  const s1 = new Uint8Array(1536).fill(0x42);
  s1.fill(0, 4, 8);
  const answer = new Uint8Array(3073);
  answer[0] = 3;
  answer.set(s1, 1);
  answer.set(c0c1.subarray(1), 1537);
  await b.write(answer);
  const client = await running;
  deepStrictEqual(await readExactly(b, 1536), s1, "C2 echoes S1");
  ok(!(client.transport instanceof Rc4Transport));
  await client.transport.write(CHUNK);
  deepStrictEqual(await readExactly(b, CHUNK.length), CHUNK);
  // C1's own lines come first (random offsets and digest), then what S0, S1 and S2 brought.
  strictEqual(lines[0], "HandShake: Client type: 06");
  deepStrictEqual(lines.slice(1, 4).map((line) => line.replace(/\d+$/, "N")), [
    "HandShake: DH pubkey position: N",
    "HandShake: Client digest offset: N",
    "HandShake: Initial client digest: ",
  ]);
  ok(lines.slice(4, 6).every((line) => /^([0-9a-f]{2} ){15}[0-9a-f]{2}$/.test(line)));
  deepStrictEqual(lines.slice(6), [
    "HandShake: Type Answer   : 03",
    "HandShake: Type mismatch: client sent 6, server answered 3",
    "HandShake: Server Uptime : 1111638594", // S1's time field, 42424242
    "HandShake: FMS Version   : 0.0.0.0",
    "HandShake: Handshaking finished....",
  ]);
  await a.close();
  await b.close();
});

/** A variant that runs an RTMPE client but sends `key` as its public key. */
function badKeyClient(key: bigint): HandshakeVariant {
  const inner = new RtmpeVariant({ role: "client" });
  return {
    clientType: 6,
    clientVersion: inner.clientVersion,
    scheme: 1,
    fillBlock(block, scheme) {
      inner.fillBlock(block, scheme);
      block.set(bigIntToBytes(key, 128), dhOffset(block, scheme));
    },
  };
}

Deno.test("handshake driver: the RTMPE server refuses a bad client key with one line", async () => {
  const [a, b] = createPipe();
  const served = serverHandshake(b, { variantFor: rtmpeVariantFor() });
  const running = clientHandshake(a, { mode: "plain", variant: badKeyClient(1n) });
  await rejects(served, (error: unknown) => {
    ok(error instanceof HandshakeError);
    strictEqual(
      error.message,
      "Cannot complete the RTMPE handshake: the client's Diffie-Hellman public key is below 2",
    );
    return true;
  });
  await b.close();
  await rejects(running, HandshakeError);
  await a.close();
});

Deno.test("RtmpeTransportVariant leaves the transport alone before it has keys", () => {
  const [a, b] = createPipe();
  const variant = new RtmpeTransportVariant({ role: "client" });
  strictEqual(variant.upgrade(a, new Uint8Array(0)), a);
  strictEqual(rtmpeVariantFor()(3), undefined);
  ok(rtmpeVariantFor()(9) instanceof RtmpeTransportVariant);
  void a.close();
  void b.close();
});
