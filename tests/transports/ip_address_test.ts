import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { formatIpv6, isIpLiteral, parseIpv4, parseIpv6 } from "../../transports/ip_address.ts";

Deno.test("parseIpv4 reads dotted quads only", () => {
  assertEquals(parseIpv4("127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
  assertEquals(parseIpv4("255.255.255.255"), new Uint8Array([255, 255, 255, 255]));
  for (const text of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "", " 1.2.3.4"]) {
    assertEquals(parseIpv4(text), undefined, text);
  }
});

Deno.test("parseIpv6 reads full, shortened, bracketed and IPv4-suffixed forms", () => {
  const bytes = (...words: number[]) => {
    const out = new Uint8Array(16);
    words.forEach((w, i) => {
      out[2 * i] = w >> 8;
      out[2 * i + 1] = w & 0xff;
    });
    return out;
  };
  assertEquals(parseIpv6("::1"), bytes(0, 0, 0, 0, 0, 0, 0, 1));
  assertEquals(parseIpv6("[::1]"), bytes(0, 0, 0, 0, 0, 0, 0, 1));
  assertEquals(parseIpv6("::"), bytes());
  assertEquals(parseIpv6("2001:DB8::7"), bytes(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
  assertEquals(parseIpv6("1:2:3:4:5:6:7:8"), bytes(1, 2, 3, 4, 5, 6, 7, 8));
  assertEquals(parseIpv6("::ffff:10.1.2.3"), bytes(0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203));
  for (
    const text of [
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "g::",
      "1.2.3.4",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7::8",
    ]
  ) {
    assertEquals(parseIpv6(text), undefined, text);
  }
});

Deno.test("formatIpv6 writes the RFC 5952 form and round-trips (property)", () => {
  assertEquals(formatIpv6(parseIpv6("0:0:0:0:0:0:0:1")!), "::1");
  assertEquals(formatIpv6(parseIpv6("2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assertEquals(formatIpv6(parseIpv6("2001:db8:0:1:1:1:1:1")!), "2001:db8:0:1:1:1:1:1");
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assertEquals(parseIpv6(formatIpv6(bytes)), bytes);
    }),
  );
});

Deno.test("isIpLiteral tells addresses from names", () => {
  for (const host of ["127.0.0.1", "::1", "[::1]", "fe80::1%eth0", "[fe80::1%25eth0]"]) {
    assertEquals(isIpLiteral(host), true, host);
  }
  for (const host of ["localhost", "example.com", "1.2.3", "a::b::c"]) {
    assertEquals(isIpLiteral(host), false, host);
  }
});
