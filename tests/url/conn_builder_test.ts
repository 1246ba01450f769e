import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { encodeAmf0 } from "../../src/amf/mod.ts";
import { AmfObject, type AmfValue } from "../../src/amf/types.ts";
import { ConnBuilder, type ConnItem, encodeConnItems, UrlError } from "../../src/url.ts";

/** Feeds arguments to a new builder. */
function build(...args: string[]): ConnBuilder {
  const builder = new ConnBuilder();
  for (const arg of args) builder.add(arg);
  return builder;
}

/** Bytes from hex with spaces. */
function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Hex of ASCII text. */
function ascii(text: string): string {
  return Array.from(text, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

/** Joins golden rows of [hex bytes, comment]. */
function golden(rows: [string, string][]): Uint8Array {
  return hex(rows.map(([bytes]) => bytes).join(" "));
}

// The wire check of librtmp-facts.md §3.3, re-captured here with a fake server that prints the
// connect body: rtmpdump -r rtmp://127.0.0.1:PORT/a/b -u authstr -C B:1 -C S:hi -C O:1
//   -C NN:n:1.5 -C NO:o:1 -C NS:s:x -C O:0 -C O:0 -C Z:
// After the connect object come `01 01 02 0007 "authstr"` (the -u auth) and then these bytes.
const FACTS_ARGS = ["B:1", "S:hi", "O:1", "NN:n:1.5", "NO:o:1", "NS:s:x", "O:0", "O:0", "Z:"];
const FACTS_WIRE = golden([
  ["01 01", "B:1: Boolean true"],
  [`02 0002 ${ascii("hi")}`, "S:hi: String, length 2"],
  ["03", "O:1: object"],
  [`0001 ${ascii("n")}`, "NN:n:1.5: name n"],
  ["00 3ff8000000000000", "  Number 1.5"],
  [`0001 ${ascii("o")} 03`, "NO:o:1: name o, object"],
  [`0001 ${ascii("s")} 02 0001 ${ascii("x")}`, "NS:s:x: name s, String x"],
  ["000009", "O:0: end of o"],
  ["000009", "O:0: end of the outer object"],
  ["05", "Z:: Null"],
]);

Deno.test("ConnBuilder encodes the §3.3 example like rtmpdump", () => {
  const builder = build(...FACTS_ARGS);
  assert.deepEqual(encodeConnItems(builder.items()), FACTS_WIRE);
  assert.equal(builder.depth, 0);
});

Deno.test("ConnBuilder values of the §3.3 example encode the same through the AMF0 encoder", () => {
  const values = build(...FACTS_ARGS).values();
  assert.deepEqual(values, [
    true,
    "hi",
    new AmfObject([["n", 1.5], ["o", new AmfObject([["s", "x"]])]]),
    null,
  ]);
  assert.deepEqual(encodeAmf0(...values), FACTS_WIRE);
});

Deno.test("ConnBuilder nests named objects to any depth", () => {
  // librtmp-facts.md §3.3 nesting example
  const values = build("O:1", "NS:code:hello", "NO:extra:1", "NS:data:stuff", "O:0", "O:0")
    .values();
  assert.deepEqual(values, [
    new AmfObject([["code", "hello"], ["extra", new AmfObject([["data", "stuff"]])]]),
  ]);
});

Deno.test("ConnBuilder reads values with C's atoi and strtod", () => {
  // `conn=B:0x1` and `conn=N:010` were captured from rtmpdump -i as `01 00` and Number 10.
  const cases: [string, AmfValue][] = [
    ["B:0", false],
    ["B:-1", true],
    ["B:x", false],
    ["B:0x1", false],
    ["B: 7z", true],
    ["N:010", 10],
    ["N:0x1p3", 8],
    ["N:-1e3x", -1000],
    ["N:abc", 0],
    ["N:inf", Infinity],
    ["S:a:b", "a:b"],
    ["S:", ""],
    ["S:é", "é"],
    ["Z:", null],
    ["Z:anything", null],
  ];
  for (const [arg, value] of cases) assert.deepEqual(build(arg).values(), [value], arg);
});

Deno.test("ConnBuilder closes objects left open", () => {
  const builder = build("O:1", "NB:ok:1", "NO:inner:0");
  assert.equal(builder.depth, 2);
  assert.deepEqual(
    encodeConnItems(builder.items()),
    hex(`03 0002 ${ascii("ok")} 01 01 0005 ${ascii("inner")} 03 000009 000009`),
  );
});

Deno.test("ConnBuilder rejects what librtmp rejects, with rtmpdump's message", () => {
  // rtmpdump -C X:1 -r rtmp://127.0.0.1:1/a/b → "ERROR: Invalid AMF parameter: X:1"
  // rtmpdump -C NS:a:b -r … → "ERROR: Invalid AMF parameter: NS:a:b" (named outside an object)
  for (
    const arg of ["X:1", "NS:a:b", "", "B", "Z", "N", "NZ:z:", "NS:x", "NX:a:1", "BB:1", "b:1"]
  ) {
    assert.throws(() => build(arg), (e: unknown) => {
      assert.ok(e instanceof UrlError);
      assert.equal(e.code, "bad-conn");
      assert.equal(e.message, `Invalid AMF parameter: ${arg}`);
      return true;
    });
  }
  // inside an object, NZ is still unknown (there is no named null)
  assert.throws(() => build("O:1", "NZ:z:"), UrlError);
});

Deno.test("ConnBuilder is unchanged by a rejected item", () => {
  const builder = build("O:1", "NS:a:b");
  const before = encodeConnItems(builder.items());
  assert.throws(() => builder.add("NX:bad:1"), UrlError);
  assert.deepEqual(encodeConnItems(builder.items()), before);
  assert.equal(builder.depth, 1);
});

Deno.test("ConnBuilder keeps librtmp's shapes for unbalanced input", () => {
  // Captured from rtmpdump -r rtmp://127.0.0.1:PORT/a/b -C O:0 -C NS:a:b -C O:1 -C O:1 -C S:x
  //   -C NN::2 -C Z: (connect body after the command object):
  const builder = build("O:0", "NS:a:b", "O:1", "O:1", "S:x", "NN::2", "Z:");
  assert.deepEqual(
    encodeConnItems(builder.items()),
    hex(`
      0001 ${ascii("a")} 02 0001 ${ascii("b")}
      03 000009
      03 02 0001 ${ascii("x")} 00 4000000000000000 05 000009
    `),
  );
  assert.equal(builder.depth, 1);
  const items: ConnItem[] = builder.items();
  assert.deepEqual(items[0], { kind: "string", name: "a", value: "b" });
  // the AmfValue view drops the top-level name and files unnamed members under ""
  assert.deepEqual(builder.values(), [
    "b",
    new AmfObject(),
    new AmfObject([["", null]]),
  ]);
});

Deno.test("ConnBuilder limits nesting to the AMF encoder's depth", () => {
  const builder = new ConnBuilder();
  for (let i = 0; i < 256; i++) builder.add("O:1");
  assert.throws(() => builder.add("O:1"), UrlError);
  assert.throws(() => builder.add("NO:x:1"), UrlError);
  builder.add("S:deep");
  assert.equal(builder.depth, 256);
});

Deno.test("encodeConnItems uses the long-string marker from 65536 bytes", () => {
  const long = encodeConnItems(build("S:" + "a".repeat(65536)).items());
  assert.deepEqual(long.subarray(0, 5), hex("0c 00010000"));
  assert.equal(long.length, 5 + 65536);
  const short = encodeConnItems(build("S:" + "a".repeat(65535)).items());
  assert.deepEqual(short.subarray(0, 3), hex("02 ffff"));
});

/** A random well-formed tree of conn items, as AMF values, with the -C arguments producing it. */
const scalar = fc.oneof(
  fc.boolean().map((b) => ({ arg: `B:${b ? 1 : 0}`, value: b as AmfValue })),
  fc.double({ noNaN: true }).map((n) => ({
    arg: `N:${Object.is(n, -0) ? "-0" : String(n)}`,
    value: n as AmfValue,
  })),
  fc.string().filter((s) => !s.includes("\0")).map((s) => ({
    arg: `S:${s}`,
    value: s as AmfValue,
  })),
);
const name = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.uniqueArray(fc.tuple(name, tie("member")), { selector: ([key]) => key, maxLength: 4 })
      .map((members) => {
        const args = ["O:1"];
        const object = new AmfObject();
        for (
          const [key, member] of members as [string, { arg: string[] | string; value: AmfValue }][]
        ) {
          const memberArgs = Array.isArray(member.arg) ? member.arg : [member.arg];
          // Named forms: NB/NN/NS carry the value, NO opens the object ("O:1" is dropped).
          args.push(
            memberArgs[0] === "O:1"
              ? `NO:${key}:1`
              : `N${memberArgs[0][0]}:${key}:${memberArgs[0].slice(2)}`,
            ...memberArgs.slice(1),
          );
          object.set(key, member.value);
        }
        args.push("O:0");
        return { arg: args, value: object as AmfValue };
      }),
  ),
  member: tie("tree"),
}));

