import { deepStrictEqual as assertEquals, ok as assert, rejects, throws } from "node:assert/strict";
import { parseServeArgs } from "../../src/cli/serve.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import { LISTEN_SCHEMES } from "../../transports/listen.ts";
import { runCli as runRtmpkit, waitFor } from "./_run_cli.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { connectTcp } from "../../transports/tcp.ts";
import { RawClient } from "../server/_helpers.ts";
import { processState } from "../_process.ts";

const ASSETS = new URL("../../assets", import.meta.url).pathname;

Deno.test("parseServeArgs reads --root, repeated --listen, limits and log levels", () => {
  assertEquals(
    parseServeArgs([
      "--root",
      "media",
      "--listen",
      "rtmp://127.0.0.1:1940",
      "--listen=rtmp://[::1]:1941",
      "--max-connections",
      "5",
      "--idle-timeout=2.5",
      "--player-queue",
      "1024",
      "--max-message-size",
      "65536",
      "-V",
    ]),
    {
      root: "media",
      listen: [
        { scheme: "rtmp", hostname: "127.0.0.1", port: 1940 },
        { scheme: "rtmp", hostname: "::1", port: 1941 },
      ],
      limits: {
        maxConnections: 5,
        idleTimeoutMs: 2500,
        playerQueueBytes: 1024,
        maxMessageSize: 65536,
      },
      level: LogLevel.DEBUG,
    },
  );
  assertEquals(parseServeArgs(["--root", "x"]), {
    root: "x",
    listen: [{ scheme: "rtmp", hostname: "127.0.0.1", port: 1935 }],
    limits: {},
    level: LogLevel.INFO,
  });
  assertEquals(parseServeArgs(["--help"]), "help");
});

Deno.test("parseServeArgs refuses missing values, bad numbers, unknown options and schemes", () => {
  throws(() => parseServeArgs([]), /--root/);
  throws(() => parseServeArgs(["--root"]), /needs a value/);
  throws(() => parseServeArgs(["--root", "x", "--max-connections", "0"]), /positive integer/);
  throws(() => parseServeArgs(["--root", "x", "--idle-timeout", "soon"]), /seconds/);
  throws(() => parseServeArgs(["--root", "x", "--bogus"]), /Unknown option/);
  throws(
    () => parseServeArgs(["--root", "x", "--listen", "foo://127.0.0.1:443"]),
    new TypeError('Cannot listen on "foo://127.0.0.1:443": unknown scheme foo://'),
  );
});

Deno.test("cli.ts serve: serves the root, logs each connection, stops cleanly on SIGTERM", async () => {
  let served = 0;
  const run = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "rtmp://127.0.0.1:0"], {
    onSpawn: async (child, stderr) => {
      await waitFor(
        () => /Serving .* on rtmp:\/\/127\.0\.0\.1:\d+/.test(stderr()),
        "the server to listen",
      );
      const port = Number(/on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr())![1]);
      const result = await downloadFlv(`rtmp://127.0.0.1:${port}/vod/sample.flv`, (b) => {
        served += b.length;
      });
      assertEquals(result.reason, "complete");
      await waitFor(() => /closed/.test(stderr()), "the close line");
      child.kill("SIGTERM");
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assert(served > 200_000);
  for (
    const line of [
      /INFO: #1 connection from 127\.0\.0\.1:\d+/,
      /INFO: #1 connect app "vod"/,
      /INFO: #1 play "sample" \(vod .*sample\.flv\)/,
      /INFO: #1 closed: /,
      /INFO: Caught SIGTERM, closing the server/,
      /INFO: Served 1 play and 0 publishes on 1 connection; refused 0 connections, 0 plays and 0 publishes; \d+ bytes out, 0 frames dropped/,
    ]
  ) {
    assert(line.test(run.stderr), `${line} in:\n${run.stderr}`);
  }
});

Deno.test("cli.ts serve: an unknown listen scheme is one error line, then the usage (exit 1)", async () => {
  const run = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "foo://127.0.0.1:1"]);
  assertEquals(run.code, 1);
  const [first, second] = run.stderr.split("\n");
  assertEquals(first, 'ERROR: Cannot listen on "foo://127.0.0.1:1": unknown scheme foo://');
  assertEquals(second, "Usage: rtmpkit serve --root DIR [--listen URL ...] [options]");
  for (const entry of LISTEN_SCHEMES) {
    assert(run.stderr.includes(`${entry.scheme}://HOST[:${entry.defaultPort}]`), run.stderr);
  }
});

