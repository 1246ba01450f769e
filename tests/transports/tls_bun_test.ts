/**
 * The TLS layer on Bun, where both the listener and the client run on `node:tls`: the checks of
 * the conformance suite that Deno's Node layer cannot run for a `node:tls` server (it does not
 * stop reading a paused socket), run by ./_bun_tls_pair.ts under Bun.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { haveOpenssl, testCertificates } from "./_certs.ts";

const BUN = ["bun", `${Deno.cwd()}/node_modules/.bin/bun`].find((path) => {
  try {
    return new Deno.Command(path, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
});
const inCi = Deno.env.get("CI") === "true";
const missing = BUN === undefined ? "bun" : !haveOpenssl() ? "openssl" : undefined;
if (missing !== undefined && !inCi) console.log(`TLS on Bun: skipped: ${missing} not installed`);

/** Most bytes a writer may hand over while the peer reads nothing (as the conformance suite). */
const MAX_BUFFERED = 64 * 1024 * 1024;

Deno.test({
  name:
    "TLS on Bun (node:tls listener and client): exact bytes, back-pressure, close_notify, writes to a closed peer fail",
  ignore: missing !== undefined && !inCi,
  async fn() {
    assert(BUN !== undefined, "bun is not installed");
    const certs = await testCertificates();
    const script = new URL("./_bun_tls_pair.ts", import.meta.url).pathname;
    const child = new Deno.Command(BUN, {
      args: [script, certs.ca, certs.cert, certs.key],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const output = await child.output();
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(
      output.code,
      0,
      `bun exited with ${output.code} (killed after 120 s?):\n${stderr}`,
    );
    const result = JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
    assertEquals(result.exact, true, "bytes both ways at once");
    assert(
      result.heldBackAt <= MAX_BUFFERED,
      `${result.heldBackAt} bytes handed over while the server read nothing (limit ${MAX_BUFFERED})`,
    );
    assertEquals(result.closeKeepsBytes, true, "bytes written before close arrive");
    assertEquals(result.readAfterEnd, null, "the read after them ends");
    assertEquals(result.writeToClosedFails, true, "writing to a closed peer fails");
  },
});
