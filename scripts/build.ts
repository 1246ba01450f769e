/**
 * Builds the self-contained executable `dist/rtmpkit` from `cli.ts` (`deno task build`).
 *
 * It tries `deno compile` first. `deno compile` downloads its runtime (denort) on first use; when
 * that download is impossible (no network) it falls back to `bun build --compile`, which needs
 * nothing beyond the Bun from node_modules (with `--bytecode`, so the executable starts without
 * parsing its JavaScript). Any other `deno compile` failure (a type error, say)
 * fails the build rather than being hidden by the fallback. It prints which compiler it used.
 *
 * Usage: `deno run -A scripts/build.ts [--with deno|bun]`
 *
 * @module
 */

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname).replace(/\/$/, "");
const ENTRY = `${ROOT}/cli.ts`;
const OUTPUT = `${ROOT}/dist/rtmpkit`;

/** How `deno compile` reports that it cannot fetch its runtime binary. */
const RUNTIME_FETCH_FAILURE = /denort|Setting up base binary|dl\.deno\.land|error sending request/;

interface Attempt {
  readonly ok: boolean;
  readonly stderr: string;
}

async function run(command: string, args: string[]): Promise<Attempt> {
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const output = await child.output();
  return { ok: output.success, stderr: new TextDecoder().decode(output.stderr) };
}

function findBun(): string {
  const local = `${ROOT}/node_modules/.bin/bun`;
  try {
    Deno.statSync(local);
    return local;
  } catch {
    return "bun";
  }
}

async function compileWithDeno(): Promise<Attempt> {
  return await run(Deno.execPath(), ["compile", "-A", "--output", OUTPUT, ENTRY]);
}

async function compileWithBun(): Promise<Attempt> {
  try {
    return await run(findBun(), [
      "build",
      "--compile",
      // Compiled ahead of time: the executable skips parsing and compiling its JavaScript at
      // every start (half of a short run's CPU). Bytecode needs an explicit module format.
      "--bytecode",
      "--format=esm",
      "--outfile",
      OUTPUT,
      ENTRY,
    ]);
  } catch (error) {
    return { ok: false, stderr: `Cannot start bun: ${(error as Error).message}\n` };
  }
}

async function main(args: string[]): Promise<number> {
  const forced = args.includes("--with") ? args[args.indexOf("--with") + 1] : undefined;
  if (forced !== undefined && forced !== "deno" && forced !== "bun") {
    console.error(`Unknown compiler "${forced}": use --with deno or --with bun`);
    return 1;
  }
  await Deno.mkdir(`${ROOT}/dist`, { recursive: true });

  let used: string;
  if (forced === "bun") {
    const bun = await compileWithBun();
    if (!bun.ok) return failed("bun build --compile", bun);
    used = "bun build --compile";
  } else {
    const deno = await compileWithDeno();
    if (deno.ok) {
      used = "deno compile";
    } else if (forced === undefined && RUNTIME_FETCH_FAILURE.test(deno.stderr)) {
      console.error(
        "deno compile cannot fetch its runtime (denort), probably offline; " +
          "falling back to bun build --compile",
      );
      const bun = await compileWithBun();
      if (!bun.ok) return failed("bun build --compile", bun);
      used = "bun build --compile";
    } else {
      return failed("deno compile", deno);
    }
  }
  const { size } = await Deno.stat(OUTPUT);
  console.log(`Built dist/rtmpkit with ${used} (${(size / 1e6).toFixed(1)} MB)`);
  return 0;
}

function failed(what: string, attempt: Attempt): number {
  console.error(attempt.stderr.trimEnd());
  console.error(`Cannot build dist/rtmpkit: ${what} failed`);
  return 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
