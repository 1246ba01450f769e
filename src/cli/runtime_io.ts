/**
 * The CLI's runtime adapter: arguments, standard streams, the output file, signals and exit.
 *
 * On Deno it uses Deno's own APIs: loading any `node:` module makes Deno start its Node
 * compatibility layer, which costs ~25 ms of start-up, a tenth of a whole 240 MB download. On
 * Bun (and Node) it uses `node:fs` and `node:process`, loaded only there.
 *
 * @module
 */

import { fdinfoOffset, stdoutPosition } from "./stdout_position.ts";

/** A synchronous byte sink; `write` may write less than given and returns how much it wrote. */
export interface ByteWriter {
  write(bytes: Uint8Array): number;
  close(): void;
}

/**
 * An output file opened without truncating it, for `--resume`: read at offsets, cut, and written
 * from where it was cut.
 */
export interface ResumableFile extends ByteWriter {
  /** Size in bytes when opened (and after {@linkcode truncate}). */
  readonly size: number;
  /** Reads `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Uint8Array;
  /** Cuts the file to `length` bytes; writes go on from there. */
  truncate(length: number): void;
}

/** Signals the downloader and the server stop on. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGQUIT";

/** What is at a path: a regular file, a folder, something else, or nothing. */
export type PathKind = "file" | "folder" | "other" | "missing";

/** What the CLI needs from the runtime. */
export interface RuntimeIo {
  /** Command-line arguments after the program (and script) name. */
  readonly args: string[];
  readonly stdout: ByteWriter;
  readonly stderr: ByteWriter;
  /** Opens (creates, truncates) a file for writing. Throws the OS error. */
  openOutput(path: string): ByteWriter;
  /** Opens (creates) a file for reading and writing without truncating it. Throws the OS error. */
  openResumable(path: string): ResumableFile;
  /**
   * Where stdout stands, as C's `ftello(stdout)` sees it: the descriptor's offset where it can
   * seek (a file, /dev/null), −1 where it cannot (a pipe, a socket, a terminal); see
   * {@linkcode stdoutPosition}.
   */
  stdoutPosition(): number;
  /**
   * What is at `path` (links followed); "missing" also when it cannot be looked at, so error
   * messages can say which part of a path is wrong.
   */
  pathKind(path: string): PathKind;
  /** Calls `handler` on the signal; returns a function that removes it. */
  onSignal(signal: StopSignal, handler: () => void): () => void;
  /** An environment variable. */
  env(name: string): string | undefined;
  /** Ends the process. */
  exit(code: number): never;
}

/** Where Linux tells the offset of descriptor 1 (its `pos:` line). */
const FDINFO_STDOUT = "/proc/self/fdinfo/1";

