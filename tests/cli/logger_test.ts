import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { LogLevel } from "../../src/cli/logger.ts";
import { captureLogger } from "./_capture.ts";

Deno.test("Logger prefixes each message with its level name", () => {
  const { log, out } = captureLogger(LogLevel.DEBUG2);
  log.crit("c");
  log.error("e");
  log.warning("w");
  log.info("i");
  log.debug("d");
  log.debug2("d2");
  assertEquals(out.text(), "CRIT: c\nERROR: e\nWARNING: w\nINFO: i\nDEBUG: d\nDEBUG2: d2\n");
});

Deno.test("Logger shows only messages at or below its level; rtmpdump starts at INFO", () => {
  const { log, out } = captureLogger();
  assertEquals(log.level, LogLevel.INFO);
  log.debug("hidden");
  log.info("shown");
  log.level = LogLevel.CRIT;
  log.error("hidden");
  log.crit("kept");
  assertEquals(out.text(), "INFO: shown\nCRIT: kept\n");
  assertEquals(log.enabled(LogLevel.CRIT), true);
  assertEquals(log.enabled(LogLevel.ERROR), false);
});

Deno.test("Logger keeps a message's own trailing newline, which makes an empty line", () => {
  // rtmpdump -r foo://127.0.0.1:1/app/x -o /tmp/x.flv  →  "WARNING: Unknown protocol!\n\n"
  const { log, out } = captureLogger();
  log.warning("Unknown protocol!\n");
  assertEquals(out.text(), "WARNING: Unknown protocol!\n\n");
});

Deno.test("Logger drops messages containing no-name below ALL", () => {
  const { log, out } = captureLogger(LogLevel.DEBUG2);
  log.info("  name                  has no-name inside");
  assertEquals(out.text(), "");
  log.level = LogLevel.ALL;
  log.info("a no-name b");
  assertEquals(out.text(), "INFO: a no-name b\n");
});

Deno.test("Logger printf is unprefixed and silent only at CRIT", () => {
  const { log, out } = captureLogger(LogLevel.ERROR);
  log.printf("Connecting ...\n");
  log.level = LogLevel.CRIT;
  log.printf("hidden\n");
  log.status("\rhidden");
  log.level = LogLevel.ALL;
  log.printf("Download complete\n");
  assertEquals(out.text(), "Connecting ...\nDownload complete\n");
});

Deno.test("Logger starts the line after a status line with a newline", () => {
  const { log, out } = captureLogger();
  log.status("\r1.000 kB / 0.00 sec");
  assertEquals(log.needsNewline, true);
  log.status("\r2.000 kB / 0.50 sec");
  log.info("Metadata:");
  assertEquals(log.needsNewline, false);
  log.printf("Download complete\n");
  log.status("#");
  log.printf("Download complete\n");
  assertEquals(
    out.text(),
    "\r1.000 kB / 0.00 sec\r2.000 kB / 0.50 sec\nINFO: Metadata:\nDownload complete\n#\nDownload complete\n",
  );
});

Deno.test("Logger keeps the pending newline when a message is filtered out", () => {
  const { log, out } = captureLogger();
  log.status("#");
  log.debug("hidden");
  log.info("no-name");
  log.warning("w");
  assertEquals(out.text(), "#\nWARNING: w\n");
});

Deno.test("Logger cuts messages to 2046 bytes as log.c's buffer does", () => {
  const { log, out } = captureLogger();
  log.error("x".repeat(3000));
  assertEquals(out.text(), `ERROR: ${"x".repeat(2046)}\n`);
  out.chunks.length = 0;
  log.printf("y".repeat(2050));
  assertEquals(out.text(), "y".repeat(2046));
  out.chunks.length = 0;
  // A cut inside a UTF-8 sequence keeps the partial bytes, as C does.
  log.error(`${"z".repeat(2045)}é`);
  assertEquals(out.bytes().subarray(7 + 2045), new Uint8Array([0xc3, 0x0a]));
});

Deno.test("Logger raw writes ignore the level and the pending newline", () => {
  const { log, out } = captureLogger(LogLevel.CRIT);
  log.raw("rtmpdump: unrecognized option '--bogus'\n");
  log.raw(new Uint8Array([0xff, 0x0a]));
  const expected = [
    ...new TextEncoder().encode("rtmpdump: unrecognized option '--bogus'\n"),
    0xff,
    0x0a,
  ];
  assertEquals(out.bytes(), new Uint8Array(expected));
});

Deno.test("Logger logHex prints 16 spaced hex pairs per line, a space after a short last line", () => {
  const { log, out } = captureLogger(LogLevel.DEBUG);
  const data = Uint8Array.from({ length: 19 }, (_, i) => i * 17);
  log.logHex(LogLevel.DEBUG, data);
  log.logHex(LogLevel.DEBUG2, data);
  assertEquals(
    out.text(),
    "DEBUG: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff\n" +
      "DEBUG: 10 21 32 \n",
  );
});

Deno.test("Logger logHexString prints offset, hex columns and printable text in 78 columns", () => {
  const { log, out } = captureLogger(LogLevel.DEBUG2);
  const data = new TextEncoder().encode("Hello, world!\0\x01\x02ABC");
  log.logHexString(LogLevel.DEBUG2, data);
  log.logHexString(LogLevel.DEBUG2, new Uint8Array(0));
  assertEquals(
    out.text(),
    "DEBUG2:   0000:  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 00 01 02   Hello, world!...  \n" +
      "DEBUG2:   0010:  41 42 43" + " ".repeat(43) + "ABC" + " ".repeat(15) + "\n" +
      "DEBUG2: \n",
  );
});
