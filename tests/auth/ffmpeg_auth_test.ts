/**
 * ffmpeg implements the client side of both publisher authentication methods. These tests let
 * it publish to a scripted loopback server that rejects and challenges it with
 * PublisherAuthServer, and check that (1) our server accepts ffmpeg's answer and refuses it with
 * a wrong password, and (2) our client, given ffmpeg's own nonce, writes ffmpeg's query byte for
 * byte.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { AmfObject } from "../../src/amf/mod.ts";
import {
  parseAuthRejection,
  PublisherAuthClient,
  type PublisherAuthDecision,
  type PublisherAuthMethod,
  PublisherAuthServer,
  splitAuthQuery,
} from "../../src/auth/mod.ts";
import { objectOf, startFakeServer } from "../cli/_fake_server.ts";
import { findExecutable, interopTest, runProcess } from "../interop/_harness.ts";

const APP_TIMEOUT_MS = 30_000;

interface Capture {
  apps: string[];
  tcUrls: string[];
  decisions: PublisherAuthDecision[];
}

async function publishWithFfmpeg(
  method: PublisherAuthMethod,
  password: string,
  app: string,
): Promise<Capture> {
  const auth = new PublisherAuthServer({ method, users: new Map([["bob", "s3cret"]]) });
  const capture: Capture = { apps: [], tcUrls: [], decisions: [] };
  const server = startFakeServer(async (peer) => {
    if (!(await peer.handshake())) return;
    const connect = await peer.expectCommand("connect");
    if (connect === null || !(connect.commandObject instanceof AmfObject)) return;
    const connectApp = String(connect.commandObject.get("app"));
    capture.apps.push(connectApp);
    capture.tcUrls.push(String(connect.commandObject.get("tcUrl")));
    const decision = auth.check(connectApp);
    capture.decisions.push(decision);
    if (decision.accepted) return; // the connection is closed: enough for this check
    await peer.sendCommand([
      "_error",
      connect.transactionId,
      null,
      objectOf({
        level: "error",
        code: "NetConnection.Connect.Rejected",
        description: decision.description,
      }),
    ]);
  });
  try {
    const ffmpeg = findExecutable("ffmpeg") ?? "ffmpeg";
    const url = `rtmp://bob:${password}@127.0.0.1:${server.port}/${app}/key`;
    await runProcess(ffmpeg, [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=64x48:rate=5",
      "-t",
      "1",
      "-c:v",
      "flv1",
      "-f",
      "flv",
      url,
    ], { timeoutMs: APP_TIMEOUT_MS });
  } finally {
    await server.close();
  }
  strictEqual(server.errors.length, 0, String(server.errors[0]));
  return capture;
}

for (const method of ["adobe", "llnw"] as const) {
  for (const app of ["live", "live/inst"]) {
    interopTest(`ffmpeg's ${method} answer is accepted by our server (app ${app})`, {
      peers: ["ffmpeg"],
    }, async () => {
      const capture = await publishWithFfmpeg(method, "s3cret", app);
      strictEqual(capture.decisions.length, 3, JSON.stringify(capture.apps));
      deepStrictEqual(capture.decisions[2], { accepted: true, user: "bob", app });
      strictEqual(capture.apps[0], app);
      strictEqual(capture.apps[1], `${app}?authmod=${method}&user=bob`);
      // ffmpeg appends the same query to tcUrl.
      for (let i = 0; i < 3; i++) {
        ok(capture.tcUrls[i].endsWith(`/${capture.apps[i]}`), capture.tcUrls[i]);
      }

      // Our client, given ffmpeg's nonce, writes ffmpeg's query exactly.
      const answered = splitAuthQuery(capture.apps[2]).params;
      const nonce = method === "adobe" ? answered.get("challenge")! : answered.get("cnonce")!;
      ok(/^[0-9a-f]{8}$/.test(nonce), nonce);
      const ours = new PublisherAuthClient({
        user: "bob",
        password: "s3cret",
        clientNonce: () => nonce,
      });
      const first = capture.decisions[0];
      const second = capture.decisions[1];
      ok(!first.accepted && !second.accepted);
      strictEqual(app + ours.answer(first.description, app), capture.apps[1]);
      strictEqual(app + ours.answer(second.description, app), capture.apps[2]);
    });
  }

  interopTest(`ffmpeg's ${method} answer with a wrong password is refused`, {
    peers: ["ffmpeg"],
  }, async () => {
    const capture = await publishWithFfmpeg(method, "wrong", "live");
    strictEqual(capture.decisions.length, 3, JSON.stringify(capture.apps));
    const last = capture.decisions[2];
    ok(!last.accepted);
    strictEqual(parseAuthRejection(last.description)?.kind, "auth-failed");
  });
}
