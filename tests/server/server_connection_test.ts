import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder } from "../../src/chunk/mod.ts";
import { type ConnectionHost, ServerConnection } from "../../src/server/server_connection.ts";
import { ClientHandshake } from "../../src/handshake/mod.ts";
import { clientHandshake } from "../../src/session/handshake_driver.ts";
import type { ServerSessionEvent } from "../../src/session/server_session_event.ts";
import { createPipe } from "../../transports/pipe.ts";
import type { Transport } from "../../transports/transport.ts";
import { waitFor } from "../_wait.ts";

/** The server end of a pipe whose reads or writes can be made to fail as a socket's would. */
class BreakableTransport implements Transport {
  readonly #inner: Transport;
  failRead: Error | undefined;
  failWrite: Error | undefined;
  #wakeRead: (() => void) | undefined;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  get remoteAddr() {
    return this.#inner.remoteAddr;
  }

  async read(): Promise<Uint8Array | null> {
    if (this.failRead) throw this.failRead;
    const broken = new Promise<null>((resolve) => (this.#wakeRead = () => resolve(null)));
    const data = await Promise.race([this.#inner.read(), broken]);
    if (this.failRead) throw this.failRead;
    return data;
  }

  write(data: Uint8Array): Promise<void> {
    if (this.failWrite) return Promise.reject(this.failWrite);
    return this.#inner.write(data);
  }

  /** Makes the read in flight fail. */
  breakRead(err: Error): void {
    this.failRead = err;
    this.#wakeRead?.();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** A connection on a pipe, handshaken; resolves to the client end and the close reason. */
async function connection(host: Partial<ConnectionHost> = {}) {
  const [client, server] = createPipe();
  const transport = new BreakableTransport(server);
  let reason: string | undefined;
  const events: ServerSessionEvent[] = [];
  const conn = new ServerConnection(transport, {
    onEvent: (c, e) => {
      events.push(e);
      host.onEvent?.(c, e);
    },
    onClose: (_c, r) => (reason = r),
  });
  const running = conn.run();
  await clientHandshake(client, { mode: "plain" });
  return { client, transport, conn, running, events, reason: () => reason };
}

function command(name: string, txn: number, ...args: unknown[]): Uint8Array {
  const encoder = new ChunkEncoder();
  encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    // deno-lint-ignore no-explicit-any
    payload: encodeAmf0(name, txn, ...(args as any[])),
  });
  return encoder.takeOutput();
}

Deno.test("ServerConnection says in words why a connection broke off (reset, broken pipe)", async () => {
  const reset = await connection();
  reset.transport.breakRead(
    Object.assign(new Error("Connection reset by peer (os error 104)"), {
      name: "ConnectionReset",
    }),
  );
  await reset.running;
  assertEquals(reset.reason(), "connection reset by the peer");

  const pipe = await connection({
    onEvent: (c, e) => {
      if (e.type === "connect") {
        c.session.acceptConnect(e.transactionId);
        c.flush();
      }
    },
  });
  pipe.transport.failWrite = Object.assign(new Error("Broken pipe (os error 32)"), {
    name: "BrokenPipe",
  });
  await pipe.client.write(command("connect", 1, { app: "live" }));
  await pipe.running;
  assertEquals(pipe.reason(), "cannot send: the peer closed the connection");
});

Deno.test("ServerConnection closes a connection whose queued output passes maxQueuedBytes", async () => {
  const c = await connection({
    onEvent: (conn, e) => {
      if (e.type === "connect") conn.session.acceptConnect(e.transactionId);
    },
  });
  c.conn.maxQueuedBytes = 4096;
  await c.client.write(command("connect", 1, { app: "live" }));
  // The client never reads: each createStream is answered, and the answers pile up in the pipe
  // (1 MiB), then in the connection's queue.
  let sent = 0;
  while (!c.conn.closed && sent < 100_000) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) batch.push(command("createStream", 2 + sent + i, null));
    sent += 500;
    const bytes = new Uint8Array(batch.reduce((n, b) => n + b.length, 0));
    let off = 0;
    for (const b of batch) {
      bytes.set(b, off);
      off += b.length;
    }
    await c.client.write(bytes).catch(() => {});
  }
  await c.running;
  assert(/^the client does not read: \d+ bytes queued$/.test(c.reason() ?? ""), c.reason());
  assert(c.conn.queuedBytes < 1024 * 1024, `${c.conn.queuedBytes} bytes still queued`);
});

/** `count` createStream calls in one buffer, as a flooding client sends them. */
function createStreams(count: number): Uint8Array {
  const encoder = new ChunkEncoder();
  for (let i = 0; i < count; i++) {
    encoder.write({
      csid: 3,
      typeId: 20,
      timestamp: 0,
      messageStreamId: 0,
      payload: encodeAmf0("createStream", 2 + i, null),
    });
  }
  return encoder.takeOutput();
}

/** Accepts connect at once. */
const acceptConnect: ConnectionHost["onEvent"] = (c, e) => {
  if (e.type === "connect") c.session.acceptConnect(e.transactionId);
};

/**
 * A connection on a pipe whose reads return up to `readSize` bytes at once (default 8 MiB, a
 * large socket read) and that holds up to `highWaterMark` unread bytes each way (a socket's
 * buffers).
 */
async function wideConnection(
  onEvent: ConnectionHost["onEvent"] = acceptConnect,
  highWaterMark = 16 << 20,
  readSize = 8 << 20,
) {
  const [client, server] = createPipe({ readSize, highWaterMark });
  let reason: string | undefined;
  const conn = new ServerConnection(server, { onEvent, onClose: (_c, r) => (reason = r) });
  const running = conn.run();
  await clientHandshake(client, { mode: "plain" });
  return { client, conn, running, reason: () => reason };
}

Deno.test("ServerConnection stops answering a large read of requests once its queue passes the bound", async () => {
  // The client reads nothing: 64 KiB of replies fill the pipe, then the connection's queue.
  const c = await wideConnection(acceptConnect, 64 * 1024);
  c.conn.maxQueuedBytes = 64 * 1024;
  await c.client.write(command("connect", 1, { app: "live" }));
  const flood = createStreams(200_000);
  assert(flood.length > 2 * 1024 * 1024, `${flood.length} bytes`);
  const writing = c.client.write(flood).catch(() => {});
  await c.running;
  await writing;
  assert(/^the client does not read: \d+ bytes queued$/.test(c.reason() ?? ""), c.reason());
  // Closed within a few slices of the bound, not after answering all of it.
  const parsed = c.conn.session.bytesIn;
  assert(parsed < 512 * 1024, `${parsed} of ${flood.length} bytes parsed before closing`);
});

/**
 * Two connections on one event loop: the first gets 200,000 createStream calls (its queue is
 * not bounded, so it answers them all) in reads of `readSize`, the second a connect while the
 * first parses, written from a timer as a socket's data arrives after the event loop turns.
 * Resolves to how many bytes the first had parsed when the connect was handled, and the total.
 */
async function connectDuringFlood(readSize: number) {
  const a = await wideConnection(acceptConnect, 16 << 20, readSize);
  await a.client.write(command("connect", 1, { app: "live" }));
  await waitFor(() => a.conn.connected, "the first connection's connect");
  let parsedByA = -1;
  const b = await wideConnection((_c, e) => {
    if (e.type === "connect") parsedByA = a.conn.session.bytesIn;
  });
  const flood = createStreams(200_000);
  const total = a.conn.session.bytesIn + flood.length;
  const connecting = new Promise<void>((resolve, reject) =>
    setTimeout(() => b.client.write(command("connect", 1, { app: "live" })).then(resolve, reject))
  );
  await a.client.write(flood);
  await connecting;
  await waitFor(() => a.conn.session.bytesIn >= total, "the first connection's flood");
  const parsed = a.conn.session.bytesIn;
  for (const c of [a, b]) {
    c.conn.close("done");
    await c.running;
  }
  return { parsedByA, parsed, total };
}

Deno.test("ServerConnection: a large read of requests on one connection does not hold up another's", async () => {
  // The flood comes in one read.
  const { parsedByA, parsed, total } = await connectDuringFlood(8 << 20);
  assertEquals(parsed, total, "the first connection parsed the whole read");
  assert(parsedByA >= 0, "the second connection's connect was handled");
  assert(parsedByA < total, `the connect waited for all ${total} bytes of the other read`);
});

Deno.test("ServerConnection: a flood in small reads on one connection does not hold up another's", async () => {
  // 16 KiB per read, as a transport that hands over one TLS record per read delivers it: each
  // read is ready at once, so the reads follow one another without the event loop turning
  // unless the connection lets it.
  const { parsedByA, total } = await connectDuringFlood(16 * 1024);
  assert(parsedByA >= 0, "the second connection's connect was handled");
  assert(parsedByA < total, `the connect waited for all ${total} bytes of the other's reads`);
});

Deno.test("ServerConnection parses what comes with the end of the handshake as any read (bounded queue)", async () => {
  // C2, connect and 200,000 createStream calls in one write: one read on the server's side. The
  // client reads nothing: 64 KiB of replies fill the pipe, then the connection's queue.
  const [client, server] = createPipe({ readSize: 8 << 20, highWaterMark: 64 * 1024 });
  let reason: string | undefined;
  const conn = new ServerConnection(server, {
    onEvent: acceptConnect,
    onClose: (_c, r) => (reason = r),
  }, { maxQueuedBytes: 64 * 1024 });
  const running = conn.run();
  const handshake = new ClientHandshake({ mode: "plain" });
  await client.write(await handshake.start());
  let c2: Uint8Array | undefined;
  while (c2 === undefined) {
    const data = await client.read();
    assert(data !== null, "the server's S0+S1+S2");
    const step = await handshake.receive(data);
    if (step.done) c2 = step.send ?? new Uint8Array(0);
  }
  const connect = command("connect", 1, { app: "live" });
  const flood = createStreams(200_000);
  const all = new Uint8Array(c2.length + connect.length + flood.length);
  all.set(c2);
  all.set(connect, c2.length);
  all.set(flood, c2.length + connect.length);
  const writing = client.write(all).catch(() => {});
  await running;
  await writing;
  assert(/^the client does not read: \d+ bytes queued$/.test(reason ?? ""), reason);
  const parsed = conn.session.bytesIn;
  assert(parsed < 512 * 1024, `${parsed} of ${all.length} bytes parsed before closing`);
});

Deno.test("ServerConnection answers a read shorter than a full read in one write, however long it takes", async () => {
  // 500 createStream calls (about 15 KiB, four slices) in one read; the host spends 2 ms after
  // each slice, past the turn a full read would yield after. A client that does not keep the
  // socket full gets every answer in one write, as a live stream's players get each read's
  // messages in one write.
  const [client, server] = createPipe({ readSize: 8 << 20 });
  const writes: number[] = [];
  const counting: Transport = {
    get remoteAddr() {
      return server.remoteAddr;
    },
    read: () => server.read(),
    write: (data) => {
      writes.push(data.length);
      return server.write(data);
    },
    close: () => server.close(),
  };
  let slow = false;
  const conn = new ServerConnection(counting, {
    onEvent: acceptConnect,
    onReceived: () => {
      if (!slow) return;
      const until = performance.now() + 2;
      while (performance.now() < until) { /* the host's work on a slice */ }
    },
    onClose: () => {},
  });
  const running = conn.run();
  await clientHandshake(client, { mode: "plain" });
  await client.write(command("connect", 1, { app: "live" }));
  await waitFor(() => conn.connected, "connect");
  await waitFor(() => conn.queuedBytes === 0, "the connect's replies sent");
  const batch = createStreams(500);
  assert(batch.length > 3 * 4096 && batch.length < 64 * 1024, `${batch.length} bytes`);
  const before = writes.length;
  const total = conn.session.bytesIn + batch.length;
  slow = true;
  await client.write(batch);
  await waitFor(() => conn.session.bytesIn >= total && conn.queuedBytes === 0, "the answers");
  assertEquals(writes.length - before, 1, `writes of the answers: ${writes.slice(before)}`);
  conn.close("done");
  await running;
});
