/**
 * The SOCKS dialer against a scripted fake proxy: the exact bytes of every request (rtmpdump's
 * SOCKS4 request among them), every reply fed whole, byte by byte and at random splits, every
 * refusal code, replies that are not SOCKS, closes at each stage, a silent proxy and an abort.
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { DialOptions } from "../../transports/dialer.ts";
import { parseProxyUrl, type ProxyUrl } from "../../transports/proxy_url.ts";
import { socksDialer, type SocksDialerOptions } from "../../transports/socks.ts";
import { SOCKS4_REFUSALS, SOCKS5_REFUSALS } from "../../transports/socks_protocol.ts";
import type { Transport } from "../../transports/transport.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { ascii, fakeProxy, type ProxyEnd } from "./_fake_proxy.ts";

const PORT_1935 = [0x07, 0x8f];
const SOCKS4_GRANTED_REPLY = [0x00, 0x5a, 0, 0, 0, 0, 0, 0];
const SOCKS5_NO_AUTH_GREETING = [0x05, 0x01, 0x00];
const SOCKS5_CHOOSE_NONE = [0x05, 0x00];
const SOCKS5_GRANTED_IPV4 = [0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x04, 0x38];

/** Dials `host:port` through a fake proxy running `script`; resolves to the transport or error. */
async function dialThrough(
  proxyUrl: string | ProxyUrl,
  target: { host: string; port: number },
  script: (proxy: ProxyEnd) => Promise<void>,
  options: SocksDialerOptions & DialOptions = {},
): Promise<{ transport?: Transport; error?: ConnectError; dialed: number }> {
  const proxy = typeof proxyUrl === "string" ? parseProxyUrl(proxyUrl) : proxyUrl;
  const fake = fakeProxy(script);
  const dial = socksDialer(proxy, fake.below, { resolveIpv4: options.resolveIpv4 });
  try {
    const transport = await dial(target, {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      signal: options.signal,
    });
    await fake.done;
    return { transport, dialed: fake.dialed.length };
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    if (fake.dialed.length > 0) await fake.done;
    return { error: err, dialed: fake.dialed.length };
  }
}

/** Reads the transport until `length` bytes arrived. */
async function readAll(transport: Transport, length: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < length) {
    const data = await transport.read();
    if (data === null) break;
    out.push(...data);
  }
  return out;
}

Deno.test("SOCKS4 sends rtmpdump's request bytes and tunnels after a granted reply", async () => {
  let proxyEnd: ProxyEnd | undefined;
  const result = await dialThrough(
    "socks4://127.0.0.1:1080",
    { host: "10.1.2.3", port: 1936 },
    async (proxy) => {
      // librtmp-facts §8.2: 04 01 07 90 0a 01 02 03 00 for 10.1.2.3:1936.
      await proxy.expect([0x04, 0x01, 0x07, 0x90, 0x0a, 0x01, 0x02, 0x03, 0x00], "request");
      await proxy.send([...SOCKS4_GRANTED_REPLY, 0xaa, 0xbb]); // two bytes of the target's too
      proxyEnd = proxy;
    },
  );
  assert(result.transport, String(result.error));
  assertEquals(await readAll(result.transport, 2), [0xaa, 0xbb], "bytes after the reply");
  await result.transport.write(new Uint8Array([1, 2, 3]));
  await proxyEnd!.expect([1, 2, 3], "bytes through the tunnel");
  await proxyEnd!.send([4]);
  assertEquals(await readAll(result.transport, 1), [4]);
  await result.transport.close();
});

Deno.test("SOCKS4 resolves a name itself and sends its first IPv4 address", async () => {
  const asked: string[] = [];
  const result = await dialThrough(
    "socks4://alice@proxy.test",
    { host: "media.test", port: 1935 },
    async (proxy) => {
      await proxy.expect([0x04, 0x01, ...PORT_1935, 192, 0, 2, 7, ...ascii("alice"), 0], "request");
      await proxy.send(SOCKS4_GRANTED_REPLY);
    },
    {
      resolveIpv4: (host) => {
        asked.push(host);
        return Promise.resolve(["192.0.2.7", "192.0.2.8"]);
      },
    },
  );
  assert(result.transport, String(result.error));
  assertEquals(asked, ["media.test"]);
  await result.transport.close();
});

