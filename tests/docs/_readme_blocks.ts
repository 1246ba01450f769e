/**
 * Reading the README's fenced blocks for `readme_test.ts`: the blocks and their languages, and
 * what a block's commands use (ports, peers, files they write), by the conventions that test's
 * module doc sets out.
 *
 * @module
 */

/** The first of the ports README blocks may use. */
export const FIRST_PORT = 29350;
/** The last of the ports README blocks may use. */
export const LAST_PORT = 29369;
/** Peers a block may call, found as command words. */
const PEERS = ["ffmpeg", "ffprobe", "rtmpdump"];
/** Fence languages that hold commands under a name this file does not run. */
export const REFUSED_LANGUAGES = new Set([
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
/** One fenced block of the README. */
export interface Block {
  /** The fence's language ("" when none). */
  language: string;
  /** The text between the fences. */
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Reads the fenced blocks of a Markdown text. */
export function fencedBlocks(markdown: string): Block[] {
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
export function withoutComments(text: string): string {
  return text.split("\n").map((line) => line.replace(/(^|\s)#.*$/, "")).join("\n");
}

/** Every `scheme://host:port` a block names, with its host and port. */
export function endpoints(text: string): { url: string; host: string; port: number }[] {
  const found = [];
  // `user:password@` (publish URLs with credentials) is not part of the host.
  const pattern = /\b[a-z]+:\/\/(?:[^\s/@'"]+@)?(\[[0-9a-f:]+\]|[\w.-]+)(?::(\d+))?/gi;
  for (const match of text.matchAll(pattern)) {
    found.push({ url: match[0], host: match[1], port: Number(match[2] ?? 0) });
  }
  return found;
}

/** The README ports a block uses, with the host it uses each on. */
export function blockPorts(block: Block): { host: string; port: number }[] {
  const ports = new Map<string, { host: string; port: number }>();
  for (const { host, port } of endpoints(block.text)) {
    if (port < FIRST_PORT || port > LAST_PORT) continue;
    const hostname = host.replace(/^\[|\]$/g, "");
    ports.set(`${hostname} ${port}`, { host: hostname, port });
  }
  return [...ports.values()];
}

/** Why a block breaks the conventions (loopback only, the README's ports), or undefined. */
export function conventionProblem(block: Block): string | undefined {
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

/** The files (relative paths) a block redirects output to: `> FILE`, `2> FILE`, `>> FILE`. */
export function redirectTargets(block: Block): string[] {
  const files = new Set<string>();
  for (const [, file] of withoutComments(block.text).matchAll(/\d?>>?\s*([\w.-][\w./-]*)/g)) {
    if (!file.startsWith("/") && !file.includes("..")) files.add(file);
  }
  return [...files];
}

/** The peers (ffmpeg, ffprobe, rtmpdump) a block's commands call; comments do not count. */
export function peersCalled(block: Block): string[] {
  const commands = withoutComments(block.text);
  return PEERS.filter((peer) =>
    new RegExp(`(^|[\\s|;&(])${peer}(?=$|[\\s|;&)])`, "m").test(commands)
  );
}
