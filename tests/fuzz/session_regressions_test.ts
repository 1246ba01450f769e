import { deepStrictEqual, ok } from "node:assert/strict";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { ChunkEncoder, ChunkError } from "../../src/chunk/mod.ts";
import { MessageError } from "../../src/message/mod.ts";
import { ClientSession } from "../../src/session/client_session.ts";
import { PublishSession } from "../../src/session/publish_session.ts";
import { ServerSession } from "../../src/session/server_session.ts";
import { SessionError } from "../../src/session/session_error.ts";
import { hex } from "./_hex.ts";

/** Short control messages a client can send: each used to escape as a MessageError. */
const SHORT_CONTROL_MESSAGES: readonly { name: string; bytes: string }[] = [
  { name: "an empty User Control", bytes: "02 000000 000000 04 00000000" },
  { name: "a SetBufferLength with no data", bytes: "02 000000 000002 04 00000000 0003" },
  { name: "an empty Window Acknowledgement Size", bytes: "02 000000 000000 05 00000000" },
  { name: "an empty Acknowledgement", bytes: "02 000000 000000 03 00000000" },
  { name: "a 3-byte Set Peer Bandwidth", bytes: "02 000000 000003 06 00000000 002625" },
  { name: "a 3-byte Acknowledgement", bytes: "02 000000 000003 03 00000000 000001" },
  { name: "a ping request with 2 bytes", bytes: "02 000000 000004 04 00000000 0006 0001" },
];

/** A connect command on csid 3. */
const CONNECT = (() => {
  const encoder = new ChunkEncoder();
  encoder.write({
    csid: 3,
    typeId: 20,
    timestamp: 0,
    messageStreamId: 0,
    payload: encodeAmf0("connect", 1, { app: "live", tcUrl: "rtmp://127.0.0.1/live" }),
  });
  return encoder.takeOutput();
})();

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

for (const { name, bytes } of SHORT_CONTROL_MESSAGES) {
  Deno.test(`ServerSession rejects ${name} with a SessionError`, () => {
    // Reproduces the leak: the message layer's MessageError escaped ServerSession.receive.
    for (const connected of [false, true]) {
      const session: ServerSession = new ServerSession({
        onEvent: (event) => {
          if (event.type === "connect") session.acceptConnect(event.transactionId);
        },
      });
      if (connected) session.receive(CONNECT);
      deepStrictEqual(session.connected, connected);
      const error = thrown(() => session.receive(hex(bytes)));
      ok(error instanceof SessionError, `threw ${String(error)}`);
      ok(error.cause instanceof MessageError, "the message layer's error is the cause");
      ok(!error.message.includes("\n"), "one line");
    }
  });

  Deno.test(`PublishSession ignores ${name} from the server`, () => {
    const session = new PublishSession({ app: "live", playpath: "x" });
    session.connect();
    session.receive(hex(bytes));
    deepStrictEqual(session.state, "connecting");
  });

  Deno.test(`ClientSession ignores ${name} from the server`, () => {
    const session = new ClientSession({ app: "vod", playpath: "x" }, { onMedia() {} });
    session.connect();
    session.receive(hex(bytes));
    ok(session.connected);
  });
}

Deno.test("ServerSession passes chunk-layer errors through as ChunkError", () => {
  const session = new ServerSession({ onEvent() {} });
  ok(thrown(() => session.receive(hex("83 000000"))) instanceof ChunkError);
});
