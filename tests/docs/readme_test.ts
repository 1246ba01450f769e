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
 *   (else the test fails, and kills them).
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
 *   Addresses are loopback only (127.0.0.1, ::1) and ports are 29350–29359 (one block, one
 *   port): outside the kernel's ephemeral range, where the tests' own servers (port 0) live, and
 *   used by no test. Runs of this file on one machine take turns (a lock file), and a block
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
import { REPO_ROOT, runProcess } from "../_process.ts";
import { waitForPort } from "../_ports.ts";
import { waitFor } from "../_wait.ts";

/** "No hang" limit of one block: far above what the slowest takes on a loaded machine. */
const BLOCK_LIMIT_MS = 180_000;
/** Limit of the wait for another run of this file (on this machine) to finish a block. */
const LOCK_LIMIT_MS = 2 * BLOCK_LIMIT_MS;
/** Limit for what a block started to end once the block has ended. */
const STOP_LIMIT_MS = 30_000;
/** Limit of the wait for a block's ports to be free (before it starts, after it ends). */
const PORT_FREE_LIMIT_MS = 60_000;
/** The ports README blocks may use. */
const FIRST_PORT = 29350;
const LAST_PORT = 29359;
/** Set for the commands of a block: the test suite run from a block would run this again. */
const BLOCK_MARK = "RTMPKIT_README_BLOCK";
/** Peers a block may call, found as command words. */
const PEERS = ["ffmpeg", "ffprobe", "rtmpdump"];
/** Fence languages that hold commands under a name this file does not run. */
const REFUSED_LANGUAGES = new Set([
  "bash",
  "shell",
  "zsh",
  "fish",
  "shell-session",
  "typescript",
  "tsx",
  "js",
  "javascript",
]);
/** Top-level entries of the working tree that a fresh clone does not have. */
const NOT_IN_A_CLONE = new Set([".git", ".tmp", "dist", "node_modules"]);
const README = `${REPO_ROOT}/README.md`;

/** One fenced block of the README. */
interface Block {
  /** The fence's language ("" when none). */
  language: string;
  /** The text between the fences. */
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Reads the fenced blocks of a Markdown text. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) body.push(lines[j++]);
    blocks.push({ language: open[2].toLowerCase(), text: body.join("\n") + "\n", line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The block's commands without comments (full-line and trailing `# …`). */
function withoutComments(text: string): string {
  return text.split("\n").map((line) => line.replace(/(^|\s)#.*$/, "")).join("\n");
}

/** Every `scheme://host:port` a block names, with its host and port. */
function endpoints(text: string): { url: string; host: string; port: number }[] {
  const found = [];
  for (const match of text.matchAll(/\b[a-z]+:\/\/(\[[0-9a-f:]+\]|[\w.-]+)(?::(\d+))?/gi)) {
    found.push({ url: match[0], host: match[1], port: Number(match[2] ?? 0) });
  }
  return found;
}

/** The README ports a block uses, with the host it uses each on. */
function blockPorts(block: Block): { host: string; port: number }[] {
  const ports = new Map<string, { host: string; port: number }>();
  for (const { host, port } of endpoints(block.text)) {
    if (port < FIRST_PORT || port > LAST_PORT) continue;
    const hostname = host.replace(/^\[|\]$/g, "");
    ports.set(`${hostname} ${port}`, { host: hostname, port });
  }
  return [...ports.values()];
}

/** Why a block breaks the conventions (loopback only, the README's ports), or undefined. */
function conventionProblem(block: Block): string | undefined {
  for (const { url, host, port } of endpoints(withoutComments(block.text))) {
    if (!/^rtmp/i.test(url)) continue;
    if (host !== "127.0.0.1" && host !== "[::1]") return `${url}: not on 127.0.0.1 or [::1]`;
    if (port < FIRST_PORT || port > LAST_PORT) {
      return `${url}: not on a README port (${FIRST_PORT}–${LAST_PORT})`;
    }
  }
  if (/\bffplay\b/.test(withoutComments(block.text))) {
    return "ffplay needs a display: mention it in a comment, or show it in a console block";
  }
  return undefined;
}

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

function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/** Rejects after `ms` unless `promise` settles first. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
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
  const peers = PEERS.filter((peer) => new RegExp(`(^|[\\s|;&(])${peer}\\b`, "m").test(commands));
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
      let leftBehind: string[] = [];
      const run = await runProcess("sh", ["-e", "-c", block.text], {
        cwd,
        env: blockEnv(),
        timeoutMs: BLOCK_LIMIT_MS,
        onSpawn: async (child) => {
          if (!(await child.status).success) return; // failed: that is the news
          // What the block started must end with it (a server it stopped may take a moment).
          await waitFor(() => (leftBehind = groupMembers(child.pid)).length === 0, STOP_LIMIT_MS)
            .catch(() => {});
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
      await waitForFreePorts(block, "after");
    });
  });
}

/** The files (relative paths) a block redirects output to: `> FILE`, `2> FILE`, `>> FILE`. */
function redirectTargets(block: Block): string[] {
  const files = new Set<string>();
  for (const [, file] of withoutComments(block.text).matchAll(/\d?>>?\s*([\w.-][\w./-]*)/g)) {
    if (!file.startsWith("/") && !file.includes("..")) files.add(file);
  }
  return [...files];
}

/** The processes of a process group still running, as "PID (command)". */
function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue; // gone meanwhile
    }
    const end = stat.lastIndexOf(")");
    const [state, , group] = stat.slice(end + 2).split(" ");
    if (Number(group) === pgid && state !== "Z" && state !== "X") {
      members.push(`${entry.name} ${stat.slice(stat.indexOf("("), end + 1)}`);
    }
  }
  return members;
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

// A check that this file's own reading of the README is right, so that a parsing slip cannot
// make every block look fine by finding none.
Deno.test("fencedBlocks and the port rules read blocks as the conventions say", () => {
  const markdown = [
    "text",
    "```sh",
    "deno run -A cli.ts serve --listen rtmp://127.0.0.1:29350 # rtmp://example.com:1935",
    "```",
    "```console",
    "npx deno task test",
    "```",
    "```ts",
    'const u = "rtmp://[::1]:29351/vod/a";',
    "```",
  ].join("\n");
  const [sh, shown, ts] = fencedBlocks(markdown);
  ok(sh.language === "sh" && sh.line === 2 && shown.language === "console");
  ok(conventionProblem(sh) === undefined, "a loopback README port is fine; comments are not read");
  ok(JSON.stringify(blockPorts(ts)) === JSON.stringify([{ host: "::1", port: 29351 }]));
  const remote = {
    language: "sh",
    text: "deno run -A cli.ts -r rtmp://example.com/a/b\n",
    line: 1,
  };
  ok(conventionProblem(remote)?.includes("not on 127.0.0.1"));
  const otherPort = { language: "sh", text: "x rtmp://127.0.0.1:1935/a/b\n", line: 1 };
  ok(conventionProblem(otherPort)?.includes("not on a README port"));
  const logs = {
    language: "sh",
    text: "a 2> serve.log & b > out.txt 2> /dev/null >> x/y\n",
    line: 1,
  };
  ok(JSON.stringify(redirectTargets(logs)) === JSON.stringify(["serve.log", "out.txt", "x/y"]));
});