Deno.test("ConnBuilder round-trips random well-formed items", () => {
  fc.assert(
    fc.property(fc.array(tree, { maxLength: 5 }), (trees) => {
      const builder = new ConnBuilder();
      for (const t of trees) {
        for (const arg of Array.isArray(t.arg) ? t.arg : [t.arg]) builder.add(arg);
      }
      const values = trees.map((t) => t.value);
      assert.deepEqual(builder.values(), values);
      assert.deepEqual(encodeConnItems(builder.items()), encodeAmf0(...values));
      assert.equal(builder.depth, 0);
    }),
  );
});

Deno.test("ConnBuilder throws nothing but UrlError on random input", () => {
  const piece = fc.constantFrom(
    "B",
    "N",
    "S",
    "Z",
    "O",
    "NB",
    "NN",
    "NS",
    "NO",
    "NZ",
    ":",
    "0",
    "1",
    "x",
    "",
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string(), fc.array(piece, { maxLength: 5 }).map((p) => p.join(""))), {
        maxLength: 30,
      }),
      (args) => {
        const builder = new ConnBuilder();
        for (const arg of args) {
          try {
            builder.add(arg);
          } catch (e) {
            if (!(e instanceof UrlError)) throw e;
          }
        }
        encodeConnItems(builder.items());
        builder.values();
      },
    ),
  );
});
