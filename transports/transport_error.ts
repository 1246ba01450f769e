/**
 * Errors raised by transports, and the plain words for the network failures behind them. The
 * CLI maps `ConnectError` to rtmpdump's exit code 3.
 *
 * @module
 */

/** The transport could not be opened (DNS, refused, unreachable, proxy or TLS failure). */
export class ConnectError extends Error {
  /**
   * The system error name behind the failure when there is one ("ECONNREFUSED", "ENOTFOUND",
   * "ETIMEDOUT", …), whatever the runtime called it, so callers can map it (rtmpdump prints
   * errno numbers).
   */
  readonly code: string | undefined;

  /** Creates the error with a one-line message, an optional cause and a system error name. */
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options);
    this.name = "ConnectError";
    this.code = options?.code ?? systemErrorCode(options?.cause);
  }
}

/** No bytes arrived within the receive timeout (rtmpdump's `-m`). */
export class TimeoutError extends Error {
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Deno error class names and Node error codes, by the POSIX name they stand for. */
const CODE_ALIASES: Readonly<Record<string, string>> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  NotConnected: "ENOTCONN",
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  NetworkUnreachable: "ENETUNREACH",
  HostUnreachable: "EHOSTUNREACH",
  EAI_AGAIN: "ENOTFOUND",
  EAI_NONAME: "ENOTFOUND",
};

/** Plain words for the system errors users meet, by POSIX name. */
const PLAIN_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the peer",
  ECONNABORTED: "connection aborted",
  EPIPE: "the peer closed the connection",
  ETIMEDOUT: "timed out",
  EADDRINUSE: "the address is already in use",
  EADDRNOTAVAIL: "the address is not available on this machine",
  ENOTCONN: "not connected",
  ENOTFOUND: "host not found",
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "no route to host",
};

/**
 * The POSIX name of the system error behind `err` ("ECONNREFUSED", …), looking through
 * Deno's error classes, Node's `code` and the `(os error N)` suffix, or undefined.
 */
export function systemErrorCode(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string" && e.code !== "") return CODE_ALIASES[e.code] ?? e.code;
  if (typeof e.name === "string" && e.name in CODE_ALIASES) return CODE_ALIASES[e.name];
  const message = typeof e.message === "string" ? e.message : "";
  if (/failed to lookup address|Name or service not known|No address associated/i.test(message)) {
    return "ENOTFOUND";
  }
  const os = /\(os error (\d+)\)/.exec(message);
  if (os) return ERRNO_NAMES[Number(os[1])];
  if (e.cause !== undefined && e.cause !== err) return systemErrorCode(e.cause);
  return undefined;
}

/** Linux errno numbers of the names above. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  13: "EACCES",
  32: "EPIPE",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

/**
 * Says what went wrong in words a user reads: "connection refused", "host not found", … for a
 * known system error, else the error's first line with any "(os error N)" removed.
 */
export function describeNetworkError(err: unknown): string {
  const code = systemErrorCode(err);
  if (code !== undefined && code in PLAIN_WORDS) return PLAIN_WORDS[code];
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].replace(/\s*\(os error \d+\)/g, "").trim() || "unknown error";
}
