/**
 * rtmpkit's command line over rtmpt:// against scripted HTTP servers: its requests are the ones
 * Debian's rtmpdump sends (request lines, headers and their order, bodies' lengths), and every
 * way a server can fail during the open (dropping the connection, silence, garbage, a truncated
 * or refused answer, a session it then forgets) ends in exit code 3 with one error line, within
 * the timeout, with little CPU spent while waiting (rtmpdump spins at 100 % CPU forever when the
 * server drops the connection during the open).
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  type RawRequest,
  type ScriptedConnection,
  scriptedServer,
  text,
} from "../transports/_scripted_http.ts";
import { interopTest, rtmpkitCommand, runRtmpdump, runRtmpkit } from "./_harness.ts";
import { runMeasured } from "./_tunnel_peers.ts";

/** The request heads and body lengths of one connection, with the port made neutral. */
function shape(requests: RawRequest[], port: number): string[] {
  return requests.map((r) => {
    const raw = text(r.raw);
    const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replaceAll(`:${port}`, ":PORT");
    return `${head}\n[${r.body.length} bytes, first ${r.body[0]}]`;
  });
}

interopTest(
  "rtmpkit over rtmpt sends rtmpdump's requests, byte for byte but C1's random bytes",
  { peers: ["rtmpdump"] },
  async () => {
    const byConnection: RawRequest[][] = [];
    // Answers the open, takes the handshake's first send without answering it, and records
    // what follows until the client hangs up (both give up after -m 1 and post /close).
    await using server = scriptedServer(async (conn: ScriptedConnection) => {
      const seen: RawRequest[] = [];
      byConnection[conn.index] = seen;
      for (;;) {
        const request = await conn.readRequest();
        if (request === null) return;
        seen.push(request);
        if (request.head.target === "/open/1") {
          await conn.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabc\n",
          );
        }
      }
    });
    const url = `rtmpt://127.0.0.1:${server.port}/vod/x`;
    const rtmpdump = await runRtmpdump(["-r", url, "-o", "/dev/null", "-m", "1"], {
      timeoutMs: 30_000,
    });
    const rtmpkit = await runRtmpkit(["-r", url, "-o", "/dev/null", "-m", "1"], {
      timeoutMs: 30_000,
    });
    await server[Symbol.asyncDispose]();
    assertEquals(rtmpkit.code, rtmpdump.code, `exit code\n${rtmpkit.stderr}`);
    const theirs = shape(byConnection[0], server.port);
    assertEquals(theirs.length, 3, `rtmpdump's requests:\n${theirs.join("\n")}`);
    assertEquals(shape(byConnection[1] ?? [], server.port), theirs);
    // Open and close bodies are one zero byte; the send is C0 (version 3) + C1.
    assertEquals(byConnection[1].map((r) => r.body.length), [1, 1537, 1]);
    assertEquals(byConnection[1][2].body, new Uint8Array(1));
  },
);

/** Runs rtmpkit's CLI (Deno) under /usr/bin/time against a server running `script`. */
async function failOpen(
  script: (conn: ScriptedConnection) => Promise<void>,
  timeoutSec = 30,
) {
  await using server = scriptedServer(script);
  const [command, ...prefix] = rtmpkitCommand("deno");
  const url = `rtmpt://127.0.0.1:${server.port}/vod/x`;
  const result = await runMeasured(command, [
    ...prefix,
    "-r",
    url,
    "-o",
    "/dev/null",
    "-m",
    `${timeoutSec}`,
  ], { timeoutMs: 60_000 });
  const errors = result.stderr.split("\n").filter((l) => l.startsWith("ERROR:"));
  assert(!result.timedOut, `still running after 60 s (${result.cpuMs} ms CPU)`);
  assert(!/\n\s+at /.test(result.stderr), `a stack trace:\n${result.stderr}`);
  return { ...result, errors, port: server.port };
}

interopTest(
  "rtmpkit -r rtmpt://: a server that drops the connection during the open is exit 3 at once",
  { peers: ["time"] },
  async () => {
    const run = await failOpen(async (conn) => {
      await conn.readRequest();
    });
    assertEquals(run.code, 3, run.stderr);
    assertEquals(run.errors, [
      `ERROR: Cannot open an RTMPT session with ` +
      `127.0.0.1:${run.port}: the server closed the connection without answering /open/1`,
    ]);
    assert(run.durationMs < 20_000, `took ${run.durationMs} ms with a 30 s timeout`);
  },
);

interopTest(
  "rtmpkit -r rtmpt://: a server that never answers the open is exit 3 at the -m timeout, no spin",
  { peers: ["time"] },
  async () => {
    const run = await failOpen(async (conn) => {
      await conn.readRequest();
      await conn.readRequest(); // never answered; returns when the client gives up
    }, 3);
    assertEquals(run.code, 3, run.stderr);
    assertEquals(run.errors.length, 1, run.stderr);
    assert(run.errors[0].endsWith(": no answer to /open/1 within 3 s"), run.errors[0]);
    assert(run.durationMs >= 3000, `gave up after ${run.durationMs} ms, before -m 3`);
    assert(
      run.cpuMs < run.durationMs / 2,
      `${run.cpuMs} ms of CPU in ${Math.round(run.durationMs)} ms of waiting`,
    );
  },
);

interopTest(
  "rtmpkit -r rtmpt://: broken or refused open answers are exit 3 with one line",
  { peers: ["time"] },
  async (t) => {
    const cases: [string, string, string][] = [
      [
        "garbage",
        "SSH-2.0-OpenSSH_9.2\r\n",
        'is not valid HTTP (it does not start with HTTP/1.x ("SSH-2.0-"))',
      ],
      [
        "a truncated answer",
        "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nabc",
        "is not valid HTTP (the connection closed after 3 of 20 body bytes)",
      ],
      [
        "404",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "the server answered /open/1 with 404 Not Found",
      ],
      [
        "an HTTP/1.0 refusal",
        "HTTP/1.0 403 Forbidden\r\n\r\n",
        "the server answered /open/1 with 403 Forbidden",
      ],
      [
        "an unusable id",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\na b/\n",
        "the server's session id is not usable",
      ],
    ];
    for (const [name, reply, expected] of cases) {
      await t.step(name, async () => {
        const run = await failOpen(async (conn) => {
          await conn.readRequest();
          await conn.write(reply);
        });
        assertEquals(run.code, 3, run.stderr);
        assertEquals(run.errors.length, 1, run.stderr);
        assert(run.errors[0].endsWith(expected), run.errors[0]);
      });
    }
  },
);

interopTest(
  "rtmpkit -r rtmpt://: a server that forgets the session during the handshake is exit 3",
  { peers: ["time"] },
  async () => {
    const run = await failOpen(async (conn) => {
      await conn.readRequest();
      await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabc\n");
      for (;;) {
        const request = await conn.readRequest();
        if (request === null) return;
        await conn.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      }
    });
    assertEquals(run.code, 3, run.stderr);
    assert(
      run.errors.some((l) => l.endsWith("the server does not know session abc (404 Not Found)")),
      run.stderr,
    );
  },
);
