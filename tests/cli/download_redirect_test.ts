/**
 * The downloader's command line follows a redirect (NetConnection.Connect.Rejected with
 * `ex.redirect`) and takes its credentials (`-u/--auth`, `-C/--conn`, `-T/--token`,
 * `-j/--jtv`) only to the server they were given for: scripted servers record what the real
 * `cli.ts` sends to a redirect target on another server (without them, and one line says so)
 * and to one on the same server (all of them, as given).
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { AmfObject, type AmfValue } from "../../src/amf/mod.ts";
import { type CommandMessage, decodeCommand, MessageType } from "../../src/message/mod.ts";
import { readFlvFile, runRtmpkit } from "./_cli_process.ts";
import {
  type FakePeer,
  objectOf,
  startFakeServer,
  startRedirector,
  STREAM_ID,
} from "./_fake_server.ts";

/** A run's hard limit: far above what a short download takes on a loaded machine. */
const RUN_TIMEOUT_MS = 60_000;
/** The server's SecureToken challenge (whole 8-digit groups, as rtmpdump decrypts them). */
const CHALLENGE = "deadbeefcafebabe0011223344556677";
/** Media messages the serving script sends before Play.Complete. */
const MEDIA_COUNT = 6;

const CREDENTIAL_ARGS = [
  "-u",
  "user-secret",
  "-C",
  "S:extra-secret",
  "-C",
  "B:1",
  "-T",
  "token key",
  "-j",
  '{"usher":"secret"}',
];

/** What one connection of a serving script received from the client. */
interface Received {
  /** The connect command. */
  connect: CommandMessage;
  /** Names of the other commands, until play. */
  commands: string[];
}

/**
 * Plays the part of a server that asks for a SecureToken and serves a short stream to the end:
 * connect (its `_result` carries `secureToken`), createStream, play, media, Play.Complete.
 */
async function serve(peer: FakePeer, received: Received[]): Promise<void> {
  const connect = await peer.expectCommand("connect");
  if (connect === null) return;
  const seen: Received = { connect, commands: [] };
  received.push(seen);
  await peer.sendCommand([
    "_result",
    connect.transactionId,
    objectOf({ fmsVer: "FMS/3,5,7,7009", capabilities: 31 }),
    objectOf({
      level: "status",
      code: "NetConnection.Connect.Success",
      description: "Connection succeeded.",
      secureToken: CHALLENGE,
    }),
  ]);
  for (;;) {
    const message = await peer.nextMessage();
    if (message === null) return;
    if (message.typeId !== MessageType.CommandAmf0) continue;
    const command = decodeCommand(message);
    seen.commands.push(command.name);
    if (command.name === "createStream") {
      await peer.sendCommand(["_result", command.transactionId, null, STREAM_ID]);
    } else if (command.name === "play") break;
  }
  await peer.sendStatus("NetStream.Play.Start");
  await peer.sendMedia(MEDIA_COUNT);
  await peer.sendStatus("NetStream.Play.Complete");
  await peer.stall();
}

/** The values after connect's command object: the `--auth` pair, then the `--conn` items. */
function connectExtras(connect: CommandMessage): AmfValue[] {
  return connect.args;
}

/** connect's tcUrl. */
function tcUrlOf(connect: CommandMessage): AmfValue | undefined {
  return connect.commandObject instanceof AmfObject
    ? connect.commandObject.get("tcUrl")
    : undefined;
}

const GIVEN_EXTRAS: AmfValue[] = [true, "user-secret", "extra-secret", true];

async function download(url: string): Promise<{ code: number; stderr: string; tags: number }> {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-redirect-" });
  try {
    const out = `${dir}/out.flv`;
    const run = await runRtmpkit(["-r", url, ...CREDENTIAL_ARGS, "-m", "10", "-o", out], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    if (run.timedOut) throw new Error(`cli.ts was killed after ${RUN_TIMEOUT_MS} ms`);
    const flv = await readFlvFile(out);
    return { code: run.code, stderr: run.stderr, tags: flv.tags.length };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cli.ts follows a redirect to another server without --auth, --conn, --token and --jtv", async () => {
  const served: Received[] = [];
  await using target = startFakeServer(async (peer) => {
    if (await peer.handshake()) await serve(peer, served);
  });
  const origin: CommandMessage[] = [];
  // Another port is another server: the credentials were given for the redirector only.
  const targetUrl = target.url("moved");
  await using redirector = startRedirector(() => targetUrl, (c) => void origin.push(c));
  const run = await download(redirector.url("vod/clip"));
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.tags, MEDIA_COUNT, run.stderr);
  // The first server got them all, as rtmpdump sends them.
  assertEquals(origin.map(connectExtras), [GIVEN_EXTRAS]);
  assertEquals(served.length, 1, run.stderr);
  assertEquals(connectExtras(served[0].connect), []);
  assertEquals(tcUrlOf(served[0].connect), targetUrl);
  assert(!served[0].commands.includes("secureTokenResponse"), served[0].commands.join());
  assert(
    !served[0].commands.includes("NetStream.Authenticate.UsherToken"),
    served[0].commands.join(),
  );
  const lines = run.stderr.split("\n");
  const at = lines.indexOf(`INFO: Redirected to ${targetUrl}`);
  assert(at >= 0, run.stderr);
  assertEquals(
    lines[at + 1],
    "INFO: Not sending the credentials (--auth, --conn, --token, --jtv) to 127.0.0.1: they " +
      "were given for another server or a protected connection",
  );
  assertEquals(lines.filter((l) => l.includes("Not sending")).length, 1, run.stderr);
  assert(lines.includes("Download complete"), run.stderr);
});

Deno.test("cli.ts follows a redirect on the same server with every credential, as given", async () => {
  const served: Received[] = [];
  const origin: CommandMessage[] = [];
  await using server = startFakeServer(async (peer, index) => {
    if (!(await peer.handshake())) return;
    if (index > 0) return await serve(peer, served);
    const connect = await peer.expectCommand("connect");
    if (connect === null) return;
    origin.push(connect);
    await peer.redirect(connect.transactionId, server.url("moved"));
  });
  const run = await download(server.url("vod/clip"));
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.tags, MEDIA_COUNT, run.stderr);
  assertEquals(origin.map(connectExtras), [GIVEN_EXTRAS]);
  assertEquals(served.map((s) => connectExtras(s.connect)), [GIVEN_EXTRAS]);
  assertEquals(tcUrlOf(served[0].connect), server.url("moved"));
  assert(served[0].commands.includes("secureTokenResponse"), served[0].commands.join());
  assert(
    served[0].commands.includes("NetStream.Authenticate.UsherToken"),
    served[0].commands.join(),
  );
  assert(run.stderr.includes(`INFO: Redirected to ${server.url("moved")}\n`), run.stderr);
  assert(!run.stderr.includes("Not sending"), run.stderr);
});
