/**
 * The README's commands, run as written, so that they cannot rot.
 *
 * How README blocks are treated, by fence language:
 *
 * - `sh`: run. Each block is one POSIX shell script, run with `sh -e` (every command must
 *   succeed) in a fresh copy of the repository (the working tree without `.git`, `.tmp`, `dist`
 *   and logs, with `node_modules` linked as after `npm ci`), under a PATH that does NOT hold
 *   `node_modules/.bin`: a block calls `npx deno …` or starts with
 *   `export PATH="$PWD/node_modules/.bin:$PATH"`. Each block has {@linkcode BLOCK_LIMIT_MS}.
 *   It runs in its own process group, and what it starts must have ended shortly after it ends
 *   (else the test fails, and kills them). It must not leave hidden files in the copy (a
 *   `.cache` or `.swfinfo` from `HOME=$PWD`), which a reader's clone would keep unnoticed.
 *   A block that needs a server starts it in the background, waits for it and stops it:
 *
 *       rm -f serve.log
 *       deno run -A cli.ts serve --root assets --listen rtmp://127.0.0.1:29350 2> serve.log &
 *       SERVER=$!
 *       until grep -qs Serving serve.log || ! kill -0 $SERVER 2> /dev/null; do sleep 0.1; done
 *       …
 *       kill $SERVER
 *
 *   The background job opens its log some time after the shell moves on, so a log left by an
 *   earlier run must be gone first, or the wait reads its old "Serving" line. To catch that,
 *   every file a block redirects output to (`> FILE`, `2> FILE`) already exists when the block
 *   starts, holding stale text: the block's own text, which has every word it waits for.
 *
 *   Addresses are loopback only (127.0.0.1, ::1) and ports are 29350–29369, each block its own:
 *   outside the kernel's ephemeral range, where the tests' own servers (port 0) live, and used
 *   by no test. Runs of this file on one machine take turns (a lock file), and a block
 *   waits for its ports to be free before it starts and after it ends. A block that calls
 *   ffmpeg, ffprobe or rtmpdump needs that peer: without it the block is skipped, or fails under
 *   `CI=true`, as interop tests do. A block with an IPv6 literal is skipped on a machine
 *   without IPv6 loopback. ffplay (it needs a display) may appear in comments only.
 * - `ts`: a program using the library. Every block is type-checked (`deno check`) and run
 *   (`deno run -A`) in the copy, and must exit 0; one that waits for SIGINT (a server that runs
 *   until Ctrl-C) gets SIGINT once the port it listens on accepts connections.
 * - `console`: shown, not run: set-up (`npm ci`), the test suite itself, benchmarks, builds.
 *   The `npx deno task NAME` they name must be tasks of deno.json, and `bash FILE` files must
 *   exist.
 * - `bash`, `shell`, `zsh`, `typescript`, `js` …: refused; say `sh` (run) or `console` (shown).
 *
 * @module
 */

import { ok } from "node:assert/strict";
import { interopTest } from "../interop/_harness.ts";
import { processGroupMembers, REPO_ROOT, runProcess } from "../_process.ts";
import { hasIpv6Loopback, waitForPort } from "../_ports.ts";
import { waitFor, within } from "../_wait.ts";
import {
  type Block,
  blockPorts,
  conventionProblem,
  fencedBlocks,
  peersCalled,
  redirectTargets,
  REFUSED_LANGUAGES,
  withoutComments,
} from "./_readme_blocks.ts";

/** "No hang" limit of one block: far above what the slowest takes on a loaded machine. */
const BLOCK_LIMIT_MS = 180_000;
/** Limit of the wait for another run of this file (on this machine) to finish a block. */
const LOCK_LIMIT_MS = 2 * BLOCK_LIMIT_MS;
/** Limit for what a block started to end once the block has ended. */
const STOP_LIMIT_MS = 30_000;
/** Limit of the wait for a block's ports to be free (before it starts, after it ends). */
const PORT_FREE_LIMIT_MS = 60_000;
/** Set for the commands of a block: the test suite run from a block would run this again. */
const BLOCK_MARK = "RTMPKIT_README_BLOCK";
/** Top-level entries of the working tree that a fresh clone does not have. */
const NOT_IN_A_CLONE = new Set([".git", ".tmp", "dist", "node_modules"]);
const README = `${REPO_ROOT}/README.md`;

