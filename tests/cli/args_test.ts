import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { LONG_OPTIONS, parseArgs, SHORT_OPTIONS } from "../../src/cli/args.ts";

const opt = (short: string, value?: string) =>
  value === undefined ? { kind: "option", short } : { kind: "option", short, value };
const err = (message: string) => ({ kind: "error", message });

Deno.test("parseArgs reads short flags, clusters and attached or separate values", () => {
  assertEquals(parseArgs(["-q", "-V", "-#"]).items, [opt("q"), opt("V"), opt("#")]);
  assertEquals(parseArgs(["-qvR"]).items, [opt("q"), opt("v"), opt("R")]);
  assertEquals(parseArgs(["-ofile.flv", "-o", "x"]).items, [opt("o", "file.flv"), opt("o", "x")]);
  // In a cluster, the first option taking a value takes the rest of the word.
  assertEquals(parseArgs(["-qvofile"]).items, [opt("q"), opt("v"), opt("o", "file")]);
  assertEquals(parseArgs(["-qo", "file"]).items, [opt("q"), opt("o", "file")]);
  // A value is taken from the next word even when it looks like an option.
  assertEquals(parseArgs(["-o", "-q"]).items, [opt("o", "-q")]);
  assertEquals(parseArgs(["-o", ""]).items, [opt("o", "")]);
});

Deno.test("parseArgs reads long options with = or a separate value", () => {
  assertEquals(parseArgs(["--rtmp=rtmp://h/a/b", "--flv", "x.flv", "--live"]).items, [
    opt("r", "rtmp://h/a/b"),
    opt("o", "x.flv"),
    opt("v"),
  ]);
  assertEquals(parseArgs(["--flv="]).items, [opt("o", "")]);
  assertEquals(parseArgs(["--conn=S:a=b"]).items, [opt("C", "S:a=b")]);
  assertEquals(parseArgs(["--flv", "--live"]).items, [opt("o", "--live")]);
});

Deno.test("parseArgs accepts unambiguous prefixes of long names", () => {
  assertEquals(parseArgs(["--he", "--playl", "--rt", "u", "--sub=s", "--j", "t"]).items, [
    opt("h"),
    opt("Y"),
    opt("r", "u"),
    opt("d", "s"),
    opt("j", "t"),
  ]);
  // An exact name wins over longer names it is a prefix of.
  assertEquals(parseArgs(["--live"]).items, [opt("v")]);
});

Deno.test("parseArgs skips operands anywhere, and stops at --", () => {
  assertEquals(parseArgs(["foo", "-q", "-", "bar", "-o", "x", "--", "-v", "baz"]), {
    items: [opt("q"), opt("o", "x")],
    operands: ["foo", "-", "bar", "-v", "baz"],
  });
});

Deno.test("parseArgs stops at the first operand with POSIXLY_CORRECT", () => {
  assertEquals(parseArgs(["-q", "foo", "-v"], { posixlyCorrect: true }), {
    items: [opt("q")],
    operands: ["foo", "-v"],
  });
});

