import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { LogLevel } from "../../src/cli/logger.ts";
import { formatMetadataBytes, METADATA_HEADING } from "../../src/cli/metadata_dump.ts";
import {
  ALREADY_COMPLETED,
  computePercent,
  CONNECTED_MESSAGE,
  CONNECTING,
  DOWNLOAD_COMPLETE,
  formatAlreadyCompletedAt,
  formatCaughtSignal,
  formatCouldntResume,
  formatDownloadIncomplete,
  formatFailedToOpen,
  formatForDuration,
  formatProgressLine,
  formatStartLine,
  isAlreadyComplete,
  Progress,
  REALTIME_NOTE,
  STARTING_LIVE_STREAM,
} from "../../src/cli/progress.ts";
import { decodeAmf0 } from "../../src/amf/mod.ts";
import { captureLogger } from "./_capture.ts";

/** A clock the test moves by hand. */
function manualClock(start = 5000) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => void (now += ms) };
}

Deno.test("computePercent truncates to a tenth and can pass 100", () => {
  assertEquals(computePercent(0, 2.08), 0);
  assertEquals(computePercent(2077, 2.08), 99.8); // 99.855…
  assertEquals(computePercent(3077, 2.08), 147.9); // --start 1: timestamps offset by 1 s
  assertEquals(computePercent(1000, 2.08), 48); // 48.07…
  assertEquals(computePercent(2080, 2.08), 100);
  assertEquals(computePercent(999, 1), 99.9);
  // (int) of a value past the int range is INT_MIN on x86-64.
  assertEquals(computePercent(4294967295, 0.001), -214748364.8);
});

Deno.test("formatProgressLine matches rtmpdump's counter with and without a duration", () => {
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -o a.flv   (87,972 bytes, last timestamp 2077)
  //   "\r5.471 kB / 0.00 sec (0.0%)\r85.910 kB / 2.08 sec (99.8%)"
  assertEquals(
    formatProgressLine(5602, 0, computePercent(0, 2.08)),
    "\r5.471 kB / 0.00 sec (0.0%)",
  );
  assertEquals(
    formatProgressLine(87972, 2077, computePercent(2077, 2.08)),
    "\r85.910 kB / 2.08 sec (99.8%)",
  );
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -A 1 -o b.flv
  //   "\r0.313 kB / 1.00 sec (48.0%)\r85.910 kB / 3.08 sec (147.9%)"
  assertEquals(
    formatProgressLine(321, 1000, computePercent(1000, 2.08)),
    "\r0.313 kB / 1.00 sec (48.0%)",
  );
  assertEquals(
    formatProgressLine(87972, 3077, computePercent(3077, 2.08)),
    "\r85.910 kB / 3.08 sec (147.9%)",
  );
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/nometa.flv -o c.flv   (no onMetaData, 87,664 bytes)
  //   "\r5.170 kB / 0.00 sec\r85.609 kB / 2.08 sec"
  assertEquals(formatProgressLine(5294, 0), "\r5.170 kB / 0.00 sec");
  assertEquals(formatProgressLine(87664, 2077), "\r85.609 kB / 2.08 sec");
});

Deno.test("start and end lines match rtmpdump's text", () => {
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -o a.flv
  assertEquals(formatStartLine(false, 0, 0, 0), "Starting download at: 0.000 kB\n");
  assertEquals(
    formatStartLine(true, 87972, 1000, 2.08),
    "Resuming download at: 85.910 kB / 1.000 sec (48.0%)\n",
  );
  assertEquals(formatStartLine(false, 2048, 0, -1), "Starting download at: 2.000 kB\n");
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -v -o o.flv
  assertEquals(STARTING_LIVE_STREAM, "Starting Live Stream\n");
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -R -B 1.5 -o o.flv
  assertEquals(REALTIME_NOTE, "  in approximately realtime (disabled BUFX speedup hack)\n");
  assertEquals(formatForDuration(1500, 0), "For duration: 1.500 sec\n");
  assertEquals(formatForDuration(500, 1000), "For duration: 4294966.796 sec\n"); // 2^32 - 500 ms
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -A 1 -B 0.5 -o o.flv
  assertEquals(ALREADY_COMPLETED, "Already Completed\n");
  assertEquals(DOWNLOAD_COMPLETE, "Download complete\n");
  assertEquals(
    formatDownloadIncomplete(99.8),
    "Download may be incomplete (downloaded about 99.80%), try resuming\n",
  );
  assertEquals(formatCouldntResume(0), "Couldn't resume FLV file, try --skip 1\n\n");
  assertEquals(formatCaughtSignal(2), "Caught signal: 2, cleaning up, just a second...\n");
  assertEquals(formatFailedToOpen("/x/y.flv"), "Failed to open file! /x/y.flv\n");
  assertEquals(CONNECTING, "Connecting ...\n");
  assertEquals(CONNECTED_MESSAGE, "Connected...");
});

