/**
 * ClientSession: the pieces a downloader's recovery and hardening rely on — the timeout toggle
 * with a named pause state, one rule for bytes after the stream ended, onBWDone floods,
 * redirects, the SWF verification answer, SecureToken and waiting across UnpublishNotify.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { AmfObject, type AmfValue } from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import { decodeCommand, encodeCommand, MessageType } from "../../src/message/mod.ts";
import {
  ClientSession,
  type ClientSessionOptions,
  PauseState,
} from "../../src/session/client_session.ts";

const BASE: ClientSessionOptions = {
  app: "vod",
  tcUrl: "rtmp://127.0.0.1:1935/vod",
  playpath: "sample",
  bufferMs: 36000000,
};

class Server {
  encoder = new ChunkEncoder();
  decoder = new ChunkDecoder();

  take(session: ClientSession): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    this.decoder.push(session.takeOutput(), (m) => out.push(m));
    return out;
  }

  command(name: string, txn: number, obj: AmfValue, args: AmfValue[] = [], msid = 0): Uint8Array {
    this.encoder.write(
      encodeCommand({ name, transactionId: txn, commandObject: obj, args }, {
        csid: 3,
        messageStreamId: msid,
      }),
    );
    return this.encoder.takeOutput();
  }

  status(code: string): Uint8Array {
    return this.command(
      "onStatus",
      0,
      null,
      [new AmfObject([["level", "status"], ["code", code]])],
      1,
    );
  }

  media(typeId: number, timestamp: number, payload: number[]): Uint8Array {
    this.encoder.write({
      csid: 6,
      typeId,
      timestamp,
      messageStreamId: 1,
      payload: new Uint8Array(payload),
    });
    return this.encoder.takeOutput();
  }

  control(payload: number[]): Uint8Array {
    this.encoder.write({
      csid: 2,
      typeId: MessageType.UserControl,
      timestamp: 0,
      messageStreamId: 0,
      payload: new Uint8Array(payload),
    });
    return this.encoder.takeOutput();
  }
}

function commands(messages: RtmpMessage[]) {
  return messages.filter((m) => m.typeId === MessageType.CommandAmf0).map(decodeCommand);
}

/** connect → createStream → Play.Start. */
function playing(extra: Partial<ClientSessionOptions> = {}, connectResult: AmfValue[] = []) {
  const media: RtmpMessage[] = [];
  const logs: string[] = [];
  const session = new ClientSession({ ...BASE, ...extra, log: (_l, m) => logs.push(m) }, {
    onMedia: (m) => media.push(m),
  });
  const server = new Server();
  session.connect();
  server.take(session);
  session.receive(server.command("_result", 1, null, [new AmfObject(), ...connectResult]));
  const afterConnect = server.take(session);
  const create = commands(afterConnect).find((c) => c.name === "createStream")!;
  session.receive(server.command("_result", create.transactionId, null, [1]));
  server.take(session);
  session.receive(server.status("NetStream.Play.Start"));
  server.take(session);
  return { session, server, media, logs, afterConnect };
}

Deno.test("ClientSession answers an onBWDone flood without remembering anything per invoke", () => {
  const { session, server } = playing();
  const before = session.pendingCalls;
  for (let i = 0; i < 20_000; i++) session.receive(server.command("onBWDone", 0, null));
  assertEquals(session.pendingCalls, before);
  const sent = commands(server.take(session));
  assertEquals(sent.length, 20_000);
  assert(sent.every((c) => c.name === "_checkbw"));
});

Deno.test("ClientSession parses nothing after Play.Stop, in the same read or a later one", () => {
  const garbage = new Uint8Array([0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x14, 0, 0, 0, 0]);
  const video = [0x17, 1, 0, 0, 0, 9];
  for (const sameRead of [true, false]) {
    const { session, server, media } = playing();
    const stop = server.status("NetStream.Play.Stop");
    const after = new Uint8Array([...server.media(9, 40, video), ...garbage, ...garbage]);
    if (sameRead) session.receive(new Uint8Array([...stop, ...after]));
    else {
      session.receive(stop);
      session.receive(after);
    }
    assertEquals(session.closeReason, "complete");
    assertEquals(media.length, 0, `media after Play.Stop (same read: ${sameRead})`);
  }
});

