import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { formatReport, MAX_PEAK_RSS_MIB, runLoad } from "../../scripts/load_serve.ts";

// A short run of `scripts/load_serve.ts`: `serve` in a child process, the honest publisher and
// player, the attack and the probes in this one (two processes in all). The limits are scaled
// down with the attacks so that they are reached: 150 slowloris connections against a limit of
// 100, 4 clients that never read against a 256 KiB reply queue.
Deno.test("load_serve: under slowloris and unread-reply floods, serve keeps the honest player's every frame and lets new clients in", async () => {
  const reports = await runLoad({
    attacks: ["slowloris", "unread"],
    seconds: 3,
    leadSeconds: 2,
    tailSeconds: 3,
    connections: { slowloris: 150, unread: 4 },
    serveArgs: ["--max-connections", "100", "--connect-timeout", "2"],
    inline: true,
  });
  assertEquals(reports.map((r) => r.attack), ["slowloris", "unread"]);
  for (const report of reports) {
    const line = formatReport(report);
    assertEquals(report.problems, [], line);
    assertEquals(report.player.missing, 0, line);
    assert(report.probes.tried > 0 && report.probes.accepted === report.probes.tried, line);
    assert(report.peakRssMiB < MAX_PEAK_RSS_MIB, line);
  }
  // The attacks reached the limits: slowloris connections were closed to make room or at the
  // connect deadline, unread clients when their replies passed the queue limit.
  const slowloris = reports[0].serverCloses;
  assert(
    Object.keys(slowloris).some((r) => /make room|no connect within/.test(r)),
    JSON.stringify(slowloris),
  );
  const unread = reports[1].serverCloses;
  assert(
    Object.keys(unread).some((r) => /does not read/.test(r)),
    JSON.stringify(unread),
  );
});
