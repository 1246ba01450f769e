/**
 * librtmp's AMF dump. fixtures/amf_dumps.json holds messages rtmpdump received and the lines it
 * printed for them with `--debug` (so the "no-name." lines are there too): every invoke and
 * notify of a VOD download from nginx-rtmp and from rtmpkit serve, nginx-rtmp's
 * StreamNotFound, and an onMetaData with every AMF0 value kind (tests/cli/fixtures/
 * metadata_rich.amf, made by make_metadata_rich.py and served by nginx-rtmp). Each entry's
 * `hex` is the message body as rtmpdump's packet dump showed it.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue, AmfXml } from "../../src/amf/mod.ts";
import {
  amfDecodeLines,
  amfDumpLines,
  OBJECT_BEGIN,
  OBJECT_END,
} from "../../src/session/amf_dump.ts";
import { decodeLibrtmpAmf0 } from "../../src/session/decode_librtmp_amf0.ts";

interface DumpFixture {
  from: string;
  message: string;
  hex: string;
  lines: string[];
}

const fixtures: DumpFixture[] = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/amf_dumps.json", import.meta.url)),
);

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

Deno.test("AMF dump prints rtmpdump's lines for every message it received", () => {
  ok(fixtures.length >= 15);
  for (const fixture of fixtures) {
    const values = decodeLibrtmpAmf0(fromHex(fixture.hex));
    ok(values !== undefined, `${fixture.from} ${fixture.message} decodes`);
    assertEquals(
      [...amfDecodeLines(values), ...amfDumpLines(values)],
      fixture.lines,
      `${fixture.from} ${fixture.message}`,
    );
  }
});

// deno-fmt-ignore
const PROPERTY_CASES: { name: string; value: AmfValue; propertyName?: string; lines: string[] }[] = [
  { name: "a name of exactly 18 bytes fills the column", propertyName: "a".repeat(18), value: 1,
    lines: [`Property: <Name: ${"a".repeat(18)}, NUMBER:\t1.00>`] },
  { name: "a longer name is cut to 18 bytes", propertyName: "b".repeat(19), value: true,
    lines: [`Property: <Name: ${"b".repeat(18)}, BOOLEAN:\tTRUE>`] },
  { name: "the column counts bytes, not characters", propertyName: "caf\u00e9", value: false,
    lines: [`Property: <Name: ${" ".repeat(13)}caf\u00e9, BOOLEAN:\tFALSE>`] },
  { name: "a NUL ends a name", propertyName: "ab\0cd", value: 0,
    lines: [`Property: <Name: ${" ".repeat(16)}ab, NUMBER:\t0.00>`] },
  { name: "a NUL ends a string", value: "ab\0cd",
    lines: ["Property: <Name: my_property_name_x, STRING:\tab>"] },
  { name: "numbers round half to even, as printf", value: 0.125,
    lines: ["Property: <Name: my_property_name_x, NUMBER:\t0.12>"] },
  { name: "negative zero keeps its sign", value: -0,
    lines: ["Property: <Name: my_property_name_x, NUMBER:\t-0.00>"] },
  { name: "a string's text keeps 254 bytes with its type", value: "x".repeat(300),
    lines: [`Property: <Name: my_property_name_x, STRING:\t${"x".repeat(254 - 8)}>`] },
  { name: "dates print milliseconds and the offset", value: new AmfDate(1.5, -60),
    lines: ["Property: <Name: my_property_name_x, DATE:\ttimestamp: 1.50, UTC offset: -60>"] },
  { name: "XML is a type librtmp cannot show", value: new AmfXml("<a/>"),
    lines: ["Property: <Name: my_property_name_x, INVALID TYPE 0x0f>"] },
  { name: "null has no name", value: null, lines: ["Property: NULL"] },
  { name: "undefined is null", value: undefined, lines: ["Property: NULL"] },
  { name: "an empty object", value: new AmfObject(),
    lines: ["Property: <Name: my_property_name_x, OBJECT>", OBJECT_BEGIN, OBJECT_END] },
  { name: "strict array members have no name", value: [1, "a"],
    lines: [
      "Property: <Name: my_property_name_x, STRICT_ARRAY>", OBJECT_BEGIN,
      "Property: <Name:           no-name., NUMBER:\t1.00>",
      "Property: <Name:           no-name., STRING:\ta>", OBJECT_END,
    ] },
  { name: "an ECMA array", value: new AmfEcmaArray([["", 2]]),
    lines: [
      "Property: <Name: my_property_name_x, ECMA_ARRAY>", OBJECT_BEGIN,
      "Property: <Name:           no-name., NUMBER:\t2.00>", OBJECT_END,
    ] },
];

for (const c of PROPERTY_CASES) {
  Deno.test(`AMF dump: ${c.name}`, () => {
    const object = new AmfObject([[c.propertyName ?? "my_property_name_x", c.value]]);
    assertEquals(amfDumpLines([object]), [
      OBJECT_BEGIN,
      "Property: <Name:           no-name., OBJECT>",
      OBJECT_BEGIN,
      ...c.lines,
      OBJECT_END,
      OBJECT_END,
    ]);
  });
}

Deno.test("AMF dump of no values is an empty object", () => {
  assertEquals(amfDumpLines([]), [OBJECT_BEGIN, OBJECT_END]);
});

Deno.test("AMF decode lines: one AMF_DATE per date, nested ones included", () => {
  const dates = [new AmfDate(1), new AmfDate(2), new AmfDate(3)];
  const values: AmfValue[] = [
    dates[0],
    new AmfObject([["a", new AmfEcmaArray([["b", [dates[1], 1]]])]]),
    "x",
    dates[2],
  ];
  assertEquals(amfDecodeLines(values), ["AMF_DATE", "AMF_DATE", "AMF_DATE"]);
  assertEquals(amfDecodeLines(["onStatus", 0, null]), []);
});

/** Random AMF values of the kinds librtmp decodes. */
const amfValue: fc.Arbitrary<AmfValue> = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    fc.string(),
    fc.constant(null),
    fc.double({ noNaN: true }).map((time) => new AmfDate(time)),
    fc.array(fc.tuple(fc.string(), tie("value")), { maxLength: 4 }).map((entries) =>
      new AmfObject(entries)
    ),
    fc.array(fc.tuple(fc.string(), tie("value")), { maxLength: 4 }).map((entries) =>
      new AmfEcmaArray(entries)
    ),
    fc.array(tie("value"), { maxLength: 4 }),
  ),
})).value;

