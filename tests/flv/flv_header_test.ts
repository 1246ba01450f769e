import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { decodeFlvHeader, encodeFlvHeader, FlvError, FlvFlags } from "../../src/flv/mod.ts";
import { HEADER_CASES } from "./_golden.ts";

for (const c of HEADER_CASES) {
  Deno.test(`encodeFlvHeader writes the golden bytes: ${c.name}`, () => {
    assertEquals(Array.from(encodeFlvHeader(c.flags)), c.bytes);
  });
  Deno.test(`decodeFlvHeader reads the golden bytes: ${c.name}`, () => {
    assertEquals(decodeFlvHeader(new Uint8Array(c.bytes)), {
      version: 1,
      flags: c.flags,
      dataOffset: 9,
    });
  });
}

Deno.test("FlvFlags has the FLV bit values", () => {
  assertEquals(FlvFlags.Video, 1);
  assertEquals(FlvFlags.Audio, 4);
});

Deno.test("decodeFlvHeader keeps a larger DataOffset", () => {
  const bytes = new Uint8Array([0x46, 0x4c, 0x56, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00]);
  assertEquals(decodeFlvHeader(bytes).dataOffset, 256);
});

Deno.test("decodeFlvHeader rejects short input, a bad signature and a small DataOffset", () => {
  throws(() => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0])), FlvError);
  throws(
    () => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x57, 1, 5, 0, 0, 0, 9])),
    { name: "FlvError", message: /signature/ },
  );
  throws(
    () => decodeFlvHeader(new Uint8Array([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 8])),
    { name: "FlvError", message: /DataOffset/ },
  );
});

Deno.test("encodeFlvHeader rejects a flags value that is not a byte", () => {
  throws(() => encodeFlvHeader(256), FlvError);
  throws(() => encodeFlvHeader(-1), FlvError);
  throws(() => encodeFlvHeader(1.5), FlvError);
});
