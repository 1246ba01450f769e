/**
 * The TLS client layer and listener against certificates made for the test: verification by
 * default (a self-signed or unknown issuer refused, a CA file trusted, verification skipped on
 * request), names checked (SNI for names, IP addresses against the certificate's), and peers that
 * are not TLS servers: silent, speaking something else, closing. Both client paths run: Deno's
 * own TLS and node:tls (used for --tlsInsecure and on Bun).
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { type Dialer, tcpDialer } from "../../transports/dialer.ts";
import { listen } from "../../transports/listen.ts";
import { bareHost, NodeSocketTransport } from "../../transports/tcp.ts";
import { tlsDialer } from "../../transports/tls.ts";
import { listenTls } from "../../transports/tls_listener.ts";
import type { TlsOptions } from "../../transports/stack.ts";
import type { Transport } from "../../transports/transport.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { haveOpenssl, testCertificates } from "./_certs.ts";

const ignore = !haveOpenssl() && Deno.env.get("CI") !== "true";
if (ignore) console.log("TLS tests: skipped: openssl not installed");

/** TCP through node:net, so that node:tls takes the socket over (the Bun path). */
const nodeNetDialer: Dialer = (target) =>
  new Promise<Transport>((resolve, reject) => {
    const host = bareHost(target.host);
    const socket = net.createConnection({ host, port: target.port, noDelay: true });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(new NodeSocketTransport(socket, { hostname: target.host, port: target.port }));
    });
  });

/** The client paths: Deno's TLS over a Deno socket, node:tls over a node:net socket. */
const CLIENTS: [string, Dialer][] = [["Deno TLS", tcpDialer], ["node:tls", nodeNetDialer]];

/** An echo server over TLS with `cert`/`key`: each connection echoes one read and ends. */
async function echoServer(certFile: string, keyFile: string, hostname = "127.0.0.1") {
  const listener = await listenTls({ hostname, port: 0, certFile, keyFile });
  const ends: Promise<string>[] = [];
  const loop = (async () => {
    for await (const transport of listener.accept()) {
      ends.push((async () => {
        try {
          const data = await transport.read();
          if (data !== null) await transport.write(data.slice());
          const after = await transport.read();
          return after === null ? "end" : "more";
        } catch (err) {
          return `error: ${(err as Error).message}`;
        } finally {
          await transport.close();
        }
      })());
    }
  })();
  return {
    port: listener.addr.port,
    ends,
    close: async () => {
      await listener.close();
      await loop;
    },
  };
}

