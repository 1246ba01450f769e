/**
 * Test helper for the command-line tests: runs rtmpkit's real command line (`deno run -A cli.ts
 * …`, `bun cli.ts …`) or Debian's rtmpdump through the shared child-process helper (hard timeout,
 * its own process group, peak memory, at most two processes at once per test file; see
 * `tests/_process.ts`, re-exported here), and checks what a download wrote.
 *
 * @module
 */

import { FlvError, type FlvHeader, FlvReader, type FlvTag } from "../../src/flv/mod.ts";

export {
  BUN,
  CLI_PATH,
  type ProcessResult,
  processState,
  RTMPDUMP,
  type RtmpkitRunOptions,
  type RtmpkitRuntime,
  type RunOptions,
  runProcess,
  runRtmpdump,
  runRtmpkit,
} from "../_process.ts";
export { normaliseStderrLines } from "../_stderr.ts";
export { assertWithin, waitFor } from "../_wait.ts";

/** What {@linkcode readFlvFile} found. */
export interface FlvFileContent {
  /** File size in bytes. */
  size: number;
  /** The FLV header, absent for an empty file. */
  header?: FlvHeader;
  /** Every tag, in order. */
  tags: FlvTag[];
}

/**
 * Reads an output file and checks that it holds only whole FLV tags: it is empty, or an FLV
 * header followed by complete tags whose PreviousTagSize values are right. Throws
 * {@linkcode FlvError} otherwise.
 */
export async function readFlvFile(path: string): Promise<FlvFileContent> {
  const bytes = await Deno.readFile(path);
  if (bytes.length === 0) return { size: 0, tags: [] };
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  reader.push(bytes, (tag) => tags.push({ ...tag, data: tag.data.slice() }));
  reader.finish();
  if (reader.header === undefined) throw new FlvError("Cannot read FLV: no header");
  return { size: bytes.length, header: reader.header, tags };
}
