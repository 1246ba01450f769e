/**
 * The command-line entry: `rtmpkit [rtmpdump options]` downloads like rtmpdump 2.4;
 * `rtmpkit serve …` and `rtmpkit publish …` run the server and the publisher.
 *
 * This is the only layer that prints. Anything the network or the user can cause ends as one
 * line on stderr and rtmpdump's exit code, never a stack trace (set RTMPKIT_DEBUG=1 to see one).
 *
 * @module
 */

import { buildDownloadOptions } from "./download_options.ts";
import { runDownload } from "./download.ts";
import { ExitCode } from "./exit_code.ts";
import { Logger, LogLevel } from "./logger.ts";
import { io, writeAll } from "./runtime_io.ts";

/** Writes to stderr synchronously, retrying on a full non-blocking pipe. */
export function writeStderr(bytes: Uint8Array): void {
  try {
    writeAll(io.stderr, bytes);
  } catch { /* stderr is gone: nothing to tell */ }
}

/** Subcommands other than the downloader, loaded on demand. */
const SUBCOMMANDS: Record<string, () => Promise<(args: string[], log: Logger) => Promise<number>>> =
  {
    serve: async () => (await import("./serve.ts")).runServe,
    publish: async () => (await import("./publish.ts")).runPublish,
  };

/** Runs the CLI with `argv` (without the program name); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const log = new Logger(writeStderr);
  try {
    const sub = argv.length > 0 ? SUBCOMMANDS[argv[0]] : undefined;
    if (sub) return await (await sub())(argv.slice(1), log);
    const built = buildDownloadOptions(argv, log);
    if ("exitCode" in built) return built.exitCode;
    return await runDownload(built.options, log);
  } catch (err) {
    const message = String((err as Error)?.message ?? err).split("\n")[0];
    log.log(LogLevel.ERROR, message);
    if (debugRequested()) {
      writeStderr(new TextEncoder().encode(`${(err as Error)?.stack}\n`));
    }
    return ExitCode.FAILED;
  }
}

/** Whether RTMPKIT_DEBUG asks for stack traces; false when the environment may not be read. */
function debugRequested(): boolean {
  try {
    return Boolean(io.env("RTMPKIT_DEBUG"));
  } catch {
    return false; // run without env access: the one line above is all there is
  }
}
