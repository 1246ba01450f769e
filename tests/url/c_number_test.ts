import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { atof, atoi, atol, strtod, strtol, toCInt } from "../../src/url.ts";
import { scanStrtod, scanStrtol } from "../../src/url/c_number.ts";

// Expected values printed by glibc 2.36 (Debian bookworm, the libc rtmpdump runs on) from a small
// C program calling strtol(s, &end, 0), strtol(s, &end, 10), atoi(s) and strtod(s, &end).

Deno.test("atoi reads like glibc: whitespace, sign, partial parses, int truncation", () => {
  const cases: [string, number][] = [
    ["12abc", 12],
    ["abc", 0],
    ["", 0],
    ["  \t\n\v\f\r-42", -42],
    ["+7", 7],
    ["- 7", 0],
    ["0x10", 0],
    ["010", 10],
    ["2147483647", 2147483647],
    ["2147483648", -2147483648],
    ["4294967297", 1],
    ["4294969231", 1935],
    ["9223372036854775807", -1],
    ["99999999999999999999", -1], // saturates at LONG_MAX, whose low 32 bits are -1
    ["-99999999999999999999", 0], // LONG_MIN's low 32 bits are 0
    ["\u00a012", 0], // only the C locale's whitespace is skipped
  ];
  for (const [text, expected] of cases) assert.equal(atoi(text), expected, JSON.stringify(text));
});

Deno.test("strtol with base 0 picks hex, octal or decimal", () => {
  const cases: [string, bigint, number][] = [
    ["010", 8n, 3],
    ["08", 0n, 1], // '8' is not octal: only the "0" converts
    ["0x1fz", 31n, 4],
    ["0X1F", 31n, 4],
    ["0x", 0n, 1], // no hex digit: "0" converts, end after it
    ["0xg", 0n, 1],
    [" -0x10", -16n, 6],
    ["9223372036854775808", 9223372036854775807n, 19],
    ["-9223372036854775808", -9223372036854775808n, 20],
    ["-9223372036854775809", -9223372036854775808n, 20],
    ["+", 0n, 0],
    ["", 0n, 0],
  ];
  for (const [text, value, end] of cases) {
    assert.deepEqual(scanStrtol(text, 0, 0), { value, end }, JSON.stringify(text));
    assert.equal(strtol(text, 0), value);
  }
  assert.equal(strtol("zz", 36), 1295n);
  assert.equal(atol("-5x"), -5n);
  assert.throws(() => strtol("1", 1), RangeError);
  assert.throws(() => strtol("1", 37), RangeError);
});

Deno.test("strtod reads decimal, hex, inf and nan prefixes", () => {
  const cases: [string, number, number][] = [
    ["1.5", 1.5, 3],
    [" -2.5e3xyz", -2500, 7],
    ["1e", 1, 1], // no exponent digits: the 'e' is not used
    ["1e+", 1, 1],
    [".5", 0.5, 2],
    ["5.", 5, 2],
    [".", 0, 0],
    ["-0", -0, 2],
    ["0x1.8p1", 3, 7],
    ["0x.8", 0.5, 4],
    ["0x", 0, 1],
    ["0x1p-1074", 5e-324, 9],
    ["0x1p-1076", 0, 9],
    ["0x1.fffffffffffff8p0", 2, 20], // rounds to even
    ["0x1.fffffffffffff7p0", 1.9999999999999998, 20],
    ["0x1p1024", Infinity, 8],
    ["1e400", Infinity, 5],
    ["1e-400", 0, 6],
    ["2.4703282292062328e-324", 5e-324, 23],
    ["inf", Infinity, 3],
    ["-Infinity", -Infinity, 9],
    ["infinit", Infinity, 3],
    ["nan", NaN, 3],
    ["nan(12_a)x", NaN, 9],
    ["nan(", NaN, 3],
    ["abc", 0, 0],
  ];
  for (const [text, value, end] of cases) {
    const scan = scanStrtod(text, 0);
    assert.ok(Object.is(scan.value, value), `${JSON.stringify(text)}: ${scan.value}`);
    assert.equal(scan.end, end, JSON.stringify(text));
  }
  assert.equal(strtod("12abc"), 12);
  assert.equal(atof("1.25s"), 1.25);
});

Deno.test("atoi reads back any int32 and truncates any int64", () => {
  fc.assert(fc.property(fc.integer(), (n) => assert.equal(atoi(String(n)), n)));
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
      assert.equal(strtol(String(n), 10), n);
      assert.equal(atoi(String(n)), Number(BigInt.asIntN(32, n)));
      assert.equal(toCInt(n), Number(BigInt.asIntN(32, n)));
    }),
  );
});

Deno.test("strtod reads back any double in decimal and hex", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true }), (x) => {
      const sign = Object.is(x, -0) ? "-" : ""; // String(-0) is "0"
      assert.ok(Object.is(strtod(sign + String(x)), x));
      if (Number.isFinite(x)) assert.ok(Object.is(strtod(sign + x.toExponential()), x));
    }),
  );
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      // C's %a form: sign, 0x1.<13 hex digits>p<exponent> for normal numbers.
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, x);
      const bits = view.getBigUint64(0);
      const sign = bits >> 63n ? "-" : "";
      const exponent = Number((bits >> 52n) & 0x7ffn);
      const fraction = (bits & 0xfffffffffffffn).toString(16).padStart(13, "0");
      const text = exponent === 0
        ? `${sign}0x0.${fraction}p-1022`
        : `${sign}0x1.${fraction}p${exponent - 1023}`;
      assert.ok(Object.is(strtod(text), x), text);
    }),
  );
});

Deno.test("C number parsing never throws and stays bounded on long input", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      atoi(text);
      strtod(text);
      strtol(text, 0);
    }),
  );
  const digits = "9".repeat(100_000);
  assert.equal(strtol(digits, 10), 9223372036854775807n);
  assert.equal(strtod(digits), Infinity);
  assert.equal(strtod("0x" + "f".repeat(100_000)), Infinity);
  assert.equal(strtod("0x1p-" + "9".repeat(1000)), 0);
});
