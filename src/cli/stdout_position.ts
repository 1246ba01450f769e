/**
 * Where rtmpdump's byte counter starts when it writes to stdout: `ftello(stdout)`, which asks
 * the kernel for the descriptor's offset (`lseek(1, 0, SEEK_CUR)`) and gets −1 where stdout
 * cannot seek. rtmpdump counts every byte it writes on top of that, so its start line and its
 * progress lines show one byte less than written on a pipe or a terminal, exactly the bytes
 * written on /dev/null, and in a file the bytes before the descriptor's offset too (which for
 * `>>` is 0 until the first write, whatever the file holds).
 *
 * The runtimes have no `lseek`, so the runtime adapter (runtime_io.ts) gathers what stands for
 * it: the kind of file stdout is (fstat), whether it is a terminal, and on Linux the offset the
 * kernel reports in `/proc/self/fdinfo/1`; {@linkcode stdoutPosition} turns that into the
 * number `ftello` returns.
 *
 * @module
 */

/** The kind of file stdout is, as fstat tells it. */
export type StdoutKind = "file" | "block-device" | "char-device" | "fifo" | "socket" | "other";

/** What is known about stdout, in place of `lseek`. */
export interface StdoutFacts {
  /** The kind of file. */
  kind: StdoutKind;
  /** A terminal (a character device that cannot seek). */
  terminal: boolean;
  /** Its size (fstat's `st_size`). */
  size: number;
  /**
   * Reads the descriptor's offset, undefined where the system does not tell it (Linux does, in
   * `/proc/self/fdinfo/1`). Called only where stdout can seek.
   */
  offset?: () => number | undefined;
}

/**
 * C's `ftello(stdout)` before anything was written: the descriptor's offset where it can seek
 * (a regular file or a block device, and character devices such as /dev/null, which always
 * answer 0), −1 where it cannot (a pipe, a socket, a terminal) and when nothing is known. Where
 * the offset is unknown, a file counts from its size (what `>` and a shell's earlier writes
 * leave) and a character device from 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stdoutPosition } from "./stdout_position.ts";
 *
 * assert.equal(stdoutPosition({ kind: "fifo", terminal: false, size: 0 }), -1);
 * assert.equal(stdoutPosition({ kind: "char-device", terminal: false, size: 0 }), 0);
 * // `>>` on a file that holds 5 bytes: the offset is 0 until the first write.
 * assert.equal(stdoutPosition({ kind: "file", terminal: false, size: 5, offset: () => 0 }), 0);
 * ```
 */
export function stdoutPosition(facts: StdoutFacts | undefined): number {
  if (facts === undefined || facts.terminal) return -1;
  switch (facts.kind) {
    case "file":
    case "block-device":
      return facts.offset?.() ?? facts.size;
    case "char-device":
      return facts.offset?.() ?? 0;
    default:
      return -1;
  }
}

/**
 * The offset in the text of a Linux `/proc/self/fdinfo/N` file (its `pos:` line), or undefined
 * when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fdinfoOffset } from "./stdout_position.ts";
 *
 * assert.equal(fdinfoOffset("pos:\t3\nflags:\t0102001\nmnt_id:\t25\nino:\t42\n"), 3);
 * assert.equal(fdinfoOffset(""), undefined);
 * ```
 */
export function fdinfoOffset(text: string): number | undefined {
  const match = /^pos:\s*(\d+)\s*$/m.exec(text);
  if (match === null) return undefined;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : undefined;
}
