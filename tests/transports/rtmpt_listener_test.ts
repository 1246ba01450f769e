import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { HttpDecoder, type HttpResponseHead } from "../../transports/http1.ts";
import type { Listener } from "../../transports/listen.ts";
import { listen, listenScheme } from "../../transports/listen.ts";
import { rtmptListener, type RtmptListenerOptions } from "../../transports/rtmpt_listener.ts";
import { listenTcp } from "../../transports/tcp_listener.ts";
import type { Transport } from "../../transports/transport.ts";
import { concat, latin1, text } from "./_scripted_http.ts";

/** A decoded answer. */
interface Answer {
  head: HttpResponseHead;
  body: string;
}

/** A hand-driven HTTP client: writes raw requests, reads whole answers. */
class RawClient {
  readonly #conn: Deno.Conn;
  readonly #decoder = new HttpDecoder("response");
  #answers: Answer[] = [];
  #current: Answer | undefined;
  #ended = false;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes a librtmp-style POST. */
  async post(path: string, body: string | Uint8Array = "\x00"): Promise<void> {
    const bytes = typeof body === "string" ? latin1(body) : body;
    await this.raw(
      concat(
        latin1(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Keep-Alive\r\n` +
            `Content-type: application/x-fcs\r\nContent-length: ${bytes.length}\r\n\r\n`,
        ),
        bytes,
      ),
    );
  }

  async raw(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? latin1(data) : data;
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  /** The next whole answer; null when the server closed the connection first. */
  async answer(): Promise<Answer | null> {
    const buffer = new Uint8Array(256 * 1024);
    while (this.#answers.length === 0) {
      if (this.#ended) return null;
      const n = await this.#conn.read(buffer).catch(() => null);
      const events = n === null ? this.#decoder.end() : this.#decoder.push(buffer.subarray(0, n));
      if (n === null) this.#ended = true;
      for (const e of events) {
        if (e.type === "head" && e.head.kind === "response") {
          this.#current = { head: e.head, body: "" };
        } else if (e.type === "body") this.#current!.body += text(e.data);
        else if (e.type === "end") this.#answers.push(this.#current!);
      }
    }
    return this.#answers.shift()!;
  }

  /** Posts and returns the answer. */
  async call(path: string, body?: string | Uint8Array): Promise<Answer> {
    await this.post(path, body);
    const answer = await this.answer();
    assert(answer !== null, `no answer to ${path}`);
    return answer;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }
}

/** A tunnel listener on TCP and a way to take its sessions. */
async function start(options: RtmptListenerOptions = {}) {
  const listener = rtmptListener(await listenTcp({ hostname: "127.0.0.1", port: 0 }), options);
  const iterator = listener.accept()[Symbol.asyncIterator]();
  const sessions: Transport[] = [];
  return {
    listener,
    port: listener.addr.port,
    sessions,
    /** The next session the listener hands out. */
    async session(): Promise<Transport> {
      const next = await iterator.next();
      assert(!next.done, "a session");
      sessions.push(next.value);
      return next.value;
    },
    async [Symbol.asyncDispose]() {
      for (const s of sessions) await s.close();
      await listener.close();
    },
  };
}

/** Opens a session: returns its id. */
async function open(client: RawClient): Promise<string> {
  const answer = await client.call("/open/1");
  assertEquals(answer.head.status, 200);
  assert(answer.body.endsWith("\n"), "the id ends with a newline");
  return answer.body.slice(0, -1);
}

async function readString(t: Transport, length: number): Promise<string> {
  let out = "";
  while (out.length < length) {
    const data = await t.read();
    if (data === null) break;
    out += text(data);
  }
  return out;
}

Deno.test("rtmpt listener: open answers an id and a newline with headers librtmp can parse", async () => {
  await using server = await start();
  const client = await RawClient.connect(server.port);
  try {
    await client.post("/open/1");
    const answer = (await client.answer())!;
    assertEquals(answer.head.status, 200);
    assertEquals(answer.head.minorVersion, 1);
    assertEquals(answer.head.headers.get("content-type"), "application/x-fcs");
    assert(answer.head.keepAlive);
    assert(/^[0-9a-f]{16}\n$/.test(answer.body), JSON.stringify(answer.body));
    const session = await server.session();
    assertEquals(session.remoteAddr.hostname, "127.0.0.1");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: sends become reads, writes come back after the interval byte", async () => {
  await using server = await start();
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    // The application answers at once: the answer to the send carries it.
    const echo = (async () => {
      const data = await session.read();
      await session.write(concat(latin1("re:"), data!));
    })();
    const answer = await client.call(`/send/${id}/0`, "hello");
    await echo;
    assertEquals(answer.body, "\x01re:hello");
    // Output written later goes out in the answer to an idle.
    await session.write(latin1("later"));
    assertEquals((await client.call(`/idle/${id}/1`)).body, "\x01later");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: the interval byte grows with empty answers and drops when data flows", async () => {
  await using server = await start({ pollUnitMs: 1 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    const bytes: number[] = [];
    for (let seq = 0; seq < 45; seq++) {
      bytes.push((await client.call(`/idle/${id}/${seq}`)).body.charCodeAt(0));
    }
    assertEquals(bytes, [
      ...Array(9).fill(1),
      ...Array(10).fill(2),
      ...Array(10).fill(4),
      ...Array(10).fill(8),
      ...Array(6).fill(16),
    ]);
    await session.write(latin1("x"));
    assertEquals((await client.call(`/idle/${id}/45`)).body, "\x01x");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: an idle request is held until output arrives", async () => {
  // A hold of up to 33 × 1000 ms: only output can end it within the bound below.
  await using server = await start({ pollUnitMs: 1000 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    await client.post(`/idle/${id}/0`);
    setTimeout(() => session.write(latin1("news")), 50);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = await Promise.race([
      client.answer(),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 30_000))),
    ]);
    clearTimeout(timer);
    assert(answer !== null, "the held idle was not answered within 30 s of the output");
    assertEquals(answer.body, "\x01news");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: pipelined requests are answered in order", async () => {
  await using server = await start({ pollUnitMs: 1000 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    // librtmp posts a send while its idle is unanswered, on the same connection.
    await client.post(`/idle/${id}/0`);
    await client.post(`/send/${id}/1`, "abc");
    const first = await client.answer();
    assertEquals(first?.body, "\x01");
    assertEquals(await readString(session, 3), "abc");
    assertEquals((await client.answer())?.body[0], "\x01");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: unknown sessions, paths and methods, and malformed requests", async () => {
  await using server = await start();
  const client = await RawClient.connect(server.port);
  try {
    assertEquals((await client.call("/idle/nosuch/0")).head.status, 404);
    assertEquals((await client.call("/send/nosuch/0", "data")).head.status, 404);
    assertEquals((await client.call("/fcs/ident2")).head.status, 404);
    await client.raw("GET /open/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    const get = await client.answer();
    assertEquals(get?.head.status, 405);
    assertEquals(get?.head.headers.get("allow"), "POST");
    await client.raw("NOT HTTP AT ALL\r\n\r\n");
    const bad = await client.answer();
    assertEquals(bad?.head.status, 400);
    assertEquals(bad?.head.keepAlive, false);
    assertEquals(await client.answer(), null, "the connection is closed after a bad request");
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: close ends the application's reads after what was sent", async () => {
  await using server = await start();
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    await client.call(`/send/${id}/0`, "last words");
    const closed = await client.call(`/close/${id}/1`);
    assertEquals(closed.head.status, 200);
    assertEquals(closed.body.length, 1, "an interval byte (ffmpeg reads one)");
    assertEquals(await readString(session, 100), "last words");
    assertEquals(await session.read(), null);
    await rejects(session.write(latin1("x")), /closed/);
    assertEquals((await client.call(`/idle/${id}/2`)).head.status, 404);
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: a session the application closed answers its output, then 410", async () => {
  await using server = await start();
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    await session.write(latin1("goodbye"));
    await session.close();
    assertEquals((await client.call(`/idle/${id}/0`)).body, "\x01goodbye");
    assertEquals((await client.call(`/idle/${id}/1`)).head.status, 410);
    assertEquals((await client.call(`/idle/${id}/2`)).head.status, 404);
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: sessions beyond the limit are refused with 503", async () => {
  await using server = await start({ maxSessions: 2 });
  const client = await RawClient.connect(server.port);
  try {
    await open(client);
    await open(client);
    assertEquals((await client.call("/open/1")).head.status, 503);
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: a client that stops polling is expired and costs bounded memory", async () => {
  await using server = await start({ idleTimeoutMs: 300, sessionBufferBytes: 64 * 1024 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    // The application writes far more than the client fetches: its writes are held back.
    let handedOver = 0;
    const writer = (async () => {
      const piece = new Uint8Array(16 * 1024);
      for (;;) {
        await session.write(piece);
        handedOver += piece.length;
      }
    })();
    // The session expires: the held write fails, reads end.
    const failure = await writer.then(() => undefined, (err) => err);
    assert(failure instanceof Error && /closed/.test(failure.message), String(failure));
    assert(handedOver <= 64 * 1024 + 16 * 1024, `${handedOver} bytes queued for a silent client`);
    assertEquals(await session.read(), null);
    // The idle keep-alive connection was closed too; a new one finds the session gone.
    assertEquals(await client.answer(), null);
    const again = await RawClient.connect(server.port);
    try {
      assertEquals((await again.call(`/idle/${id}/0`)).head.status, 404);
    } finally {
      again.close();
    }
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: a client sending faster than the application reads waits for its answer", async () => {
  await using server = await start({ sessionBufferBytes: 64 * 1024 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    const session = await server.session();
    const big = new Uint8Array(1024 * 1024).fill(7);
    await client.post(`/send/${id}/0`, big);
    const answered = client.answer();
    let done = false;
    answered.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    assert(!done, "the send was answered before the application read it");
    let read = 0;
    while (read < big.length) read += (await session.read())!.length;
    assertEquals((await answered)?.head.status, 200);
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: listen() opens it for the rtmpt scheme on port 80 by default", async () => {
  const scheme = listenScheme("RTMPT");
  assertEquals(scheme?.defaultPort, 80);
  const listener: Listener = await listen({ scheme: "rtmpt", hostname: "127.0.0.1", port: 0 });
  try {
    const client = await RawClient.connect(listener.addr.port);
    try {
      assertEquals((await client.call("/open/1")).head.status, 200);
    } finally {
      client.close();
    }
  } finally {
    await listener.close();
  }
});

Deno.test("rtmpt listener: a send the application never reads ends the session at the idle timeout", async () => {
  await using server = await start({ idleTimeoutMs: 300, sessionBufferBytes: 64 * 1024 });
  const client = await RawClient.connect(server.port);
  try {
    const id = await open(client);
    await server.session(); // taken, never read
    await client.post(`/send/${id}/0`, new Uint8Array(1024 * 1024));
    assertEquals(await client.answer(), null, "the connection is closed, not held forever");
    const again = await RawClient.connect(server.port);
    try {
      assertEquals((await again.call(`/idle/${id}/1`)).head.status, 404);
    } finally {
      again.close();
    }
  } finally {
    client.close();
  }
});

Deno.test("rtmpt listener: once closed, it lets go of ended sessions and their connections soon", async () => {
  // The idle timeout is a minute: only the short grace after close can end this in time.
  const listener = rtmptListener(await listenTcp({ hostname: "127.0.0.1", port: 0 }));
  const client = await RawClient.connect(listener.addr.port);
  try {
    await open(client);
    for await (const session of listener.accept()) {
      await session.close();
      break;
    }
    await listener.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      client.answer().then(() => "closed"),
      new Promise((resolve) => (timer = setTimeout(() => resolve("still open"), 20_000))),
    ]);
    clearTimeout(timer);
    assertEquals(ended, "closed", "the keep-alive connection was still open 20 s after close");
  } finally {
    client.close();
  }
});
