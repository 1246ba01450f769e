/**
 * Run with Bun (`bun tests/transports/_bun_tls_pair.ts CA CERT KEY`): the TLS listener and client
 * on `node:tls`, as Bun runs them, through the checks of the conformance suite that matter for
 * them: bytes exact both ways at once, a writer held back by a server that reads nothing, close
 * ending the peer's reads after what was sent (close_notify), a write to a closed peer failing.
 * Prints one JSON line with what it saw; tls_bun_test.ts judges it.
 *
 * @module
 */

import process from "node:process";
import { tcpDialer } from "../../transports/dialer.ts";
import { tlsDialer } from "../../transports/tls.ts";
import { listenTls } from "../../transports/tls_listener.ts";
import type { Transport } from "../../transports/transport.ts";

const [ca, certFile, keyFile] = process.argv.slice(2);
const VOLUME = 4 * 1024 * 1024;
const HOLD_LIMIT = 200 * 1024 * 1024;

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function readAll(transport: Transport, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const data = await transport.read();
    if (data === null) break;
    out.set(data.subarray(0, Math.min(data.length, length - filled)), filled);
    filled += data.length;
  }
  return out.subarray(0, Math.min(filled, length));
}

async function writeAll(transport: Transport, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.length; offset += 60_000) {
    await transport.write(data.subarray(offset, offset + 60_000));
  }
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

const listener = await listenTls({ hostname: "127.0.0.1", port: 0, certFile, keyFile });
const incoming = listener.accept()[Symbol.asyncIterator]();
const dial = tlsDialer(tcpDialer, { caFile: ca });
async function pair(): Promise<[Transport, Transport]> {
  const client = await dial({ host: "localhost", port: listener.addr.port });
  const server = (await incoming.next()).value as Transport;
  return [client, server];
}

const result: Record<string, unknown> = {};

{
  const [client, server] = await pair();
  const up = pattern(VOLUME, 1);
  const down = pattern(VOLUME >> 2, 2);
  const [, , gotUp, gotDown] = await Promise.all([
    writeAll(client, up),
    writeAll(server, down),
    readAll(server, up.length),
    readAll(client, down.length),
  ]);
  result.exact = same(gotUp, up) && same(gotDown, down);
  await client.close();
  await server.close();
}

{
  const [client, server] = await pair();
  const piece = pattern(64 * 1024, 3);
  let handedOver = 0;
  let stop = false;
  const writer = (async () => {
    while (!stop && handedOver < HOLD_LIMIT) {
      await client.write(piece);
      handedOver += piece.length;
    }
  })();
  writer.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 1500));
  result.heldBackAt = handedOver;
  stop = true;
  const reader = (async () => {
    while ((await server.read()) !== null) { /* drain */ }
  })();
  await writer;
  await client.close();
  await reader;
  await server.close();
}

{
  const [client, server] = await pair();
  const data = pattern(300_000, 4);
  await client.write(data);
  await client.close();
  const got = await readAll(server, data.length + 1);
  result.closeKeepsBytes = same(got, data);
  result.readAfterEnd = await server.read();
  await server.close();
}

{
  const [client, server] = await pair();
  await server.close();
  let failed = false;
  for (let i = 0; i < 4096 && !failed; i++) {
    try {
      await client.write(new Uint8Array(16 * 1024));
    } catch {
      failed = true;
    }
    if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  result.writeToClosedFails = failed;
  await client.close();
}

await listener.close();
console.log(JSON.stringify(result));
process.exit(0);
