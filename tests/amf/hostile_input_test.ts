import assert from "node:assert/strict";
import fc from "./_fast_check.ts";
import {
  AMF_MAX_DEPTH,
  AMF_MAX_REFERENCE_EXPANSION,
  AmfEcmaArray,
  AmfError,
  type AmfValue,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
  encodeU29,
} from "../../src/amf/mod.ts";
import { ALL_AMF0_GOLDEN } from "./_amf0_golden.ts";
import { AMF3_GOLDEN } from "./_amf3_golden.ts";
import { ascii, assertThrowsAmf } from "./_amf_assert.ts";

function concat(...parts: (number[] | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function repeat(part: number[], times: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(...part);
  return out;
}

/** Decodes, accepting a result or an AmfError, and failing on anything else. */
function decodeOrAmfError(decode: (bytes: Uint8Array) => AmfValue[], bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (error) {
    if (!(error instanceof AmfError)) throw error;
  }
}

Deno.test("AMF0 lengths that exceed the buffer are AmfErrors, not allocations", () => {
  // 4 GB long string, XML document and strict array claimed in 20-byte buffers.
  const padding = new Array(15).fill(0x05);
  assertThrowsAmf(() => decodeAmf0(concat([0x0c, 0xff, 0xff, 0xff, 0xff], padding)), "long string");
  assertThrowsAmf(() => decodeAmf0(concat([0x0f, 0xff, 0xff, 0xff, 0xff], padding)), "XML");
  assertThrowsAmf(
    () => decodeAmf0(concat([0x0a, 0xff, 0xff, 0xff, 0xff], padding)),
    "4294967295 items cannot fit",
  );
  assertThrowsAmf(() => decodeAmf0(concat([0x02, 0xff, 0xff], padding)), "string");
  assertThrowsAmf(() => decodeAmf0(concat([0x03, 0xff, 0xff], padding)), "property name");
  assertThrowsAmf(() => decodeAmf0(concat([0x10, 0xff, 0xff], padding)), "class name");
  // A huge ECMA array count is ignored; the end marker is what counts.
  assert.equal(
    (decodeAmf0(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x09))[0] as AmfEcmaArray)
      .size,
    0,
  );
});

Deno.test("AMF3 lengths and counts that exceed the buffer are AmfErrors, not allocations", () => {
  const inlineMax = [0xff, 0xff, 0xff, 0xff]; // U29 0x1fffffff: inline, length 2^28 - 1
  const padding = new Array(12).fill(0x01);
  for (const marker of [0x06, 0x07, 0x0b, 0x0c]) {
    assertThrowsAmf(() => decodeAmf3(concat([marker], inlineMax, padding)));
  }
  for (const marker of [0x09, 0x0d, 0x0e, 0x0f, 0x10, 0x11]) {
    assertThrowsAmf(() => decodeAmf3(concat([marker], inlineMax, padding)), "cannot fit");
  }
  // An object whose inline traits claim 2^25 - 1 sealed members.
  assertThrowsAmf(
    () => decodeAmf3(concat([0x0a, 0xff, 0xff, 0xff, 0xf3, 0x01], padding)),
    "cannot fit",
  );
});

Deno.test("Nesting up to AMF_MAX_DEPTH decodes; one more level is an AmfError", () => {
  const amf0Array = [0x0a, 0x00, 0x00, 0x00, 0x01]; // strict array of one
  assert.equal(decodeAmf0(concat(repeat(amf0Array, AMF_MAX_DEPTH), [0x05])).length, 1);
  assertThrowsAmf(
    () => decodeAmf0(concat(repeat(amf0Array, AMF_MAX_DEPTH + 1), [0x05])),
    "nesting",
  );

  const amf0Object = [0x03, 0x00, 0x01, ...ascii("a")]; // object with property "a"
  const ends = repeat([0x00, 0x00, 0x09], AMF_MAX_DEPTH + 1);
  assertThrowsAmf(
    () => decodeAmf0(concat(repeat(amf0Object, AMF_MAX_DEPTH + 1), [0x05], ends)),
    "nesting",
  );

  const amf3Array = [0x09, 0x03, 0x01]; // dense array of one
  assert.equal(decodeAmf3(concat(repeat(amf3Array, AMF_MAX_DEPTH), [0x01])).length, 1);
  assertThrowsAmf(
    () => decodeAmf3(concat(repeat(amf3Array, AMF_MAX_DEPTH + 1), [0x01])),
    "nesting",
  );

  // A million levels fail fast on the limit, not on the call stack.
  assertThrowsAmf(() => decodeAmf0(Uint8Array.from(repeat(amf0Array, 1_000_000))), "nesting");
  assertThrowsAmf(() => decodeAmf3(Uint8Array.from(repeat(amf3Array, 1_000_000))), "nesting");
  // Through the AVM+ switch: AMF0 nesting, then AMF3 nesting, within one limit together.
  const half = AMF_MAX_DEPTH / 2;
  const mixed = concat(repeat(amf0Array, half), [0x11], repeat(amf3Array, half), [0x01]);
  assert.equal(decodeAmf0(mixed).length, 1);
  const tooDeep = concat(repeat(amf0Array, half), [0x11], repeat(amf3Array, half + 1), [0x01]);
  assertThrowsAmf(() => decodeAmf0(tooDeep), "nesting");
});

Deno.test("Bad AMF0 references are AmfErrors", () => {
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x07, 0x00, 0x00)), "index 0 is not among the 0");
  assertThrowsAmf(
    () => decodeAmf0(Uint8Array.of(0x03, 0x00, 0x00, 0x09, 0x07, 0x00, 0x01)),
    "index 1 is not among the 1",
  );
  // A reference to the array that contains it: a cycle.
  assertThrowsAmf(
    () => decodeAmf0(Uint8Array.of(0x0a, 0x00, 0x00, 0x00, 0x01, 0x07, 0x00, 0x00)),
    "contains it",
  );
  // Strings and dates are not in the table.
  assertThrowsAmf(() => decodeAmf0(Uint8Array.of(0x02, 0x00, 0x00, 0x07, 0x00, 0x00)));
});