/** Dials, sends "ping", returns what came back and closes; or the error. */
async function ping(dialer: Dialer, host: string, port: number, options: TlsOptions) {
  const transport = await tlsDialer(dialer, options)({ host, port }, { connectTimeoutMs: 20_000 });
  try {
    await transport.write(new TextEncoder().encode("ping"));
    const data = await transport.read();
    return data === null ? null : new TextDecoder().decode(data);
  } finally {
    await transport.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert(err instanceof ConnectError, `expected a ConnectError, got ${err}`);
  return err;
}

Deno.test({
  name: "a certificate from an unknown issuer is refused by default, trusted with the CA file",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const server = await echoServer(certs.cert, certs.key);
    try {
      for (const [label, dialer] of CLIENTS) {
        const refused = await failure(ping(dialer, "localhost", server.port, {}));
        assertEquals(
          refused.message,
          `Cannot connect to localhost:${server.port}: the certificate is not trusted ` +
            "(self-signed or unknown issuer); use --tlsCa FILE or --tlsInsecure",
          label,
        );
        assertEquals(refused.code, "EPROTO");
        assertEquals(await ping(dialer, "localhost", server.port, { caFile: certs.ca }), "ping");
        assertEquals(await ping(dialer, "127.0.0.1", server.port, { caFile: certs.ca }), "ping");
        assertEquals(await ping(dialer, "localhost", server.port, { insecure: true }), "ping");
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a self-signed certificate is refused, accepted with verification skipped",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const server = await echoServer(certs.selfSigned, certs.selfSignedKey);
    try {
      for (const [label, dialer] of CLIENTS) {
        const refused = await failure(ping(dialer, "localhost", server.port, {}));
        assert(
          /the certificate is not trusted/.test(refused.message),
          `${label}: ${refused.message}`,
        );
        assertEquals(await ping(dialer, "localhost", server.port, { insecure: true }), "ping");
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a CA file may hold several certificates",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const bundle = `${certs.dir}/bundle.pem`;
    await Deno.writeTextFile(
      bundle,
      (await Deno.readTextFile(certs.selfSigned)) + "\n" + (await Deno.readTextFile(certs.ca)),
    );
    const server = await echoServer(certs.cert, certs.key);
    try {
      for (const [, dialer] of CLIENTS) {
        assertEquals(await ping(dialer, "localhost", server.port, { caFile: bundle }), "ping");
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a certificate for other names is refused, naming them",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const server = await echoServer(certs.otherCert, certs.otherKey);
    const other = await echoServer(certs.cert, certs.key);
    try {
      for (const [label, dialer] of CLIENTS) {
        const byIp = await failure(ping(dialer, "127.0.0.1", server.port, { caFile: certs.ca }));
        assertEquals(
          byIp.message,
          `Cannot connect to 127.0.0.1:${server.port}: the certificate is for rtmpkit.test, not 127.0.0.1`,
          label,
        );
        const byName = await failure(ping(dialer, "localhost", server.port, { caFile: certs.ca }));
        assertEquals(
          byName.message,
          `Cannot connect to localhost:${server.port}: the certificate is for rtmpkit.test, not localhost`,
          label,
        );
        // serverName names the certificate to expect, whatever host is dialled.
        assertEquals(
          await ping(dialer, "127.0.0.1", server.port, {
            caFile: certs.ca,
            serverName: "rtmpkit.test",
          }),
          "ping",
        );
        const wrongIp = await failure(
          ping(dialer, "127.0.0.1", other.port, { caFile: certs.ca, serverName: "127.0.0.2" }),
        );
        assertEquals(
          wrongIp.message,
          `Cannot connect to 127.0.0.1:${other.port}: the certificate is for localhost, 127.0.0.1 or ::1, not 127.0.0.2`,
          label,
        );
      }
    } finally {
      await server.close();
      await other.close();
    }
  },
});

Deno.test({
  name: "SNI carries the host name, and nothing for an IP address",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const seen: (string | false | undefined)[] = [];
    const server = tls.createServer({
      cert: await Deno.readTextFile(certs.cert),
      key: await Deno.readTextFile(certs.key),
    }, (socket) => {
      seen.push((socket as tls.TLSSocket & { servername?: string | false }).servername);
      socket.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (const [label, dialer] of CLIENTS) {
        seen.length = 0;
        for (const host of ["localhost", "127.0.0.1"]) {
          const transport = await tlsDialer(dialer, { caFile: certs.ca })({ host, port });
          assertEquals(new TextDecoder().decode((await transport.read())!), "ok");
          await transport.close();
        }
        assertEquals(seen.map((name) => name || undefined), ["localhost", undefined], label);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  },
});

Deno.test({
  name: "IPv6 literals are dialled and verified against the certificate's addresses",
  ignore,
  async fn() {
    const certs = await testCertificates();
    let server;
    try {
      server = await echoServer(certs.cert, certs.key, "::1");
    } catch {
      console.log("skipped: no IPv6 loopback");
      return;
    }
    try {
      for (const [, dialer] of CLIENTS) {
        assertEquals(await ping(dialer, "[::1]", server.port, { caFile: certs.ca }), "ping");
        assertEquals(await ping(dialer, "::1", server.port, { caFile: certs.ca }), "ping");
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "closing sends close_notify: the server's read ends cleanly",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const server = await echoServer(certs.cert, certs.key);
    try {
      for (const options of [{ caFile: certs.ca }, { insecure: true }]) {
        for (const [, dialer] of CLIENTS) await ping(dialer, "localhost", server.port, options);
      }
      assertEquals(await Promise.all(server.ends), ["end", "end", "end", "end"]);
    } finally {
      await server.close();
    }
  },
});

/** A plain TCP server that does `behave` with each connection. */
function plainServer(behave: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const handled: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) handled.push(behave(conn).catch(() => {}));
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: async () => {
      listener.close();
      await loop.catch(() => {});
      await Promise.all(handled);
    },
  };
}

/** Reads until the peer closes; true when it did. */
async function readsToEnd(conn: Deno.Conn): Promise<boolean> {
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) return true;
  }
}

/**
 * A server that says nothing, like an RTMP server waiting for 1537 bytes: each connection is
 * read until the client closes it, or until `release()` for a client that cannot close a socket
 * in the middle of a handshake (Deno finishes a TLS handshake before it closes the socket, so
 * its socket closes only once the server closes it). `ends` says which, per connection.
 */
function silentServer() {
  const ends: string[] = [];
  let release = () => {};
  const server = plainServer(async (conn) => {
    const released = new Promise<string>((resolve) => (release = () => resolve("released")));
    ends.push(await Promise.race([readsToEnd(conn).then(() => "closed by the client"), released]));
    conn.close();
  });
  return {
    port: server.port,
    ends,
    release: () => release(),
    /** Waits (at most 60 s) until connection number `count` has ended. */
    async ended(count: number): Promise<void> {
      const deadline = performance.now() + 60_000;
      while (ends.length < count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      release();
      await server.close();
    },
  };
}

/** Deno's own TLS is the client: its socket stays open until the server closes it. */
const isDenoTls = (label: string, options: TlsOptions) => label === "Deno TLS" && !options.insecure;

Deno.test({
  name: "a server that does not answer the handshake fails the dial at its time limit",
  ignore,
  // The socket of Deno's own TLS closes only after its release below: not a leak of the test's.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = silentServer();
    try {
      for (const [label, dialer] of CLIENTS) {
        for (const options of [{}, { insecure: true }]) {
          const started = performance.now();
          const err = await failure(
            tlsDialer(dialer, options)({ host: "127.0.0.1", port: server.port }, {
              connectTimeoutMs: 500,
            }),
          );
          assertEquals(
            err.message,
            `Cannot connect to 127.0.0.1:${server.port}: no TLS handshake within 0.5 s`,
            label,
          );
          assert(
            performance.now() - started < 30_000,
            `${label}: the dial took far longer than its 0.5 s limit (bound 30 s)`,
          );
          if (isDenoTls(label, options)) server.release();
          await server.ended(server.ends.length + 1);
        }
      }
    } finally {
      await server.close();
    }
    assertEquals(server.ends, [
      "released",
      "closed by the client",
      "closed by the client",
      "closed by the client",
    ]);
  },
});

Deno.test({
  name: "a server that speaks something else or closes is reported in words",
  ignore,
  async fn() {
    const rtmp = plainServer(async (conn) => {
      // An RTMP server's S0 + S1 in answer to anything.
      await conn.read(new Uint8Array(4096));
      await conn.write(new Uint8Array(1537).fill(3));
      await readsToEnd(conn);
      conn.close();
    });
    const closing = plainServer((conn) => {
      conn.close();
      return Promise.resolve();
    });
    try {
      for (const [label, dialer] of CLIENTS) {
        for (const options of [{}, { insecure: true }]) {
          const speaks = await failure(ping(dialer, "127.0.0.1", rtmp.port, options));
          assertEquals(
            speaks.message,
            `Cannot connect to 127.0.0.1:${rtmp.port}: the server does not speak TLS`,
            `${label} ${JSON.stringify(options)}`,
          );
          const closes = await failure(ping(dialer, "127.0.0.1", closing.port, options));
          assert(
            new RegExp(
              `^Cannot connect to 127\\.0\\.0\\.1:${closing.port}: (the server closed the connection|connection reset by the peer)$`,
            ).test(closes.message),
            `${label} ${JSON.stringify(options)}: ${closes.message}`,
          );
        }
      }
    } finally {
      await rtmp.close();
      await closing.close();
    }
  },
});

Deno.test({
  name: "an abort during the handshake ends the dial",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = silentServer();
    try {
      for (const [label, dialer] of CLIENTS) {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const err = await failure(
          tlsDialer(dialer, {})({ host: "127.0.0.1", port: server.port }, {
            connectTimeoutMs: 0,
            signal: controller.signal,
          }),
        );
        assertEquals(err.message, `Cannot connect to 127.0.0.1:${server.port}: interrupted`, label);
        if (isDenoTls(label, {})) server.release();
        await server.ended(server.ends.length + 1);
      }
    } finally {
      await server.close();
    }
    assertEquals(server.ends, ["released", "closed by the client"]);
  },
});

Deno.test({
  name: "an unreadable or empty CA file is a TypeError before any connection",
  ignore,
  async fn() {
    const certs = await testCertificates();
    let dialled = 0;
    const counting: Dialer = (target, options) => {
      dialled++;
      return tcpDialer(target, options);
    };
    await rejects(
      tlsDialer(counting, { caFile: `${certs.dir}/missing.pem` })({ host: "localhost", port: 1 }),
      new TypeError(`Cannot read the CA file ${certs.dir}/missing.pem: no such file or folder`),
    );
    await rejects(
      tlsDialer(counting, { caFile: certs.key })({ host: "localhost", port: 1 }),
      new TypeError(`Cannot use the CA file ${certs.key}: it holds no PEM certificate`),
    );
    assertEquals(dialled, 0);
  },
});

Deno.test({
  name: "the rtmps listener explains bad certificate and key files",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const open = (certFile: string, keyFile: string) =>
      listen({ scheme: "rtmps", hostname: "127.0.0.1", port: 0, tls: { certFile, keyFile } });
    await rejects(
      open(`${certs.dir}/nope.pem`, certs.key),
      new TypeError(
        `Cannot read the certificate file ${certs.dir}/nope.pem: no such file or folder`,
      ),
    );
    await rejects(
      open(certs.key, certs.key),
      new TypeError(`Cannot use the certificate file ${certs.key}: it holds no PEM certificate`),
    );
    await rejects(
      open(certs.cert, certs.cert),
      new TypeError(`Cannot use the key file ${certs.cert}: it holds no PEM private key`),
    );
    await rejects(open(certs.cert, certs.otherKey), (err: Error) => {
      assert(err instanceof TypeError);
      assert(
        /^Cannot listen on 127\.0\.0\.1:0: the key does not belong to the certificate$/.test(
          err.message,
        ),
        err.message,
      );
      return true;
    });
    await rejects(
      listen({ scheme: "rtmps", hostname: "127.0.0.1", port: 0 }),
      /a certificate and key are needed/,
    );
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (busy.addr as Deno.NetAddr).port;
    try {
      await rejects(
        listen({
          scheme: "rtmps",
          hostname: "127.0.0.1",
          port,
          tls: { certFile: certs.cert, keyFile: certs.key },
        }),
        (err: Error) => {
          assert(err instanceof ConnectError);
          assertEquals(
            err.message,
            `Cannot listen on 127.0.0.1:${port}: port ${port} is already in use`,
          );
          return true;
        },
      );
    } finally {
      busy.close();
    }
  },
});

Deno.test({
  name: "a client that fails its handshake does not stop the listener",
  ignore,
  async fn() {
    const certs = await testCertificates();
    const server = await echoServer(certs.cert, certs.key);
    try {
      const garbage = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await garbage.write(new Uint8Array(1537).fill(3));
      const untrusting = await failure(ping(tcpDialer, "localhost", server.port, {}));
      assert(/not trusted/.test(untrusting.message));
      assertEquals(await ping(tcpDialer, "localhost", server.port, { caFile: certs.ca }), "ping");
      garbage.close();
    } finally {
      await server.close();
    }
    const ends = await Promise.all(server.ends);
    assertEquals(ends.length, 3);
    assertEquals(ends.filter((e) => e.startsWith("error")).length, 2, ends.join(", "));
  },
});
