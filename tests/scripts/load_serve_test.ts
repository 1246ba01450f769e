import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { formatReport, MAX_PEAK_RSS_MIB, runLoad } from "../../scripts/load_serve.ts";

// A short run of `scripts/load_serve.ts`: `serve` and the attack in child processes (two in
// all), the honest publisher and player and the probes in this one. The connection limit is
// scaled down with the attack so that it is reached: 150 slowloris connections against a limit
// of 100 (and its probation share of 16), and 6 connections holding 16 MiB of partial messages
// each against a budget of 32 MiB.
Deno.test("load_serve: under slowloris, unread-reply floods and held partial messages, serve keeps the honest player's every frame and lets new clients in", async () => {
  const reports = await runLoad({
    attacks: ["slowloris", "unread", "partial"],
    seconds: 3,
    leadSeconds: 2,
    tailSeconds: 3,
    connections: { slowloris: 150, unread: 4, partial: 6 },
    serveArgs: ["--max-connections", "100", "--max-partial-bytes", String(32 * 1024 * 1024)],
    inline: true,
  });
  assertEquals(reports.map((r) => r.attack), ["slowloris", "unread", "partial"]);
  for (const report of reports) {
    const line = formatReport(report);
    assertEquals(report.problems, [], line);
    assertEquals(report.player.missing, 0, line);
    assert(report.probes.tried > 0 && report.probes.accepted === report.probes.tried, line);
    assert(report.peakRssMiB < MAX_PEAK_RSS_MIB, line);
  }
  // The limit was reached: slowloris connections were closed to make room.
  const slowloris = reports[0].serverCloses;
  assert(Object.keys(slowloris).some((r) => /make room/.test(r)), JSON.stringify(slowloris));
  // Replies that were never read closed their connections.
  const unread = reports[1].serverCloses;
  assert(Object.keys(unread).some((r) => /does not read/.test(r)), JSON.stringify(unread));
  // The budget ran low: the connections holding the most partial messages were closed.
  const partial = reports[2].serverCloses;
  assert(Object.keys(partial).some((r) => /partial messages/.test(r)), JSON.stringify(partial));
});
