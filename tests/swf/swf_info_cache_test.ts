import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "../amf/_fast_check.ts";
import {
  cacheBytes,
  cacheText,
  findSwfInfo,
  formatHttpDate,
  parseHttpDate,
  updateSwfInfo,
} from "../../src/swf/mod.ts";

const HASH_A = "11".repeat(32);
const HASH_B = "22".repeat(32);
const bytesOf = (hex: string) => Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));

const ENTRY_A = [
  "url: http://cdn.example/players/v1/player.swf",
  "ctim: Mon, 01 Jan 2024 10:00:00 GMT",
  "date: Sun, 31 Dec 2023 09:00:00 GMT",
  "size: 0001e240",
  `hash: ${HASH_A}`,
].join("\n") + "\n";
const ENTRY_B = [
  "url: https://other.example/flash/main.swf",
  "ctim: Tue, 02 Jan 2024 11:30:15 GMT",
  "date: ",
  "size: 00000400",
  `hash: ${HASH_B}`,
].join("\n") + "\n";

Deno.test("http dates: rtmpdump's written form and the three read forms", () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);
  strictEqual(formatHttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  strictEqual(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), t);
  strictEqual(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), t);
  strictEqual(parseHttpDate("Sun Nov  6 08:49:37 1994"), t);
  strictEqual(parseHttpDate("Sun, 06-Nov-1994 08:49:37 GMT"), t);
  strictEqual(parseHttpDate("yesterday"), undefined);
  strictEqual(parseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"), undefined);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4102444800 }), (seconds) => {
      const ms = seconds * 1000;
      strictEqual(parseHttpDate(formatHttpDate(ms)), ms);
      strictEqual(formatHttpDate(ms), new Date(ms).toUTCString());
    }),
  );
});

Deno.test("findSwfInfo reads every field of the matching entry", () => {
  const match = findSwfInfo(ENTRY_A + ENTRY_B, "https://other.example/flash/main.swf");
  strictEqual(match?.start, 5);
  strictEqual(match?.end, 10);
  strictEqual(match?.entry.url, "https://other.example/flash/main.swf");
  strictEqual(match?.entry.checkedAt, Date.UTC(2024, 0, 2, 11, 30, 15));
  strictEqual(match?.entry.lastModified, "");
  deepStrictEqual(match?.entry.info, { hash: bytesOf(HASH_B), size: 0x400 });
});

Deno.test("findSwfInfo uses librtmp's rule: scheme+host and the last path component", () => {
  const text = ENTRY_A + ENTRY_B;
  // Another folder on the same host, and a query string: same entry.
  strictEqual(findSwfInfo(text, "http://cdn.example/other/dir/player.swf?v=3")?.start, 0);
  // The entry's last component only has to be a prefix of the URL's.
  strictEqual(findSwfInfo(text, "http://cdn.example/player.swf2")?.start, 0);
  // Scheme and host must match; the file name too.
  strictEqual(findSwfInfo(text, "https://cdn.example/players/v1/player.swf"), undefined);
  strictEqual(findSwfInfo(text, "http://cdn.example:8080/players/v1/player.swf"), undefined);
  strictEqual(findSwfInfo(text, "http://cdn.example/players/v1/play.swf"), undefined);
  strictEqual(findSwfInfo(text, "no-slashes"), undefined);
  strictEqual(findSwfInfo(text, "http://hostonly"), undefined);
  strictEqual(findSwfInfo("", "http://cdn.example/player.swf"), undefined);
});

Deno.test("findSwfInfo tolerates missing and bad fields", () => {
  const text = "url: http://h.example/p.swf\nctim: garbage\nsize: 10\n" + ENTRY_B;
  const match = findSwfInfo(text, "http://h.example/p.swf");
  strictEqual(match?.end, 3);
  strictEqual(match?.entry.checkedAt, undefined);
  strictEqual(match?.entry.info, undefined);
  const badHash = ENTRY_A.replace(HASH_A, "zz".repeat(32));
  strictEqual(findSwfInfo(badHash, "http://cdn.example/player.swf")?.entry.info, undefined);
});

Deno.test("updateSwfInfo rewrites a found entry where it is, byte for byte like rtmpdump", () => {
  const text = ENTRY_A + ENTRY_B;
  const checkedAt = Date.UTC(2024, 5, 1, 12, 0, 0);
  // 304: only ctim changes.
  strictEqual(
    updateSwfInfo(text, "http://cdn.example/players/v1/player.swf", {
      checkedAt,
      lastModified: "",
    }),
    ENTRY_A.replace("Mon, 01 Jan 2024 10:00:00 GMT", "Sat, 01 Jun 2024 12:00:00 GMT") + ENTRY_B,
  );
  // A new fetch: every field changes, the entry stays first.
  const updated = updateSwfInfo(text, "http://cdn.example/x/player.swf?q=1", {
    checkedAt,
    lastModified: "Fri, 31 May 2024 08:00:00 GMT",
    info: { hash: bytesOf(HASH_B), size: 0xabcdef },
  });
  strictEqual(
    updated,
    [
      "url: http://cdn.example/players/v1/player.swf",
      "ctim: Sat, 01 Jun 2024 12:00:00 GMT",
      "date: Fri, 31 May 2024 08:00:00 GMT",
      "size: 00abcdef",
      `hash: ${HASH_B}`,
    ].join("\n") + "\n" + ENTRY_B,
  );
});

Deno.test("updateSwfInfo appends a new entry, the URL cut at its query", () => {
  const checkedAt = Date.UTC(2024, 5, 1, 12, 0, 0);
  const text = updateSwfInfo(ENTRY_A, "http://new.example/a/b.swf?token=1", {
    checkedAt,
    lastModified: "",
    info: { hash: bytesOf(HASH_A), size: 5 },
  });
  strictEqual(
    text,
    ENTRY_A + "url: http://new.example/a/b.swf\nctim: Sat, 01 Jun 2024 12:00:00 GMT\n" +
      `date: \nsize: 00000005\nhash: ${HASH_A}\n`,
  );
  const again = findSwfInfo(text, "http://new.example/a/b.swf");
  deepStrictEqual(again?.entry.info, { hash: bytesOf(HASH_A), size: 5 });
  strictEqual(again?.entry.checkedAt, checkedAt);
});

Deno.test("cacheText and cacheBytes keep every byte", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20000 }), (bytes) => {
      deepStrictEqual(cacheBytes(cacheText(bytes)), bytes);
    }),
    { numRuns: 50 },
  );
});