Deno.test("cli.ts serve: an rtmps:// listener without --cert/--key is refused (exit 1); a busy port is an error (exit 1)", async () => {
  const rtmps = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "rtmps://127.0.0.1:0"]);
  assertEquals(rtmps.code, 1);
  assertEquals(
    rtmps.stderr,
    "ERROR: Cannot listen on rtmps://: a certificate and key are needed (--cert, --key)\n",
  );
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const run = await runRtmpkit([
      "serve",
      "--root",
      ASSETS,
      "--listen",
      `rtmp://127.0.0.1:${port}`,
    ]);
    assertEquals(run.code, 1);
    assertEquals(
      run.stderr,
      `ERROR: Cannot listen on 127.0.0.1:${port}: port ${port} is already in use\n`,
    );
  } finally {
    busy.close();
  }
});

Deno.test("cli.ts serve --root: a missing folder or a file is refused in words (exit 1)", async () => {
  const missing = await runRtmpkit([
    "serve",
    "--root",
    `${ASSETS}/nope`,
    "--listen",
    "rtmp://127.0.0.1:0",
  ]);
  assertEquals(missing.code, 1);
  assertEquals(
    missing.stderr,
    `ERROR: Cannot serve ${ASSETS}/nope: the folder ${ASSETS}/nope does not exist\n`,
  );
  const file = await runRtmpkit([
    "serve",
    "--root",
    `${ASSETS}/sample.flv`,
    "--listen",
    "rtmp://127.0.0.1:0",
  ]);
  assertEquals(file.code, 1, file.stderr);
  assertEquals(
    file.stderr,
    `ERROR: Cannot serve ${ASSETS}/sample.flv: it is a file, not a folder\n`,
  );
});

Deno.test("cli.ts serve: the summary counts a refused publish as refused, not served; a stuck client does not hold up SIGTERM", async () => {
  const run = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "rtmp://127.0.0.1:0"], {
    onSpawn: async (child, stderr) => {
      await waitFor(
        () => /Serving .* on rtmp:\/\/127\.0\.0\.1:\d+/.test(stderr()),
        "the server to listen",
      );
      const port = Number(/on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr())![1]);
      const first = await Publisher.connect(await connectTcp("127.0.0.1", port), {
        app: "live",
        playpath: "key",
      });
      await rejects(
        Publisher.connect(await connectTcp("127.0.0.1", port), { app: "live", playpath: "key" }),
        /NetStream\.Publish\.BadName/,
      );
      // A player that never reads: the server's writes to it stall.
      const stuck = await RawClient.open(port);
      await stuck.connect("vod");
      stuck.stopReading();
      await stuck.play(await stuck.createStream(), "sample", 0);
      await waitFor(() => /play "sample"/.test(stderr()), "the play");
      child.kill("SIGTERM");
      await waitFor(() => /Served/.test(stderr()), "the summary after SIGTERM");
      await first.close();
      await stuck.close();
    },
  });
  assertEquals(run.code, 0, run.stderr);
  assert(
    /Served 1 play and 1 publish on 3 connections; refused 0 connections, 0 plays and 1 publish;/
      .test(run.stderr),
    run.stderr,
  );
});

Deno.test("cli.ts serve: a second signal while closing exits at once (exit 2, no summary)", async () => {
  const run = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "rtmp://127.0.0.1:0"], {
    onSpawn: async (child, stderr) => {
      await waitFor(() => /Serving .* on rtmp:/.test(stderr()), "the server to listen");
      // Stopped, the process gets SIGINT and SIGTERM pending together; resumed, it starts
      // closing on the first and leaves on the second, before closing can end (closing waits
      // for the accept loops, which end only after the event loop turns).
      child.kill("SIGSTOP");
      await waitFor(() => processState(child.pid) === "T", "the server process to stop");
      child.kill("SIGINT");
      child.kill("SIGTERM");
      child.kill("SIGCONT");
    },
  });
  assertEquals([run.code, run.signal], [2, null], run.stderr);
  assertEquals(run.stderr.match(/Caught SIG/g)?.length, 1, run.stderr);
  assert(!/Served/.test(run.stderr), `no summary after the second signal:\n${run.stderr}`);
});
