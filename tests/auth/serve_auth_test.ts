/**
 * Publisher authentication end to end: rtmpkit's `publish` and ffmpeg publish to rtmpkit's
 * server requiring adobe or llnw authentication, with the right and a wrong password, and a
 * player that is not a publisher still plays.
 */
import { ok, strictEqual } from "node:assert/strict";
import { parseServeArgs } from "../../src/cli/serve.ts";
import { RtmpServer } from "../../src/server/rtmp_server.ts";
import { runCli } from "../cli/_run_cli.ts";
import { findExecutable, interopTest, runProcess } from "../interop/_harness.ts";

const SAMPLE = new URL("../../assets/sample.flv", import.meta.url).pathname;
const RUN_TIMEOUT_MS = 60_000;

async function startServer(method: "adobe" | "llnw", log: string[]): Promise<RtmpServer> {
  const server = new RtmpServer({
    listen: ["rtmp://127.0.0.1:0"],
    publisherAuth: { method, users: new Map([["bob", "s3cret"], ["amy", "x:y@z"]]) },
    log: (_level, message) => log.push(message),
  });
  await server.start();
  return server;
}

function url(server: RtmpServer, credentials: string, name: string): string {
  return `rtmp://${credentials}127.0.0.1:${server.addresses[0].port}/live/${name}`;
}

for (const method of ["adobe", "llnw"] as const) {
  Deno.test(`rtmpkit publish authenticates with ${method} to rtmpkit serve`, async () => {
    const log: string[] = [];
    const server = await startServer(method, log);
    try {
      const good = await runCli(["publish", "--fast", SAMPLE, url(server, "bob:s3cret@", "a")], {
        timeoutMs: RUN_TIMEOUT_MS,
      });
      strictEqual(good.code, 0, good.stderr);
      ok(log.some((l) => l.includes('publisher authenticated as "bob"')), log.join("\n"));
      ok(log.some((l) => l.includes('publish "live/a"')), log.join("\n"));
      // A password with ":" and "@", percent-encoded in the URL.
      const encoded = await runCli(
        ["publish", "--fast", SAMPLE, url(server, "amy:x%3Ay%40z@", "b")],
        { timeoutMs: RUN_TIMEOUT_MS },
      );
      strictEqual(encoded.code, 0, encoded.stderr);

      const wrong = await runCli(["publish", "--fast", SAMPLE, url(server, "bob:nope@", "c")], {
        timeoutMs: RUN_TIMEOUT_MS,
      });
      strictEqual(wrong.code, 1, wrong.stderr);
      ok(
        wrong.stderr.includes("ERROR: Authentication failed: wrong user name or password"),
        wrong.stderr,
      );
      // One ERROR line for the refusal; the answered challenge before it is no error.
      strictEqual(wrong.stderr.match(/^ERROR:/gm)?.length, 1, wrong.stderr);
      // The server's log says each step in words and never holds a challenge or a response.
      for (
        const step of ["asked for credentials", "challenge sent", "wrong user name or password"]
      ) {
        ok(log.some((l) => l.endsWith(`: ${method} authentication, ${step}`)), log.join("\n"));
      }
      ok(!log.some((l) => /response=|challenge=|salt=|nonce=|opaque=/.test(l)), log.join("\n"));
      const none = await runCli(["publish", "--fast", SAMPLE, url(server, "", "d")], {
        timeoutMs: RUN_TIMEOUT_MS,
      });
      strictEqual(none.code, 1, none.stderr);
      ok(none.stderr.includes("give user:password in the URL"), none.stderr);
      ok(!log.some((l) => /publish "live\/[cd]" \(/.test(l)), log.join("\n"));
    } finally {
      await server.close();
    }
  });

  interopTest(`ffmpeg publishes with ${method} authentication to rtmpkit serve`, {
    peers: ["ffmpeg"],
  }, async () => {
    const log: string[] = [];
    const server = await startServer(method, log);
    const ffmpeg = findExecutable("ffmpeg") ?? "ffmpeg";
    const publish = (credentials: string, name: string) =>
      runProcess(ffmpeg, [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        SAMPLE,
        "-c",
        "copy",
        "-f",
        "flv",
        url(server, credentials, name),
      ], { timeoutMs: RUN_TIMEOUT_MS });
    try {
      const good = await publish("bob:s3cret@", "ff");
      strictEqual(good.code, 0, good.stderr);
      ok(log.some((l) => l.includes('publish "live/ff"')), log.join("\n"));
      const wrong = await publish("bob:wrong@", "bad");
      ok(wrong.code !== 0, "ffmpeg with a wrong password should fail");
      ok(!log.some((l) => l.includes('publish "live/bad" (')), log.join("\n"));
    } finally {
      await server.close();
    }
  });
}

Deno.test("with publisher authentication on, players connect without credentials", async () => {
  const log: string[] = [];
  const server = await startServer("adobe", log);
  try {
    // The connect is accepted without a challenge; play then fails with StreamNotFound.
    const play = await runCli(
      ["-r", `rtmp://127.0.0.1:${server.addresses[0].port}/live/nothing`, "-o", "/dev/null"],
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    ok(play.stderr.includes("NetStream.Play.StreamNotFound"), play.stderr);
    ok(!log.some((l) => l.includes("authentication")), log.join("\n"));
  } finally {
    await server.close();
  }
});

Deno.test("parseServeArgs reads --auth, --user and --swf-verify", () => {
  const options = parseServeArgs([
    "--root",
    "/srv",
    "--auth",
    "llnw",
    "--user",
    "bob:pw",
    "--user=amy:a:b",
    "--swf-verify",
    "player.swf",
  ]);
  if (options === "help") throw new Error("unexpected help");
  strictEqual(options.publisherAuth?.method, "llnw");
  strictEqual(options.publisherAuth?.users.get("bob"), "pw");
  strictEqual(options.publisherAuth?.users.get("amy"), "a:b");
  strictEqual(options.swfVerifyFile, "player.swf");
  for (
    const [args, message] of [
      [["--auth", "basic"], /--auth needs adobe or llnw, got "basic"/],
      [["--auth", "adobe"], /--auth needs at least one --user/],
      [["--user", "bob:pw"], /--user needs --auth/],
      [["--auth", "adobe", "--user", "bob"], /--user needs NAME:PASS, got "bob"/],
      [["--auth", "adobe", "--user", ":pw"], /--user needs NAME:PASS/],
    ] as const
  ) {
    let thrown: unknown;
    try {
      parseServeArgs(["--root", "/srv", ...args]);
    } catch (err) {
      thrown = err;
    }
    ok(thrown instanceof TypeError && message.test(thrown.message), String(thrown));
  }
});
