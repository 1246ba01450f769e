import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { tcpDialer } from "../../transports/dialer.ts";
import { rtmptDialer, type RtmptOptions } from "../../transports/rtmpt.ts";
import type { Transport } from "../../transports/transport.ts";
import { ConnectError } from "../../transports/transport_error.ts";
import { RtmptError } from "../../transports/rtmpt.ts";
import {
  cpuMs,
  latin1,
  ok,
  type ScriptedConnection,
  scriptedServer,
  text,
} from "./_scripted_http.ts";

/** librtmp's request head for `path` (rtmpdump 2.4, captured from the Debian binary). */
function librtmpHead(path: string, port: number, length: number): string {
  return `POST ${path} HTTP/1.1\r\n` +
    `Host: 127.0.0.1:${port}\r\n` +
    "Accept: */*\r\n" +
    "User-Agent: Shockwave Flash\r\n" +
    "Connection: Keep-Alive\r\n" +
    "Cache-Control: no-cache\r\n" +
    "Content-type: application/x-fcs\r\n" +
    `Content-length: ${length}\r\n\r\n`;
}

function dial(port: number, options: RtmptOptions = {}, connectTimeoutMs = 10_000) {
  return rtmptDialer(tcpDialer, options)({ host: "127.0.0.1", port }, { connectTimeoutMs });
}

/** Reads until `length` bytes came (copying each read). */
async function readBytes(t: Transport, length: number): Promise<string> {
  let out = "";
  while (out.length < length) {
    const data = await t.read();
    if (data === null) break;
    out += text(data);
  }
  return out;
}

/** Resolves with the value, or throws naming `what` after a generous bound. */
async function noHang<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Answers /open/1 with `id` and a newline. */
async function answerOpen(conn: ScriptedConnection, id = "abc"): Promise<void> {
  const open = await conn.readRequest();
  assert(open !== null, "an open request");
  await conn.write(ok(`${id}\n`));
}

Deno.test("rtmpt client: open, send, idle and close are librtmp's requests byte for byte", async () => {
  let idleAnswered!: () => void;
  const idleDone = new Promise<void>((resolve) => (idleAnswered = resolve));
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    await conn.readRequest(); // send: answered with data
    await conn.write(ok("\x01hi"));
    await conn.readRequest(); // idle (read-ahead after data): answered empty
    await conn.write(ok("\x01"));
    idleAnswered();
    await conn.readRequest(); // close
    await conn.write(ok("\x01"));
  });
  const client = await dial(server.port);
  await client.write(latin1("hello"));
  assertEquals(await readBytes(client, 2), "hi");
  await noHang(idleDone, "idle poll");
  await client.close();
  await noHang(server.done(), "server script");
  const p = server.port;
  assertEquals(server.requests.map((r) => text(r.raw)), [
    librtmpHead("/open/1", p, 1) + "\x00",
    librtmpHead("/send/abc/0", p, 5) + "hello",
    librtmpHead("/idle/abc/1", p, 1) + "\x00",
    librtmpHead("/close/abc/2", p, 1) + "\x00",
  ]);
});

Deno.test("rtmpt client: writes made while a request is out go in one POST", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let sent!: () => void;
  const firstSent = new Promise<void>((resolve) => (sent = resolve));
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    await conn.readRequest();
    sent();
    await released;
    await conn.write(ok("\x01"));
    await conn.readRequest();
    await conn.write(ok("\x01"));
    await conn.readRequest(); // close
    await conn.write(ok("\x01"));
  });
  const client = await dial(server.port);
  await client.write(latin1("a"));
  await noHang(firstSent, "first send");
  for (const piece of ["b", "cd", "efg"]) await client.write(latin1(piece));
  release();
  while (server.requests.length < 3) await new Promise((r) => setTimeout(r, 10));
  await client.close();
  assertEquals(server.requests.map((r) => `${r.head.target} ${text(r.body)}`).slice(1, 3), [
    "/send/abc/0 a",
    "/send/abc/1 bcdefg",
  ]);
});

