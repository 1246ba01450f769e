import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { connectTcp } from "../../transports/tcp.ts";
import { fromDenoListener, listenTcp } from "../../transports/tcp_listener.ts";
import type { RemoteAddr, Transport } from "../../transports/transport.ts";
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

/** A connection as the scripted listener hands it out: only its peer address. */
interface ScriptedConn {
  remoteAddr: Deno.NetAddr;
}

/**
 * A Deno listener whose `accept()` answers from `script` (a port number is a connection from
 * 127.0.0.1 at that port, an Error is thrown) and then waits until it is closed, when it throws
 * `closedError` (Deno's listener throws BadResource).
 */
function scriptedListener(
  script: (number | Error)[],
  closedError: Error = new Deno.errors.BadResource("Listener has been closed"),
) {
  let closes = 0;
  let wake: (() => void) | undefined;
  let waiting: () => void = () => {};
  const waits = new Promise<void>((resolve) => (waiting = resolve));
  const listener = {
    addr: { transport: "tcp", hostname: "127.0.0.1", port: 1935 } as Deno.NetAddr,
    async accept(): Promise<ScriptedConn> {
      const step = script.shift();
      if (step instanceof Error) throw step;
      if (step !== undefined) {
        return { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: step } };
      }
      if (closes === 0) {
        const closed = new Promise<void>((resolve) => (wake = resolve));
        waiting();
        await closed;
      }
      throw closedError;
    },
    close(): void {
      closes++;
      wake?.();
    },
  };
  return {
    listener: listener as unknown as Deno.Listener<
      ScriptedConn & Deno.Conn<Deno.NetAddr>,
      Deno.NetAddr
    >,
    /** How often `close()` was called. */
    closes: () => closes,
    /** Resolves once `accept()` waits for a connection that will not come. */
    waits,
  };
}

/** A stand-in transport that carries only the peer address `wrap` was given. */
function byPort(_conn: unknown, remote: RemoteAddr): Transport {
  return { remoteAddr: remote } as Transport;
}

const isReset = (err: unknown) => err instanceof Deno.errors.ConnectionReset;

Deno.test("fromDenoListener skips the accept errors it is told to and ends on any other", async () => {
  const { listener } = scriptedListener([
    1001,
    new Deno.errors.ConnectionReset("reset before accept"),
    1002,
    new Error("accept failed"),
    1003,
  ]);
  const wrapped = fromDenoListener(listener, byPort, isReset);
  assertEquals(wrapped.addr, { hostname: "127.0.0.1", port: 1935 });
  const ports: number[] = [];
  await rejects(
    (async () => {
      for await (const transport of wrapped.accept()) ports.push(transport.remoteAddr.port);
    })(),
    new Error("accept failed"),
  );
  assertEquals(ports, [1001, 1002]);
  await wrapped.close();
});

Deno.test("fromDenoListener: close ends a waiting accept quietly, whatever it throws", async () => {
  for (const closedError of [new Deno.errors.BadResource("closed"), new Error("interrupted")]) {
    const { listener, closes, waits } = scriptedListener([1001], closedError);
    const wrapped = fromDenoListener(listener, byPort, () => false);
    const ports: number[] = [];
    const loop = (async () => {
      for await (const transport of wrapped.accept()) ports.push(transport.remoteAddr.port);
    })();
    await waits;
    await wrapped.close();
    await wrapped.close(); // idempotent
    await loop;
    assertEquals(ports, [1001]);
    assertEquals(closes(), 1);
  }
});

Deno.test("fromDenoListener: close between two accepts ends the loop before the next", async () => {
  const { listener, closes } = scriptedListener([1001, 1002]);
  const wrapped = fromDenoListener(listener, byPort, () => false);
  const ports: number[] = [];
  for await (const transport of wrapped.accept()) {
    ports.push(transport.remoteAddr.port);
    await wrapped.close();
  }
  assertEquals(ports, [1001]);
  assertEquals(closes(), 1);
});
