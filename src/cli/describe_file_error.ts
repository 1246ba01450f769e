/**
 * Plain words for why a file could not be opened, read or written ("the folder ./out does not
 * exist", "permission denied"), instead of the runtime's text (`ENOENT: no such file or
 * directory, lstat '…'`, `… (os error 2)`).
 *
 * @module
 */

import { describeNetworkError, systemErrorCode } from "../../transports/transport_error.ts";
import { io, type PathKind } from "./runtime_io.ts";

/** Deno error class names and errno numbers of file errors, by POSIX name. */
const FILE_CODES: Readonly<Record<string, string>> = {
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
  "os error 20": "ENOTDIR",
  "os error 21": "EISDIR",
  "os error 28": "ENOSPC",
  "os error 30": "EROFS",
  "os error 36": "ENAMETOOLONG",
};

/** Plain words by POSIX name, for the file errors that need no look at the path. */
const FILE_WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOSPC: "the disk is full",
  EROFS: "the file system is read-only",
  ENAMETOOLONG: "the name is too long",
  EISDIR: "it is a folder",
  // Writing to a pipe (stdout into `| head`) whose reader has gone.
  EPIPE: "the program reading it closed the pipe",
};

/** The POSIX name of a file error, including the ones the network table does not know. */
function fileErrorCode(err: unknown): string | undefined {
  if (err !== null && typeof err === "object") {
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    if (typeof e.code === "string" && e.code !== "") return e.code;
    if (typeof e.name === "string" && e.name in FILE_CODES) return FILE_CODES[e.name];
    const os = /\((os error \d+)\)/.exec(typeof e.message === "string" ? e.message : "");
    if (os && os[1] in FILE_CODES) return FILE_CODES[os[1]];
  }
  return systemErrorCode(err);
}

/** The folder part of `path` ("." for a bare name). */
function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : trimmed.slice(0, slash);
}

/**
 * Says why `path` could not be used, in words a user reads: "the folder ./out does not exist",
 * "./in.flv does not exist", "./media is not a folder", "permission denied", "it is a folder",
 * "the disk is full". `kind` looks at a path (default: the runtime's), to tell a missing file
 * from a missing folder.
 */
export function describeFileError(
  err: unknown,
  path: string,
  kind: (path: string) => PathKind = io.pathKind,
): string {
  const code = fileErrorCode(err);
  if (code === "ENOENT" || code === "ENOTDIR") {
    // Walk up to the nearest part of the path that exists and say what is wrong there.
    let missing = path;
    let parent = parentOf(path);
    while (parent !== missing && kind(parent) === "missing") {
      missing = parent;
      parent = parentOf(parent);
    }
    const parentKind = kind(parent);
    if (parent !== missing && parentKind !== "folder") return `${parent} is not a folder`;
    return missing === path ? `${path} does not exist` : `the folder ${missing} does not exist`;
  }
  if (code !== undefined && code in FILE_WORDS) return FILE_WORDS[code];
  return describeNetworkError(err);
}