Deno.test("rtmpt client: idle polls follow the interval byte and back off while nothing comes", async () => {
  const times: number[] = [];
  let interval = "\x01";
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    for (;;) {
      const request = await conn.readRequest();
      if (request === null || request.head.target.startsWith("/close")) break;
      times.push(performance.now());
      await conn.write(ok(interval));
    }
  });
  // Unit 10 ms, back-off cap 160 ms: polls at about 0, 10, 30, 70, 150, 310, 470, … ms.
  const client = await dial(server.port, { pollUnitMs: 10, maxPollDelayMs: 160 });
  const reading = client.read().catch(() => null);
  const cpuBefore = cpuMs();
  const wallBefore = performance.now();
  await new Promise((r) => setTimeout(r, 1500));
  const cpu = cpuMs() - cpuBefore;
  const wall = performance.now() - wallBefore;
  const polls = times.length;
  // A tight loop would post thousands of polls in 1.5 s; the back-off posts about a dozen.
  assert(polls >= 3 && polls <= 25, `${polls} idle polls in 1.5 s`);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert(gaps[gaps.length - 1] >= 100, `the last gap (${gaps.at(-1)} ms) did not grow to the cap`);
  assert(cpu < wall / 2, `${cpu} ms of CPU while waiting ${wall} ms`);
  // The server's interval 0x21 (330 ms at this unit) spaces polls further than our cap.
  interval = "\x21";
  const before = times.length;
  await new Promise((r) => setTimeout(r, 1500));
  assert(times.length - before <= 6, `${times.length - before} polls in 1.5 s at interval 0x21`);
  await client.close();
  assertEquals(await reading, null);
});

Deno.test("rtmpt client: a server that closes during /open fails the dial at once, one line, no spin", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    // librtmp spins at 100 % CPU when this happens.
  });
  const cpuBefore = cpuMs();
  const error = await noHang(dial(server.port).then(() => undefined, (err) => err), "dial");
  assert(error instanceof ConnectError, String(error));
  assertEquals(
    error.message,
    `Cannot open an RTMPT session with 127.0.0.1:${server.port}: the server closed the ` +
      "connection without answering /open/1",
  );
  assert(cpuMs() - cpuBefore < 2000, "CPU used while failing");
});

Deno.test("rtmpt client: a server that never answers /open fails at the timeout without spinning", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    await conn.readRequest(); // never answered: returns when the client gives up
  });
  const cpuBefore = cpuMs();
  const wallBefore = performance.now();
  const error = await noHang(
    dial(server.port, {}, 1000).then(() => undefined, (err) => err),
    "dial",
  );
  const cpu = cpuMs() - cpuBefore;
  const wall = performance.now() - wallBefore;
  assert(error instanceof ConnectError, String(error));
  assertEquals(
    error.message,
    `Cannot open an RTMPT session with 127.0.0.1:${server.port}: no answer to /open/1 within 1 s`,
  );
  assert(wall >= 900, `gave up after ${wall} ms, before the timeout`);
  assert(cpu < wall / 2, `${cpu} ms of CPU while waiting ${wall} ms`);
});

Deno.test("rtmpt client: open answers that are not a session fail the dial with one line", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "404",
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
      /answered \/open\/1 with 404 Not Found$/,
    ],
    [
      "garbage",
      "SSH-2.0-OpenSSH_9.2\r\n",
      /answer to \/open\/1 is not valid HTTP \(it does not start with HTTP\/1\.x/,
    ],
    [
      "a truncated body",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab",
      /not valid HTTP \(the connection closed after 2 of 10 body bytes\)$/,
    ],
    ["an empty id", ok("\n"), /the server's session id is not usable$/],
    ["an id with a slash", ok("a/b\n"), /the server's session id is not usable$/],
    ["a huge id", ok("x".repeat(300)), /too long for a session id$/],
  ];
  for (const [name, reply, expected] of cases) {
    await t.step(name, async () => {
      await using server = scriptedServer(async (conn) => {
        await conn.readRequest();
        await conn.write(reply);
      });
      const error = await noHang(dial(server.port).then(() => undefined, (e) => e), name);
      assert(error instanceof ConnectError, String(error));
      assert(expected.test(error.message), error.message);
      assert(!error.message.includes("\n"));
    });
  }
});

