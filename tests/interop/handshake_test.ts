/**
 * Handshake interop with real peers over loopback TCP: our ClientHandshake against nginx-rtmp,
 * and Debian's rtmpdump against our ServerHandshake. Skipped with a message when a peer is not
 * installed, unless CI=true, where a missing peer fails the test.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ClientHandshake } from "../../src/handshake/client_handshake.ts";
import { ServerHandshake } from "../../src/handshake/server_handshake.ts";
import { DEFAULT_WAIT_MS, within } from "../_wait.ts";
import { interopTest, REPO_ROOT, runRtmpdump, startNginxRtmp } from "./_harness.ts";

/** "No hang" limit of one step (a read, a whole session) of a handshake with a real peer. */
const STEP_LIMIT_MS = DEFAULT_WAIT_MS;

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

/**
 * An AMF0 `connect("live")` command on chunk stream 3 (fmt 0, message stream 0), hand-encoded
 * so that this test needs nothing above the handshake layer.
 */
const CONNECT_CHUNK = Uint8Array.from([
  0x03, // fmt 0, csid 3
  0x00,
  0x00,
  0x00, // timestamp 0
  0x00,
  0x00,
  0x23, // message length 35
  0x14, // typeId 20: AMF0 command
  0x00,
  0x00,
  0x00,
  0x00, // messageStreamId 0
  0x02,
  0x00,
  0x07,
  ...new TextEncoder().encode("connect"), // string "connect"
  0x00,
  0x3f,
  0xf0,
  0,
  0,
  0,
  0,
  0,
  0, // number 1 (transactionId)
  0x03, // object
  0x00,
  0x03,
  ...new TextEncoder().encode("app"),
  0x02,
  0x00,
  0x04,
  ...new TextEncoder().encode("live"),
  0x00,
  0x00,
  0x09, // object end
]);

/** Runs a client handshake with `port`, then sends connect and returns the first reply bytes. */
async function clientHandshake(
  port: number,
  mode: "plain" | "fp9",
): Promise<{ client: ClientHandshake; reply: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const client = new ClientHandshake({ mode });
    await writeAll(conn, await client.start());
    const buffer = new Uint8Array(65536);
    let reply = new Uint8Array(0);
    while (!client.done || reply.length < 12) {
      const n = await within(conn.read(buffer), STEP_LIMIT_MS, "waiting for a read from nginx");
      if (n === null) throw new Error("nginx closed the connection");
      if (client.done) {
        reply = Uint8Array.from([...reply, ...buffer.subarray(0, n)]);
        continue;
      }
      const step = await client.receive(buffer.subarray(0, n));
      if (step.send) await writeAll(conn, step.send);
      if (step.done) {
        reply = step.rest ? step.rest.slice() : reply;
        await writeAll(conn, CONNECT_CHUNK);
      }
    }
    return { client, reply };
  } finally {
    conn.close();
  }
}

/** nginx-rtmp answers connect with protocol control messages on chunk stream 2 first. */
function assertControlReply(reply: Uint8Array): void {
  strictEqual(reply[0] & 0x3f, 2, "csid of the first reply chunk");
  ok([1, 5, 6].includes(reply[7]), `typeId ${reply[7]} of the first reply message`);
}

interopTest(
  "ClientHandshake completes plain and fp9 handshakes with nginx-rtmp",
  { peers: ["nginx-rtmp"] },
  async () => {
    await using nginx = await startNginxRtmp({
      mediaDir: `${REPO_ROOT}/assets`,
      errorLogLevel: "debug",
    });
    const plain = await clientHandshake(nginx.port, "plain");
    strictEqual(plain.client.usedDigest, false);
    strictEqual(plain.client.serverType, 3);
    deepStrictEqual(plain.client.warnings, []);
    assertControlReply(plain.reply);

    const fp9 = await clientHandshake(nginx.port, "fp9");
    strictEqual(fp9.client.usedDigest, true, "S1 digest and S2 signature verified");
    // nginx-rtmp's server version 13.14.10.13.
    deepStrictEqual(fp9.client.serverVersion, Uint8Array.of(13, 14, 10, 13));
    strictEqual(fp9.client.swfVerificationKey?.length, 32);
    deepStrictEqual(fp9.client.warnings, []);
    assertControlReply(fp9.reply);
    ok(!(await nginx.errorLog()).includes("digest not found"), "nginx found the C1 digest");
  },
);

/** Serves one connection with ServerHandshake; resolves with it and the first bytes after C2. */
async function serveOnce(
  listener: Deno.Listener,
): Promise<{ server: ServerHandshake; after: Uint8Array }> {
  const conn = await listener.accept();
  try {
    const server = new ServerHandshake();
    const buffer = new Uint8Array(65536);
    let after = new Uint8Array(0);
    while (!server.done || after.length === 0) {
      const n = await within(conn.read(buffer), STEP_LIMIT_MS, "waiting for a read from rtmpdump");
      if (n === null) throw new Error("rtmpdump closed the connection");
      if (server.done) {
        after = buffer.slice(0, n);
        continue;
      }
      const step = await server.receive(buffer.subarray(0, n));
      if (step.send) await writeAll(conn, step.send);
      if (step.rest) after = step.rest.slice();
    }
    return { server, after };
  } finally {
    conn.close();
  }
}

/** Runs rtmpdump -V against a one-connection ServerHandshake; returns both sides' views. */
async function rtmpdumpAgainstServer(extraArgs: string[]) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    let served: Awaited<ReturnType<typeof serveOnce>> | undefined;
    const args = ["-r", `rtmp://127.0.0.1:${port}/app/x`, "-V", "-m", "2", "-o", "/dev/null"];
    const run = await runRtmpdump([...args, ...extraArgs], {
      onSpawn: async () => {
        served = await within(serveOnce(listener), STEP_LIMIT_MS, "waiting for rtmpdump's session");
      },
    });
    return { ...served!, log: run.stderr };
  } finally {
    listener.close();
  }
}

interopTest(
  "rtmpdump completes plain and fp9 handshakes with ServerHandshake",
  { peers: ["rtmpdump"] },
  async () => {
    const plain = await rtmpdumpAgainstServer([]);
    strictEqual(plain.server.usedDigest, false);
    deepStrictEqual(plain.server.warnings, []);
    ok(plain.log.includes("Handshaking finished"), plain.log);
    strictEqual(plain.after[0], 0x03, "connect arrives on chunk stream 3, fmt 0");

    // -w/-x set SWF verification data, which makes librtmp use the digest handshake.
    const fp9 = await rtmpdumpAgainstServer(["-w", "ab".repeat(32), "-x", "1000"]);
    strictEqual(fp9.server.usedDigest, true);
    deepStrictEqual(fp9.server.clientVersion, Uint8Array.of(10, 0, 45, 2));
    deepStrictEqual(fp9.server.warnings, [], "librtmp's C2 signature verified");
    ok(fp9.log.includes("Genuine Adobe Flash Media Server"), fp9.log);
    ok(fp9.log.includes("Handshaking finished"), fp9.log);
    strictEqual(fp9.after[0], 0x03, "connect arrives on chunk stream 3, fmt 0");
  },
);
