import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  type Block,
  blockPorts,
  conventionProblem,
  fencedBlocks,
  peersCalled,
  redirectTargets,
} from "./_readme_blocks.ts";

const sh = (text: string): Block => ({ language: "sh", text: `${text}\n`, line: 1 });

Deno.test("fencedBlocks reads each fence's language, text and line", () => {
  const markdown = [
    "text",
    "```sh",
    "echo one",
    "```",
    "",
    "````console",
    "```",
    "npx deno task test",
    "````",
    "```TS",
    "const a = 1;",
    "```",
  ].join("\n");
  assertEquals(fencedBlocks(markdown), [
    { language: "sh", text: "echo one\n", line: 2 },
    { language: "console", text: "```\nnpx deno task test\n", line: 6 },
    { language: "ts", text: "const a = 1;\n", line: 10 },
  ]);
});

Deno.test("conventionProblem wants rtmp URLs on loopback and the README's ports, and no ffplay", () => {
  assertEquals(
    conventionProblem(sh("deno run -A cli.ts -r rtmp://127.0.0.1:29350/vod/a")),
    undefined,
  );
  assertEquals(conventionProblem(sh('x "rtmp://[::1]:29359/vod/a"')), undefined);
  // Comments are not commands.
  assertEquals(conventionProblem(sh("x # rtmp://example.com:1935/a or ffplay -")), undefined);
  assertEquals(conventionProblem(sh("x -s http://example.com/player.swf")), undefined);
  ok(conventionProblem(sh("x -r rtmp://example.com/a/b"))?.includes("not on 127.0.0.1"));
  // Credentials in a URL are not its host.
  assertEquals(conventionProblem(sh("x rtmp://bob:pw@127.0.0.1:29355/live/a")), undefined);
  ok(conventionProblem(sh("x rtmp://bob:pw@example.com/live/a"))?.includes("not on 127.0.0.1"));
  ok(conventionProblem(sh("x rtmp://127.0.0.1:1935/a/b"))?.includes("not on a README port"));
  ok(conventionProblem(sh("x rtmp://127.0.0.1/a/b"))?.includes("not on a README port"));
  ok(conventionProblem(sh("x -o - | ffplay -"))?.includes("ffplay"));
});

Deno.test("blockPorts lists the README ports a block uses, with their hosts", () => {
  const block = sh('a rtmp://127.0.0.1:29350/x "rtmp://[::1]:29351/y" rtmp://127.0.0.1:29350/z');
  assertEquals(blockPorts(block), [{ host: "127.0.0.1", port: 29350 }, {
    host: "::1",
    port: 29351,
  }]);
  assertEquals(blockPorts(sh("x http://127.0.0.1/player.swf rtmp://127.0.0.1:1935/a")), []);
});

Deno.test("peersCalled finds ffmpeg, ffprobe and rtmpdump as commands, not in comments", () => {
  assertEquals(peersCalled(sh("ffmpeg -i a -f flv - | deno run -A cli.ts publish - x")), [
    "ffmpeg",
  ]);
  assertEquals(peersCalled(sh("x -o - | ffprobe -\n(rtmpdump -r y)")), ["ffprobe", "rtmpdump"]);
  assertEquals(peersCalled(sh("deno run -A cli.ts -r x # or rtmpdump, or ffmpeg")), []);
  assertEquals(peersCalled(sh("deno run -A cli.ts -o rtmpdump.flv")), []);
});

Deno.test("redirectTargets lists the files a block writes with > and 2>, not /dev/null", () => {
  assertEquals(
    redirectTargets(sh("a 2> serve.log & b > out.txt 2> /dev/null >> x/y\nc 2>serve.log")),
    ["serve.log", "out.txt", "x/y"],
  );
});