function isPortFree(host: string, port: number): boolean {
  try {
    Deno.listen({ hostname: host, port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

async function waitForFreePorts(block: Block, when: string): Promise<void> {
  for (const { host, port } of blockPorts(block)) {
    await waitFor(
      () => isPortFree(host, port),
      PORT_FREE_LIMIT_MS,
      `port ${port} on ${host} to be free ${when} the block at README.md:${block.line} ` +
        "(is another program listening on it?)",
    );
  }
}

/**
 * Runs `fn` while holding this machine's lock on the README's ports, so that two runs of this
 * file (two clones tested at once) do not start servers on the same ports.
 */
async function withPortsLock<T>(fn: () => Promise<T>): Promise<T> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const file = await Deno.open(`${tmp}/rtmpkit-readme-ports.lock`, {
    create: true,
    write: true,
  });
  try {
    await within(file.lock(true), LOCK_LIMIT_MS, "waiting for another run of the README's blocks");
    return await fn();
  } finally {
    file.close(); // also releases the lock
  }
}

// ---------------------------------------------------------------------------------------------
// The fresh copy the blocks run in

let workspace: Promise<string> | undefined;

/** A copy of the working tree as a clone has it, with node_modules linked; made once. */
function freshCopy(): Promise<string> {
  workspace ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "rtmpkit-readme-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Best effort.
      }
    });
    for await (const entry of Deno.readDir(REPO_ROOT)) {
      if (NOT_IN_A_CLONE.has(entry.name) || entry.name.endsWith(".log")) continue;
      await copy(`${REPO_ROOT}/${entry.name}`, `${dir}/${entry.name}`);
    }
    await Deno.symlink(await Deno.realPath(`${REPO_ROOT}/node_modules`), `${dir}/node_modules`);
    return dir;
  })();
  return workspace;
}

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.lstat(from);
  if (info.isDirectory) {
    await Deno.mkdir(to);
    for await (const entry of Deno.readDir(from)) {
      await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  } else if (info.isFile) {
    await Deno.copyFile(from, to);
  }
}

/** The environment of a block: no node_modules/.bin on the PATH, as after `npm ci`. */
function blockEnv(): Record<string, string> {
  const path = (Deno.env.get("PATH") ?? "").split(":")
    .filter((dir) => dir !== "" && !dir.includes("node_modules/.bin"));
  return { PATH: path.join(":"), NO_COLOR: "1", [BLOCK_MARK]: "1" };
}

/** The tail of a run's output, for a failure message. */
function outputOf(run: { stdout: Uint8Array; stderr: string }): string {
  const tail = (text: string) => text.length > 4000 ? `…${text.slice(-4000)}` : text;
  return `stdout:\n${tail(new TextDecoder().decode(run.stdout))}\nstderr:\n${tail(run.stderr)}`;
}

// ---------------------------------------------------------------------------------------------
// The tests

const blocks = fencedBlocks(await Deno.readTextFile(README));
const where = (block: Block) => `README.md:${block.line}`;

if (Deno.env.get(BLOCK_MARK) !== undefined) {
  // A README block ran the test suite, which would run the README's blocks again.
  Deno.test("README blocks do not run the test suite", () => {
    throw new Error("A README sh block runs the tests: show that command in a console block");
  });
} else {
  registerTests();
}

