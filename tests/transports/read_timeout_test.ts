import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { createPipe } from "../../transports/pipe.ts";
import type { Deadline } from "../../transports/deadline.ts";
import { type ReadTimeoutClock, ReadTimeoutTransport } from "../../transports/read_timeout.ts";
import { TimeoutError } from "../../transports/transport_error.ts";

/** A clock that moves only when told to, firing the deadlines that come due. */
class FakeClock implements ReadTimeoutClock {
  time = 0;
  started = 0;
  #deadlines: { at: number; fire: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  startDeadline(ms: number, onExpiry: () => void): Deadline {
    this.started++;
    const entry = { at: this.time + ms, fire: onExpiry, cancelled: false };
    this.#deadlines.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  get armed(): number {
    return this.#deadlines.filter((d) => !d.cancelled).length;
  }

  /** Moves time forward, firing due deadlines in order, and lets promise reactions run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const due = this.#deadlines.filter((d) => !d.cancelled && d.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      due.cancelled = true;
      due.fire();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

/** Lets pending promise reactions (and the pipe's own hand-offs) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const byte = (n: number) => new Uint8Array([n]);

Deno.test("ReadTimeoutTransport returns data that arrives in time", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 1000, clock);
  const read = reader.read();
  await clock.advance(999);
  await b.write(byte(7));
  assertEquals(await read, byte(7));
  await reader.close();
  await b.close();
});

Deno.test("ReadTimeoutTransport gives each read its full time, however long the stream runs", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 1000, clock);
  // Ten reads, each answered after 700 ms: 7 s in all, never 1 s without data.
  for (let i = 0; i < 10; i++) {
    const read = reader.read();
    let settled = false;
    read.then(() => (settled = true), () => (settled = true));
    await clock.advance(700);
    assert(!settled, `read ${i} settled before its data came`);
    await b.write(byte(i));
    assertEquals(await read, byte(i), `read ${i}`);
  }
  // One deadline per read that waited past the previous deadline, not more.
  assert(clock.started <= 10, `${clock.started} deadlines for 10 reads`);
  await reader.close();
  await b.close();
});

Deno.test("ReadTimeoutTransport arms one deadline for many quick reads", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 30_000, clock);
  for (let i = 0; i < 200; i++) {
    const read = reader.read();
    await b.write(byte(i & 0xff));
    assertEquals(await read, byte(i & 0xff));
    await clock.advance(10);
  }
  assertEquals(clock.started, 1);
  await reader.close();
  assertEquals(clock.armed, 0, "close cancels the deadline");
  await b.close();
});

Deno.test("ReadTimeoutTransport rejects a stalled read and keeps its bytes for the next", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 1000, clock);
  const first = reader.read();
  await clock.advance(400);
  // A read that came after 400 ms of another's waiting still gets its own 1000 ms...
  await b.write(byte(1));
  assertEquals(await first, byte(1));
  const second = reader.read();
  await clock.advance(999);
  let settled = false;
  second.then(() => (settled = true), () => (settled = true));
  await settle();
  assert(!settled, "the second read timed out early");
  // ...and no more.
  await clock.advance(1);
  await rejects(second, (err: unknown) => {
    assert(err instanceof TimeoutError);
    assertEquals(err.message, "No data received for 1 s");
    return true;
  });
  await b.write(byte(2));
  assertEquals(await reader.read(), byte(2), "the bytes that came late");
  await reader.close();
  await b.close();
});

Deno.test("ReadTimeoutTransport with timeout 0 never times out", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 0, clock);
  const read = reader.read();
  await clock.advance(3_600_000);
  await b.write(byte(9));
  assertEquals(await read, byte(9));
  assertEquals(clock.started, 0);
  await b.close();
  assertEquals(await reader.read(), null);
  await reader.close();
});

Deno.test("ReadTimeoutTransport passes the inner transport's errors and end through", async () => {
  const [a, b] = createPipe();
  const clock = new FakeClock();
  const reader = new ReadTimeoutTransport(a, 1000, clock);
  const read = reader.read();
  await b.close();
  assertEquals(await read, null);
  await reader.close();
  await rejects(reader.write(byte(1)));
});
