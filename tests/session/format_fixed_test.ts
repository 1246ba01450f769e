import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { formatFixed } from "../../src/session/format_fixed.ts";

/** Reads a double from 16 hex digits of its IEEE-754 bits. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

Deno.test("formatFixed matches glibc's %.0f %.1f %.2f %.3f on 2,383 doubles", async () => {
  // printf_fixed.tsv was printed by glibc through perl's sprintf: see gen_printf_fixed.sh.
  const table = await Deno.readTextFile(new URL("./fixtures/printf_fixed.tsv", import.meta.url));
  let rows = 0;
  for (const row of table.trim().split("\n")) {
    const [hex, ...expected] = row.split("\t");
    const x = fromBits(hex);
    expected.forEach((text, digits) =>
      assertEquals(formatFixed(x, digits), text, `${hex} %.${digits}f`)
    );
    rows++;
  }
  assertEquals(rows, 2383);
});

Deno.test("formatFixed rounds exact ties to even, where toFixed rounds them up", () => {
  assertEquals(formatFixed(0.125, 2), "0.12");
  assertEquals((0.125).toFixed(2), "0.13");
  assertEquals(formatFixed(0.375, 2), "0.38");
  assertEquals(formatFixed(2.5, 0), "2");
  assertEquals(formatFixed(3.5, 0), "4");
  assertEquals(formatFixed(-2.5, 0), "-2");
  assertEquals(formatFixed(-0.5, 0), "-0");
  assertEquals(formatFixed(1.0005, 3), "1.000"); // 1.0005 is below the tie in binary
});

Deno.test("formatFixed prints signs, zeros, infinities and NaN as glibc does", () => {
  assertEquals(formatFixed(0, 2), "0.00");
  assertEquals(formatFixed(-0, 2), "-0.00");
  assertEquals(formatFixed(-0.001, 2), "-0.00");
  assertEquals(formatFixed(Infinity, 2), "inf");
  assertEquals(formatFixed(-Infinity, 1), "-inf");
  assertEquals(formatFixed(NaN, 3), "nan");
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, 0xfff8000000000000n);
  assertEquals(formatFixed(view.getFloat64(0), 2), "-nan");
  assertEquals(formatFixed(1e21, 2), "1000000000000000000000.00"); // toFixed gives "1e+21"
  assertEquals(formatFixed(5e-324, 0), "0");
  assertEquals(formatFixed(2 ** -1074, 1074).slice(-4), "5625");
});

Deno.test("formatFixed rejects a precision that is not a small non-negative integer", () => {
  assertThrows(() => formatFixed(1, -1), RangeError);
  assertThrows(() => formatFixed(1, 1.5), RangeError);
  assertThrows(() => formatFixed(1, 5000), RangeError);
});

/** True when x·10^digits lies exactly halfway between two integers. */
function isTie(x: number, digits: number): boolean {
  const longer = x.toFixed(digits + 1);
  if (!longer.endsWith("5")) return false;
  // The exact expansion must stop at that 5: every further digit (up to 100) is 0.
  return /^-?\d+\.\d*?5(0*)$/.test(x.toFixed(100)) &&
    x.toFixed(100).replace(/0+$/, "").length === longer.length;
}

Deno.test("formatFixed equals toFixed except on ties, and rounds ties to even", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }),
        fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).chain((n) =>
          fc.integer({ min: 0, max: 12 }).map((k) => n / 2 ** k)
        ),
      ),
      fc.integer({ min: 0, max: 10 }),
      (x, digits) => {
        const ours = formatFixed(x, digits);
        if (!isTie(x, digits)) {
          const theirs = x.toFixed(digits);
          // toFixed drops the sign of negative zero results; glibc keeps it.
          assertEquals(ours, Object.is(x, -0) ? `-${theirs}` : theirs);
          return;
        }
        const truncated = x.toFixed(digits + 1).slice(0, -1).replace(/\.$/, "");
        const lastDigit = Number(truncated[truncated.length - 1]);
        assertEquals(ours, lastDigit % 2 === 0 ? truncated : x.toFixed(digits));
      },
    ),
    { numRuns: 5000 },
  );
});
