import assert from "node:assert/strict";
import {
  Amf0Writer,
  AMF_MAX_DEPTH,
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  AmfXml,
  encodeAmf0,
} from "../../src/amf/mod.ts";
import { ALL_AMF0_GOLDEN, CONN_EXTRAS_GOLDEN } from "./_amf0_golden.ts";
import { hex } from "./_amf_assert.ts";

for (const golden of ALL_AMF0_GOLDEN.filter((g) => g.encode)) {
  Deno.test(`Amf0Writer encodes golden: ${golden.name}`, () => {
    assert.equal(hex(encodeAmf0(...golden.values)), hex(golden.bytes));
  });
}

Deno.test("Amf0Writer typed helpers write the same bytes as writeValue", () => {
  const byHand = new Amf0Writer()
    .writeString("connect")
    .writeNumber(1)
    .writeBytes(Uint8Array.of(0x03))
    .writePropertyName("app")
    .writeString("live")
    .writePropertyName("fpad")
    .writeBoolean(false)
    .writeObjectEnd()
    .writeNull()
    .writeUndefined();
  const byValue = encodeAmf0("connect", 1, { app: "live", fpad: false }, null, undefined);
  assert.equal(hex(byHand.bytes()), hex(byValue));
  assert.equal(byHand.length, byValue.length);
});

Deno.test("Amf0Writer encodes plain objects like AmfObject, in key order", () => {
  assert.equal(
    hex(encodeAmf0({ b: 1, a: "x" })),
    hex(encodeAmf0(new AmfObject([["b", 1], ["a", "x"]]))),
  );
  const nullProto = Object.create(null) as Record<string, AmfValue>;
  nullProto.k = true;
  assert.equal(hex(encodeAmf0(nullProto)), hex(encodeAmf0(new AmfObject([["k", true]]))));
});

Deno.test("Amf0Writer switches to a long string at 65536 UTF-8 bytes", () => {
  const short = encodeAmf0("a".repeat(65535));
  assert.equal(hex(short.subarray(0, 3)), "02 ff ff");
  assert.equal(short.length, 3 + 65535);

  const long = encodeAmf0("a".repeat(65536));
  assert.equal(hex(long.subarray(0, 5)), "0c 00 01 00 00");
  assert.equal(long.length, 5 + 65536);

  // The switch counts UTF-8 bytes, not UTF-16 units: 21845 × "€" is 65535 bytes.
  const euros = "€".repeat(21845);
  assert.equal(hex(encodeAmf0(euros).subarray(0, 3)), "02 ff ff");
  assert.equal(hex(encodeAmf0(euros + "a").subarray(0, 5)), "0c 00 01 00 00");
  assert.equal(hex(encodeAmf0("😀".repeat(16384)).subarray(0, 5)), "0c 00 01 00 00");
});

Deno.test("Amf0Writer.bytes is a view until the next write; encodeAmf0 returns a copy", () => {
  const writer = new Amf0Writer(1);
  writer.writeNull();
  const view = writer.bytes();
  assert.equal(hex(view), "05");
  for (let i = 0; i < 100; i++) writer.writeNumber(i); // grows the buffer
  assert.equal(writer.length, 1 + 900);
  assert.equal(writer.bytes()[0], 0x05);

  const a = encodeAmf0(1);
  const b = encodeAmf0(1);
  assert.notEqual(a.buffer, b.buffer);
  assert.equal(a.byteLength, a.buffer.byteLength);
});

Deno.test("Amf0Writer ECMA array count is the number of properties", () => {
  const bytes = encodeAmf0(new AmfEcmaArray([["a", 1], ["b", 2], ["c", 3]]));
  assert.equal(hex(bytes.subarray(0, 5)), "08 00 00 00 03");
  assert.equal(hex(bytes.subarray(-3)), "00 00 09");
});

Deno.test("Amf0Writer rejects byte arrays and other non-AMF0 values with TypeError", () => {
  assert.throws(() => encodeAmf0(new Uint8Array(2)), TypeError);
  assert.throws(() => encodeAmf0([new Uint8Array(2)]), TypeError);
  assert.throws(() => encodeAmf0(new Date() as unknown as AmfValue), TypeError);
  assert.throws(() => encodeAmf0(new Map() as unknown as AmfValue), TypeError);
  assert.throws(() => encodeAmf0(10n as unknown as AmfValue), TypeError);
  assert.throws(() => encodeAmf0((() => 1) as unknown as AmfValue), TypeError);
});

Deno.test("Amf0Writer rejects names over 65535 bytes with RangeError", () => {
  const long = "n".repeat(65536);
  assert.throws(() => encodeAmf0({ [long]: 1 }), RangeError);
  assert.throws(() => new Amf0Writer().writePropertyName(long), RangeError);
  const typed = new AmfObject();
  typed.className = long;
  assert.throws(() => encodeAmf0(typed), RangeError);
  // 65535 is fine.
  assert.equal(new Amf0Writer().writePropertyName("n".repeat(65535)).length, 65537);
});

Deno.test("Amf0Writer limits nesting and so rejects cyclic values with RangeError", () => {
  let deep: AmfValue = null;
  for (let i = 0; i < AMF_MAX_DEPTH; i++) deep = [deep];
  assert.equal(encodeAmf0(deep).length, AMF_MAX_DEPTH * 5 + 1);
  assert.throws(() => encodeAmf0([deep]), RangeError);

  const cyclic = new AmfObject();
  cyclic.set("self", cyclic);
  assert.throws(() => encodeAmf0(cyclic), RangeError);
});

Deno.test("Amf0Writer writes dates with their timezone and XML with a u32 length", () => {
  assert.equal(hex(encodeAmf0(new AmfDate(1, 120))), "0b 3f f0 00 00 00 00 00 00 00 78");
  assert.equal(hex(encodeAmf0(new AmfXml(""))), "0f 00 00 00 00");
});

Deno.test("Amf0Writer rejects a bad initial capacity", () => {
  assert.throws(() => new Amf0Writer(-1), RangeError);
  assert.throws(() => new Amf0Writer(1.5), RangeError);
  assert.equal(new Amf0Writer(0).writeNull().length, 1);
});

Deno.test("Amf0Writer helpers build rtmpdump's -C extras byte for byte", () => {
  // -u authstr -C B:1 -C S:hi -C O:1 -C NN:n:1.5 -C NO:o:1 -C NS:s:x -C O:0 -C O:0 -C Z:
  const object = Uint8Array.of(0x03);
  const writer = new Amf0Writer()
    .writeBoolean(true)
    .writeString("authstr")
    .writeBoolean(true)
    .writeString("hi")
    .writeBytes(object)
    .writePropertyName("n")
    .writeNumber(1.5)
    .writePropertyName("o")
    .writeBytes(object)
    .writePropertyName("s")
    .writeString("x")
    .writeObjectEnd()
    .writeObjectEnd()
    .writeNull();
  assert.equal(hex(writer.bytes()), hex(CONN_EXTRAS_GOLDEN.bytes));
});
