/**
 * SOCKS byte layouts: one golden table per message, read by both the encoder tests and the
 * reply readers, every byte commented.
 */

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  encodeSocks4Request,
  encodeSocks5Connect,
  encodeSocks5Greeting,
  encodeSocks5PasswordAuth,
  readSocks4Reply,
  readSocks5MethodChoice,
  readSocks5PasswordReply,
  readSocks5Reply,
  SOCKS4A_MARKER,
  socks5Address,
  socks5ReplyLength,
} from "../../transports/socks_protocol.ts";

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => [...new TextEncoder().encode(value)];

Deno.test("SOCKS4 and SOCKS4a requests", () => {
  const cases: [Uint8Array, number[]][] = [
    [
      encodeSocks4Request(1936, bytes(10, 1, 2, 3), ""),
      // version 4, CONNECT, port 1936, 10.1.2.3, empty user id + NUL (rtmpdump's exact bytes)
      [0x04, 0x01, 0x07, 0x90, 0x0a, 0x01, 0x02, 0x03, 0x00],
    ],
    [
      encodeSocks4Request(80, bytes(192, 0, 2, 1), "bob"),
      // … port 80, 192.0.2.1, "bob" + NUL
      [0x04, 0x01, 0x00, 0x50, 0xc0, 0x00, 0x02, 0x01, ...text("bob"), 0x00],
    ],
    [
      encodeSocks4Request(1935, SOCKS4A_MARKER, "", "a.test"),
      // … port 1935, 0.0.0.1 (SOCKS4a), empty user id + NUL, "a.test" + NUL
      [0x04, 0x01, 0x07, 0x8f, 0x00, 0x00, 0x00, 0x01, 0x00, ...text("a.test"), 0x00],
    ],
  ];
  for (const [actual, expected] of cases) assertEquals([...actual], expected);
  throws(() => encodeSocks4Request(1, bytes(1, 2, 3, 4), "a\0b"), /NUL/);
  throws(() => encodeSocks4Request(70000, bytes(1, 2, 3, 4), ""), /port/);
  throws(() => encodeSocks4Request(1, bytes(1, 2, 3), ""), /4 bytes/);
});

Deno.test("SOCKS4 replies", () => {
  assertEquals(readSocks4Reply(bytes(0x00, 90, 0, 0, 0, 0, 0, 0)), { kind: "granted" });
  assertEquals(readSocks4Reply(bytes(0x00, 91, 0, 0, 0, 0, 0, 0)), {
    kind: "refused",
    code: 91,
    reason: "request rejected or failed",
  });
  assertEquals(readSocks4Reply(bytes(0x00, 92, 0, 0, 0, 0, 0, 0)).kind, "refused");
  assertEquals(readSocks4Reply(bytes(0x00, 93, 0, 0, 0, 0, 0, 0)).kind, "refused");
  assertEquals(readSocks4Reply(bytes(0x00, 94, 0, 0, 0, 0, 0, 0)).kind, "invalid");
  assertEquals(readSocks4Reply(bytes(0x04, 90, 0, 0, 0, 0, 0, 0)).kind, "invalid");
});

Deno.test("SOCKS5 greeting, method choice and RFC 1929 exchange", () => {
  assertEquals([...encodeSocks5Greeting([0])], [0x05, 0x01, 0x00]);
  assertEquals([...encodeSocks5Greeting([0, 2])], [0x05, 0x02, 0x00, 0x02]);
  assertEquals(readSocks5MethodChoice(bytes(0x05, 0x00), [0]), 0);
  assertEquals(readSocks5MethodChoice(bytes(0x05, 0xff), [0]), 0xff);
  assertEquals(typeof readSocks5MethodChoice(bytes(0x05, 0x02), [0]), "object");
  assertEquals(typeof readSocks5MethodChoice(bytes(0x04, 0x00), [0]), "object");
  // version 1, 5-byte name, 6-byte password
  assertEquals([...encodeSocks5PasswordAuth("alice", "secret")], [
    0x01,
    0x05,
    ...text("alice"),
    0x06,
    ...text("secret"),
  ]);
  throws(() => encodeSocks5PasswordAuth("", "x"), /empty/);
  throws(() => encodeSocks5PasswordAuth("u", "p".repeat(256)), /longer than 255/);
  assertEquals(readSocks5PasswordReply(bytes(0x01, 0x00)), { kind: "granted" });
  assertEquals(readSocks5PasswordReply(bytes(0x05, 0x00)), { kind: "granted" });
  assertEquals(readSocks5PasswordReply(bytes(0x01, 0x01)).kind, "refused");
  assertEquals(readSocks5PasswordReply(bytes(0x02, 0x00)).kind, "invalid");
});

Deno.test("SOCKS5 CONNECT requests by address type", () => {
  const cases: [string, number[]][] = [
    // version 5, CONNECT, reserved, type 1, 4 bytes, port 1935
    ["10.1.2.3", [0x05, 0x01, 0x00, 0x01, 10, 1, 2, 3, 0x07, 0x8f]],
    // … type 4, 16 bytes
    ["::1", [0x05, 0x01, 0x00, 0x04, ...new Array(15).fill(0), 1, 0x07, 0x8f]],
    // … type 3, length, name
    ["a.test", [0x05, 0x01, 0x00, 0x03, 6, ...text("a.test"), 0x07, 0x8f]],
  ];
  for (const [host, expected] of cases) {
    assertEquals([...encodeSocks5Connect(socks5Address(host), 1935)], expected, host);
  }
  throws(() => encodeSocks5Connect(socks5Address("a".repeat(256)), 1), /longer than 255/);
});

Deno.test("SOCKS5 replies: length from the head, then the code", () => {
  assertEquals(socks5ReplyLength(bytes(0x05, 0x00, 0x00, 0x01, 0)), 10);
  assertEquals(socks5ReplyLength(bytes(0x05, 0x00, 0x00, 0x04, 0)), 22);
  assertEquals(socks5ReplyLength(bytes(0x05, 0x00, 0x00, 0x03, 7)), 14);
  assertEquals(typeof socks5ReplyLength(bytes(0x05, 0x00, 0x00, 0x02, 0)), "object");
  assertEquals(readSocks5Reply(bytes(0x05, 0x00, 0x00, 0x01, 1, 2, 3, 4, 0, 80)), {
    kind: "granted",
  });
  assertEquals(readSocks5Reply(bytes(0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0)), {
    kind: "refused",
    code: 2,
    reason: "connection not allowed by ruleset",
  });
  assertEquals(readSocks5Reply(bytes(0x05, 0x00, 0x00, 0x01, 0, 0, 0)).kind, "invalid");
});