Deno.test("the already-complete check and line keep rtmpdump's units", () => {
  assertEquals(isAlreadyComplete(9990, 10), true);
  assertEquals(isAlreadyComplete(9989, 10), false);
  assertEquals(isAlreadyComplete(5000, 0), false);
  // The duration, in seconds already, is divided by 1000 once more.
  assertEquals(
    formatAlreadyCompletedAt(9990, 10),
    "Already Completed at: 9.990 sec Duration=0.010 sec\n",
  );
});

Deno.test("Progress redraws after more than 200 ms and once at the end", () => {
  const { log, out } = captureLogger();
  const { clock, advance } = manualClock();
  const progress = new Progress(log, { hashes: false, clock });
  assertEquals(progress.update(100, 0, 0), 0); // first update always draws
  advance(200);
  progress.update(200, 40, 0); // exactly 200 ms: not drawn
  advance(1);
  progress.update(300, 80, 0);
  advance(100);
  progress.update(400, 120, 0);
  progress.finish(500, 160, 0);
  log.printf(DOWNLOAD_COMPLETE);
  assertEquals(
    out.text(),
    "\r0.098 kB / 0.00 sec\r0.293 kB / 0.08 sec\r0.488 kB / 0.16 sec\nDownload complete\n",
  );
});

Deno.test("Progress reproduces a whole rtmpdump run's stderr after the banner", async () => {
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/m.flv -o a.flv   (exit 2), lines after the banner:
  const expected = "Connecting ...\n" +
    "INFO: Connected...\n" +
    "Starting download at: 0.000 kB\n" +
    "INFO: Metadata:\n" +
    "INFO:   duration              2.08\n" +
    "INFO:   width                 320.00\n" +
    "INFO:   height                240.00\n" +
    "INFO:   videodatarate         0.00\n" +
    "INFO:   framerate             25.00\n" +
    "INFO:   videocodecid          7.00\n" +
    "INFO:   audiodatarate         67.38\n" +
    "INFO:   audiosamplerate       44100.00\n" +
    "INFO:   audiosamplesize       16.00\n" +
    "INFO:   stereo                FALSE\n" +
    "INFO:   audiocodecid          10.00\n" +
    "INFO:   encoder               Lavf59.27.100\n" +
    "INFO:   filesize              87992.00\n" +
    "\r5.471 kB / 0.00 sec (0.0%)\r85.910 kB / 2.08 sec (99.8%)\n" +
    "Download may be incomplete (downloaded about 99.80%), try resuming\n";
  const { log, out } = captureLogger();
  const { clock, advance } = manualClock();
  log.printf(CONNECTING);
  log.info(CONNECTED_MESSAGE);
  const progress = new Progress(log, { hashes: false, clock });
  assertEquals(progress.start(false, 0, 0, 0), 0);
  const metadata = await Deno.readFile(new URL("./fixtures/metadata_ffmpeg.amf", import.meta.url));
  log.info(METADATA_HEADING);
  for (const line of formatMetadataBytes(decodeAmf0(metadata))) log.log(LogLevel.INFO, line);
  progress.update(5602, 0, 2.08);
  advance(50);
  progress.update(40000, 900, 2.08);
  const percent = progress.finish(87972, 2077, 2.08);
  assertEquals(percent < 99.9, true);
  log.printf(formatDownloadIncomplete(percent));
  assertEquals(out.text(), expected);
});

Deno.test("Progress --hashes prints a # per whole percent, no final line", () => {
  const { log, out } = captureLogger();
  const { clock } = manualClock();
  const progress = new Progress(log, { hashes: true, clock });
  progress.update(1, 0, 10); // 0 %: nothing
  progress.update(1, 150, 10); // 1.5 %: one mark
  progress.update(1, 199, 10); // 1.9 %: none
  progress.update(1, 500, 10); // 5 %: one mark, even though four percents passed
  progress.update(1, 15000, 10); // 150 %: one mark
  progress.finish(1, 15000, 10);
  log.printf(DOWNLOAD_COMPLETE);
  assertEquals(out.text(), "###\nDownload complete\n");
});

Deno.test("Progress --hashes without a duration prints a # every 200 ms", () => {
  // rtmpdump -r rtmp://127.0.0.1:19435/vod/nometa.flv -# -o c2.flv  →  "#\nDownload complete\n"
  const { log, out } = captureLogger();
  const { clock, advance } = manualClock();
  const progress = new Progress(log, { hashes: true, clock });
  progress.update(1, 0, 0);
  advance(150);
  progress.update(2, 0, 0);
  advance(60);
  progress.update(3, 0, 0);
  progress.finish(3, 0, 0);
  log.printf(DOWNLOAD_COMPLETE);
  assertEquals(out.text(), "##\nDownload complete\n");
});

Deno.test("Progress prints nothing under --quiet", () => {
  const { log, out } = captureLogger(LogLevel.CRIT);
  const progress = new Progress(log, { hashes: false });
  progress.update(1, 0, 1);
  assertEquals(progress.finish(1, 1000, 1), 100);
  assertEquals(out.text(), "");
});