Deno.test("Bad AMF3 references are AmfErrors", () => {
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x06, 0x02)), "string reference 1");
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x09, 0x00)), "object reference 0");
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x0a, 0x01)), "traits reference 0");
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x08, 0x04)), "object reference 2");
  // The empty string is never in the table, so it cannot be referenced.
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x06, 0x01, 0x06, 0x00)), "string reference 0");
  // Cycles: an array containing itself, an object whose member is itself, a wrapper inside itself.
  assertThrowsAmf(() => decodeAmf3(Uint8Array.of(0x09, 0x03, 0x01, 0x09, 0x00)), "contains it");
  assertThrowsAmf(
    () => decodeAmf3(Uint8Array.of(0x0a, 0x0b, 0x01, 0x03, 0x61, 0x0a, 0x00)),
    "contains it",
  );
  const collection = ascii("flex.messaging.io.ArrayCollection");
  assertThrowsAmf(
    () => decodeAmf3(concat([0x0a, 0x07, 0x43], collection, [0x0a, 0x00])),
    "contains it",
  );
  // Through the AVM+ switch as well.
  assertThrowsAmf(
    () => decodeAmf0(Uint8Array.of(0x11, 0x09, 0x03, 0x01, 0x09, 0x00)),
    "contains it",
  );
});

Deno.test("AMF0 references cannot expand a message without bound", () => {
  // Level 0 is a strict array holding a 60000-byte string; each next level is a strict array
  // holding two references to the previous level, doubling the expanded size.
  const parts: number[] = [
    0x0a,
    0x00,
    0x00,
    0x00,
    0x01,
    0x02,
    0xea,
    0x60,
    ...new Array(60000).fill(0x61),
  ];
  for (let level = 1; level < 40; level++) {
    parts.push(0x0a, 0x00, 0x00, 0x00, 0x02, 0x07, 0x00, level - 1, 0x07, 0x00, level - 1);
  }
  // Top-level values are siblings, so each level's two references charge 2 × the previous one.
  assertThrowsAmf(() => decodeAmf0(Uint8Array.from(parts)), "references expand the message");
  // A handful of shared values is fine, and they decode as the same instance.
  const fine = decodeAmf0(Uint8Array.from(parts.slice(0, 60008 + 11 * 5)));
  assert.equal(fine.length, 6);
  assert.equal((fine[2] as AmfValue[])[0], fine[1]);
});

