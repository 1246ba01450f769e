/**
 * Where the byte counter starts on stdout: C's `ftello(stdout)` (the descriptor's offset, −1
 * where it cannot seek), from what the runtime adapter can learn about stdout, and the adapter
 * itself with stdout on a pipe, /dev/null and files.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fdinfoOffset, stdoutPosition } from "../../src/cli/stdout_position.ts";
import { BUN, runProcess } from "./_cli_process.ts";

Deno.test("stdoutPosition: a descriptor that cannot seek is −1, one that can is at its offset", () => {
  // Pipes, sockets, terminals: lseek fails (ESPIPE), ftello returns −1.
  assertEquals(stdoutPosition({ kind: "fifo", terminal: false, size: 0, offset: () => 0 }), -1);
  assertEquals(stdoutPosition({ kind: "socket", terminal: false, size: 0, offset: () => 0 }), -1);
  assertEquals(
    stdoutPosition({ kind: "char-device", terminal: true, size: 0, offset: () => 0 }),
    -1,
  );
  assertEquals(stdoutPosition({ kind: "other", terminal: false, size: 0 }), -1);
  assertEquals(stdoutPosition(undefined), -1);
  // /dev/null and its kind answer 0.
  assertEquals(
    stdoutPosition({ kind: "char-device", terminal: false, size: 0, offset: () => 0 }),
    0,
  );
  assertEquals(stdoutPosition({ kind: "char-device", terminal: false, size: 0 }), 0);
  // Files: the offset, not the size (`>>` starts at 0, `1<>` at 0 over old bytes).
  assertEquals(stdoutPosition({ kind: "file", terminal: false, size: 9, offset: () => 0 }), 0);
  assertEquals(stdoutPosition({ kind: "file", terminal: false, size: 9, offset: () => 3 }), 3);
  assertEquals(
    stdoutPosition({ kind: "block-device", terminal: false, size: 0, offset: () => 512 }),
    512,
  );
  // The offset is asked for only where stdout can seek (reading /proc may need a permission).
  const unasked = () => {
    throw new Error("the offset of a descriptor that cannot seek was read");
  };
  assertEquals(stdoutPosition({ kind: "fifo", terminal: false, size: 0, offset: unasked }), -1);
  assertEquals(
    stdoutPosition({ kind: "char-device", terminal: true, size: 0, offset: unasked }),
    -1,
  );
  // Without the offset (no /proc), a file counts from its size.
  assertEquals(stdoutPosition({ kind: "file", terminal: false, size: 9 }), 9);
});

Deno.test("fdinfoOffset reads the pos line of /proc/self/fdinfo", () => {
  assertEquals(fdinfoOffset("pos:\t0\nflags:\t01\nmnt_id:\t1\nino:\t2\n"), 0);
  assertEquals(fdinfoOffset("pos:\t2711327\nflags:\t0100001\n"), 2711327);
  assertEquals(fdinfoOffset("flags:\t01\npos:\t12\n"), 12);
  assertEquals(fdinfoOffset("flags:\t01\n"), undefined);
  assertEquals(fdinfoOffset("pos:\t-1\n"), undefined);
  assertEquals(fdinfoOffset("pos:\t99999999999999999999\n"), undefined);
});

/** A program that prints what the runtime adapter finds for its stdout, on stderr. */
const PRINT_POSITION = `import { io } from "${
  new URL("../../src/cli/runtime_io.ts", import.meta.url).href
}";\nconsole.error(io.stdoutPosition());\n`;

/** The runtimes the adapter has an implementation for, as the command that runs a script. */
const RUNTIMES: [string, string[]][] = [["deno", [Deno.execPath(), "run", "-A"]], [
  "bun",
  [BUN ?? "bun"],
]];

/**
 * The adapter's answer on each runtime with stdout redirected by `sh` (`shell` runs the program
 * as `"$@"`, e.g. `exec "$@" > /dev/null`).
 */
async function positions(shell: string, dir: string): Promise<number[]> {
  const script = `${dir}/print_position.ts`;
  await Deno.writeTextFile(script, PRINT_POSITION);
  const found: number[] = [];
  for (const [name, command] of RUNTIMES) {
    const run = await runProcess("sh", ["-c", shell, "sh", ...command, script]);
    assertEquals(run.code, 0, `${name}: ${run.stderr}`);
    found.push(Number(run.stderr.trim()));
  }
  return found;
}

Deno.test("io.stdoutPosition answers as ftello(stdout) on a pipe, /dev/null and files (Deno, Bun)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-stdout-" });
  try {
    const file = `${dir}/out`;
    const both = (n: number) => RUNTIMES.map(() => n);
    assertEquals(await positions('exec "$@"', dir), both(-1));
    assertEquals(await positions('exec "$@" > /dev/null', dir), both(0));
    await Deno.writeTextFile(file, "hello");
    // Appending and read-write opening both start at offset 0, whatever the file holds.
    assertEquals(await positions(`exec "$@" >> ${file}`, dir), both(0));
    assertEquals(await positions(`exec "$@" 1<> ${file}`, dir), both(0));
    // After the shell wrote 3 bytes to the same descriptor, at 3.
    assertEquals(await positions(`{ printf abc; exec "$@"; } > ${file}`, dir), both(3));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
