/**
 * The stack builder's proxy dispatch: `socks` (rtmpdump's -S) is SOCKS4, a proxy URL picks its
 * kind, the proxy sits directly above TCP with TLS above it, and settings it cannot use are
 * refused before any connection.
 */

import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { haveOpenssl, testCertificates } from "./_certs.ts";
import { listenTls } from "../../transports/tls_listener.ts";
import { buildDialer, stackName } from "../../transports/stack.ts";

Deno.test("stackName shows the proxy under the layers", () => {
  assertEquals(stackName({ protocol: 0, host: "h", port: 1 }), "tcp");
  assertEquals(stackName({ protocol: 4, host: "h", port: 1, socks: "p:1080" }), "tcp(socks4)+tls");
  assertEquals(
    stackName({ protocol: 4, host: "h", port: 1, proxy: "socks5://p:1080" }),
    "tcp(socks5)+tls",
  );
});

Deno.test("buildDialer builds every proxy kind and refuses two proxies, a bad or unknown one", () => {
  throws(
    () => buildDialer({ protocol: 0, host: "h", port: 1, socks: "p:1", proxy: "socks5://q:1" }),
    new TypeError("Cannot use two proxies: give either a SOCKS proxy (--socks) or --proxy"),
  );
  throws(() => buildDialer({ protocol: 0, host: "h", port: 1, proxy: "socks5://" }), TypeError);
  throws(
    () => buildDialer({ protocol: 0, host: "h", port: 1, proxy: "ftp://p:1" }),
    new TypeError(
      'Cannot use proxy "ftp://p:1": unknown kind ftp:// (socks4, socks4a, socks5 or http)',
    ),
  );
  for (const kind of ["socks4", "socks4a", "socks5", "http"]) {
    assertEquals(
      typeof buildDialer({ protocol: 0, host: "h", port: 1, proxy: `${kind}://p:1` }),
      "function",
    );
  }
});

Deno.test({
  name: "rtmps through -S: the SOCKS4 request goes to the proxy, TLS runs through the tunnel",
  ignore: !haveOpenssl() && Deno.env.get("CI") !== "true",
  async fn() {
    const certs = await testCertificates();
    const server = await listenTls({
      hostname: "127.0.0.1",
      port: 0,
      certFile: certs.cert,
      keyFile: certs.key,
    });
    // A one-connection SOCKS4 proxy: checks the request, then relays bytes both ways.
    const proxy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const relayed = (async () => {
      const client = await proxy.accept();
      const request = new Uint8Array(9);
      let filled = 0;
      while (filled < 9) filled += (await client.read(request.subarray(filled))) ?? 9;
      const port = server.addr.port;
      assertEquals([...request], [4, 1, port >> 8, port & 0xff, 127, 0, 0, 1, 0]);
      await client.write(new Uint8Array([0, 90, 0, 0, 0, 0, 0, 0]));
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port });
      await Promise.all([
        client.readable.pipeTo(upstream.writable).catch(() => {}),
        upstream.readable.pipeTo(client.writable).catch(() => {}),
      ]);
    })();
    const echo = (async () => {
      for await (const transport of server.accept()) {
        const data = await transport.read();
        if (data !== null) await transport.write(data.slice());
        await transport.read().catch(() => null);
        await transport.close();
        return;
      }
    })();
    try {
      const dial = buildDialer({
        protocol: 4,
        host: "127.0.0.1",
        port: server.addr.port,
        socks: `127.0.0.1:${(proxy.addr as Deno.NetAddr).port}`,
        tls: { caFile: certs.ca },
      });
      const transport = await dial({ host: "127.0.0.1", port: server.addr.port });
      await transport.write(new TextEncoder().encode("through"));
      const back = await transport.read();
      assert(back !== null);
      assertEquals(new TextDecoder().decode(back), "through");
      await transport.close();
      await echo;
    } finally {
      proxy.close();
      await server.close();
      await relayed.catch(() => {});
    }
  },
});
