/**
 * rtmpdump's command-line grammar, parsed the way glibc's `getopt_long` parses it: clustered
 * short flags (`-qV`), attached or separate values (`-ofile`, `-o file`), `--name=value` and
 * `--name value`, unambiguous prefixes of long names (`--play` is ambiguous, `--playl` is
 * `--playlist`), `--` to end the options, and argument permutation (operands anywhere are skipped;
 * rtmpdump ignores them). With `POSIXLY_CORRECT` set, parsing stops at the first operand.
 *
 * Errors carry glibc's exact English message; rtmpdump then prints `unknown option: ?` and its
 * usage and exits 1.
 *
 * @module
 */

/** rtmpdump's short option string (a letter followed by `:` takes a value). */
export const SHORT_OPTIONS = "hVveqzRr:s:t:i:p:a:b:f:o:u:C:n:c:l:y:Ym:k:d:A:B:T:w:x:W:X:S:#j:";

/** One long option: its name, whether it takes a value, and the short letter it stands for. */
export interface LongOption {
  /** The name after `--`. */
  readonly name: string;
  /** True when the option requires a value. */
  readonly hasArg: boolean;
  /** The short option letter getopt returns for it. */
  readonly short: string;
}

/** rtmpdump's long options in its table order (the order glibc lists ambiguous matches in). */
export const LONG_OPTIONS: readonly LongOption[] = [
  { name: "help", hasArg: false, short: "h" },
  { name: "host", hasArg: true, short: "n" },
  { name: "port", hasArg: true, short: "c" },
  { name: "socks", hasArg: true, short: "S" },
  { name: "protocol", hasArg: true, short: "l" },
  { name: "playpath", hasArg: true, short: "y" },
  { name: "playlist", hasArg: false, short: "Y" },
  { name: "url", hasArg: true, short: "i" },
  { name: "rtmp", hasArg: true, short: "r" },
  { name: "swfUrl", hasArg: true, short: "s" },
  { name: "tcUrl", hasArg: true, short: "t" },
  { name: "pageUrl", hasArg: true, short: "p" },
  { name: "app", hasArg: true, short: "a" },
  { name: "auth", hasArg: true, short: "u" },
  { name: "conn", hasArg: true, short: "C" },
  { name: "swfhash", hasArg: true, short: "w" },
  { name: "swfsize", hasArg: true, short: "x" },
  { name: "swfVfy", hasArg: true, short: "W" },
  { name: "swfAge", hasArg: true, short: "X" },
  { name: "flashVer", hasArg: true, short: "f" },
  { name: "live", hasArg: false, short: "v" },
  { name: "realtime", hasArg: false, short: "R" },
  { name: "flv", hasArg: true, short: "o" },
  { name: "resume", hasArg: false, short: "e" },
  { name: "timeout", hasArg: true, short: "m" },
  { name: "buffer", hasArg: true, short: "b" },
  { name: "skip", hasArg: true, short: "k" },
  { name: "subscribe", hasArg: true, short: "d" },
  { name: "start", hasArg: true, short: "A" },
  { name: "stop", hasArg: true, short: "B" },
  { name: "token", hasArg: true, short: "T" },
  { name: "hashes", hasArg: false, short: "#" },
  { name: "debug", hasArg: false, short: "z" },
  { name: "quiet", hasArg: false, short: "q" },
  { name: "verbose", hasArg: false, short: "V" },
  { name: "jtv", hasArg: true, short: "j" },
];

/**
 * rtmpkit's own long options, beyond rtmpdump's. They match by their exact name only, never by
 * prefix, so every abbreviation rtmpdump accepts (`--pro` for `--protocol`) means what it meant
 * there. Their `short` is the name itself: they have no letter.
 */
export const EXTENSION_OPTIONS: readonly LongOption[] = [
  { name: "rtmpeType", hasArg: true, short: "rtmpeType" },
  { name: "reconnect", hasArg: true, short: "reconnect" },
  { name: "proxy", hasArg: true, short: "proxy" },
  { name: "tlsCa", hasArg: true, short: "tlsCa" },
  { name: "tlsInsecure", hasArg: false, short: "tlsInsecure" },
];

/** A recognised option, named by its short letter, with its value when it takes one. */
export interface ParsedOption {
  /** Discriminant. */
  readonly kind: "option";
  /** The short option letter (`r`, `o`, `#`, …), also for options given by long name. */
  readonly short: string;
  /** The value, for options that take one. */
  readonly value?: string;
}

/** A getopt error: the message glibc prints (ending in a newline) before getopt returns `?`. */
export interface ParseError {
  /** Discriminant. */
  readonly kind: "error";
  /** The complete message, e.g. `rtmpdump: invalid option -- 'Q'\n`. */
  readonly message: string | Uint8Array;
}

/** One result of getopt, in command-line order. */
export type ArgItem = ParsedOption | ParseError;

/** The parsed command line. */
export interface ParsedArgs {
  /** Options and errors in the order getopt returns them. */
  readonly items: ArgItem[];
  /** The operands (non-option arguments), which rtmpdump ignores. */
  readonly operands: string[];
}

/** Options of {@linkcode parseArgs}. */
export interface ParseArgsOptions {
  /** The program name glibc puts in front of its messages (`argv[0]`); default `rtmpdump`. */
  programName?: string;
  /** glibc's `POSIXLY_CORRECT`: stop at the first operand instead of skipping it. */
  posixlyCorrect?: boolean;
}

