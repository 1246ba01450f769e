import { deepStrictEqual, ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runProcess } from "../_process.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `deno run -A https://…/cli.ts` must work: no import map, only relative and `node:`/`npm:`
 * specifiers. Serve the repository over HTTP on loopback and run the CLI from that URL.
 */
Deno.test("cli.ts runs from a URL without the import map", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(ROOT + path.slice(1));
      return new Response(body, {
        headers: { "content-type": path.endsWith(".ts") ? "application/typescript" : "text/plain" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const denoDir = await Deno.makeTempDir({ prefix: "rtmpkit-remote-" });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/cli.ts`;
    const out = await runProcess(Deno.execPath(), [
      "run",
      "--quiet",
      "-A",
      "--no-config",
      url,
      "-h",
    ], {
      cwd: denoDir,
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    });
    const stderr = out.stderr;
    deepStrictEqual(out.code, 0, stderr);
    ok(stderr.startsWith("RTMPDump v2.4\n"), stderr.slice(0, 200));
    ok(stderr.includes("--rtmp|-r url"), "the usage lists the options");
  } finally {
    await server.shutdown();
    await Deno.remove(denoDir, { recursive: true });
  }
});
