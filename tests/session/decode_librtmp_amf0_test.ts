import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import {
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  AmfXml,
  encodeAmf0,
} from "../../src/amf/mod.ts";
import { decodeLibrtmpAmf0 } from "../../src/session/decode_librtmp_amf0.ts";
import { amfNumber, amfString, OBJECT_END } from "./_flv_fixtures.ts";

const te = new TextEncoder();

// deno-fmt-ignore
const CASES: { name: string; bytes: number[]; expected: AmfValue[] | undefined }[] = [
  {
    name: "string, ECMA array with one number",
    bytes: [
      0x02, 0x00, 0x01, 0x61, // "a"
      0x08, 0x00, 0x00, 0x00, 0x01, // ECMA array, count 1
      0x00, 0x01, 0x64, // name "d"
      0x00, 0x40, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 10
      0x00, 0x00, 0x09, // end
    ],
    expected: ["a", new AmfEcmaArray([["d", 10]])],
  },
  {
    name: "top-level stop at 00 00 09, bytes after it ignored",
    bytes: [
      0x02, 0x00, 0x01, 0x61, // "a"
      0x00, 0x00, 0x09, // end marker at the top level
      0xff, 0xff, // garbage, never read
    ],
    expected: ["a"],
  },
  {
    name: "ECMA array without its end marker at the end of the message",
    bytes: [
      0x08, 0x00, 0x00, 0x00, 0x05, // ECMA array, count 5 (ignored)
      0x00, 0x01, 0x62, 0x01, 0x01, // "b": true
    ],
    expected: [new AmfEcmaArray([["b", true]])],
  },
  {
    name: "object with a cut end marker fails",
    bytes: [
      0x03, // object
      0x00, 0x01, 0x62, 0x01, 0x01, // "b": true
      0x00, 0x00, // two bytes of an end marker
    ],
    expected: undefined,
  },
  {
    name: "undefined and unsupported read as null, long string as string",
    bytes: [
      0x06, // undefined
      0x0d, // unsupported
      0x05, // null
      0x0c, 0x00, 0x00, 0x00, 0x02, 0x68, 0x69, // long string "hi"
    ],
    expected: [null, null, null, "hi"],
  },
  {
    name: "date and XML document",
    bytes: [
      0x0b, 0x40, 0x8f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, // date 1000 ms, tz -60
      0x0f, 0x00, 0x00, 0x00, 0x03, 0x3c, 0x61, 0x3e, // XML "<a>"
    ],
    expected: [new AmfDate(1000, -60), new AmfXml("<a>")],
  },
  {
    name: "strict array",
    bytes: [
      0x0a, 0x00, 0x00, 0x00, 0x02, // strict array, 2 items
      0x01, 0x00, // false
      0x05, // null
    ],
    expected: [[false, null]],
  },
  {
    name: "strict array with a count of 2^31 or more is empty",
    bytes: [0x0a, 0x80, 0x00, 0x00, 0x00], // count 0x80000000, negative as int
    expected: [[]],
  },
  {
    name: "strict array cut short fails",
    bytes: [0x0a, 0x00, 0x00, 0x00, 0x02, 0x05], // 2 items, 1 present
    expected: undefined,
  },
  {
    name: "reference fails",
    bytes: [0x03, 0x00, 0x01, 0x61, 0x07, 0x00, 0x00, 0x00, 0x00, 0x09],
    expected: undefined,
  },
  {
    name: "typed object fails",
    bytes: [0x10, 0x00, 0x01, 0x43, 0x00, 0x00, 0x09],
    expected: undefined,
  },
  {
    name: "movie clip fails",
    bytes: [0x04],
    expected: undefined,
  },
  { name: "record set", bytes: [0x0e], expected: undefined },
  { name: "object end marker alone", bytes: [0x09], expected: undefined },
  { name: "unknown marker", bytes: [0x12], expected: undefined },
  {
    name: "named property needs at least 4 bytes",
    bytes: [0x03, 0x00, 0x01, 0x61], // name "a" and no value
    expected: undefined,
  },
  {
    name: "number cut short fails",
    bytes: [0x00, 0x40, 0x24],
    expected: undefined,
  },
  {
    name: "empty input",
    bytes: [],
    expected: [],
  },
  {
    name: "AVM+ switch to an AMF3 object",
    bytes: [
      0x11, // AVM+
      0x0a, 0x0b, 0x01, // AMF3 object, dynamic, anonymous class
      0x03, 0x61, // name "a"
      0x04, 0x05, // integer 5
      0x01, // end of dynamic members
    ],
    expected: [new AmfObject([["a", 5]])],
  },
  {
    name: "AVM+ switch to a non-object fails",
    bytes: [0x11, 0x04, 0x05],
    expected: undefined,
  },
];

