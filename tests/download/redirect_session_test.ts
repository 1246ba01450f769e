/**
 * Which connect options a download takes to a redirect target: the target's app and tcUrl
 * always, the credentials (--auth, --conn, --token, --jtv) only to the server they were given
 * for.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  protectedEndpoint,
  redirectHandshake,
  redirectSession,
} from "../../src/download/redirect_session.ts";
import type { ClientSessionOptions } from "../../src/session/client_session.ts";
import { Protocol } from "../../src/url/protocol.ts";
import { keepsCredentials, resolveRedirect } from "../../src/url/redirect_target.ts";

const ORIGIN = { protocol: Protocol.RTMP, host: "media.example", port: 1935 };

const secureToken = (challenge: string) => `answer to ${challenge}`;

/** A session with every credential set, and options that are not credentials. */
const WITH_CREDENTIALS: ClientSessionOptions = {
  app: "vod",
  tcUrl: "rtmp://media.example:1935/vod",
  playpath: "mp4:clip",
  swfUrl: "http://media.example/player.swf",
  pageUrl: "http://media.example/watch",
  flashVer: "LNX 10,0,32,18",
  auth: "user-secret",
  conn: ["S:extra", true],
  secureToken,
  usherToken: '{"usher":"token"}',
  live: false,
  subscribe: "clip",
};

const to = (url: string) => resolveRedirect(url, "vod")!;

Deno.test("redirectSession: another host gets the target's app and tcUrl and no credentials", () => {
  const next = redirectSession(WITH_CREDENTIALS, ORIGIN, to("rtmp://edge.example/vod2/east"));
  assertEquals(next.withheld, ["--auth", "--conn", "--token", "--jtv"]);
  assertEquals(next.options, {
    app: "vod2/east",
    tcUrl: "rtmp://edge.example/vod2/east",
    playpath: "mp4:clip",
    swfUrl: "http://media.example/player.swf",
    pageUrl: "http://media.example/watch",
    flashVer: "LNX 10,0,32,18",
    live: false,
    subscribe: "clip",
  });
  // The caller's options are left as they were.
  assertEquals(WITH_CREDENTIALS.auth, "user-secret");
});

Deno.test("redirectSession: the same host and port keep every credential (rtmpdump's connect)", () => {
  for (const url of ["rtmp://media.example/vod2", "rtmp://MEDIA.example:1935/vod2"]) {
    const next = redirectSession(WITH_CREDENTIALS, ORIGIN, to(url));
    assertEquals(next.withheld, [], url);
    assertEquals(next.options, { ...WITH_CREDENTIALS, app: "vod2", tcUrl: url }, url);
    assertEquals(next.options.secureToken, secureToken);
  }
  // Encrypting on the way is no downgrade.
  assertEquals(
    redirectSession(WITH_CREDENTIALS, ORIGIN, to("rtmpe://media.example/x")).withheld,
    [],
  );
});

Deno.test("redirectSession: another port or a less protected stack is another server", () => {
  const all = ["--auth", "--conn", "--token", "--jtv"];
  assertEquals(
    redirectSession(WITH_CREDENTIALS, ORIGIN, to("rtmp://media.example:1936/vod")).withheld,
    all,
  );
  const tls = { protocol: Protocol.RTMPS, host: "media.example", port: 443 };
  assertEquals(
    redirectSession(WITH_CREDENTIALS, tls, to("rtmps://media.example/vod")).withheld,
    [],
  );
  assertEquals(
    redirectSession(WITH_CREDENTIALS, tls, to("rtmp://media.example:443/vod")).withheld,
    all,
  );
  const rtmpe = { protocol: Protocol.RTMPE, host: "media.example", port: 1935 };
  assertEquals(
    redirectSession(WITH_CREDENTIALS, rtmpe, to("rtmp://media.example/vod")).withheld,
    all,
  );
});

Deno.test("redirectSession names only the credentials that were given", () => {
  const plain = { app: "vod", playpath: "clip" };
  const elsewhere = to("rtmp://edge.example/vod");
  assertEquals(redirectSession(plain, ORIGIN, elsewhere), {
    options: { app: "vod", tcUrl: "rtmp://edge.example/vod", playpath: "clip" },
    withheld: [],
  });
  // No --conn items is no --conn; a token alone is the token alone.
  const some = { ...plain, conn: [], secureToken };
  const next = redirectSession(some, ORIGIN, elsewhere);
  assertEquals(next.withheld, ["--token"]);
  assertEquals([next.options.conn, next.options.secureToken], [undefined, undefined]);
});