function containers(value: AmfValue): number {
  if (value instanceof Map) {
    return 1 + [...value.values()].reduce((n: number, v) => n + containers(v), 0);
  }
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + containers(v), 0);
  return 0;
}

/** A named property: the name, then a type, then (for scalars) a tab and the value. */
const PROPERTY_LINE =
  /^Property: <Name: .*, (NUMBER:\t.*|BOOLEAN:\t(TRUE|FALSE)|STRING:\t.*|DATE:\t.*|OBJECT|ECMA_ARRAY|STRICT_ARRAY)>$/su;

Deno.test("AMF dump: begins and ends balance, one per container, and every other line is a property", () => {
  fc.assert(
    fc.property(fc.array(amfValue, { maxLength: 5 }), (values) => {
      const lines = amfDumpLines(values);
      const begins = lines.filter((line) => line === OBJECT_BEGIN).length;
      const ends = lines.filter((line) => line === OBJECT_END).length;
      const expected = 1 + values.reduce((n: number, v) => n + containers(v), 0);
      ok(begins === expected && ends === expected);
      let depth = 0;
      for (const line of lines) {
        if (line === OBJECT_BEGIN) depth++;
        else if (line === OBJECT_END) depth--;
        else ok(PROPERTY_LINE.test(line) || line === "Property: NULL", line);
        ok(depth >= 0);
      }
      ok(depth === 0);
    }),
  );
});
