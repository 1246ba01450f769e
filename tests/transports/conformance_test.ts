/**
 * The transport conformance suite (./_conformance.ts) over each stack and listener that needs
 * no outside peer: the in-memory pipe, TCP on Deno's sockets, TCP on `node:net` (the Bun path,
 * exercised here through Deno's Node compatibility), the RTMPT tunnel (client dialer and
 * listener) over pipes and over TCP, with RTMPE's RC4 layer over it (rtmpte), TLS on both
 * (certificates made with openssl) and the tunnel over TLS (rtmpts). Stacks through real
 * proxies are in tests/interop/proxy_test.ts.
 */

import net from "node:net";
import { Rc4 } from "../../src/crypto/rc4.ts";
import { type Dialer, tcpDialer } from "../../transports/dialer.ts";
import type { Listener } from "../../transports/listen.ts";
import { createPipe } from "../../transports/pipe.ts";
import { Rc4Transport } from "../../transports/rc4_transport.ts";
import { rtmptDialer } from "../../transports/rtmpt.ts";
import { rtmptListener } from "../../transports/rtmpt_listener.ts";
import { connectTcp, NodeSocketTransport } from "../../transports/tcp.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import { tlsDialer } from "../../transports/tls.ts";
import { listenTls } from "../../transports/tls_listener.ts";
import type { Transport } from "../../transports/transport.ts";
import { transportConformance, type TransportPair } from "./_conformance.ts";
import { haveOpenssl, type TestCertificates, testCertificates } from "./_certs.ts";

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

/** A dialer and a listener joined by in-memory pipes: each dial is one accepted connection. */
function pipeNetwork(): { dialer: Dialer; listener: Listener } {
  const pending: Transport[] = [];
  let waiter: (() => void) | undefined;
  let closed = false;
  const listener: Listener = {
    addr: { hostname: "127.0.0.1", port: 80 },
    async *accept() {
      for (;;) {
        while (pending.length === 0) {
          if (closed) return;
          await new Promise<void>((resolve) => (waiter = resolve));
        }
        yield pending.shift()!;
      }
    },
    close() {
      closed = true;
      waiter?.();
      return Promise.resolve();
    },
  };
  const dialer: Dialer = () => {
    if (closed) return Promise.reject(new Error("Cannot connect: the listener is closed"));
    const [client, server] = createPipe();
    pending.push(server);
    const w = waiter;
    waiter = undefined;
    w?.();
    return Promise.resolve(client);
  };
  return { dialer, listener };
}

/** A tunnel pair: the RTMPT client dialer over `dialer`, the RTMPT listener over `below`. */
async function tunnelPair(
  below: Listener,
  dialer: Dialer,
  port: number,
): Promise<TransportPair> {
  const listener = rtmptListener(below, { idleTimeoutMs: 30_000 });
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a session opened");
  })();
  const client = await rtmptDialer(dialer)({ host: "127.0.0.1", port });
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

transportConformance("rtmpt tunnel (over in-memory pipes)", () => {
  const { dialer, listener } = pipeNetwork();
  return tunnelPair(listener, dialer, 80);
}, { maxBufferedBytes: 16 * 1024 * 1024 });

transportConformance("rtmpt tunnel (over TCP)", async () => {
  const below = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  return tunnelPair(below, tcpDialer, below.addr.port);
}, { maxBufferedBytes: 16 * 1024 * 1024 });

transportConformance("rc4 over the rtmpt tunnel (rtmpte)", async () => {
  const below = await listenTcp({ hostname: "127.0.0.1", port: 0 });
  const pair = await tunnelPair(below, tcpDialer, below.addr.port);
  const keyA = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const keyB = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);
  const client = new Rc4Transport(pair.client, { encrypt: new Rc4(keyA), decrypt: new Rc4(keyB) });
  const server = new Rc4Transport(pair.server, { encrypt: new Rc4(keyB), decrypt: new Rc4(keyA) });
  return { client, server, dispose: pair.dispose };
}, { maxBufferedBytes: 16 * 1024 * 1024 });

// TLS: Deno's own TLS on both ends, verified against a CA file; node:tls over a Deno socket
// (what --tlsInsecure uses on Deno); node:tls over node:net (the Bun client). The node:tls
// listener (the Bun server) is left to the tests that run on Bun: Deno's Node layer does not
// stop reading when a node:tls server socket is paused, so the back-pressure check cannot hold
// there.

const tlsMissing = !haveOpenssl() && Deno.env.get("CI") !== "true";
if (tlsMissing) console.log("TLS conformance: skipped: openssl not installed");

/** A TLS pair: `open` listens, `dial` connects to it as localhost. */
async function tlsPair(
  open: (certs: TestCertificates) => Promise<Listener>,
  dial: (certs: TestCertificates) => Dialer,
): Promise<TransportPair> {
  const certs = await testCertificates();
  const listener = await open(certs);
  const accepted = (async () => {
    for await (const transport of listener.accept()) return transport;
    throw new Error("listener closed before a connection arrived");
  })();
  const client = await dial(certs)({ host: "localhost", port: listener.addr.port });
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

const listenDenoTls = (certs: TestCertificates) =>
  listenTls({ hostname: "127.0.0.1", port: 0, certFile: certs.cert, keyFile: certs.key });

transportConformance(
  "tls (Deno TLS both ends, verified with a CA file)",
  () => tlsPair(listenDenoTls, (certs) => tlsDialer(tcpDialer, { caFile: certs.ca })),
  {},
  { ignore: tlsMissing },
);

transportConformance(
  "tls (node:tls client over a Deno socket, verification skipped)",
  () => tlsPair(listenDenoTls, () => tlsDialer(tcpDialer, { insecure: true })),
  {},
  { ignore: tlsMissing },
);

/** TCP through node:net, as on Bun. */
const nodeNetDialer: Dialer = (target) =>
  new Promise<Transport>((resolve, reject) => {
    const socket = net.createConnection({ host: "127.0.0.1", port: target.port, noDelay: true });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(new NodeSocketTransport(socket, { hostname: target.host, port: target.port }));
    });
  });

transportConformance(
  "tls (node:tls client over node:net, verified with a CA file)",
  () =>
    tlsPair(
      listenDenoTls,
      (certs) => tlsDialer(nodeNetDialer, { caFile: certs.ca }),
    ),
  {},
  { ignore: tlsMissing },
);

transportConformance(
  "rtmpt tunnel over TLS (rtmpts), verified with a CA file",
  async () => {
    const certs = await testCertificates();
    const below = await listenDenoTls(certs);
    return tunnelPair(below, tlsDialer(tcpDialer, { caFile: certs.ca }), below.addr.port);
  },
  { maxBufferedBytes: 16 * 1024 * 1024 },
  { ignore: tlsMissing },
);
