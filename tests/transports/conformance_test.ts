/**
 * The transport conformance suite (./_conformance.ts) over each stack and listener that needs
 * no outside peer: the in-memory pipe, TCP on Deno's sockets, and TCP on `node:net` (the Bun
 * path, exercised here through Deno's Node compatibility).
 */

import net from "node:net";
import { createPipe } from "../../transports/pipe.ts";
import { connectTcp, NodeSocketTransport } from "../../transports/tcp.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import type { Transport } from "../../transports/transport.ts";
import { transportConformance, type TransportPair } from "./_conformance.ts";

transportConformance("in-memory pipe", () => {
  const [client, server] = createPipe();
  return Promise.resolve({
    client,
    server,
    dispose: async () => {
      await client.close();
      await server.close();
    },
  });
}, { maxBufferedBytes: 2 * 1024 * 1024 });

/** A TCP pair through `listenTcp`, the client made by `connect`. */
async function tcpPair(connect: (port: number) => Promise<Transport>): Promise<TransportPair> {
  const listener = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a connection arrived");
  })();
  const client = await connect(listener.addr.port);
  const server = await accepted;
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

transportConformance("tcp (Deno sockets)", () => tcpPair((port) => connectTcp("127.0.0.1", port)));

transportConformance(
  "tcp (node:net)",
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
