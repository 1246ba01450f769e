/**
 * Ctrl-C (SIGINT) and SIGTERM at the moments a new user presses them: while `publish` waits
 * for a server that never answers, while `--swfVfy` fetches the SWF, and during the handshake.
 * Every wait must end on a signal, with one of rtmpdump's exit codes and lines that say what
 * happened. The peers here are listeners in this process that accept a connection and then say
 * nothing.
 *
 * Each test's doc comment says what went wrong before the wait took the signal.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runRtmpkit } from "../_process.ts";
import { SAMPLE_FLV, tempDir } from "../server/_helpers.ts";
import { waitFor } from "../_wait.ts";

/** How long a command may take to react to a signal (a "no hang" limit: it should be at once). */
const SIGNAL_LIMIT_MS = 15_000;
/** Hard limit of a run: past it the process group is killed and the test fails. */
const RUN_LIMIT_MS = 90_000;
/** How long to wait for the command to reach the silent peer. */
const REACH_LIMIT_MS = 60_000;

/** A TCP listener on 127.0.0.1 that accepts connections and never sends or reads a byte. */
function silentPeer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) held.push(conn);
    } catch {
      // Closed.
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get connections() {
      return held.length;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of held) {
        try {
          conn.close();
        } catch {
          // Closed by the peer.
        }
      }
      await accepting;
    },
  };
}

/** Resolves true once `status` settles, false after `ms`. */
async function exitsWithin(status: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([status.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `publish` to a server that accepts the connection and never answers the handshake (here a
 * silent listener; against nginx-rtmp's play-only application it is the same wait for the
 * publish reply) ends on SIGINT. It once printed nothing and ignored SIGINT, a second SIGINT
 * and SIGTERM: `Publisher.open` (src/session/publisher.ts) took no abort signal.
 */
Deno.test("publish to a server that never answers ends on Ctrl-C", async () => {
  await using peer = silentPeer();
  const reactions: string[] = [];
  const run = await runRtmpkit(
    ["publish", SAMPLE_FLV, `rtmp://127.0.0.1:${peer.port}/live/x`],
    {
      timeoutMs: RUN_LIMIT_MS,
      onSpawn: async (child) => {
        await waitFor(() => peer.connections > 0, REACH_LIMIT_MS, "publish to connect");
        for (const signal of ["SIGINT", "SIGINT", "SIGTERM"] as const) {
          child.kill(signal);
          if (await exitsWithin(child.status, SIGNAL_LIMIT_MS)) return;
          reactions.push(`still running ${SIGNAL_LIMIT_MS} ms after ${signal}`);
        }
        throw new Error(`publish ignores signals: ${reactions.join(", ")}`);
      },
    },
  );
  assertEquals(reactions, [], run.stderr);
  assert([1, 2, 3].includes(run.code), `exit ${run.code}\n${run.stderr}`);
});

/**
 * Ctrl-C while `--swfVfy` fetches the SWF is caught as rtmpdump catches it ("Caught signal: 2,
 * cleaning up, just a second...") and ends with one of its codes, not with the runtime's
 * default action (exit status 130, nothing said): src/cli/download.ts installs its signal
 * handlers before the fetch, and the fetch takes the abort signal.
 */
Deno.test("Ctrl-C while --swfVfy fetches the SWF is caught and reported", async () => {
  await using peer = silentPeer();
  await using home = await tempDir();
  const run = await runRtmpkit([
    "--swfVfy",
    `http://127.0.0.1:${peer.port}/player.swf`,
    "-r",
    "rtmp://127.0.0.1:1/vod/x",
    "-o",
    `${home.path}/x.flv`,
  ], {
    timeoutMs: RUN_LIMIT_MS,
    env: { HOME: home.path },
    onSpawn: async (child) => {
      await waitFor(() => peer.connections > 0, REACH_LIMIT_MS, "the SWF request");
      child.kill("SIGINT");
      if (!await exitsWithin(child.status, SIGNAL_LIMIT_MS)) {
        throw new Error(`still running ${SIGNAL_LIMIT_MS} ms after SIGINT`);
      }
    },
  });
  assert([0, 1, 2, 3].includes(run.code), `exit status ${run.code}, not rtmpdump's\n${run.stderr}`);
  assert(run.stderr.includes("Caught signal: 2, cleaning up, just a second..."), run.stderr);
});

/**
 * Ctrl-C during the handshake (the server accepted and has not answered yet) prints rtmpdump's
 * two lines only, without "ERROR: Connection closed during the handshake" before "ERROR:
 * RTMP_Connect1, handshake failed.": nobody closed the connection, the user interrupted
 * (src/cli/download.ts, `reportConnectFailure`).
 */
Deno.test("Ctrl-C during the handshake prints rtmpdump's lines only", async () => {
  await using peer = silentPeer();
  await using dir = await tempDir();
  const run = await runRtmpkit(
    ["-r", `rtmp://127.0.0.1:${peer.port}/vod/x`, "-o", `${dir.path}/x.flv`],
    {
      timeoutMs: RUN_LIMIT_MS,
      onSpawn: async (child) => {
        await waitFor(() => peer.connections > 0, REACH_LIMIT_MS, "the connection");
        child.kill("SIGINT");
        if (!await exitsWithin(child.status, SIGNAL_LIMIT_MS)) {
          throw new Error(`still running ${SIGNAL_LIMIT_MS} ms after SIGINT`);
        }
      },
    },
  );
  assertEquals(run.code, 3, run.stderr);
  assertEquals(run.stderr.split("\n").slice(2), [
    "Connecting ...",
    "Caught signal: 2, cleaning up, just a second...",
    "ERROR: RTMP_Connect1, handshake failed.",
    "",
  ]);
});
