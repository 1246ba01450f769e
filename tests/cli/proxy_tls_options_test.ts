/**
 * rtmpkit's own downloader options: `--proxy URL`, `--tlsCa FILE`, `--tlsInsecure`. They are
 * recognised by their full names only, so rtmpdump's abbreviations and messages stay as they are,
 * and they are checked after rtmpdump's own checks.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { EXTENSION_OPTIONS, LONG_OPTIONS, parseArgs } from "../../src/cli/args.ts";
import { buildDownloadOptions } from "../../src/cli/download_options.ts";
import { LogLevel } from "../../src/cli/logger.ts";
import { captureLogger } from "./_capture.ts";

function run(args: string[], level?: LogLevel) {
  const { log, out } = captureLogger(level);
  const result = buildDownloadOptions(args, log);
  return { result, text: out.text() };
}

const URL_ARGS = ["-r", "rtmp://127.0.0.1:1/app/x", "-o", "/tmp/x.flv"];

Deno.test("--proxy, --tlsCa and --tlsInsecure parse by their full names only", () => {
  assertEquals(parseArgs(["--proxy", "socks5://p:1", "--tlsCa=ca.pem", "--tlsInsecure"]).items, [
    { kind: "option", short: "proxy", value: "socks5://p:1" },
    { kind: "option", short: "tlsCa", value: "ca.pem" },
    { kind: "option", short: "tlsInsecure" },
  ]);
  const errors = (argv: string[]) =>
    parseArgs(argv).items.map((item) => item.kind === "error" ? item.message : item.short);
  assertEquals(errors(["--prox", "x"]), ["rtmpdump: unrecognized option '--prox'\n"]);
  assertEquals(errors(["--tls"]), ["rtmpdump: unrecognized option '--tls'\n"]);
  assertEquals(errors(["--tlsInsecure=1"]), [
    "rtmpdump: option '--tlsInsecure' doesn't allow an argument\n",
  ]);
  assertEquals(errors(["--tlsCa"]), ["rtmpdump: option '--tlsCa' requires an argument\n"]);
  // rtmpdump's abbreviations are untouched: --pro is still --protocol.
  assertEquals(errors(["--pro", "0"]), ["l"]);
  assertEquals(LONG_OPTIONS.length, 36);
  assertEquals(EXTENSION_OPTIONS.map((o) => o.name).slice(-3), ["proxy", "tlsCa", "tlsInsecure"]);
});

Deno.test("the options reach the download settings, only when given", () => {
  const plain = run(URL_ARGS).result;
  if (!("options" in plain)) throw new Error("plain run stopped");
  assertEquals(["proxy", "tlsCaFile", "tlsInsecure"].filter((k) => k in plain.options), []);
  const given = run([
    ...URL_ARGS,
    "--proxy",
    "socks5://user:pw@[::1]:9050",
    "--tlsCa",
    "ca.pem",
    "--tlsInsecure",
  ]).result;
  if (!("options" in given)) throw new Error("run stopped");
  assertEquals(
    [given.options.proxy, given.options.tlsCaFile, given.options.tlsInsecure],
    ["socks5://user:pw@[::1]:9050", "ca.pem", true],
  );
  // In -i mode too: they are rtmpkit's, not librtmp's.
  const full = run(["-i", "rtmps://h/app/x", "--tlsInsecure", "-o", "o"]).result;
  if (!("options" in full)) throw new Error("-i run stopped");
  assertEquals(full.options.tlsInsecure, true);
});

Deno.test("a bad proxy URL or two proxies stop with exit 1 and one line", () => {
  const bad = run([...URL_ARGS, "--proxy", "ftp://p:1"]);
  assertEquals(bad.result, { exitCode: 1 });
  assertEquals(
    bad.text.split("\n").filter((l) => l.startsWith("ERROR")),
    ['ERROR: Cannot use proxy "ftp://p:1": unknown kind ftp:// (socks4, socks4a, socks5 or http)'],
  );
  for (const args of [["-S", "p:1080"], ["-i", "rtmp://h/app/x socks=p:1080"]]) {
    const two = run([...URL_ARGS, ...args, "--proxy", "socks5://q:1"]);
    assertEquals(two.result, { exitCode: 1 }, args.join(" "));
    assertEquals(
      two.text.split("\n").filter((l) => l.startsWith("ERROR")),
      ["ERROR: Cannot use two proxies: give either --socks (or socks=) or --proxy"],
    );
  }
});

Deno.test("-V names the proxy without its credentials", () => {
  const { text } = run([...URL_ARGS, "-V", "--proxy", "socks5://user:secret@127.0.0.1:9050"]);
  assertEquals(text.includes("DEBUG: Connecting via proxy: socks5://127.0.0.1:9050\n"), true, text);
  assertEquals(text.includes("secret"), false);
});
