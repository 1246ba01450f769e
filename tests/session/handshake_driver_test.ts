import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { HandshakeError } from "../../src/handshake/mod.ts";
import { clientHandshake, serverHandshake } from "../../src/session/handshake_driver.ts";
import { createPipe } from "../../transports/pipe.ts";
import { TimeoutError } from "../../transports/transport_error.ts";

for (const mode of ["plain", "fp9"] as const) {
  Deno.test(`handshake driver: a ${mode} client and the server agree and hand over what follows`, async () => {
    const [a, b] = createPipe({ readSize: 700 }); // reads split the handshake
    const server = serverHandshake(b);
    const client = await clientHandshake(a, { mode });
    // The client's first chunk bytes travel with C2.
    await client.transport.write(new Uint8Array([0xc3, 1, 2, 3]));
    const served = await server;
    assertEquals(served.clientType, 3);
    assertEquals(client.bytesOut, 1537 + 1536);
    assertEquals(client.bytesIn, 1 + 1536 + 1536);
    assertEquals(served.bytesIn, 1537 + 1536);
    const after = served.rest.length > 0 ? served.rest : await served.transport.read();
    assertEquals(after, new Uint8Array([0xc3, 1, 2, 3]));
    assertEquals(client.rest.length, 0);
    assertEquals(client.swfVerificationKey?.length, mode === "fp9" ? 32 : undefined);
    await a.close();
    await b.close();
  });
}

Deno.test("handshake driver: the server's deadline closes a silent client's connection", async () => {
  const [a, b] = createPipe();
  await a.write(new Uint8Array([3, 0, 0])); // C0 and a few bytes of C1, then nothing
  await rejects(serverHandshake(b, { timeoutMs: 50 }), (err: unknown) => {
    assert(err instanceof TimeoutError, String(err));
    assert(/did not complete within 0.05 s/.test(err.message), err.message);
    return true;
  });
  assertEquals(await a.read(), null, "the client sees the connection closed");
});

Deno.test("handshake driver: a signal ends the client's wait for S1", async () => {
  const [a] = createPipe();
  const controller = new AbortController();
  const running = clientHandshake(a, { mode: "plain", signal: controller.signal });
  setTimeout(() => controller.abort(), 10);
  await rejects(running, /interrupted/);
});

Deno.test("handshake driver: a peer that closes during the handshake is a HandshakeError", async () => {
  const [a, b] = createPipe();
  const running = clientHandshake(a, { mode: "plain" });
  await b.read();
  await b.close();
  await rejects(running, (err: unknown) => err instanceof HandshakeError);
});