function registerTests(): void {
  Deno.test("README fences are sh (run), ts (checked and run) or console (shown)", () => {
    const refused = blocks.filter((b) => REFUSED_LANGUAGES.has(b.language));
    ok(
      refused.length === 0,
      refused.map((b) => `${where(b)}: \`\`\`${b.language}: use sh (run) or console (shown)`)
        .join("\n"),
    );
    ok(blocks.some((b) => b.language === "sh"), "the README has sh blocks");
    ok(blocks.some((b) => b.language === "ts"), "the README has ts blocks");
    for (const block of blocks.filter((b) => b.language === "sh" || b.language === "ts")) {
      const problem = conventionProblem(block);
      ok(problem === undefined, `${where(block)}: ${problem}`);
    }
  });

  Deno.test("README console blocks name tasks and files that exist", async () => {
    const tasks = Object.keys(JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`)).tasks);
    for (const block of blocks.filter((b) => b.language === "console")) {
      const commands = withoutComments(block.text);
      for (const [, task] of commands.matchAll(/\bdeno task ([\w-]+)/g)) {
        ok(tasks.includes(task), `${where(block)}: there is no deno task "${task}"`);
      }
      for (const [, file] of commands.matchAll(/\bbash ([\w./-]+)/g)) {
        ok(isFileIn(REPO_ROOT, file), `${where(block)}: there is no ${file}`);
      }
    }
  });

  for (const block of blocks.filter((b) => b.language === "sh")) registerShBlock(block);
  const tsBlocks = blocks.filter((b) => b.language === "ts");
  registerTsCheck(tsBlocks);
  for (const block of tsBlocks) registerTsRun(block);
}

function isFileIn(dir: string, file: string): boolean {
  try {
    return Deno.statSync(`${dir}/${file}`).isFile;
  } catch {
    return false;
  }
}

function registerShBlock(block: Block): void {
  const name = `README sh block at ${where(block)} runs as written`;
  const commands = withoutComments(block.text);
  const peers = peersCalled(block);
  if (/\[::1\]/.test(commands) && !hasIpv6Loopback()) {
    console.log(`${name}: skipped: this machine has no IPv6 loopback (::1)`);
    Deno.test({ name, ignore: true, fn() {} });
    return;
  }
  interopTest(name, { peers }, async () => {
    const cwd = await freshCopy();
    await withPortsLock(async () => {
      await waitForFreePorts(block, "before");
      for (const file of redirectTargets(block)) {
        await Deno.writeTextFile(`${cwd}/${file}`, block.text);
      }
      const hiddenBefore = hiddenEntries(cwd);
      let leftBehind: string[] = [];
      const run = await runProcess("sh", ["-e", "-c", block.text], {
        cwd,
        env: blockEnv(),
        timeoutMs: BLOCK_LIMIT_MS,
        onSpawn: async (child) => {
          if (!(await child.status).success) return; // failed: that is the news
          // What the block started must end with it (a server it stopped may take a moment).
          const ended = () => (leftBehind = processGroupMembers(child.pid)).length === 0;
          try {
            await waitFor(ended, STOP_LIMIT_MS);
          } catch {
            // Reported below, with what is left.
          }
        },
      });
      ok(
        !run.timedOut,
        `${where(block)}: the block did not finish within its limit of ${BLOCK_LIMIT_MS} ms\n` +
          outputOf(run),
      );
      ok(run.code === 0, `${where(block)}: the block failed (exit ${run.code})\n${outputOf(run)}`);
      ok(
        leftBehind.length === 0,
        `${where(block)}: the block left processes running for over ${STOP_LIMIT_MS} ms: ` +
          leftBehind.join(", "),
      );
      // Files a block writes on purpose are in plain sight; hidden ones (a `.cache` of a HOME
      // pointed at the clone, a `.swfinfo`) would stay in a reader's clone unnoticed.
      const hiddenLeft = hiddenEntries(cwd).filter((name) => !hiddenBefore.includes(name));
      ok(
        hiddenLeft.length === 0,
        `${where(block)}: the block left hidden files in the clone: ${hiddenLeft.join(", ")}`,
      );
      await waitForFreePorts(block, "after");
    });
  });
}

/** Names of the hidden files and folders at the top of `dir`. */
function hiddenEntries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
    name.startsWith(".")
  );
}

/** File name of a ts block in the copy. */
const tsFile = (block: Block) => `readme_line_${block.line}.ts`;

function registerTsCheck(tsBlocks: Block[]): void {
  Deno.test({
    name: "README ts blocks type-check",
    ignore: tsBlocks.length === 0,
    async fn() {
      const cwd = await freshCopy();
      for (const block of tsBlocks) await Deno.writeTextFile(`${cwd}/${tsFile(block)}`, block.text);
      const run = await runProcess(Deno.execPath(), ["check", ...tsBlocks.map(tsFile)], {
        cwd,
        env: blockEnv(),
      });
      ok(run.code === 0, `deno check failed (exit ${run.code})\n${outputOf(run)}`);
    },
  });
}

function registerTsRun(block: Block): void {
  const waitsForSigint = /\bSIGINT\b/.test(block.text);
  const name = `README ts block at ${where(block)} runs` +
    (waitsForSigint ? " and stops on SIGINT" : "");
  Deno.test(name, async () => {
    const cwd = await freshCopy();
    await Deno.writeTextFile(`${cwd}/${tsFile(block)}`, block.text);
    await withPortsLock(async () => {
      await waitForFreePorts(block, "before");
      const ports = blockPorts(block);
      const run = await runProcess(Deno.execPath(), ["run", "-A", tsFile(block)], {
        cwd,
        env: blockEnv(),
        timeoutMs: BLOCK_LIMIT_MS,
        onSpawn: waitsForSigint
          ? async (child) => {
            ok(ports.length > 0, `${where(block)}: a server block names the port it listens on`);
            await waitForPort(ports[0].port);
            child.kill("SIGINT");
          }
          : undefined,
      });
      ok(
        !run.timedOut,
        `${where(block)}: the program did not end within its limit of ${BLOCK_LIMIT_MS} ms\n` +
          outputOf(run),
      );
      ok(
        run.code === 0,
        `${where(block)}: the program failed (exit ${run.code})\n${outputOf(run)}`,
      );
      await waitForFreePorts(block, "after");
    });
  });
}