Deno.test("parseArgs reports errors with glibc's exact messages", () => {
  // Each message below is what `rtmpdump ARGS` printed on stderr (glibc 2.36, C locale).
  // rtmpdump --bogus
  assertEquals(parseArgs(["--bogus"]).items, [err("rtmpdump: unrecognized option '--bogus'\n")]);
  // rtmpdump --bogus=3
  assertEquals(parseArgs(["--bogus=3"]).items, [
    err("rtmpdump: unrecognized option '--bogus=3'\n"),
  ]);
  // rtmpdump ---x
  assertEquals(parseArgs(["---x"]).items, [err("rtmpdump: unrecognized option '---x'\n")]);
  // rtmpdump -Q
  assertEquals(parseArgs(["-Q"]).items, [err("rtmpdump: invalid option -- 'Q'\n")]);
  // rtmpdump -:
  assertEquals(parseArgs(["-:"]).items, [err("rtmpdump: invalid option -- ':'\n")]);
  // rtmpdump -r
  assertEquals(parseArgs(["-r"]).items, [err("rtmpdump: option requires an argument -- 'r'\n")]);
  // rtmpdump -W
  assertEquals(parseArgs(["-W"]).items, [err("rtmpdump: option requires an argument -- 'W'\n")]);
  // rtmpdump --rtmp
  assertEquals(parseArgs(["--rtmp"]).items, [
    err("rtmpdump: option '--rtmp' requires an argument\n"),
  ]);
  // rtmpdump --rt
  assertEquals(parseArgs(["--rt"]).items, [
    err("rtmpdump: option '--rtmp' requires an argument\n"),
  ]);
  // rtmpdump --help=3
  assertEquals(parseArgs(["--help=3"]).items, [
    err("rtmpdump: option '--help' doesn't allow an argument\n"),
  ]);
  // rtmpdump --he=3
  assertEquals(parseArgs(["--he=3"]).items, [
    err("rtmpdump: option '--help' doesn't allow an argument\n"),
  ]);
  // rtmpdump --sw x
  assertEquals(
    parseArgs(["--sw", "x"]).items[0],
    err(
      "rtmpdump: option '--sw' is ambiguous; possibilities: '--swfUrl' '--swfhash' '--swfsize' '--swfVfy' '--swfAge'\n",
    ),
  );
  // rtmpdump --s=x
  assertEquals(parseArgs(["--s=x"]).items, [err(
    "rtmpdump: option '--s=x' is ambiguous; possibilities: '--socks' '--swfUrl' '--swfhash' '--swfsize' '--swfVfy' '--swfAge' '--skip' '--subscribe' '--start' '--stop'\n",
  )]);
  // rtmpdump --=x
  assertEquals(parseArgs(["--=x"]).items, [err(
    "rtmpdump: option '--=x' is ambiguous; possibilities: '--help' '--host' '--port' '--socks' '--protocol' '--playpath' '--playlist' '--url' '--rtmp' '--swfUrl' '--tcUrl' '--pageUrl' '--app' '--auth' '--conn' '--swfhash' '--swfsize' '--swfVfy' '--swfAge' '--flashVer' '--live' '--realtime' '--flv' '--resume' '--timeout' '--buffer' '--skip' '--subscribe' '--start' '--stop' '--token' '--hashes' '--debug' '--quiet' '--verbose' '--jtv'\n",
  )]);
});

Deno.test("parseArgs names the program as given and reports a non-ASCII option's first byte", () => {
  assertEquals(parseArgs(["-Q"], { programName: "/usr/bin/rtmpdump" }).items, [
    err("/usr/bin/rtmpdump: invalid option -- 'Q'\n"),
  ]);
  const [item] = parseArgs(["-é"]).items;
  assertEquals(item.kind, "error");
  const bytes = (item as { message: Uint8Array }).message;
  assertEquals(
    bytes,
    new Uint8Array([
      ...new TextEncoder().encode("rtmpdump: invalid option -- '"),
      0xc3,
      0x27,
      0x0a,
    ]),
  );
});

Deno.test("parseArgs goes on after an error as further getopt calls would", () => {
  assertEquals(parseArgs(["-qQv", "--bogus", "-o", "x"]).items, [
    opt("q"),
    err("rtmpdump: invalid option -- 'Q'\n"),
    opt("v"),
    err("rtmpdump: unrecognized option '--bogus'\n"),
    opt("o", "x"),
  ]);
});

Deno.test("every long option maps to a short option with the same value rule", () => {
  for (const option of LONG_OPTIONS) {
    const index = SHORT_OPTIONS.indexOf(option.short);
    assertEquals(index >= 0, true, option.name);
    assertEquals(SHORT_OPTIONS[index + 1] === ":", option.hasArg, option.name);
    assertEquals(
      parseArgs([`--${option.name}`, "v"]).items[0],
      opt(option.short, option.hasArg ? "v" : undefined),
    );
  }
  assertEquals(LONG_OPTIONS.length, 36);
});

Deno.test("parseArgs consumes every word exactly once (property)", () => {
  const word = fc.oneof(
    fc.constantFrom("-q", "-o", "-ox", "--flv", "--flv=x", "--", "-", "--live", "-Qv", "--s"),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(fc.property(fc.array(word, { maxLength: 12 }), (argv) => {
    const { items, operands } = parseArgs(argv);
    // Every operand is a word of argv, in order; values come from argv words or their tails.
    let cursor = 0;
    for (const operand of operands) {
      const found = argv.indexOf(operand, cursor);
      assertEquals(found >= 0, true);
      cursor = found + 1;
    }
    for (const item of items) {
      if (item.kind === "option" && item.value !== undefined) {
        assertEquals(argv.some((w) => w === item.value || w.endsWith(item.value!)), true);
      }
    }
  }));
});
