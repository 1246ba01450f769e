/**
 * Runs the transport conformance suite (./_conformance.ts) under Bun, which has no `Deno.test`:
 * `bun tests/transports/_bun_conformance.ts`. A stand-in `Deno.test` collects the suites, each
 * is run with a `step` that runs its check at once, and every step prints one JSON line
 * (`{"suite", "step", "ok", "error"?}`); the exit code is 1 when a step failed.
 * tests/transports/bun_tcp_test.ts runs it from `deno task test`.
 *
 * Stacks: TCP on Bun's own sockets (`Bun.connect` to a `Bun.listen` listener, as rtmpkit picks
 * them on Bun), and `node:net` on Bun against the same listener.
 *
 * @module
 */

import type { TransportPair } from "./_conformance.ts";
import type { Transport } from "../../transports/transport.ts";

interface TestDefinition {
  name: string;
  ignore?: boolean;
  fn: (t: { name: string; step: StepFn }) => Promise<void>;
}

type StepFn = (name: string, body: () => Promise<void>) => Promise<boolean>;

const suites: TestDefinition[] = [];
// The suite registers through `Deno.test`; only `test` is provided, so the runtime checks in
// transports/ (which look for `Deno.connect`) still see Bun.
(globalThis as unknown as { Deno: unknown }).Deno = {
  test: (definition: TestDefinition) => suites.push(definition),
};

const { transportConformance } = await import("./_conformance.ts");
const { connectTcp, NodeSocketTransport } = await import("../../transports/tcp.ts");
const { listenTcp } = await import("../../transports/tcp_listener.ts");
const { BunTcpTransport } = await import("../../transports/bun_tcp.ts");
const net = await import("node:net");

/** A pair through `listenTcp` (Bun's listener here), the client made by `connect`. */
async function tcpPair(connect: (port: number) => Promise<Transport>): Promise<TransportPair> {
  const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a connection arrived");
  })();
  const client = await connect(listener.addr.port);
  const server = await accepted;
  if (!(server instanceof BunTcpTransport)) throw new Error("the listener is not Bun's own");
  return {
    client,
    server,
    dispose: async () => {
      await client.close();
      await server.close();
      await listener.close();
    },
  };
}

transportConformance("tcp (Bun sockets)", () =>
  tcpPair(async (port) => {
    const client = await connectTcp("127.0.0.1", port);
    if (!(client instanceof BunTcpTransport)) throw new Error("connectTcp did not use Bun.connect");
    return client;
  }));

transportConformance(
  "tcp (node:net on Bun, to Bun's listener)",
  () =>
    tcpPair((port) =>
      new Promise<Transport>((resolve, reject) => {
        const socket = net.createConnection({ host: "127.0.0.1", port, noDelay: true });
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          resolve(new NodeSocketTransport(socket, { hostname: "127.0.0.1", port }));
        });
      })
    ),
);

