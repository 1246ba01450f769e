import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { connectTcp } from "../../transports/tcp.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import { ConnectError } from "../../transports/transport_error.ts";

/** Accepts one connection, echoes what it reads once, and closes it. */
async function echoOnce(listener: Awaited<ReturnType<typeof listenTcp>>): Promise<string> {
  for await (const transport of listener.accept()) {
    const data = await transport.read();
    if (data !== null) await transport.write(data.slice());
    const remote = `${transport.remoteAddr.hostname}`;
    transport.close();
    return remote;
  }
  return "";
}

async function roundTrip(hostname: string, connectHost = hostname): Promise<void> {
  const listener = await listenTcp({ hostname, port: 0 });
  try {
    assert(listener.addr.port > 0, "an actual port is reported for port 0");
    const served = echoOnce(listener);
    const client = await connectTcp(connectHost, listener.addr.port);
    await client.write(new Uint8Array([1, 2, 3]));
    assertEquals(await client.read(), new Uint8Array([1, 2, 3]));
    assertEquals(await client.read(), null, "closed by the server");
    client.close();
    const remote = await served;
    assert(remote.length > 0, "the peer address is known");
  } finally {
    listener.close();
  }
}

Deno.test("listenTcp accepts IPv4 connections on the port it reports", async () => {
  await roundTrip("127.0.0.1");
});

Deno.test("listenTcp accepts IPv6 connections (bracketed literal)", async (t) => {
  let probe: Deno.Listener | undefined;
  try {
    probe = Deno.listen({ hostname: "::1", port: 0 });
  } catch {
    console.log(`${t.name}: skipped: no IPv6 loopback here`);
    return;
  } finally {
    probe?.close();
  }
  await roundTrip("[::1]", "::1");
});

Deno.test("listenTcp: close ends the accept loop; a busy port is a ConnectError", async () => {
  const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  await rejects(listenTcp({ hostname: "127.0.0.1", port: listener.addr.port }), ConnectError);
  const loop = (async () => {
    let count = 0;
    for await (const _ of listener.accept()) count++;
    return count;
  })();
  listener.close();
  listener.close(); // idempotent
  assertEquals(await loop, 0);
});
