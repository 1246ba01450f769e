import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { downloadSwfInfo } from "../../src/cli/download_swf_info.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import { swfInfoPath } from "../../src/cli/swf_info_file.ts";
import { cacheText, findSwfInfo, hashSwf } from "../../src/swf/mod.ts";
import { startSwfHttpServer } from "../swf/_http_server.ts";
import { cwsFile, fwsFile, swfBody } from "../swf/_swf_fixtures.ts";
import { captureLogger } from "./_capture.ts";

const NO_SWF = { swfVfy: false, swfUrl: undefined, swfAge: 30, swfHash: undefined, swfSize: 0 };

Deno.test("downloadSwfInfo: --swfVfy hashes the SWF and writes $HOME/.swfinfo", async () => {
  await using server = startSwfHttpServer();
  const home = await Deno.makeTempDir();
  try {
    const fws = fwsFile(swfBody(3000));
    server.files.set("p.swf", cwsFile(fws));
    const { log } = captureLogger(LogLevel.DEBUG);
    const options = { ...NO_SWF, swfVfy: true, swfUrl: server.url("p.swf") };
    const info = await downloadSwfInfo(options, log, home);
    deepStrictEqual(info, await hashSwf(fws));
    const text = cacheText(await Deno.readFile(swfInfoPath(home)));
    deepStrictEqual(findSwfInfo(text, server.url("p.swf"))?.entry.info, info);
    // The second run takes it from the cache.
    deepStrictEqual(await downloadSwfInfo(options, log, home), info);
    strictEqual(server.requests.length, 1);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("downloadSwfInfo: a failed --swfVfy is one error line; -w/-x still apply", async () => {
  await using server = startSwfHttpServer();
  const home = await Deno.makeTempDir();
  try {
    const { log, out } = captureLogger();
    const hash = new Uint8Array(32).fill(3);
    const options = {
      swfVfy: true,
      swfUrl: server.url("missing.swf"),
      swfAge: 30,
      swfHash: hash,
      swfSize: 99,
    };
    deepStrictEqual(await downloadSwfInfo(options, log, home), { hash, size: 99 });
    strictEqual(
      out.text(),
      `ERROR: Cannot fetch the SWF file ${server.url("missing.swf")}: HTTP 404 Not Found\n`,
    );
    deepStrictEqual(
      await downloadSwfInfo({ ...options, swfHash: undefined }, log, home),
      undefined,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("downloadSwfInfo: an unwritable cache is a warning", async () => {
  await using server = startSwfHttpServer();
  server.files.set("p.swf", fwsFile(swfBody(100)));
  const { log, out } = captureLogger();
  const info = await downloadSwfInfo(
    { ...NO_SWF, swfVfy: true, swfUrl: server.url("p.swf") },
    log,
    "/nonexistent/home",
  );
  ok(info !== undefined);
  ok(/^WARNING: Cannot write the SWF cache: /.test(out.text()), out.text());
  ok(!out.text().includes("os error"), out.text());
});

Deno.test("swfInfoPath: $HOME/.swfinfo, or ./.swfinfo without HOME", () => {
  strictEqual(swfInfoPath("/home/u"), "/home/u/.swfinfo");
  strictEqual(swfInfoPath(undefined), "./.swfinfo");
  strictEqual(swfInfoPath(""), "./.swfinfo");
});