for (const c of CASES) {
  Deno.test(`decodeLibrtmpAmf0: ${c.name}`, () => {
    assertEquals(decodeLibrtmpAmf0(new Uint8Array(c.bytes)), c.expected);
  });
}

Deno.test("decodeLibrtmpAmf0 keeps the first of repeated property names", () => {
  const bytes = new Uint8Array([
    ...[0x08, 0, 0, 0, 2],
    ...[0x00, 0x08, ...te.encode("duration"), ...amfNumber(1)],
    ...[0x00, 0x08, ...te.encode("duration"), ...amfNumber(2)],
    ...OBJECT_END,
  ]);
  const [array] = decodeLibrtmpAmf0(bytes)!;
  ok(array instanceof AmfEcmaArray);
  assertEquals([...array], [["duration", 1]]);
});

Deno.test("decodeLibrtmpAmf0 on every prefix of the golden cases never throws", () => {
  for (const c of CASES) {
    for (let end = 0; end <= c.bytes.length; end++) {
      const result = decodeLibrtmpAmf0(new Uint8Array(c.bytes.slice(0, end)));
      ok(result === undefined || Array.isArray(result));
    }
  }
});

Deno.test("decodeLibrtmpAmf0 rejects nesting deeper than the AMF limit", () => {
  const depth = 300;
  const bytes: number[] = [];
  for (let i = 0; i < depth; i++) bytes.push(0x03, 0x00, 0x01, 0x61);
  bytes.push(...amfString("x"));
  for (let i = 0; i < depth; i++) bytes.push(...OBJECT_END);
  assertEquals(decodeLibrtmpAmf0(new Uint8Array(bytes)), undefined);
});

Deno.test("decodeLibrtmpAmf0 never throws on random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const result = decodeLibrtmpAmf0(bytes);
      ok(result === undefined || Array.isArray(result));
    }),
  );
});

const v = (tie: (key: string) => fc.Arbitrary<unknown>) => tie("value") as fc.Arbitrary<AmfValue>;

/** Values librtmp's decoder reads back as they were written. */
const valueArb: fc.Arbitrary<AmfValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 20 }),
    fc.constant(null),
    fc.tuple(fc.double({ noNaN: true }), fc.integer({ min: -720, max: 720 })).map(([t, z]) =>
      new AmfDate(t, z)
    ),
    fc.array(v(tie), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), v(tie)), {
      maxLength: 4,
      selector: ([k]) => k,
    }).map((entries) => new AmfObject(entries)),
    fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), v(tie)), {
      maxLength: 4,
      selector: ([k]) => k,
    }).map((entries) => new AmfEcmaArray(entries)),
  ),
})).value;

Deno.test("decodeLibrtmpAmf0 reads back what the AMF0 encoder writes (property)", () => {
  fc.assert(
    fc.property(fc.array(valueArb, { maxLength: 5 }), (values) => {
      // librtmp stops at a top-level 00 00 09: a value whose encoding starts so is out of scope.
      for (const value of values) {
        const bytes = encodeAmf0(value);
        fc.pre(!(bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 9));
      }
      assertEquals(decodeLibrtmpAmf0(encodeAmf0(...values)), values);
    }),
  );
});
