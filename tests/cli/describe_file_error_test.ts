import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { describeFileError } from "../../src/cli/describe_file_error.ts";
import { runCli as runRtmpkit } from "./_run_cli.ts";

/** What the runtime throws, caught for real. */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

Deno.test("describeFileError says which part of a path is missing, in words", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-file-error-" });
  try {
    await Deno.writeTextFile(`${dir}/file.flv`, "x");
    const cases: [string, () => unknown, string][] = [
      [
        `${dir}/nope/out.flv`,
        () => Deno.openSync(`${dir}/nope/out.flv`, { write: true, create: true }),
        `the folder ${dir}/nope does not exist`,
      ],
      [
        `${dir}/a/b/out.flv`,
        () => Deno.openSync(`${dir}/a/b/out.flv`, { write: true, create: true }),
        `the folder ${dir}/a does not exist`,
      ],
      [`${dir}/in.flv`, () => Deno.openSync(`${dir}/in.flv`), `${dir}/in.flv does not exist`],
      [
        `${dir}/file.flv/out.flv`,
        () => Deno.openSync(`${dir}/file.flv/out.flv`, { write: true, create: true }),
        `${dir}/file.flv is not a folder`,
      ],
      [dir, () => Deno.openSync(dir, { write: true }), "it is a folder"],
    ];
    for (const [path, action, words] of cases) {
      const err = thrownBy(action);
      assertEquals(describeFileError(err, path), words, String(err));
    }
    // Node's errors (Bun, node:fs) carry a code instead of a class.
    const nodeStyle = Object.assign(new Error("EACCES: permission denied, open '/x'"), {
      code: "EACCES",
    });
    assertEquals(describeFileError(nodeStyle, "/x"), "permission denied");
    const full = new Error("No space left on device (os error 28)");
    assertEquals(describeFileError(full, "/x"), "the disk is full");
    const odd = new Error("Something else (os error 5)");
    assertEquals(describeFileError(odd, "/x"), "Something else");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli.ts -o into a missing folder: rtmpdump's line, then the reason in words", async () => {
  const run = await runRtmpkit(["-r", "rtmp://127.0.0.1:1/vod/x", "-o", "/nonexistent-dir/x.flv"]);
  assertEquals(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split("\n");
  const at = lines.indexOf("Failed to open file! /nonexistent-dir/x.flv");
  assert(at >= 0, run.stderr);
  assertEquals(
    lines[at + 1],
    "ERROR: Cannot open /nonexistent-dir/x.flv: the folder /nonexistent-dir does not exist",
  );
  assert(!/os error|ENOENT/.test(run.stderr), run.stderr);
});
