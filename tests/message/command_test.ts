import { deepStrictEqual, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { AmfError, AmfObject, type AmfValue, encodeAmf0 } from "../../src/amf/mod.ts";
import {
  type CommandMessage,
  decodeCommand,
  encodeCommand,
  MessageError,
  type MessageOptions,
  MessageType,
  type RtmpMessage,
} from "../../src/message/mod.ts";
import { ascii, checkTruncations, f64 } from "./_helpers.ts";

interface CommandGolden {
  name: string;
  command: CommandMessage;
  options?: MessageOptions;
  /** Header the encoder must produce (payload aside). */
  header: Omit<RtmpMessage, "payload">;
  payload: number[];
}

const object = (entries: [string, AmfValue][]) => new AmfObject(entries);

const GOLDENS: CommandGolden[] = [
  {
    name: "createStream as rtmpdump sends it",
    command: { name: "createStream", transactionId: 2, commandObject: null, args: [] },
    header: { csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x0c, // string, length 12
      ...ascii("createStream"),
      0x00, ...f64(2), // number: transaction id 2 (40 00 00 00 00 00 00 00)
      0x05, // null command object
    ],
  },
  {
    name: "connect with a command object",
    command: {
      name: "connect",
      transactionId: 1,
      commandObject: object([["app", "live"], ["fpad", false]]),
      args: [],
    },
    header: { csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x07, // string, length 7
      ...ascii("connect"),
      0x00, ...f64(1), // number: transaction id 1 (3f f0 00 00 00 00 00 00)
      0x03, // object
      0x00, 0x03, ...ascii("app"), // property name "app"
      0x02, 0x00, 0x04, ...ascii("live"), // string "live"
      0x00, 0x04, ...ascii("fpad"), // property name "fpad"
      0x01, 0x00, // boolean false
      0x00, 0x00, 0x09, // object end
    ],
  },
  {
    name: "play of a live stream on csid 8, message stream 1",
    command: {
      name: "play",
      transactionId: 4,
      commandObject: null,
      args: ["mp4:sample", -1000],
    },
    options: { csid: 8, messageStreamId: 1 },
    header: { csid: 8, typeId: 20, timestamp: 0, messageStreamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x04, ...ascii("play"), // string "play"
      0x00, ...f64(4), // number: transaction id 4 (40 10 00 00 00 00 00 00)
      0x05, // null command object
      0x02, 0x00, 0x0a, ...ascii("mp4:sample"), // string: play path
      0x00, ...f64(-1000), // number: start -1000 (live; c0 8f 40 00 00 00 00 00)
    ],
  },
  {
    name: "_result of createStream",
    command: { name: "_result", transactionId: 2, commandObject: null, args: [1] },
    header: { csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x07, ...ascii("_result"), // string "_result"
      0x00, ...f64(2), // number: transaction id 2
      0x05, // null command object
      0x00, ...f64(1), // number: stream id 1
    ],
  },
  {
    name: "onStatus NetStream.Play.Start",
    command: {
      name: "onStatus",
      transactionId: 0,
      commandObject: null,
      args: [object([["level", "status"], ["code", "NetStream.Play.Start"]])],
    },
    options: { csid: 5, messageStreamId: 1, timestamp: 0 },
    header: { csid: 5, typeId: 20, timestamp: 0, messageStreamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x08, ...ascii("onStatus"), // string "onStatus"
      0x00, ...f64(0), // number: transaction id 0
      0x05, // null command object
      0x03, // object
      0x00, 0x05, ...ascii("level"), // property name "level"
      0x02, 0x00, 0x06, ...ascii("status"), // string "status"
      0x00, 0x04, ...ascii("code"), // property name "code"
      0x02, 0x00, 0x14, ...ascii("NetStream.Play.Start"), // string, length 20
      0x00, 0x00, 0x09, // object end
    ],
  },
];

/** Offsets where a top-level value of the command ends: prefixes there still decode. */
function valueEnds(command: CommandMessage): Set<number> {
  const values = [command.name, command.transactionId, command.commandObject, ...command.args];
  const ends = new Set<number>();
  let offset = 0;
  for (const value of values) {
    offset += encodeAmf0(value).length;
    ends.add(offset);
  }
  return ends;
}

for (const golden of GOLDENS) {
  Deno.test(`encodeCommand encodes golden: ${golden.name}`, () => {
    deepStrictEqual(encodeCommand(golden.command, golden.options), {
      ...golden.header,
      payload: new Uint8Array(golden.payload),
    });
  });

  Deno.test(`decodeCommand decodes golden: ${golden.name}`, () => {
    const message = { ...golden.header, payload: new Uint8Array(golden.payload) };
    deepStrictEqual(decodeCommand(message), golden.command);
  });

  Deno.test(`decodeCommand decodes golden as an AMF3 command (type 17): ${golden.name}`, () => {
    const payload = new Uint8Array([0x00, ...golden.payload]);
    deepStrictEqual(decodeCommand({ ...golden.header, typeId: 17, payload }), golden.command);
  });

  Deno.test(`decodeCommand rejects truncated golden: ${golden.name}`, () => {
    const ends = valueEnds(golden.command);
    checkTruncations(
      new Uint8Array(golden.payload),
      (payload) => decodeCommand({ ...golden.header, payload }),
      (length) => ends.has(length),
    );
  });
}

function command(payload: Uint8Array, typeId: number = MessageType.CommandAmf0): RtmpMessage {
  return { csid: 3, typeId, timestamp: 0, messageStreamId: 0, payload };
}

Deno.test("decodeCommand reads a missing transaction id as 0 and command object as null", () => {
  deepStrictEqual(decodeCommand(command(encodeAmf0("close"))), {
    name: "close",
    transactionId: 0,
    commandObject: null,
    args: [],
  });
});

Deno.test("decodeCommand rejects a first value that is not a string", () => {
  throws(
    () => decodeCommand(command(encodeAmf0(1, 2))),
    new MessageError("Cannot decode command: first value is a number, not a string"),
  );
});

Deno.test("decodeCommand rejects a transaction id that is not a number", () => {
  throws(
    () => decodeCommand(command(encodeAmf0("connect", "1"))),
    new MessageError('Cannot decode command "connect": transaction id is a string, not a number'),
  );
});

Deno.test("decodeCommand rejects empty payloads and other message types", () => {
  throws(() => decodeCommand(command(new Uint8Array(0))), MessageError);
  throws(() => decodeCommand(command(new Uint8Array([0]), MessageType.CommandAmf3)), MessageError);
  throws(() => decodeCommand(command(new Uint8Array(0), MessageType.CommandAmf3)), MessageError);
  throws(
    () => decodeCommand(command(encodeAmf0("onMetaData"), MessageType.DataAmf0)),
    new MessageError("Cannot decode command: message type 18 is not 20 or 17"),
  );
});

Deno.test("decodeCommand wraps the AMF error as the cause", () => {
  try {
    decodeCommand(command(new Uint8Array([0x02, 0x00, 0x05, 0x61])));
    throw new Error("expected a MessageError");
  } catch (error) {
    ok(error instanceof MessageError);
    ok(error.cause instanceof AmfError);
    ok(error.message.startsWith("Cannot decode command: malformed AMF0 ("));
  }
});

Deno.test("decodeCommand throws only MessageError on random payloads", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom(17, 20),
      fc.boolean(),
      (bytes, typeId, prefixString) => {
        // Half the cases start with a valid name so the decoder gets past the first value.
        const payload = prefixString ? new Uint8Array([...encodeAmf0("x"), ...bytes]) : bytes;
        try {
          decodeCommand(command(payload, typeId));
        } catch (error) {
          if (!(error instanceof MessageError)) throw error;
        }
      },
    ),
    { numRuns: 2000 },
  );
});

const amfLeaf = fc.oneof(
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
);
const amfValue: fc.Arbitrary<AmfValue> = fc.oneof(
  amfLeaf,
  fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), amfLeaf), { maxLength: 5 }).map(
    (entries) => new AmfObject(entries),
  ),
);

Deno.test("decodeCommand round-trips encodeCommand for random commands", () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30 }),
      fc.double({ noNaN: true }),
      amfValue,
      fc.array(amfValue, { maxLength: 5 }),
      (name, transactionId, commandObject, args) => {
        const cmd: CommandMessage = { name, transactionId, commandObject, args };
        deepStrictEqual(decodeCommand(encodeCommand(cmd)), cmd);
      },
    ),
  );
});
