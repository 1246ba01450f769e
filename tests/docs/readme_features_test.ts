/**
 * The README's "What works today" table against the code: a transport the client stack
 * provides must not be listed as "not yet", and one it lacks must not be listed as working.
 * The stack's own list of layers (`CLIENT_LAYERS` in transports/stack.ts) and of proxy kinds
 * (`PROXY_SCHEMES`) is what the command line checks before it connects, so it is the truth
 * here.
 *
 * A row that mixes what works with what does not ("RTMPE, RTMPS, RTMPT, RTMPTE/TS | yes | not
 * yet", once, while `-r rtmpe://…` downloaded through the RTMPE handshake) fails here: no
 * single cell can be right for it.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { CLIENT_LAYERS, PROXY_SCHEMES } from "../../transports/stack.ts";
import { REPO_ROOT } from "../_process.ts";

/** The rows of the README table whose header starts with "| feature". */
function featureRows(readme: string): { feature: string; rtmpkit: string }[] {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^\|\s*feature\s*\|/.test(line));
  const rows: { feature: string; rtmpkit: string }[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
    rows.push({ feature: cells[0], rtmpkit: cells[2] });
  }
  return rows;
}

/** The URL schemes a layer's title names ("TLS (rtmps://, rtmpts://)" → rtmps, rtmpts). */
function schemesOf(title: string): string[] {
  return [...title.matchAll(/(\w+):\/\//g)].map((m) => m[1]);
}

Deno.test("the README's feature table says 'not yet' exactly for missing transports", async () => {
  const rows = featureRows(await Deno.readTextFile(`${REPO_ROOT}/README.md`));
  const claims: string[] = [];
  const truth: string[] = [];
  const check = (scheme: string, available: boolean) => {
    const row = rows.find((r) => r.feature.toLowerCase().split(/[^a-z0-9]+/).includes(scheme));
    if (row === undefined) return;
    claims.push(`${scheme}: ${row.rtmpkit === "not yet" ? "missing" : "works"}`);
    truth.push(`${scheme}: ${available ? "works" : "missing"}`);
  };
  // RTMPE's own scheme; the combined ones (rtmpte) need the tunnel too.
  check("rtmpe", CLIENT_LAYERS.find((l) => l.name === "rtmpe")!.available);
  for (const layer of CLIENT_LAYERS.filter((l) => l.name !== "rtmpe")) {
    for (const scheme of schemesOf(layer.title)) {
      if (scheme !== "rtmpte") check(scheme, layer.available);
    }
  }
  const socks = rows.find((r) => /SOCKS/.test(r.feature));
  if (socks !== undefined) {
    claims.push(`socks: ${socks.rtmpkit === "not yet" ? "missing" : "works"}`);
    truth.push(`socks: ${PROXY_SCHEMES.get("socks4") ? "works" : "missing"}`);
  }
  assertEquals(claims, truth);
});
