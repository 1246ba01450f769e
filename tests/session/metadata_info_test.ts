import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { AmfDate, AmfEcmaArray, AmfObject, type AmfValue } from "../../src/amf/mod.ts";
import { inspectMetadata, isOnMetaData } from "../../src/session/metadata_info.ts";
import { amfNumber, amfString, onMetaDataEcma } from "./_flv_fixtures.ts";

const te = new TextEncoder();

// deno-fmt-ignore
const ON_METADATA_CASES: { name: string; bytes: number[]; expected: boolean }[] = [
  {
    name: "string",
    bytes: [
      0x02, 0x00, 0x0a, // AMF0 string, length 10
      ...te.encode("onMetaData"),
      0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, // empty ECMA array
    ],
    expected: true,
  },
  {
    name: "string alone",
    bytes: [0x02, 0x00, 0x0a, ...te.encode("onMetaData")],
    expected: true,
  },
  {
    name: "long string",
    bytes: [
      0x0c, 0x00, 0x00, 0x00, 0x0a, // AMF0 long string, length 10
      ...te.encode("onMetaData"),
    ],
    expected: true,
  },
  { name: "cue point", bytes: amfString("onCuePoint"), expected: false },
  { name: "longer name", bytes: amfString("onMetaData2"), expected: false },
  { name: "different case", bytes: amfString("onmetadata"), expected: false },
  { name: "@setDataFrame first", bytes: [...amfString("@setDataFrame"), ...amfString("onMetaData")], expected: false },
  { name: "cut inside the name", bytes: [0x02, 0x00, 0x0a, ...te.encode("onMeta")], expected: false },
  { name: "number", bytes: amfNumber(1), expected: false },
  { name: "empty", bytes: [], expected: false },
  { name: "object end at the top", bytes: [0x00, 0x00, 0x09, ...amfString("onMetaData")], expected: false },
];

for (const c of ON_METADATA_CASES) {
  Deno.test(`isOnMetaData: ${c.name}`, () => {
    assertEquals(isOnMetaData(new Uint8Array(c.bytes)), c.expected);
  });
}

Deno.test("isOnMetaData on every prefix of a valid body is false until the name is complete", () => {
  const bytes = new Uint8Array(onMetaDataEcma([["duration", amfNumber(1)]]));
  for (let end = 0; end <= bytes.length; end++) {
    assertEquals(isOnMetaData(bytes.subarray(0, end)), end >= 13, `prefix ${end}`);
  }
});

const ecma = (entries: [string, AmfValue][]) => new AmfEcmaArray(entries);
const object = (entries: [string, AmfValue][]) => new AmfObject(entries);

Deno.test("inspectMetadata finds duration in the usual ECMA array", () => {
  assertEquals(inspectMetadata(["onMetaData", ecma([["width", 640], ["duration", 30.5]])]), {
    duration: 30.5,
    hasDuration: true,
    flags: 0,
  });
});

Deno.test("inspectMetadata reports no duration as 0", () => {
  assertEquals(inspectMetadata(["onMetaData", ecma([["width", 640]])]), {
    duration: 0,
    hasDuration: false,
    flags: 0,
  });
  assertEquals(inspectMetadata([]), { duration: 0, hasDuration: false, flags: 0 });
});

Deno.test("inspectMetadata takes the first duration depth first, through objects and ECMA arrays", () => {
  const nested = ecma([
    ["info", object([["inner", ecma([["duration", 1]])]])],
    ["duration", 2],
  ]);
  assertEquals(inspectMetadata(["onMetaData", nested]).duration, 1);
  // A later top-level value is searched only when the earlier ones have none.
  assertEquals(inspectMetadata(["onMetaData", ecma([]), object([["duration", 3]])]).duration, 3);
});

Deno.test("inspectMetadata does not look inside strict arrays or at top-level strings", () => {
  const values: AmfValue[] = ["duration", ecma([["list", [object([["duration", 9]])]]])];
  assertEquals(inspectMetadata(values).hasDuration, false);
});

Deno.test("inspectMetadata reads a non-number duration like librtmp's number slot", () => {
  assertEquals(inspectMetadata([ecma([["duration", true]])]).duration, 1);
  assertEquals(inspectMetadata([ecma([["duration", false]])]).duration, 0);
  assertEquals(inspectMetadata([ecma([["duration", new AmfDate(1500)]])]).duration, 1500);
  assertEquals(inspectMetadata([ecma([["duration", "12"]])]), {
    duration: 0,
    hasDuration: true,
    flags: 0,
  });
  // The search stops at the first "duration" even when it is not a number.
  assertEquals(
    inspectMetadata([ecma([["duration", null], ["x", ecma([["duration", 5]])]])]).duration,
    0,
  );
});

Deno.test("inspectMetadata sets flags only from names in objects, not ECMA arrays", () => {
  assertEquals(
    inspectMetadata(["onMetaData", ecma([["videocodecid", 7], ["audiocodecid", 10]])]).flags,
    0,
  );
  assertEquals(inspectMetadata(["onMetaData", object([["videocodecid", 7]])]).flags, 0x01);
  assertEquals(inspectMetadata(["onMetaData", object([["audiosamplerate", 44100]])]).flags, 0x04);
  assertEquals(
    inspectMetadata(["onMetaData", object([["audiocodecid", 10], ["videodatarate", 800]])]).flags,
    0x05,
  );
  // Objects nested in objects are searched; objects inside ECMA arrays are not.
  assertEquals(inspectMetadata([object([["x", object([["videoSize", 1]])]])]).flags, 0x01);
  assertEquals(inspectMetadata([ecma([["x", object([["videoSize", 1]])]])]).flags, 0);
  // Plain objects count as AMF objects.
  assertEquals(inspectMetadata([{ audiochannels: 2 }]).flags, 0x04);
});

Deno.test("inspectMetadata needs names strictly longer than the prefix, case-sensitive", () => {
  assertEquals(inspectMetadata([object([["video", 1], ["audio", 1]])]).flags, 0);
  assertEquals(inspectMetadata([object([["Videocodecid", 1], ["AUDIOX", 1]])]).flags, 0);
  assertEquals(inspectMetadata([object([["video_", 1]])]).flags, 0x01);
  assertEquals(inspectMetadata([object([["hasVideo", true]])]).flags, 0);
});

Deno.test("inspectMetadata survives deeply nested hand-built values", () => {
  let value: AmfValue = object([["audioX", 1]]);
  for (let i = 0; i < 5000; i++) value = object([["n", value]]);
  assertEquals(inspectMetadata([value]), { duration: 0, hasDuration: false, flags: 0 });
});
