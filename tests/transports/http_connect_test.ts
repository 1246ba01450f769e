import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { tcpDialer } from "../../transports/dialer.ts";
import { httpConnectDialer } from "../../transports/http_connect.ts";
import { parseProxyUrl } from "../../transports/proxy_url.ts";
import { buildDialer } from "../../transports/stack.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { cpuMs, latin1, scriptedServer, text } from "./_scripted_http.ts";

function dialVia(proxyPort: number, auth = "", connectTimeoutMs = 10_000, host = "127.0.0.1") {
  const proxy = parseProxyUrl(`http://${auth}127.0.0.1:${proxyPort}`);
  return httpConnectDialer(proxy, tcpDialer)({ host, port: 1935 }, { connectTimeoutMs });
}

/** Dials, expects a ConnectError, returns its message. */
async function refusal(dialing: Promise<unknown>): Promise<string> {
  const error = await dialing.then(() => undefined, (err) => err);
  assert(error instanceof ConnectError, `expected a ConnectError, got ${error}`);
  assert(!error.message.includes("\n"), "one line");
  return error.message;
}

Deno.test("http CONNECT: the request names the target, with basic credentials when given", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    await conn.write("HTTP/1.1 200 Connection established\r\n\r\n");
  });
  const plain = await dialVia(server.port);
  await plain.close();
  const authed = await dialVia(server.port, "user:p%40ss@");
  await authed.close();
  const ipv6 = await dialVia(server.port, "", 10_000, "::1");
  await ipv6.close();
  await server.done();
  assertEquals(server.requests.map((r) => text(r.raw)), [
    "CONNECT 127.0.0.1:1935 HTTP/1.1\r\nHost: 127.0.0.1:1935\r\n\r\n",
    "CONNECT 127.0.0.1:1935 HTTP/1.1\r\nHost: 127.0.0.1:1935\r\n" +
    `Proxy-Authorization: Basic ${btoa("user:p@ss")}\r\n\r\n`,
    "CONNECT [::1]:1935 HTTP/1.1\r\nHost: [::1]:1935\r\n\r\n",
  ]);
});

Deno.test("http CONNECT: after an HTTP/1.0 200 the connection is the tunnel, early bytes included", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    // tinyproxy's answer, with the target's first bytes right behind it in the same segment.
    await conn.write(
      "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\nS0S1",
    );
    await conn.readRequest(); // until the client closes
  });
  const transport = await dialVia(server.port);
  assertEquals(text((await transport.read())!), "S0S1");
  await transport.close();
  assertEquals(await transport.read(), null);
});

Deno.test("http CONNECT: refusals and broken answers are one-line ConnectErrors", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "407",
      "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
      /^Cannot connect through HTTP proxy http:\/\/127\.0\.0\.1:\d+: CONNECT 127\.0\.0\.1:1935 refused with 407 Proxy Authentication Required$/,
    ],
    [
      "403 (tinyproxy without ConnectPort)",
      "HTTP/1.0 403 Access violation\r\nContent-Type: text/html\r\n\r\n<html>…</html>",
      /refused with 403 Access violation$/,
    ],
    [
      "502",
      "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
      /refused with 502 Bad Gateway$/,
    ],
    [
      "garbage",
      "SSH-2.0-OpenSSH_9.2\r\n",
      /its answer to CONNECT is not HTTP \(it does not start with HTTP\/1\.x/,
    ],
    [
      "a head that never ends",
      "HTTP/1.1 200 OK\r\n" + "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(300),
      /not HTTP \(the head is longer than 8192 bytes\)$/,
    ],
    ["a close before answering", "", /it closed the connection before answering CONNECT$/],
    [
      "a close in the middle of the answer",
      "HTTP/1.1 200 Conn",
      /closed the connection before answering CONNECT$/,
    ],
  ];
  for (const [name, reply, expected] of cases) {
    await t.step(name, async () => {
      await using server = scriptedServer(async (conn) => {
        await conn.readRequest();
        await conn.write(reply);
      });
      const message = await refusal(dialVia(server.port));
      assert(expected.test(message), message);
    });
  }
});

Deno.test("http CONNECT: a proxy that never answers fails at the connect timeout without spinning", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    await conn.readRequest(); // returns when the client gives up
  });
  const cpuBefore = cpuMs();
  const wallBefore = performance.now();
  const message = await refusal(dialVia(server.port, "", 800));
  const wall = performance.now() - wallBefore;
  assert(/: no answer to CONNECT within 0\.8 s$/.test(message), message);
  assert(wall >= 700, `gave up after ${wall} ms`);
  assert(cpuMs() - cpuBefore < wall / 2, "CPU while waiting");
});

Deno.test("http CONNECT: an unreachable proxy is the TCP dialer's ConnectError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const message = await refusal(dialVia(port));
  assert(/^Cannot connect to 127\.0\.0\.1:\d+: connection refused$/.test(message), message);
});

Deno.test("http CONNECT: buildDialer puts the proxy under the stack for --proxy http://", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    await conn.write("HTTP/1.1 200 OK\r\n\r\n");
    await conn.write(latin1("hello from the target"));
  });
  const dialer = buildDialer({
    protocol: 0,
    host: "example.invalid",
    port: 1935,
    proxy: `http://127.0.0.1:${server.port}`,
  });
  const transport = await dialer({ host: "example.invalid", port: 1935 });
  let got = "";
  while (got.length < 21) got += text((await transport.read())!);
  assertEquals(got, "hello from the target");
  assertEquals(server.requests[0].head.target, "example.invalid:1935");
  await transport.close();
});
