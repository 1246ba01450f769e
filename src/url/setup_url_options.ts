/**
 * librtmp's `RTMP_SetOpt` option table, which `key=value` options of a `-i` URL are matched
 * against (case-insensitively) and which librtmp prints when a key is unknown.
 *
 * @module
 */

/** How librtmp reads an option value. */
export type SetupUrlOptionType = "string" | "integer" | "boolean" | "AMF";

/** One row of librtmp's option table. */
export interface SetupUrlOption {
  /** The key, spelled as in librtmp's table. */
  readonly name: string;
  /** How the value is read. */
  readonly type: SetupUrlOptionType;
  /** librtmp's description. */
  readonly description: string;
}

/** librtmp's option table, in its order, with its descriptions. */
export const SETUP_URL_OPTIONS: readonly SetupUrlOption[] = [
  { name: "socks", type: "string", description: "Use the specified SOCKS proxy" },
  { name: "app", type: "string", description: "Name of target app on server" },
  { name: "tcUrl", type: "string", description: "URL to played stream" },
  { name: "pageUrl", type: "string", description: "URL of played media's web page" },
  { name: "swfUrl", type: "string", description: "URL to player SWF file" },
  {
    name: "flashver",
    type: "string",
    description: "Flash version string (default LNX 10,0,32,18)",
  },
  { name: "conn", type: "AMF", description: "Append arbitrary AMF data to Connect message" },
  { name: "playpath", type: "string", description: "Path to target media on server" },
  { name: "playlist", type: "boolean", description: "Set playlist before play command" },
  { name: "live", type: "boolean", description: "Stream is live, no seeking possible" },
  { name: "subscribe", type: "string", description: "Stream to subscribe to" },
  { name: "jtv", type: "string", description: "Justin.tv authentication token" },
  { name: "token", type: "string", description: "Key for SecureToken response" },
  { name: "swfVfy", type: "boolean", description: "Perform SWF Verification" },
  { name: "swfAge", type: "integer", description: "Number of days to use cached SWF hash" },
  { name: "start", type: "integer", description: "Stream start position in milliseconds" },
  { name: "stop", type: "integer", description: "Stream stop position in milliseconds" },
  { name: "buffer", type: "integer", description: "Buffer time in milliseconds" },
  { name: "timeout", type: "integer", description: "Session timeout in seconds" },
  { name: "pubUser", type: "string", description: "Publisher username" },
  { name: "pubPasswd", type: "string", description: "Publisher password" },
];

/** Right-aligns `text` in `width` columns, as printf `%Ns`. */
function padStart(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/**
 * The messages librtmp logs at ERROR level after "Unknown option X": a heading and one line per
 * option (`%10s %-7s  %s`). Each ends in "\n", so librtmp's logger prints a blank line after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setupUrlOptionUsage } from "./setup_url_options.ts";
 *
 * const lines = setupUrlOptionUsage();
 * assert.equal(lines[0], "Valid RTMP options are:\n");
 * assert.equal(lines[1], "     socks string   Use the specified SOCKS proxy\n");
 * ```
 */
export function setupUrlOptionUsage(): string[] {
  return [
    "Valid RTMP options are:\n",
    ...SETUP_URL_OPTIONS.map((option) =>
      `${padStart(option.name, 10)} ${option.type.padEnd(7)}  ${option.description}\n`
    ),
  ];
}