Deno.test("AMF3 references cannot expand a message without bound", () => {
  // One 1000-byte string, then an array of 20000 references to it: 20 MB when expanded.
  const count = Math.ceil(AMF_MAX_REFERENCE_EXPANSION / 1000) + 10;
  const strings = concat([0x06], encodeU29(1000 * 2 + 1), new Array(1000).fill(0x62));
  const header = concat([0x09], encodeU29(count * 2 + 1), [0x01]); // dense array of `count`
  const body = concat(strings, header, repeat([0x06, 0x00], count));
  assertThrowsAmf(() => decodeAmf3(body), "references expand the message");

  // Doubling object references through nested arrays.
  // Level 0: an array holding a 1000-byte byte array; level n: an array of two references to n - 1.
  const doubling: number[] = [
    0x09,
    0x03,
    0x01,
    0x0c,
    ...encodeU29(1000 * 2 + 1),
    ...new Array(1000).fill(0),
  ];
  for (let level = 1; level < 40; level++) {
    // Object indexes: level 0 is 0 and its byte array 1; level n >= 1 is n + 1.
    const previous = level === 1 ? 0 : level;
    doubling.push(
      0x09,
      0x05,
      0x01,
      0x09,
      ...encodeU29(previous << 1),
      0x09,
      ...encodeU29(previous << 1),
    );
  }
  assertThrowsAmf(() => decodeAmf3(Uint8Array.from(doubling)), "references expand the message");

  // Repeated traits references charge their member names.
  const longName = new Array(8000).fill(0x6e);
  // Object with inline traits: anonymous, one sealed member with an 8000-byte name, value null.
  const traits = concat([0x0a, 0x13, 0x01], encodeU29(8000 * 2 + 1), longName, [0x01]);
  const reuse = repeat([0x0a, 0x01, 0x01], 3000); // 3000 objects reusing the traits
  assertThrowsAmf(() => decodeAmf3(concat(traits, reuse)), "references expand the message");
});

Deno.test("AMF3 expansion behind the AVM+ switch counts toward AMF0 references", () => {
  // An AMF0 strict array holding, via the AVM+ switch, an AMF3 array of 10000 references to a
  // 1000-byte string (10 MB expanded, under the limit); two AMF0 references to that strict array
  // then add 20 MB more, which only an AMF0 reader that counts the AMF3 expansion notices.
  // deno-fmt-ignore
  const amf3 = concat(
    [0x09], encodeU29(2 * 2 + 1), [0x01], // dense AMF3 array of 2
    [0x06], encodeU29(1000 * 2 + 1), new Array(1000).fill(0x63), // the string
    [0x09], encodeU29(10000 * 2 + 1), [0x01], repeat([0x06, 0x00], 10000), // 10000 references
  );
  const strictArray = concat([0x0a, 0x00, 0x00, 0x00, 0x01, 0x11], amf3); // reference 0
  assert.equal(decodeAmf0(strictArray).length, 1);
  assertThrowsAmf(
    () => decodeAmf0(concat(strictArray, [0x07, 0x00, 0x00, 0x07, 0x00, 0x00])),
    "references expand the message",
  );
});

Deno.test("Random bytes only ever decode or throw AmfError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
      decodeOrAmfError(decodeAmf0, bytes);
      decodeOrAmfError(decodeAmf3, bytes);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("Random bytes after each marker only ever decode or throw AmfError", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0x13 }),
      fc.uint8Array({ maxLength: 48 }),
      (marker, rest) => {
        const bytes = concat([marker], rest);
        decodeOrAmfError(decodeAmf0, bytes);
        decodeOrAmfError(decodeAmf3, bytes);
        decodeOrAmfError(decodeAmf0, concat([0x11, marker], rest));
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("Mutated goldens only ever decode or throw AmfError", () => {
  const amf0 = ALL_AMF0_GOLDEN.map((g) => g.bytes);
  const amf3 = AMF3_GOLDEN.map((g) => g.bytes);
  const mutated = (goldens: number[][]) =>
    fc.tuple(
      fc.constantFrom(...goldens),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
    ).map(([bytes, edits]) => {
      const copy = Uint8Array.from(bytes);
      for (const [position, value] of edits) copy[position % copy.length] = value;
      return copy;
    });
  fc.assert(fc.property(mutated(amf0), (bytes) => decodeOrAmfError(decodeAmf0, bytes)), {
    numRuns: 3000,
  });
  fc.assert(fc.property(mutated(amf3), (bytes) => decodeOrAmfError(decodeAmf3, bytes)), {
    numRuns: 3000,
  });
});

Deno.test("Re-encoding any decoded hostile value stays bounded", () => {
  // Whatever decodes can be encoded again without hanging (no cycles, bounded expansion).
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      let values: AmfValue[];
      try {
        values = decodeAmf3(bytes);
      } catch (error) {
        if (error instanceof AmfError) return;
        throw error;
      }
      try {
        encodeAmf3(...values);
        encodeAmf0(...values);
      } catch (error) {
        // AMF3 → AMF0 may meet byte arrays.
        if (!(error instanceof TypeError)) throw error;
      }
    }),
    { numRuns: 3000 },
  );
});