Deno.test("rtmpt client: an HTTP/1.0 server that closes after each answer gets a new connection per request", async () => {
  await using server = scriptedServer(async (conn) => {
    const request = await conn.readRequest();
    if (request === null) return;
    const target = request.head.target;
    if (target === "/open/1") await conn.write("HTTP/1.0 200 OK\r\n\r\nxyz\n");
    else if (target.startsWith("/send/")) {
      await conn.write(`HTTP/1.0 200 OK\r\n\r\n\x01echo:${text(request.body)}`);
    } else await conn.write("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n\x01");
  });
  const client = await dial(server.port);
  await client.write(latin1("ping"));
  assertEquals(await noHang(readBytes(client, 9), "echo"), "echo:ping");
  await client.close();
  const targets = server.requests.map((r) => r.head.target);
  assertEquals(targets.slice(0, 2), ["/open/1", "/send/xyz/0"]);
  assertEquals(server.connections, server.requests.length, "one connection per request");
});

Deno.test("rtmpt client: a keep-alive connection closed between requests is reopened and the request sent again", async () => {
  await using server = scriptedServer(async (conn) => {
    if (conn.index === 0) {
      await answerOpen(conn); // keep-alive, then the server drops it
      return;
    }
    for (;;) {
      const request = await conn.readRequest();
      if (request === null) return;
      await conn.write(ok(request.head.target.startsWith("/send/") ? "\x01got it" : "\x01"));
    }
  });
  const client = await dial(server.port);
  await new Promise((r) => setTimeout(r, 100)); // the close reaches us before the next request
  await client.write(latin1("data"));
  assertEquals(await noHang(readBytes(client, 6), "answer"), "got it");
  await client.close();
  const sends = server.requests.filter((r) => r.head.target.startsWith("/send/"));
  assertEquals(sends.map((r) => `${r.head.target} ${text(r.body)}`), ["/send/abc/0 data"]);
});

Deno.test("rtmpt client: chunked answers are read", async () => {
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    for (;;) {
      const request = await conn.readRequest();
      if (request === null) return;
      if (request.head.target.startsWith("/send/")) {
        await conn.write(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n\x01\r\n5\r\nhello\r\n0\r\n\r\n",
        );
      } else await conn.write(ok("\x01"));
    }
  });
  const client = await dial(server.port);
  await client.write(latin1("x"));
  assertEquals(await noHang(readBytes(client, 5), "chunked answer"), "hello");
  await client.close();
});

Deno.test("rtmpt client: 404 for the session is a clear error, 410 is the end of the stream", async (t) => {
  for (const [status, expectEnd] of [[404, false], [410, true]] as const) {
    await t.step(`${status}`, async () => {
      await using server = scriptedServer(async (conn) => {
        await answerOpen(conn, "s1");
        await conn.readRequest();
        await conn.write(ok("\x01before"));
        for (;;) {
          const request = await conn.readRequest();
          if (request === null) return;
          await conn.write(`HTTP/1.1 ${status} X\r\nContent-Length: 0\r\n\r\n`);
        }
      });
      const client = await dial(server.port);
      await client.write(latin1("go"));
      assertEquals(await readBytes(client, 6), "before");
      if (expectEnd) {
        assertEquals(await noHang(client.read(), "read after 410"), null);
        await rejects(client.write(latin1("more")), /ended the session/);
      } else {
        await rejects(
          noHang(client.read(), "read after 404"),
          (err: unknown) =>
            err instanceof RtmptError &&
            err.message ===
              `The RTMPT tunnel to 127.0.0.1:${server.port} failed: the server does not know ` +
                "session s1 (404 Not Found)",
        );
        await rejects(client.write(latin1("more")), RtmptError);
      }
      await client.close();
    });
  }
});

