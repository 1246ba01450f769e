import { deepStrictEqual, ok, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { AmfEcmaArray, AmfError, AmfObject, type AmfValue, encodeAmf0 } from "../../src/amf/mod.ts";
import {
  type DataMessage,
  decodeData,
  encodeData,
  MessageError,
  type MessageOptions,
  MessageType,
  type RtmpMessage,
} from "../../src/message/mod.ts";
import { ascii, checkTruncations, f64 } from "./_helpers.ts";

interface DataGolden {
  name: string;
  data: DataMessage;
  options?: MessageOptions;
  header: Omit<RtmpMessage, "payload">;
  payload: number[];
}

const GOLDENS: DataGolden[] = [
  {
    name: "onMetaData with a duration",
    data: { name: "onMetaData", values: [new AmfObject([["duration", 10]])] },
    options: { messageStreamId: 1 },
    header: { csid: 4, typeId: 18, timestamp: 0, messageStreamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x0a, ...ascii("onMetaData"), // string "onMetaData"
      0x03, // object
      0x00, 0x08, ...ascii("duration"), // property name "duration"
      0x00, ...f64(10), // number 10 (40 24 00 00 00 00 00 00)
      0x00, 0x00, 0x09, // object end
    ],
  },
  {
    name: "@setDataFrame with an ECMA array",
    data: {
      name: "@setDataFrame",
      values: ["onMetaData", new AmfEcmaArray([["width", 640]])],
    },
    options: { csid: 4, messageStreamId: 1, timestamp: 0 },
    header: { csid: 4, typeId: 18, timestamp: 0, messageStreamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x0d, ...ascii("@setDataFrame"), // string "@setDataFrame"
      0x02, 0x00, 0x0a, ...ascii("onMetaData"), // string "onMetaData"
      0x08, 0x00, 0x00, 0x00, 0x01, // ECMA array, 1 property
      0x00, 0x05, ...ascii("width"), // property name "width"
      0x00, ...f64(640), // number 640
      0x00, 0x00, 0x09, // object end
    ],
  },
  {
    name: "onCuePoint at 5000 ms",
    data: { name: "onCuePoint", values: ["chapter", true] },
    options: { csid: 5, messageStreamId: 1, timestamp: 5000 },
    header: { csid: 5, typeId: 18, timestamp: 5000, messageStreamId: 1 },
    // deno-fmt-ignore
    payload: [
      0x02, 0x00, 0x0a, ...ascii("onCuePoint"), // string "onCuePoint"
      0x02, 0x00, 0x07, ...ascii("chapter"), // string "chapter"
      0x01, 0x01, // boolean true
    ],
  },
];

function valueEnds(data: DataMessage): Set<number> {
  const ends = new Set<number>();
  let offset = 0;
  for (const value of [data.name, ...data.values]) {
    offset += encodeAmf0(value).length;
    ends.add(offset);
  }
  return ends;
}

for (const golden of GOLDENS) {
  Deno.test(`encodeData encodes golden: ${golden.name}`, () => {
    deepStrictEqual(encodeData(golden.data.name, golden.data.values, golden.options), {
      ...golden.header,
      payload: new Uint8Array(golden.payload),
    });
  });

  Deno.test(`decodeData decodes golden: ${golden.name}`, () => {
    deepStrictEqual(
      decodeData({ ...golden.header, payload: new Uint8Array(golden.payload) }),
      golden.data,
    );
  });

  Deno.test(`decodeData decodes golden as AMF3 data (type 15): ${golden.name}`, () => {
    const payload = new Uint8Array([0x00, ...golden.payload]);
    deepStrictEqual(decodeData({ ...golden.header, typeId: 15, payload }), golden.data);
  });

  Deno.test(`decodeData rejects truncated golden: ${golden.name}`, () => {
    const ends = valueEnds(golden.data);
    checkTruncations(
      new Uint8Array(golden.payload),
      (payload) => decodeData({ ...golden.header, payload }),
      (length) => ends.has(length),
    );
  });
}

function data(payload: Uint8Array, typeId: number = MessageType.DataAmf0): RtmpMessage {
  return { csid: 4, typeId, timestamp: 0, messageStreamId: 1, payload };
}

Deno.test("decodeData rejects a first value that is not a string", () => {
  throws(
    () => decodeData(data(encodeAmf0(null))),
    new MessageError("Cannot decode data message: first value is null, not a string"),
  );
});

Deno.test("decodeData rejects other message types and empty payloads", () => {
  throws(() => decodeData(data(encodeAmf0("createStream", 1), 20)), MessageError);
  throws(() => decodeData(data(new Uint8Array(0))), MessageError);
  throws(() => decodeData(data(new Uint8Array(0), 15)), MessageError);
});

Deno.test("decodeData wraps the AMF error as the cause", () => {
  try {
    decodeData(data(new Uint8Array([0x02, 0x00])));
    throw new Error("expected a MessageError");
  } catch (error) {
    ok(error instanceof MessageError);
    ok(error.cause instanceof AmfError);
  }
});

Deno.test("decodeData round-trips encodeData for random values", () => {
  const leaf: fc.Arbitrary<AmfValue> = fc.oneof(
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.string({ maxLength: 20 }),
    fc.constant(null),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.array(leaf, { maxLength: 6 }), (name, values) => {
      deepStrictEqual(decodeData(encodeData(name, values)), { name, values });
    }),
  );
});

Deno.test("decodeData throws only MessageError on random payloads", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(15, 18), (payload, typeId) => {
      try {
        decodeData(data(payload, typeId));
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
      }
    }),
    { numRuns: 1000 },
  );
});