Deno.test("ClientSession toggles the stream (RTMP_ToggleStream) with a named pause state", () => {
  const { session, server, media } = playing();
  session.receive(server.media(9, 1000, [0x17, 1, 0, 0, 0, 1]));
  session.receive(server.media(9, 1040, [0x27, 1, 0, 0, 0, 2]));
  assertEquals(session.pauseState, PauseState.None);
  session.pauseForToggle();
  assertEquals(session.pauseState, PauseState.Paused);
  session.unpauseAfterToggle();
  assertEquals(session.pauseState, PauseState.Unpaused);
  const pauses = commands(server.take(session));
  assertEquals(pauses.map((c) => [c.name, c.args]), [
    ["pause", [true, 1040]],
    ["pause", [false, 1040]],
  ]);
  // The server sends again from the pause point: up to it is dropped, then media flow.
  session.receive(server.media(9, 1040, [0x27, 1, 0, 0, 0, 2]));
  session.receive(server.media(9, 1080, [0x27, 1, 0, 0, 0, 3]));
  assertEquals(media.map((m) => m.timestamp), [1000, 1040, 1080]);
  assertEquals(session.pauseState, PauseState.None);
  // A reconnected stream starts anew: nothing of it is dropped as a resend.
  session.pauseForToggle();
  session.unpauseAfterToggle();
  session.reconnectStream(1000);
  assertEquals(session.pauseState, PauseState.None);
});

Deno.test("ClientSession follows NetConnection.Connect.Rejected with ex.redirect", () => {
  const session = new ClientSession(BASE, { onMedia: () => {} });
  const server = new Server();
  session.connect();
  server.take(session);
  const info = new AmfObject([
    ["level", "error"],
    ["code", "NetConnection.Connect.Rejected"],
    ["ex", new AmfObject([["code", 302], ["redirect", "rtmp://other:1936/app2"]])],
  ]);
  session.receive(server.command("_error", 1, null, [info]));
  assertEquals(session.closeReason, "redirect");
  assertEquals(session.redirect, "rtmp://other:1936/app2");
  // A rejection without a target is only logged, as librtmp does.
  const plain = new ClientSession(BASE, { onMedia: () => {} });
  plain.connect();
  plain.takeOutput();
  const rejected = new AmfObject([["code", "NetConnection.Connect.Rejected"]]);
  plain.receive(new Server().command("_error", 1, null, [rejected]));
  assertEquals([plain.closeReason, plain.redirect], [undefined, undefined]);
});

Deno.test("ClientSession answers SWF verification only with a response set", () => {
  const { session, server, logs } = playing();
  session.receive(server.control([0, 0x1a, 0]));
  assert(logs.includes("HandleCtrl: Ignoring SWFVerification request, use --swfVfy!"));
  assertEquals(server.take(session).length, 0);
  const body = new Uint8Array(42).map((_, i) => i);
  session.setSwfVerifyResponse(body);
  session.receive(server.control([0, 0x1a, 1]));
  const [answer] = server.take(session);
  assertEquals([answer.csid, answer.typeId], [2, MessageType.UserControl]);
  assertEquals([...answer.payload], [0, 0x1b, ...body]);
  session.receive(server.control([0, 0x1a, 2]));
  assert(logs.some((l) => l.includes("SWFVerification Type 2 request not supported")));
});

Deno.test("ClientSession sends secureTokenResponse first after connect's _result", () => {
  const challenge = new AmfObject([["secureToken", "0123abcd"]]);
  const { afterConnect } = playing({ secureToken: (c) => `answer:${c}` }, [challenge]);
  assertEquals(afterConnect[0].typeId, MessageType.CommandAmf0);
  const response = decodeCommand(afterConnect[0]);
  assertEquals([response.name, response.transactionId, response.args], [
    "secureTokenResponse",
    0,
    ["answer:0123abcd"],
  ]);
});

Deno.test("ClientSession stays open across UnpublishNotify when told to wait for the publisher", () => {
  const ended = playing({ live: true });
  ended.session.receive(ended.server.status("NetStream.Play.UnpublishNotify"));
  assertEquals(ended.session.closeReason, "complete");
  const waiting = playing({ live: true, endOnUnpublish: false });
  waiting.session.receive(waiting.server.status("NetStream.Play.UnpublishNotify"));
  waiting.session.receive(waiting.server.status("NetStream.Play.PublishNotify"));
  waiting.session.receive(waiting.server.media(9, 5, [0x17, 1, 0, 0, 0, 1]));
  assertEquals(waiting.session.closeReason, undefined);
  assertEquals(waiting.media.length, 1);
});

Deno.test("ClientSession without BUFX (-R) ignores BufferEmpty", () => {
  for (const bufx of [true, false]) {
    const { session, server } = playing({ bufx });
    session.receive(server.media(9, 1000, [0x17, 1, 0, 0, 0, 1]));
    session.receive(server.control([0, 0x1f, 0, 0, 0, 1]));
    const sent = commands(server.take(session)).map((c) => c.name);
    assertEquals(sent, bufx ? ["pause"] : [], `bufx ${bufx}`);
    assertEquals(session.pauseState, bufx ? PauseState.Paused : PauseState.None);
  }
});
