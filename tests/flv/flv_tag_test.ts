import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  encodeFlvTag,
  FLV_MAX_TAG_DATA_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvError,
  FlvTagType,
  readFlvTagDataSize,
  readFlvTagTimestamp,
  readUint32,
  writeFlvTagHeader,
  writePreviousTagSize,
} from "../../src/flv/mod.ts";
import { TAG_CASES } from "./_golden.ts";

Deno.test("FlvTagType uses the RTMP type numbers", () => {
  assertEquals(FlvTagType, { Audio: 8, Video: 9, Script: 18 });
  assertEquals(FLV_TAG_HEADER_SIZE, 11);
});

for (const c of TAG_CASES) {
  Deno.test(`encodeFlvTag writes the golden bytes: ${c.name}`, () => {
    assertEquals(Array.from(encodeFlvTag(c.tag)), c.bytes);
  });

  Deno.test(`writeFlvTagHeader writes the golden header at an offset: ${c.name}`, () => {
    const target = new Uint8Array(3 + FLV_TAG_HEADER_SIZE + 2).fill(0xee);
    writeFlvTagHeader(
      target,
      3,
      c.tag.type,
      c.tag.data.length,
      c.tag.timestamp,
      c.tag.streamId,
    );
    assertEquals(Array.from(target.subarray(3, 3 + FLV_TAG_HEADER_SIZE)), c.bytes.slice(0, 11));
    assertEquals(Array.from(target.subarray(0, 3)), [0xee, 0xee, 0xee]);
    assertEquals(Array.from(target.subarray(14)), [0xee, 0xee]);
  });

  Deno.test(`tag field readers decode the golden bytes: ${c.name}`, () => {
    const bytes = new Uint8Array(c.bytes);
    assertEquals(bytes[0], c.tag.type);
    assertEquals(readFlvTagDataSize(bytes, 0), c.tag.data.length);
    assertEquals(readFlvTagTimestamp(bytes, 0), c.tag.timestamp);
    assertEquals(readUint32(bytes, bytes.length - 4), 11 + c.tag.data.length);
  });
}

Deno.test("encodeFlvTag writes StreamID 0 when none is given", () => {
  const bytes = encodeFlvTag({ type: 9, timestamp: 1, data: new Uint8Array([1]) });
  assertEquals(Array.from(bytes.subarray(8, 11)), [0, 0, 0]);
});

Deno.test("writePreviousTagSize writes a big-endian u32", () => {
  const target = new Uint8Array(6);
  writePreviousTagSize(target, 1, 0x01020304);
  assertEquals(Array.from(target), [0, 1, 2, 3, 4, 0]);
});

Deno.test("writeFlvTagHeader rejects fields that do not fit", () => {
  const target = new Uint8Array(FLV_TAG_HEADER_SIZE);
  throws(() => writeFlvTagHeader(target, 1, 8, 0, 0), FlvError);
  throws(() => writeFlvTagHeader(target, 0, 256, 0, 0), FlvError);
  throws(() => writeFlvTagHeader(target, 0, 8, 0x1000000, 0), FlvError);
  throws(() => writeFlvTagHeader(target, 0, 8, 0, 0x100000000), FlvError);
  throws(() => writeFlvTagHeader(target, 0, 8, 0, -1), FlvError);
  throws(() => writeFlvTagHeader(target, 0, 8, 0, 0, 0x1000000), FlvError);
  throws(() => writePreviousTagSize(target, 8, 0), FlvError);
  throws(() => writePreviousTagSize(target, 0, 2 ** 32), FlvError);
});

Deno.test("encodeFlvTag rejects a body longer than 24 bits", () => {
  const data = new Uint8Array(FLV_MAX_TAG_DATA_SIZE + 1);
  throws(() => encodeFlvTag({ type: 9, timestamp: 0, data }), {
    name: "FlvError",
    message: /exceeds/,
  });
});