/** The offset of stdout from `read` (the fdinfo text), or undefined where it cannot be read. */
function readStdoutOffset(read: () => string): number | undefined {
  try {
    return fdinfoOffset(read());
  } catch {
    return undefined; // not Linux, or no permission to read /proc
  }
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const onDeno = typeof g.Deno?.openSync === "function" && typeof g.Bun === "undefined";

function denoIo(): RuntimeIo {
  const stream = (s: { writeSync(b: Uint8Array): number }): ByteWriter => ({
    write: (b) => s.writeSync(b),
    close: () => {},
  });
  return {
    args: [...Deno.args],
    stdout: stream(Deno.stdout),
    stderr: stream(Deno.stderr),
    openOutput(path) {
      const file = Deno.openSync(path, { read: true, write: true, create: true, truncate: true });
      return { write: (b) => file.writeSync(b), close: () => file.close() };
    },
    openResumable(path) {
      const file = Deno.openSync(path, { read: true, write: true, create: true });
      let size = file.statSync().size;
      return {
        get size() {
          return size;
        },
        read(offset, length) {
          const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
          file.seekSync(offset, Deno.SeekMode.Start);
          let got = 0;
          while (got < out.length) {
            const n = file.readSync(out.subarray(got));
            if (n === null || n === 0) break;
            got += n;
          }
          return out.subarray(0, got);
        },
        truncate(length) {
          file.truncateSync(length);
          file.seekSync(length, Deno.SeekMode.Start);
          size = length;
        },
        write: (b) => file.writeSync(b),
        close: () => file.close(),
      };
    },
    stdoutPosition() {
      let st: Deno.FileInfo;
      try {
        st = Deno.statSync("/dev/stdout");
      } catch {
        return stdoutPosition(undefined);
      }
      return stdoutPosition({
        kind: st.isFile
          ? "file"
          : st.isBlockDevice
          ? "block-device"
          : st.isCharDevice
          ? "char-device"
          : st.isFifo
          ? "fifo"
          : st.isSocket
          ? "socket"
          : "other",
        terminal: Deno.stdout.isTerminal(),
        size: st.size,
        offset: () => readStdoutOffset(() => Deno.readTextFileSync(FDINFO_STDOUT)),
      });
    },
    pathKind(path) {
      try {
        const st = Deno.statSync(path);
        return st.isFile ? "file" : st.isDirectory ? "folder" : "other";
      } catch {
        return "missing";
      }
    },
    onSignal(signal, handler) {
      try {
        Deno.addSignalListener(signal, handler);
      } catch {
        return () => {}; // not available on this platform
      }
      return () => Deno.removeSignalListener(signal, handler);
    },
    env: (name) => Deno.env.get(name),
    exit: (code) => Deno.exit(code),
  };
}

async function nodeIo(): Promise<RuntimeIo> {
  const fs = await import("node:fs");
  const tty = await import("node:tty");
  const process = (await import("node:process")).default;
  const fd = (n: number, close = () => {}): ByteWriter => ({
    write: (b) => fs.writeSync(n, b, 0, b.length),
    close,
  });
  return {
    args: process.argv.slice(2),
    stdout: fd(1),
    stderr: fd(2),
    openOutput(path) {
      const n = fs.openSync(path, "w+");
      return fd(n, () => fs.closeSync(n));
    },
    openResumable(path) {
      const n = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
      let size = fs.fstatSync(n).size;
      let position = size;
      return {
        get size() {
          return size;
        },
        read(offset, length) {
          const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
          let got = 0;
          while (got < out.length) {
            const r = fs.readSync(n, out, got, out.length - got, offset + got);
            if (r === 0) break;
            got += r;
          }
          return out.subarray(0, got);
        },
        truncate(length) {
          fs.ftruncateSync(n, length);
          size = length;
          position = length;
        },
        write(b) {
          const written = fs.writeSync(n, b, 0, b.length, position);
          position += written;
          return written;
        },
        close: () => fs.closeSync(n),
      };
    },
    stdoutPosition() {
      let st: import("node:fs").Stats;
      try {
        st = fs.fstatSync(1);
      } catch {
        return stdoutPosition(undefined);
      }
      return stdoutPosition({
        kind: st.isFile()
          ? "file"
          : st.isBlockDevice()
          ? "block-device"
          : st.isCharacterDevice()
          ? "char-device"
          : st.isFIFO()
          ? "fifo"
          : st.isSocket()
          ? "socket"
          : "other",
        terminal: tty.isatty(1),
        size: st.size,
        offset: () => readStdoutOffset(() => fs.readFileSync(FDINFO_STDOUT, "utf8")),
      });
    },
    pathKind(path) {
      try {
        const st = fs.statSync(path);
        return st.isFile() ? "file" : st.isDirectory() ? "folder" : "other";
      } catch {
        return "missing";
      }
    },
    onSignal(signal, handler) {
      try {
        process.on(signal, handler);
      } catch {
        return () => {};
      }
      return () => process.off(signal, handler);
    },
    env: (name) => process.env[name],
    exit: (code) => process.exit(code),
  };
}

/** The adapter for the runtime we run on. */
export const io: RuntimeIo = onDeno ? denoIo() : await nodeIo();

/** Writes all of `bytes`, waiting briefly when a non-blocking pipe is full. */
export function writeAll(writer: ByteWriter, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writer.write(bytes.subarray(off));
    } catch (err) {
      const e = err as { code?: string; name?: string };
      if (e.code !== "EAGAIN" && e.name !== "WouldBlock") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/**
 * Prints text a user asked for (a subcommand's `--help`) on stdout, so `| less` and `| grep`
 * see it; a closed stdout is ignored (there is no one left to tell).
 */
export function printToStdout(text: string): void {
  try {
    writeAll(io.stdout, new TextEncoder().encode(text));
  } catch { /* stdout is gone */ }
}