Deno.test("SOCKS4 fails before connecting for an IPv6 target or a name without IPv4", async () => {
  const never = () => Promise.reject(new Error("the proxy must not be contacted"));
  for (const kind of ["socks4", "socks4a"]) {
    const v6 = await dialThrough(`${kind}://127.0.0.1:1080`, { host: "::1", port: 1935 }, never);
    assertEquals(v6.dialed, 0);
    assertEquals(
      v6.error?.message,
      `Cannot connect to [::1]:1935: ${
        kind === "socks4" ? "SOCKS4" : "SOCKS4a"
      } cannot reach IPv6 addresses; use a socks5:// proxy`,
    );
    assertEquals(v6.error?.code, "EPROTO");
  }
  const noV4 = await dialThrough(
    "socks4://127.0.0.1:1080",
    { host: "v6only.test", port: 1935 },
    never,
    {
      resolveIpv4: () => Promise.resolve([]),
    },
  );
  assertEquals(
    noV4.error?.message,
    "Cannot connect to v6only.test:1935: v6only.test has no IPv4 address, which SOCKS4 needs; use a socks4a:// or socks5:// proxy",
  );
  const notFound = await dialThrough(
    "socks4://127.0.0.1:1080",
    { host: "nx.test", port: 1935 },
    never,
    {
      resolveIpv4: () =>
        Promise.reject(
          Object.assign(new Error("getaddrinfo ENOTFOUND nx.test"), { code: "ENOTFOUND" }),
        ),
    },
  );
  assertEquals(notFound.error?.message, "Cannot connect to nx.test:1935: host not found");
  assertEquals(notFound.error?.code, "ENOTFOUND", "the CLI turns this into rtmpdump's DNS message");
  assertEquals(notFound.dialed, 0);
});

Deno.test("SOCKS4a sends the name for the proxy to resolve, and an IPv4 literal as SOCKS4", async () => {
  const named = await dialThrough(
    "socks4a://127.0.0.1:1080",
    { host: "media.test", port: 1935 },
    async (proxy) => {
      await proxy.expect(
        [0x04, 0x01, ...PORT_1935, 0, 0, 0, 1, 0x00, ...ascii("media.test"), 0x00],
        "SOCKS4a request",
      );
      await proxy.send(SOCKS4_GRANTED_REPLY);
    },
  );
  assert(named.transport, String(named.error));
  await named.transport.close();
  const literal = await dialThrough(
    "socks4a://127.0.0.1:1080",
    { host: "10.0.0.9", port: 1935 },
    async (proxy) => {
      await proxy.expect([0x04, 0x01, ...PORT_1935, 10, 0, 0, 9, 0x00], "SOCKS4 request");
      await proxy.send(SOCKS4_GRANTED_REPLY);
    },
  );
  assert(literal.transport, String(literal.error));
  await literal.transport.close();
});

Deno.test("every SOCKS4 refusal code is a one-line reason with the code", async () => {
  for (const [code, reason] of Object.entries(SOCKS4_REFUSALS)) {
    const result = await dialThrough(
      "socks4://127.0.0.1:1080",
      { host: "10.1.2.3", port: 1935 },
      async (proxy) => {
        await proxy.read(9);
        await proxy.send([0x00, Number(code), 0, 0, 0, 0, 0, 0]);
        assert(await proxy.clientClosed(), "the client closes after a refusal");
      },
    );
    assertEquals(
      result.error?.message,
      `Cannot connect to 10.1.2.3:1935: the SOCKS4 proxy refused: ${reason} (code ${code})`,
    );
    assertEquals(result.error?.code, "EPROTO");
  }
});

Deno.test("SOCKS4 replies that are not SOCKS4 are reported with their first bytes", async () => {
  const cases: [number[], string][] = [
    [
      ascii("HTTP/1.1 400 Bad Request\r\n\r\n"),
      "it is not a SOCKS4 reply (starts 48 54 54 50 2f 31 2e 31)",
    ],
    [[0x04, 0x5a, 0, 0, 0, 0, 0, 0], "it is not a SOCKS4 reply (starts 04 5a 00 00 00 00 00 00)"],
    [[0x00, 0x20, 0, 0, 0, 0, 0, 0], "it is not a SOCKS4 reply (unknown code 32)"],
  ];
  for (const [reply, detail] of cases) {
    const result = await dialThrough(
      "socks4://127.0.0.1:1080",
      { host: "10.1.2.3", port: 1935 },
      async (proxy) => {
        await proxy.read(9);
        await proxy.send(reply);
      },
    );
    assertEquals(
      result.error?.message,
      `Cannot connect to 10.1.2.3:1935: the SOCKS4 proxy sent a bad reply: ${detail}`,
    );
  }
});