/** Bun's detach: the open socket goes to a new owner, which replaces the handlers. */
suites.push({
  name: "Bun TCP detach",
  fn: async (t) => {
    await t.step("detach hands over the open socket; unread bytes forbid it", async () => {
      const pair = await tcpPair((port) => connectTcp("127.0.0.1", port));
      try {
        const server = pair.server as InstanceType<typeof BunTcpTransport>;
        await pair.client.write(new Uint8Array([1]));
        const first = await server.read();
        if (first?.[0] !== 1) throw new Error("the first byte did not arrive");
        await pair.client.write(new Uint8Array([2]));
        // Once the byte is queued, a hand-over must refuse to lose it.
        const deadline = performance.now() + 30_000;
        while (server.unreadBytes === 0) {
          if (performance.now() > deadline) throw new Error("the second byte never arrived");
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        let refused = false;
        try {
          server.detach();
        } catch {
          refused = true;
        }
        if (!refused) throw new Error("detach with an unread byte succeeded");
        const second = await server.read();
        if (second?.[0] !== 2) throw new Error("the second byte did not arrive");
        const socket = server.detach() as unknown as {
          reload(options: { socket: Record<string, unknown> }): void;
          write(data: Uint8Array): number;
          end(): void;
        };
        const received = new Promise<number>((resolve) => {
          socket.reload({
            socket: {
              binaryType: "uint8array",
              data: (_s: unknown, data: Uint8Array) => resolve(data[0]),
              drain() {},
              end() {},
              close() {},
              error() {},
            },
          });
        });
        if (await server.read() !== null) throw new Error("a detached transport still reads");
        await pair.client.write(new Uint8Array([3]));
        if (await received !== 3) throw new Error("the new owner did not get the byte");
        socket.write(new Uint8Array([4]));
        const back = await pair.client.read();
        if (back?.[0] !== 4) throw new Error("the new owner's write did not arrive");
        socket.end();
      } finally {
        await pair.dispose();
      }
    });
  },
});

/**
 * A `node:net` server on Bun whose connection is handed to `act` paused (what the client sends
 * stays unread, so closing it sends a reset), and a client from `connectTcp`.
 */
async function halfOpenPair(
  act: (socket: import("node:net").Socket) => void,
): Promise<{ client: Transport; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.pause();
    act(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = await connectTcp("127.0.0.1", port);
  return {
    client,
    close: async () => {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** After the peer's end, a client's writes go on; after a reset, they fail as in C. */
suites.push({
  name: "Bun TCP half-open",
  fn: async (t) => {
    await t.step("after the peer's FIN, reads end and a write still arrives", async () => {
      let arrived!: (bytes: number) => void;
      const got = new Promise<number>((resolve) => (arrived = resolve));
      const pair = await halfOpenPair((socket) => {
        socket.end();
        let bytes = 0;
        socket.on("data", (data: Uint8Array) => {
          bytes += data.length;
          if (bytes === 42) arrived(bytes);
        });
        socket.resume();
      });
      try {
        if (await pair.client.read() !== null) throw new Error("a read after FIN returned data");
        await pair.client.write(new Uint8Array(42));
        if (await got !== 42) throw new Error("the write after FIN did not arrive");
      } finally {
        await pair.close();
      }
    });
    await t.step("after the peer's reset, the next write fails", async () => {
      let reset!: () => void;
      const resetNow = new Promise<void>((resolve) => (reset = resolve));
      const pair = await halfOpenPair((socket) => {
        void resetNow.then(() => socket.destroy());
      });
      try {
        // Unread on the server when it closes: the kernel answers with a reset.
        await pair.client.write(new Uint8Array(100));
        reset();
        let readError: unknown;
        try {
          if (await pair.client.read() !== null) throw new Error("a read after reset gave data");
        } catch (err) {
          readError = err;
        }
        if (readError === undefined) {
          let failed = false;
          try {
            await pair.client.write(new Uint8Array(42));
          } catch {
            failed = true;
          }
          if (!failed) throw new Error("a write after the peer's reset succeeded");
        }
      } finally {
        await pair.close();
      }
    });
  },
});

let failed = 0;
for (const suite of suites) {
  if (suite.ignore) continue;
  const step: StepFn = async (name, body) => {
    try {
      await body();
      console.log(JSON.stringify({ suite: suite.name, step: name, ok: true }));
      return true;
    } catch (err) {
      failed++;
      const error = err instanceof Error ? err.message : String(err);
      console.log(JSON.stringify({ suite: suite.name, step: name, ok: false, error }));
      return false;
    }
  };
  try {
    await suite.fn({ name: suite.name, step });
  } catch (err) {
    failed++;
    const error = err instanceof Error ? err.message : String(err);
    console.log(JSON.stringify({ suite: suite.name, step: "(suite)", ok: false, error }));
  }
}
(globalThis as unknown as { process: { exit(code: number): never } }).process.exit(
  failed > 0 ? 1 : 0,
);