/** The default program name in messages. */
export const PROGRAM_NAME = "rtmpdump";

const encoder = new TextEncoder();

/** The short options that take a value, by letter. */
const SHORT_TAKES_VALUE: ReadonlyMap<string, boolean> = (() => {
  const map = new Map<string, boolean>();
  for (let i = 0; i < SHORT_OPTIONS.length; i++) {
    const c = SHORT_OPTIONS[i];
    if (c === ":") continue;
    map.set(c, SHORT_OPTIONS[i + 1] === ":");
  }
  return map;
})();

/**
 * glibc's `invalid option -- 'c'` message. glibc works on bytes, so a non-ASCII option character
 * reports the first byte of its UTF-8 encoding.
 */
function invalidOption(program: string, c: string): string | Uint8Array {
  const head = `${program}: invalid option -- '`;
  if (c.charCodeAt(0) < 0x80) return `${head}${c}'\n`;
  const firstByte = encoder.encode(c).subarray(0, 1);
  const headBytes = encoder.encode(head);
  const tail = encoder.encode("'\n");
  const out = new Uint8Array(headBytes.length + 1 + tail.length);
  out.set(headBytes, 0);
  out.set(firstByte, headBytes.length);
  out.set(tail, headBytes.length + 1);
  return out;
}

/**
 * Parses `argv` (without the program name) as rtmpdump's `getopt_long` loop sees it. Parsing
 * goes on after an error, as further getopt calls would; rtmpdump itself stops at the first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseArgs } from "./args.ts";
 * const { items } = parseArgs(["-qr", "rtmp://h/app/x", "--flv=out.flv"]);
 * // [{kind:"option",short:"q"}, {kind:"option",short:"r",value:"rtmp://h/app/x"},
 * //  {kind:"option",short:"o",value:"out.flv"}]
 * assert.equal(items.length, 3);
 * ```
 */
export function parseArgs(argv: readonly string[], options: ParseArgsOptions = {}): ParsedArgs {
  const program = options.programName ?? PROGRAM_NAME;
  const items: ArgItem[] = [];
  const operands: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index];
    if (arg === "--") {
      operands.push(...argv.slice(index + 1));
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") {
      if (options.posixlyCorrect) {
        operands.push(...argv.slice(index));
        break;
      }
      operands.push(arg);
      index++;
      continue;
    }
    if (arg[1] === "-") {
      index = parseLong(argv, index, program, items);
      continue;
    }
    index = parseCluster(argv, index, program, items);
  }
  return { items, operands };
}

/** Parses `--name[=value]` at `argv[index]`; returns the index of the next argument. */
function parseLong(argv: readonly string[], index: number, program: string, items: ArgItem[]) {
  const text = argv[index].slice(2);
  const equals = text.indexOf("=");
  const name = equals < 0 ? text : text.slice(0, equals);
  index++;

  let found = LONG_OPTIONS.find((option) => option.name === name) ??
    EXTENSION_OPTIONS.find((option) => option.name === name);
  if (found === undefined) {
    const matches = LONG_OPTIONS.filter((option) => option.name.startsWith(name));
    const first = matches[0];
    // glibc counts a further prefix match as ambiguous unless it is equivalent to the first
    // (same argument rule and same result), and lists the first with the ambiguous ones.
    const listed = matches.filter((option) =>
      option === first || option.hasArg !== first.hasArg || option.short !== first.short
    );
    if (listed.length > 1) {
      const list = listed.map((option) => ` '--${option.name}'`).join("");
      items.push({
        kind: "error",
        message: `${program}: option '--${text}' is ambiguous; possibilities:${list}\n`,
      });
      return index;
    }
    found = first;
  }
  if (found === undefined) {
    items.push({ kind: "error", message: `${program}: unrecognized option '--${text}'\n` });
    return index;
  }
  if (equals >= 0) {
    if (!found.hasArg) {
      items.push({
        kind: "error",
        message: `${program}: option '--${found.name}' doesn't allow an argument\n`,
      });
      return index;
    }
    items.push({ kind: "option", short: found.short, value: text.slice(equals + 1) });
    return index;
  }
  if (!found.hasArg) {
    items.push({ kind: "option", short: found.short });
    return index;
  }
  if (index >= argv.length) {
    items.push({
      kind: "error",
      message: `${program}: option '--${found.name}' requires an argument\n`,
    });
    return index;
  }
  items.push({ kind: "option", short: found.short, value: argv[index] });
  return index + 1;
}

/** Parses a cluster of short options at `argv[index]`; returns the index of the next argument. */
function parseCluster(argv: readonly string[], index: number, program: string, items: ArgItem[]) {
  const arg = argv[index];
  index++;
  let position = 1;
  while (position < arg.length) {
    const codePoint = arg.codePointAt(position)!;
    const c = String.fromCodePoint(codePoint);
    position += c.length;
    const takesValue = SHORT_TAKES_VALUE.get(c);
    if (takesValue === undefined) {
      items.push({ kind: "error", message: invalidOption(program, c) });
      continue;
    }
    if (!takesValue) {
      items.push({ kind: "option", short: c });
      continue;
    }
    if (position < arg.length) {
      items.push({ kind: "option", short: c, value: arg.slice(position) });
      return index;
    }
    if (index >= argv.length) {
      items.push({ kind: "error", message: `${program}: option requires an argument -- '${c}'\n` });
      return index;
    }
    items.push({ kind: "option", short: c, value: argv[index] });
    return index + 1;
  }
  return index;
}