Deno.test("SOCKS5 without credentials offers no authentication and sends names to the proxy", async () => {
  const targets: [string, number[]][] = [
    ["media.test", [0x03, 10, ...ascii("media.test")]],
    ["10.1.2.3", [0x01, 10, 1, 2, 3]],
    ["::1", [0x04, ...new Array(15).fill(0), 1]],
    ["[2001:db8::7]", [0x04, 0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7]],
  ];
  for (const [host, address] of targets) {
    const result = await dialThrough(
      "socks5://127.0.0.1:1080",
      { host, port: 1935 },
      async (proxy) => {
        await proxy.expect(SOCKS5_NO_AUTH_GREETING, "greeting");
        await proxy.send(SOCKS5_CHOOSE_NONE);
        await proxy.expect([0x05, 0x01, 0x00, ...address, ...PORT_1935], `request for ${host}`);
        await proxy.send(SOCKS5_GRANTED_IPV4);
      },
    );
    assert(result.transport, String(result.error));
    await result.transport.close();
  }
});

Deno.test("SOCKS5 with credentials offers both methods and authenticates per RFC 1929", async () => {
  const result = await dialThrough("socks5://alice:s%40cret@127.0.0.1:1080", {
    host: "media.test",
    port: 1935,
  }, async (proxy) => {
    await proxy.expect([0x05, 0x02, 0x00, 0x02], "greeting");
    await proxy.send([0x05, 0x02]);
    await proxy.expect(
      [0x01, 5, ...ascii("alice"), 6, ...ascii("s@cret")],
      "user name and password",
    );
    await proxy.send([0x01, 0x00]);
    await proxy.expect(
      [0x05, 0x01, 0x00, 0x03, 10, ...ascii("media.test"), ...PORT_1935],
      "request",
    );
    await proxy.send(SOCKS5_GRANTED_IPV4);
  });
  assert(result.transport, String(result.error));
  await result.transport.close();

  // A proxy that needs no authentication may choose "none" although a password was given.
  const none = await dialThrough("socks5://alice:x@127.0.0.1:1080", {
    host: "10.0.0.1",
    port: 1935,
  }, async (proxy) => {
    await proxy.read(4);
    await proxy.send(SOCKS5_CHOOSE_NONE);
    await proxy.expect([0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, ...PORT_1935], "request");
    await proxy.send(SOCKS5_GRANTED_IPV4);
  });
  assert(none.transport, String(none.error));
  await none.transport.close();
});

Deno.test("SOCKS5 authentication failures say what the proxy wants", async () => {
  const target = { host: "media.test", port: 1935 };
  const cases: [string, number[], number[] | undefined, string][] = [
    [
      "socks5://127.0.0.1:1080",
      [0x05, 0xff],
      undefined,
      "the SOCKS5 proxy wants authentication; give a user name and password (socks5://USER:PASS@HOST:PORT)",
    ],
    [
      "socks5://a:b@127.0.0.1:1080",
      [0x05, 0xff],
      undefined,
      "the SOCKS5 proxy accepts neither no authentication nor a user name and password",
    ],
    [
      "socks5://a:b@127.0.0.1:1080",
      [0x05, 0x02],
      [0x01, 0x01],
      "the SOCKS5 proxy refused the user name or password",
    ],
    [
      "socks5://127.0.0.1:1080",
      [0x05, 0x02],
      undefined,
      "the SOCKS5 proxy sent a bad reply: it chose method 2, which was not offered",
    ],
    [
      "socks5://a:b@127.0.0.1:1080",
      [0x05, 0x02],
      [0x07, 0x00],
      "the SOCKS5 proxy sent a bad reply: it is not a SOCKS5 reply (starts 07 00)",
    ],
  ];
  for (const [url, choice, status, detail] of cases) {
    const result = await dialThrough(url, target, async (proxy) => {
      await proxy.read(url.includes("@") ? 4 : 3);
      await proxy.send(choice);
      if (status !== undefined) {
        await proxy.read(5);
        await proxy.send(status);
      }
    });
    assertEquals(result.error?.message, `Cannot connect to media.test:1935: ${detail}`, url);
  }
});

