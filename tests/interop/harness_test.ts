import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import {
  assertSameBytes,
  firstDifference,
  interopTest,
  MEDIA_DIR,
  normaliseStderr,
  peersAvailable,
  startNginxRtmp,
  waitForPort,
  withoutEndOfSequenceTag,
} from "./_harness.ts";
import { isRunning, processState } from "../_process.ts";
import { progressSegments } from "../_stderr.ts";

Deno.test("normaliseStderr drops the copyright line and progress, keeps messages", () => {
  const stderr = "RTMPDump v2.4\r\n" +
    "(c) 2010 Andrej Stepanchuk, Howard Chu, The Flvstreamer Team; license: GPL\n" +
    "Connecting ...\n" +
    "INFO: Connected...\n" +
    "Starting download at: 0.000 kB\n" +
    "INFO:   duration              10.02\n" +
    "0.660 kB / 0.00 sec (0.0%)\r2576.917 kB / 10.01 sec (99.8%)\n" +
    "\r1174.586 kB / 16777.99 sec\n" +
    "Download may be incomplete (downloaded about 99.80%), try resuming  \n";
  assertEquals(
    normaliseStderr(stderr),
    [
      "RTMPDump v2.4",
      "Connecting ...",
      "INFO: Connected...",
      "Starting download at: 0.000 kB",
      "INFO:   duration              10.02",
      "Download may be incomplete (downloaded about 99.80%), try resuming",
    ].join("\n"),
  );
});

Deno.test("normaliseStderr keeps a second line when there is no banner", () => {
  assertEquals(normaliseStderr("a\nb\n"), "a\nb");
});

Deno.test("normaliseStderr keeps text that only resembles progress", () => {
  assertEquals(normaliseStderr("x\ny\n12 kB / 1 sec\n"), "x\ny\n12 kB / 1 sec");
});

Deno.test("progressSegments gives the counters normaliseStderr drops, in order", () => {
  const stderr = "Starting download at: -0.001 kB\n" +
    "0.873 kB / 0.00 sec (0.0%)\r1.5 kB / 1 sec\r2647.779 kB / 10.01 sec (99.8%)\n" +
    "Download complete\n";
  assertEquals(progressSegments(stderr), [
    "0.873 kB / 0.00 sec (0.0%)",
    "2647.779 kB / 10.01 sec (99.8%)",
  ]);
  assertEquals(progressSegments("x\n12 kB / 1 sec\n"), []);
});

/** A minimal FLV: header, one audio tag, then optionally an AVC end-of-sequence tag. */
function flv(withEndOfSequence: boolean): Uint8Array {
  const header = [0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 9, 0, 0, 0, 0];
  // Audio tag: type 8, size 2, timestamp 0, stream id 0, body af 01, PreviousTagSize 13.
  const audio = [8, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xaf, 0x01, 0, 0, 0, 13];
  // Video tag: type 9, size 5, timestamp 0x0A, body 17 (keyframe, AVC) 02 (end of sequence)
  // 00 00 00, PreviousTagSize 16.
  const eos = [9, 0, 0, 5, 0, 0, 0x0a, 0, 0, 0, 0, 0x17, 0x02, 0, 0, 0, 0, 0, 0, 16];
  return new Uint8Array([...header, ...audio, ...(withEndOfSequence ? eos : [])]);
}

Deno.test("withoutEndOfSequenceTag removes a final AVC end-of-sequence tag", () => {
  assertEquals(withoutEndOfSequenceTag(flv(true)), flv(false));
});

Deno.test("withoutEndOfSequenceTag keeps files that do not end with one", () => {
  assertEquals(withoutEndOfSequenceTag(flv(false)), flv(false));
  const notEos = flv(true);
  notEos[notEos.length - 8] = 0x01; // AVC packet type 1 (NALU), not 2
  assertEquals(withoutEndOfSequenceTag(notEos), notEos);
  assertEquals(withoutEndOfSequenceTag(new Uint8Array(3)), new Uint8Array(3));
});

Deno.test("firstDifference and assertSameBytes locate the first differing byte", () => {
  assertEquals(firstDifference(new Uint8Array([1, 2]), new Uint8Array([1, 2])), -1);
  assertEquals(firstDifference(new Uint8Array([1, 2]), new Uint8Array([1, 3])), 1);
  assertEquals(firstDifference(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])), 2);
  assertSameBytes(new Uint8Array([7]), new Uint8Array([7]), "same");
  throws(
    () => assertSameBytes(new Uint8Array([7, 8]), new Uint8Array([7]), "file"),
    /file: bytes differ at offset 1 \(actual 2 bytes, expected 1 bytes\)/,
  );
});

Deno.test("peersAvailable reports a missing peer by name and reason", () => {
  const result = peersAvailable(["surely-not-an-installed-peer"]);
  assertEquals(result, {
    ok: false,
    missing: ["surely-not-an-installed-peer"],
    reasons: ["surely-not-an-installed-peer not installed"],
  });
  assertEquals(peersAvailable([]).ok, true);
});

interopTest(
  "startNginxRtmp serves until stop(), then leaves no process or folder behind",
  { peers: ["nginx-rtmp"] },
  async () => {
    await Deno.mkdir(MEDIA_DIR, { recursive: true });
    const server = await startNginxRtmp({ mediaDir: MEDIA_DIR });
    const pid = Number((await Deno.readTextFile(`${server.prefix}/nginx.pid`)).trim());
    ok(pid > 0);
    assertEquals(server.url("vod", "a.flv"), `rtmp://127.0.0.1:${server.port}/vod/a.flv`);
    await waitForPort(server.port);
    await server.stop();
    await server.stop(); // twice is fine
    // stop() returns once nginx has exited.
    ok(!isRunning(pid), `nginx still running (state ${processState(pid)})`);
    await Deno.stat(server.prefix).then(
      () => Promise.reject(new Error("prefix folder left behind")),
      () => {},
    );
    await Deno.connect({ hostname: "127.0.0.1", port: server.port }).then(
      (conn) => {
        conn.close();
        return Promise.reject(new Error("port still open"));
      },
      () => {},
    );
  },
);