Deno.test("rtmpt client: broken answers after the open are one-line errors on read", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["garbage", "<html>hello</html>\r\n\r\n", /answer to \/idle\/abc\/0 is not valid HTTP/],
    [
      "a cut body",
      "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n\x01abc",
      /not valid HTTP \(the connection closed after 4 of 50 body bytes\)$/,
    ],
    [
      "an error status",
      "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
      /answered \/idle with 500 Oops$/,
    ],
    [
      "bytes after the answer",
      ok("\x01") + "HTTP/1.1 200 OK\r\n",
      /the server sent more than its answer to \/idle\/abc\/0$/,
    ],
    ["a close without an answer", "", /closed the connection without answering \/idle\/abc\/0$/],
  ];
  for (const [name, reply, expected] of cases) {
    await t.step(name, async () => {
      await using server = scriptedServer(async (conn) => {
        if (conn.index > 0) return; // a retry finds the server gone
        await answerOpen(conn);
        await conn.readRequest();
        await conn.write(reply);
      });
      const client = await dial(server.port);
      // Bytes that did arrive are read first; then the failure.
      const error = await noHang(
        (async () => {
          while ((await client.read()) !== null);
        })().then(() => undefined, (e) => e),
        name,
      );
      assert(error instanceof RtmptError, String(error));
      assert(expected.test(error.message), error.message);
      assert(!error.message.includes("\n"));
      await client.close();
    });
  }
});

Deno.test("rtmpt client: a server that stops answering fails reads at the answer timeout", async () => {
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    await conn.readRequest();
    await conn.readRequest(); // never answered: returns when the client gives up
  });
  const client = await dial(server.port, { responseTimeoutMs: 500 });
  const cpuBefore = cpuMs();
  const error = await noHang(client.read().then(() => undefined, (e) => e), "read");
  assert(error instanceof RtmptError, String(error));
  assert(/no answer to \/idle\/abc\/0 within 0\.5 s$/.test(error.message), error.message);
  assert(cpuMs() - cpuBefore < 400, "CPU while waiting for the timeout");
  await client.close();
});

Deno.test("rtmpt client: close is bounded when the server never answers /close", async () => {
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    await conn.readRequest();
    await conn.readRequest(); // never answered: returns when the client gives up
  });
  const client = await dial(server.port, { closeTimeoutMs: 300 });
  const started = performance.now();
  await noHang(client.close(), "close");
  const took = performance.now() - started;
  assert(took >= 250, `close returned after ${took} ms without waiting for /close`);
  assertEquals(server.requests.at(-1)?.head.target, "/close/abc/0");
  assertEquals(await client.read(), null);
});

Deno.test("rtmpt client: an abort during the open is a ConnectError", async () => {
  await using server = scriptedServer(async (conn) => {
    await conn.readRequest();
    await conn.readRequest(); // never answered: returns when the client gives up
  });
  const controller = new AbortController();
  const dialing = rtmptDialer(tcpDialer)({ host: "127.0.0.1", port: server.port }, {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 100);
  const error = await noHang(dialing.then(() => undefined, (e) => e), "aborted dial");
  assert(error instanceof ConnectError, String(error));
  assert(/interrupted$/.test(error.message), error.message);
});

Deno.test("rtmpt client: closing while an answer is out still posts /close, as librtmp does", async () => {
  await using server = scriptedServer(async (conn) => {
    await answerOpen(conn);
    await conn.readRequest(); // the send, never answered
    await conn.readRequest(); // the close, pipelined behind it
    await conn.readRequest(); // until the client closes
  });
  const client = await dial(server.port, { closeTimeoutMs: 300 });
  await client.write(new Uint8Array(1537));
  while (server.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
  await noHang(client.close(), "close");
  await noHang(server.done(), "server script");
  assertEquals(server.requests.map((r) => `${r.head.target} ${r.body.length}`), [
    "/open/1 1",
    "/send/abc/0 1537",
    "/close/abc/1 1",
  ]);
});

Deno.test("rtmpt client: an IPv6 literal goes into Host in brackets", async (t) => {
  let server;
  try {
    server = scriptedServer(async (conn) => {
      await answerOpen(conn);
      await conn.readRequest(); // close
      await conn.write(ok("\x01"));
    }, "::1");
  } catch {
    console.log(`${t.name}: skipped: no IPv6 loopback here`);
    return;
  }
  await using _ = server;
  const client = await rtmptDialer(tcpDialer)({ host: "::1", port: server.port });
  await client.close();
  await noHang(server.done(), "server script");
  assertEquals(
    server.requests.map((r) => r.head.headers.get("host")),
    [`[::1]:${server.port}`, `[::1]:${server.port}`],
  );
});