Deno.test("redirectSession keeps the credentials exactly when keepsCredentials allows it", () => {
  const hosts = fc.constantFrom("media.example", "MEDIA.example", "edge.example", "127.0.0.1");
  const schemes = fc.constantFrom("rtmp", "rtmpe", "rtmps", "rtmpt", "rtmpte", "rtmpts");
  const ports = fc.constantFrom("", ":1935", ":443", ":80", ":1936");
  const origins = fc.record({
    protocol: fc.constantFrom(0, 1, 2, 3, 4, 5),
    host: hosts,
    port: fc.constantFrom(1935, 443, 80, 1936),
  });
  fc.assert(fc.property(origins, schemes, hosts, ports, (origin, scheme, host, port) => {
    const target = to(`${scheme}://${host}${port}/next`);
    const next = redirectSession(WITH_CREDENTIALS, origin, target);
    const keeps = keepsCredentials(origin, target);
    assertEquals(next.withheld.length === 0, keeps);
    assertEquals(next.options.auth, keeps ? WITH_CREDENTIALS.auth : undefined);
    assertEquals(next.options.usherToken, keeps ? WITH_CREDENTIALS.usherToken : undefined);
    assertEquals([next.options.app, next.options.playpath], ["next", "mp4:clip"]);
  }));
});

Deno.test("redirectHandshake: the target's scheme says whether the handshake is encrypted", () => {
  const swf = () => new Uint8Array(42);
  const rtmp = Protocol.RTMP;
  const rtmpe = Protocol.RTMPE;
  for (const protocol of [Protocol.RTMPE, Protocol.RTMPTE]) {
    assertEquals(redirectHandshake({ protocol: rtmp, handshake: "plain" }, protocol), "rtmpe");
    assertEquals(
      redirectHandshake({ protocol: rtmp, handshake: "fp9", swfVerification: swf }, protocol),
      "rtmpe",
    );
  }
  for (const protocol of [Protocol.RTMP, Protocol.RTMPT, Protocol.RTMPS, Protocol.RTMPTS]) {
    assertEquals(redirectHandshake({ protocol: rtmp, handshake: "plain" }, protocol), "plain");
    assertEquals(redirectHandshake({ protocol: rtmp, handshake: "fp9" }, protocol), "fp9");
    // Leaving an rtmpe:// URL: plain, unless SWF verification needs the digest handshake.
    assertEquals(redirectHandshake({ protocol: rtmpe, handshake: "rtmpe" }, protocol), "plain");
    assertEquals(
      redirectHandshake({ protocol: rtmpe, handshake: "rtmpe", swfVerification: swf }, protocol),
      "fp9",
    );
  }
  // RTMPE asked for over rtmp:// stays on, except where TLS protects the target.
  for (const protocol of [Protocol.RTMP, Protocol.RTMPT]) {
    assertEquals(redirectHandshake({ protocol: rtmp, handshake: "rtmpe" }, protocol), "rtmpe");
  }
  for (const protocol of [Protocol.RTMPS, Protocol.RTMPTS]) {
    assertEquals(redirectHandshake({ protocol: rtmp, handshake: "rtmpe" }, protocol), "plain");
  }
});

Deno.test("RTMPE asked for over rtmp:// counts as protection when credentials follow a redirect", () => {
  // The first connection is encrypted although its scheme is rtmp://: a target on the same
  // server that is reached without RTMPE does not get the credentials; one that keeps RTMPE does.
  const first = protectedEndpoint({ ...ORIGIN, handshake: "rtmpe" as const });
  assertEquals(first.protocol, Protocol.RTMPE);
  // The target as the downloader sees it: with the handshake RTMPE over rtmp:// leads to.
  const redirectedTo = (url: string) => {
    const target = to(url);
    const from = { protocol: Protocol.RTMP, handshake: "rtmpe" as const };
    return protectedEndpoint({ ...target, handshake: redirectHandshake(from, target.protocol) });
  };
  const dropped = redirectSession(
    WITH_CREDENTIALS,
    first,
    redirectedTo("rtmps://media.example/vod2"),
  );
  assertEquals(dropped.options.auth, undefined);
  const kept = redirectSession(WITH_CREDENTIALS, first, redirectedTo("rtmp://media.example/vod2"));
  assertEquals(kept.options.auth, WITH_CREDENTIALS.auth);
  // A plain handshake adds no protection.
  assertEquals(protectedEndpoint({ ...ORIGIN, handshake: "plain" as const }), {
    ...ORIGIN,
    handshake: "plain",
  });
});
