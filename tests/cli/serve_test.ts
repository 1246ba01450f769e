import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { parseServeArgs } from "../../src/cli/serve.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import { downloadFlv } from "../../src/download_flv.ts";
import { UnsupportedTransportError } from "../../transports/transport_error.ts";
import { LISTEN_SCHEMES } from "../../transports/listen.ts";
import { runCli as runRtmpkit, waitFor } from "./_run_cli.ts";

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

Deno.test("parseServeArgs refuses missing values, bad numbers and transports that are not there yet", () => {
  throws(() => parseServeArgs([]), /--root/);
  throws(() => parseServeArgs(["--root"]), /needs a value/);
  throws(() => parseServeArgs(["--root", "x", "--max-connections", "0"]), /positive integer/);
  throws(() => parseServeArgs(["--root", "x", "--idle-timeout", "soon"]), /seconds/);
  throws(() => parseServeArgs(["--root", "x", "--bogus"]), /Unknown option/);
  const later = LISTEN_SCHEMES.find((s) => !s.available);
  if (later !== undefined) {
    throws(
      () => parseServeArgs(["--root", "x", "--listen", `${later.scheme}://127.0.0.1:443`]),
      UnsupportedTransportError,
    );
  }
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
      /INFO: Served 1 connections \(0 refused\)/,
    ]
  ) {
    assert(line.test(run.stderr), `${line} in:\n${run.stderr}`);
  }
});

Deno.test("cli.ts serve: an rtmps:// listener without --cert/--key is refused (exit 1); a busy port is an error (exit 1)", async () => {
  const rtmps = await runRtmpkit(["serve", "--root", ASSETS, "--listen", "rtmps://127.0.0.1:0"]);
  assertEquals(rtmps.code, 1);
  assert(/rtmps:\/\/ is not supported yet|--cert/.test(rtmps.stderr), rtmps.stderr);
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
    assert(
      /Cannot start the server: Cannot listen on 127\.0\.0\.1:\d+/.test(run.stderr),
      run.stderr,
    );
  } finally {
    busy.close();
  }
  const missing = await runRtmpkit([
    "serve",
    "--root",
    `${ASSETS}/nope`,
    "--listen",
    "rtmp://127.0.0.1:0",
  ]);
  assertEquals(missing.code, 1);
});
