/**
 * Publisher.open follows NetConnection.Connect.Rejected with a redirect target, as downloads do:
 * a scripted server redirects, rtmpkit's server takes the publish.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import type { ConnectRequest } from "../../src/server/mod.ts";
import { Publisher } from "../../src/session/publisher.ts";
import { SessionError } from "../../src/session/session_error.ts";
import type { RedirectTarget } from "../../src/url/redirect_target.ts";
import { connectTcp } from "../../transports/tcp.ts";
import type { Transport } from "../../transports/transport.ts";
import { startRedirector as redirector } from "../cli/_fake_server.ts";
import { encodeFlv, startServer, syntheticTags } from "../server/_helpers.ts";

async function* chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

Deno.test("Publisher.open follows a redirect: the target's URL is the tcUrl, its path the app, the name stays", async () => {
  const connects: ConnectRequest[] = [];
  await using s = await startServer({ hooks: { onConnect: (r) => void connects.push(r) } });
  const target = `rtmp://127.0.0.1:${s.port}/live`;
  await using moved = redirector(() => target);
  const dialed: (RedirectTarget | undefined)[] = [];
  const lines: string[] = [];
  const publisher = await Publisher.open(async (to) => {
    dialed.push(to);
    return await connectTcp("127.0.0.1", to?.port ?? moved.port);
  }, {
    app: "old",
    playpath: "key",
    tcUrl: moved.url("old"),
    log: (_level, line) => lines.push(line),
  });
  const tags = syntheticTags({ durationMs: 1000 });
  try {
    await publisher.publishFlv(chunks(encodeFlv(tags)), { realtime: false });
  } finally {
    await publisher.close();
  }
  assertEquals(dialed.map((t) => t?.tcUrl), [undefined, target]);
  assertEquals(lines.filter((l) => /Redirected/.test(l)), [`Redirected to ${target}`]);
  assertEquals(connects.map((c) => [c.app, c.tcUrl]), [["live", target]]);
  assertEquals(moved.accepted, 1);
  assertEquals(s.server.stats.publishes, 1);
  assert(s.lines.some((l) => l.includes('publish "live/key"')), s.lines.join("\n"));
});

Deno.test("Publisher.open follows a bounded number of redirects and refuses a target it cannot follow", async () => {
  await using loop = redirector(() => loop.url("again"));
  const dial = async () => await connectTcp("127.0.0.1", loop.port);
  await rejects(
    Publisher.open(dial, { app: "again", playpath: "key", maxRedirects: 2 }),
    (err) => err instanceof SessionError && /redirected more than 2 times/.test(err.message),
  );
  assertEquals(loop.accepted, 3, "the first connection and two redirects");
  await rejects(
    Publisher.open(dial, { app: "again", playpath: "key", maxRedirects: 0 }),
    (err) => err instanceof SessionError && /redirected more than 0 times/.test(err.message),
  );
  assertEquals(loop.accepted, 4);
  await using elsewhere = redirector(() => "http://example.com/live");
  await rejects(
    Publisher.open(async () => await connectTcp("127.0.0.1", elsewhere.port), {
      app: "live",
      playpath: "key",
    }),
    (err) =>
      err instanceof SessionError &&
      err.message === "Cannot publish: cannot follow the redirect to http://example.com/live",
  );
  assertEquals(elsewhere.accepted, 1);
});

Deno.test("Publisher.open: a redirect to rtmpe:// gets the encrypted handshake (C0 6)", async () => {
  await using s = await startServer();
  await using toRtmpe = redirector(() => `rtmpe://127.0.0.1:${s.port}/live`);
  const c0s: number[] = [];
  const dial = async (to?: RedirectTarget): Promise<Transport> => {
    const inner = await connectTcp("127.0.0.1", to?.port ?? toRtmpe.port);
    let first = true;
    return {
      get remoteAddr() {
        return inner.remoteAddr;
      },
      read: () => inner.read(),
      write(data) {
        if (first) c0s.push(data[0]);
        first = false;
        return inner.write(data);
      },
      close: () => inner.close(),
    };
  };
  const publisher = await Publisher.open(dial, { app: "old", playpath: "enc" });
  await publisher.close();
  assertEquals(c0s, [3, 6]);
  assertEquals(s.server.stats.publishes, 1);
});

Deno.test("Publisher.open does not send its credentials to a redirect target on another server", async () => {
  const users = new Map([["bob", "secret"]]);
  const connects: string[] = [];
  await using s = await startServer({
    publisherAuth: { method: "adobe", users },
    hooks: { onConnect: (r) => void connects.push(r.app) },
  });
  // Another port is another server: the credentials were given for the redirector only.
  await using moved = redirector(() => `rtmp://127.0.0.1:${s.port}/live`);
  const lines: string[] = [];
  await rejects(
    Publisher.open(async (to) => await connectTcp("127.0.0.1", to?.port ?? moved.port), {
      app: "old",
      playpath: "key",
      tcUrl: moved.url("old"),
      credentials: { user: "bob", password: "secret" },
      log: (_level, line) => lines.push(line),
    }),
  );
  assert(
    lines.some((l) => l.startsWith("Not sending the user name and password to 127.0.0.1")),
    lines.join("\n"),
  );
  assert(connects.every((app) => !app.includes("bob")), connects.join("\n"));
  assertEquals(s.server.stats.publishes, 0);
});