Deno.test("every SOCKS5 reply code is a one-line reason with the code", async () => {
  for (const [code, reason] of Object.entries(SOCKS5_REFUSALS)) {
    const result = await dialThrough(
      "socks5://127.0.0.1:1080",
      { host: "media.test", port: 1935 },
      async (proxy) => {
        await proxy.read(3);
        await proxy.send(SOCKS5_CHOOSE_NONE);
        await proxy.read(17);
        await proxy.send([0x05, Number(code), 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
      },
    );
    assertEquals(
      result.error?.message,
      `Cannot connect to media.test:1935: the SOCKS5 proxy refused: ${reason} (code ${code})`,
    );
    assertEquals(result.error?.code, "EPROTO");
  }
});

Deno.test("SOCKS5 replies of every address type are read to their exact length", async () => {
  const replies: number[][] = [
    SOCKS5_GRANTED_IPV4,
    [0x05, 0x00, 0x00, 0x03, 4, ...ascii("host"), 0x04, 0x38],
    [0x05, 0x00, 0x00, 0x04, ...new Array(16).fill(0xfe), 0x04, 0x38],
    [0x05, 0x00, 0x00, 0x03, 0, 0x04, 0x38], // an empty name
  ];
  for (const reply of replies) {
    const result = await dialThrough(
      "socks5://127.0.0.1:1080",
      { host: "10.0.0.1", port: 1935 },
      async (proxy) => {
        await proxy.read(3);
        await proxy.send(SOCKS5_CHOOSE_NONE);
        await proxy.read(10);
        await proxy.send([...reply, 0x77]);
      },
    );
    assert(result.transport, String(result.error));
    assertEquals(await readAll(result.transport, 1), [0x77], "the byte after the reply");
    await result.transport.close();
  }
});

Deno.test("SOCKS5 replies that are not SOCKS5 are reported", async () => {
  const cases: [number[], number[] | undefined, string][] = [
    [ascii("HTTP/1.0 400 Bad\r\n"), undefined, "it is not a SOCKS5 reply (starts 48 54)"],
    [[0x04, 0x00], undefined, "it is not a SOCKS5 reply (starts 04 00)"],
    [
      SOCKS5_CHOOSE_NONE,
      [0x05, 0x00, 0x00, 0x09, 0],
      "it is not a SOCKS5 reply (unknown address type 9)",
    ],
    [
      SOCKS5_CHOOSE_NONE,
      [0x05, 0x09, 0x00, 0x01, 0, 0, 0, 0, 0, 0],
      "it is not a SOCKS5 reply (unknown code 9)",
    ],
    [
      SOCKS5_CHOOSE_NONE,
      [0x00, 0x5a, 0, 0, 0, 0, 0, 0],
      "it is not a SOCKS5 reply (starts 00 5a 00 00 00)",
    ],
  ];
  for (const [choice, reply, detail] of cases) {
    const result = await dialThrough(
      "socks5://127.0.0.1:1080",
      { host: "10.0.0.1", port: 1935 },
      async (proxy) => {
        await proxy.read(3);
        await proxy.send(choice);
        if (reply !== undefined) {
          await proxy.read(10);
          await proxy.send(reply);
        }
      },
    );
    assertEquals(
      result.error?.message,
      `Cannot connect to 10.0.0.1:1935: the SOCKS5 proxy sent a bad reply: ${detail}`,
    );
  }
});

Deno.test("a proxy that closes without answering or in the middle of a reply", async () => {
  const cases: [(proxy: ProxyEnd) => Promise<void>, string][] = [
    [async (proxy) => {
      await proxy.read(3);
      await proxy.transport.close();
    }, "closed the connection without answering"],
    [async (proxy) => {
      await proxy.read(3);
      await proxy.send([0x05]);
      await proxy.transport.close();
    }, "closed the connection in the middle of its reply"],
    [async (proxy) => {
      await proxy.read(3);
      await proxy.send(SOCKS5_CHOOSE_NONE);
      await proxy.read(10);
      await proxy.send([0x05, 0x00, 0x00, 0x03, 200, 1, 2]);
      await proxy.transport.close();
    }, "closed the connection in the middle of its reply"],
  ];
  for (const [script, detail] of cases) {
    const result = await dialThrough(
      "socks5://127.0.0.1:1080",
      { host: "10.0.0.1", port: 1935 },
      script,
    );
    assertEquals(
      result.error?.message,
      `Cannot connect to 10.0.0.1:1935: the SOCKS5 proxy ${detail}`,
    );
  }
});

Deno.test("a silent proxy fails within the connect timeout and the connection is closed", async () => {
  let closed: Promise<boolean> | undefined;
  const started = performance.now();
  const result = await dialThrough(
    "socks5://127.0.0.1:1080",
    { host: "10.0.0.1", port: 1935 },
    async (proxy) => {
      await proxy.read(3);
      closed = proxy.clientClosed();
      await closed;
    },
    { connectTimeoutMs: 300 },
  );
  assertEquals(
    result.error?.message,
    "Cannot connect to 10.0.0.1:1935: the SOCKS5 proxy 127.0.0.1:1080 did not answer within 0.3 s",
  );
  assert(await closed, "the connection to the proxy is closed");
  assert(
    performance.now() - started < 30_000,
    "the dial ended long after its 0.3 s limit (bound 30 s)",
  );
});

Deno.test("an abort during the negotiation ends the dial", async () => {
  const controller = new AbortController();
  const result = await dialThrough(
    "socks4://127.0.0.1:1080",
    { host: "10.0.0.1", port: 1935 },
    async (proxy) => {
      await proxy.read(9);
      controller.abort();
      await proxy.clientClosed();
    },
    { signal: controller.signal, connectTimeoutMs: 0 },
  );
  assertEquals(result.error?.message, "Cannot connect to 10.0.0.1:1935: interrupted");
});

Deno.test("a proxy that cannot be reached keeps the system error's code", async () => {
  const dial = socksDialer(parseProxyUrl("socks5://127.0.0.1:1080"), () =>
    Promise.reject(
      new ConnectError("Cannot connect to 127.0.0.1:1080: connection refused", {
        code: "ECONNREFUSED",
      }),
    ));
  const error = await dial({ host: "10.0.0.1", port: 1935 }).catch((err) => err);
  assert(error instanceof ConnectError);
  assertEquals(
    error.message,
    "Cannot connect to the SOCKS5 proxy 127.0.0.1:1080: connection refused",
  );
  assertEquals(error.code, "ECONNREFUSED");
});

Deno.test("fields SOCKS cannot carry fail before connecting", async () => {
  const never = () => Promise.reject(new Error("the proxy must not be contacted"));
  const long = "a".repeat(256);
  const tooLong = await dialThrough("socks5://127.0.0.1:1080", { host: long, port: 1935 }, never);
  assertEquals(
    tooLong.error?.message,
    `Cannot connect to ${long}:1935: the host name is longer than 255 bytes`,
  );
  assertEquals(tooLong.dialed, 0);
  const user = await dialThrough(
    { kind: "socks5", host: "127.0.0.1", port: 1080, username: "u".repeat(300), password: "p" },
    { host: "10.0.0.1", port: 1935 },
    never,
  );
  assertEquals(
    user.error?.message,
    "Cannot connect to 10.0.0.1:1935: the user name is longer than 255 bytes",
  );
  const zone = await dialThrough(
    "socks5://127.0.0.1:1080",
    { host: "fe80::1%eth0", port: 1935 },
    never,
  );
  assertEquals(
    zone.error?.message,
    "Cannot connect to [fe80::1%eth0]:1935: an IPv6 zone index cannot be sent through a proxy",
  );
  await assertRejects(
    () => Promise.resolve().then(() => socksDialer(parseProxyUrl("http://127.0.0.1:8080"), never)),
    TypeError,
  );
});

/** A full SOCKS5 exchange with user name and password, each reply cut at `cuts`. */
async function socks5Exchange(cuts: number[][]): Promise<void> {
  const result = await dialThrough("socks5://u:p@127.0.0.1:1080", {
    host: "media.test",
    port: 1935,
  }, async (proxy) => {
    await proxy.read(4);
    await proxy.send([0x05, 0x02], cuts[0]);
    await proxy.read(5);
    await proxy.send([0x01, 0x00], cuts[1]);
    await proxy.read(17);
    await proxy.send([0x05, 0x00, 0x00, 0x03, 4, ...ascii("host"), 0x04, 0x38, 0x99], cuts[2]);
  });
  assert(result.transport, String(result.error));
  assertEquals(await readAll(result.transport, 1), [0x99]);
  await result.transport.close();
}

Deno.test("SOCKS5 replies fed byte by byte", async () => {
  const everyByte = (n: number) => Array.from({ length: n - 1 }, (_, i) => i + 1);
  await socks5Exchange([everyByte(2), everyByte(2), everyByte(12)]);
});

Deno.test("SOCKS4 and SOCKS5 replies at random splits (property)", async () => {
  const cutsOf = (length: number) =>
    fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: length - 1 })
      .map((cuts) => cuts.sort((a, b) => a - b));
  await fc.assert(
    fc.asyncProperty(cutsOf(2), cutsOf(2), cutsOf(12), async (a, b, c) => {
      await socks5Exchange([a, b, c]);
    }),
    { numRuns: 40 },
  );
  await fc.assert(
    fc.asyncProperty(cutsOf(10), async (cuts) => {
      const result = await dialThrough(
        "socks4://127.0.0.1:1080",
        { host: "10.1.2.3", port: 1935 },
        async (proxy) => {
          await proxy.read(9);
          await proxy.send([...SOCKS4_GRANTED_REPLY, 0xaa, 0xbb], cuts);
        },
      );
      assert(result.transport, String(result.error));
      assertEquals(await readAll(result.transport, 2), [0xaa, 0xbb]);
      await result.transport.close();
    }),
    { numRuns: 40 },
  );
});
