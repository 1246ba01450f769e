/**
 * A small HTTP/1.1 message parser (RFC 9112) for the RTMPT tunnel (client and server) and the
 * HTTP CONNECT proxy dialer: request and status lines, headers (names compared
 * case-insensitively), bodies framed by Content-Length, by chunked transfer coding or by the end
 * of the connection (HTTP/1.0 replies), keep-alive versus `Connection: close`.
 *
 * It is sans-I/O: {@linkcode HttpDecoder.push} takes the bytes a read returned and gives back
 * events (a head, body pieces, the end of a message). Body pieces are views into the bytes
 * pushed, valid until the caller reuses them; nothing of the body is buffered.
 *
 * Hostile input meets hard limits (head size, header count, body size, chunk-size lines) and
 * every malformed or truncated message is an {@linkcode HttpParseError} with a one-line
 * message. Where RFC 9112 lets a recipient choose, this parser refuses: folded header lines,
 * white space before a header's colon, conflicting Content-Length values, a request with both
 * Content-Length and Transfer-Encoding, transfer codings other than chunked. It accepts a bare
 * LF as a line end, as the RFC allows.
 *
 * @module
 */

/** Limits of one decoder. */
export interface HttpLimits {
  /** Most bytes of a start line plus headers (and of a chunked body's trailers). Default 16 KiB. */
  maxHeadBytes?: number;
  /** Most header lines. Default 100. */
  maxHeaders?: number;
  /** Largest body, by Content-Length or by the sum of chunks. Default 64 MiB. */
  maxBodyBytes?: number;
}

/** Default limit on a message head. */
export const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
/** Default limit on the number of header lines. */
export const DEFAULT_MAX_HEADERS = 100;
/** Default limit on a body. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Longest chunk-size line (size, extensions) accepted in a chunked body. */
const MAX_CHUNK_LINE_BYTES = 1024;
/** Longest excerpt of bad input quoted in an error message. */
const MAX_QUOTED_CHARS = 40;

/** What went wrong, for callers that react differently (a truncated reply versus garbage). */
export type HttpParseErrorCode = "malformed" | "truncated" | "too-large" | "unsupported";

/** A malformed, truncated, oversized or unsupported HTTP message. */
export class HttpParseError extends Error {
  /** The kind of failure. */
  readonly code: HttpParseErrorCode;

  /** Creates the error with a one-line message. */
  constructor(message: string, code: HttpParseErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpParseError";
    this.code = code;
  }
}

/** Header fields in the order received; names compare case-insensitively. */
export class HttpHeaders {
  readonly #fields: [string, string][] = [];

  /** Adds a field (the name as written, the value without surrounding white space). */
  append(name: string, value: string): void {
    this.#fields.push([name, value]);
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.#fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  /** The values of `name` joined with ", " (RFC 9110 §5.3), or undefined when absent. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length === 0 ? undefined : all.join(", ");
  }

  /** Whether `name` is present. */
  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /** Whether the comma-separated list in `name` holds `token` (case-insensitive). */
  hasToken(name: string, token: string): boolean {
    const lower = token.toLowerCase();
    return this.getAll(name).some((v) =>
      v.split(",").some((t) => t.trim().toLowerCase() === lower)
    );
  }

  /** The fields as `[name, value]` pairs, in order. */
  entries(): [string, string][] {
    return this.#fields.map(([n, v]) => [n, v]);
  }

  /** Number of fields. */
  get size(): number {
    return this.#fields.length;
  }
}

/** How a message's body is delimited. */
export type HttpFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** What every message head has. */
interface HeadCommon {
  /** Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (higher minors are read as 1.1). */
  minorVersion: number;
  headers: HttpHeaders;
  /** How the body is delimited. */
  framing: HttpFraming;
  /** Whether the connection may carry another message after this one. */
  keepAlive: boolean;
}

/** A parsed request line and headers. */
export interface HttpRequestHead extends HeadCommon {
  kind: "request";
  method: string;
  /** The request target as sent ("/open/1", "host:443" for CONNECT). */
  target: string;
}

/** A parsed status line and headers. */
export interface HttpResponseHead extends HeadCommon {
  kind: "response";
  status: number;
  reason: string;
}

/** A request or response head. */
export type HttpHead = HttpRequestHead | HttpResponseHead;

/** One thing the decoder found. */
export type HttpEvent =
  | { type: "head"; head: HttpHead }
  /** Body bytes: a view into the pushed bytes, valid until the caller reuses them. */
  | { type: "body"; data: Uint8Array }
  | { type: "end" };

/** Which side's messages a decoder reads. */
export type HttpRole = "request" | "response";

/** Options of {@linkcode readHead} for a response. */
export interface ReadHeadOptions extends HttpLimits {
  /**
   * The method of the request a response answers: HEAD means no body, and a 2xx answer to
   * CONNECT has none either (the connection becomes a tunnel).
   */
  requestMethod?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// deno-lint-ignore no-control-regex -- refusing control characters is the point
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const latin1 = new TextDecoder("latin1");

/** Printable excerpt of bad input for an error message. */
function quote(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(
    printable.length > MAX_QUOTED_CHARS ? `${printable.slice(0, MAX_QUOTED_CHARS)}…` : printable,
  );
}

/** Index just past the empty line that ends a head starting at `from`, or -1. */
function findHeadEnd(bytes: Uint8Array, from = 0): number {
  let i = bytes.indexOf(LF, from);
  while (i >= 0) {
    // The line before this LF is empty when the previous line ended right before it.
    if (i === from) return i + 1;
    if (bytes[i - 1] === LF) return i + 1;
    if (bytes[i - 1] === CR && (i - 1 === from || bytes[i - 2] === LF)) return i + 1;
    i = bytes.indexOf(LF, i + 1);
  }
  return -1;
}

/**
 * Parses one head at the start of `bytes`. Returns the head and its length in bytes, or
 * undefined when the head is not complete yet. Throws {@linkcode HttpParseError} for a
 * malformed head or one longer than the limit (also while it is still incomplete).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHead } from "./http1.ts";
 *
 * const bytes = new TextEncoder().encode("HTTP/1.0 200 Connection established\r\n\r\nRTMP");
 * const parsed = readHead(bytes, "response", { requestMethod: "CONNECT" });
 * assert.equal(parsed?.head.kind === "response" && parsed.head.status, 200);
 * assert.equal(parsed?.length, 39); // what follows belongs to the tunnel
 * ```
 */
export function readHead(
  bytes: Uint8Array,
  role: HttpRole,
  options: ReadHeadOptions = {},
): { head: HttpHead; length: number } | undefined {
  const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  const end = findHeadEnd(bytes);
  if (end < 0) {
    if (bytes.length > maxHead) throw tooLargeHead(role, maxHead);
    if (bytes.length > 0) checkStart(bytes, role);
    return undefined;
  }
  if (end > maxHead) throw tooLargeHead(role, maxHead);
  const lines = latin1.decode(bytes.subarray(0, end)).split("\n").map((l) =>
    l.endsWith("\r") ? l.slice(0, -1) : l
  );
  lines.length -= 2; // the empty line and what follows its LF
  const head = parseLines(lines, role, options);
  return { head, length: end };
}

function tooLargeHead(role: HttpRole, limit: number): HttpParseError {
  return new HttpParseError(
    `Cannot parse HTTP ${role}: the head is longer than ${limit} bytes`,
    "too-large",
  );
}

/** Refuses early what cannot become a head, so garbage fails before the size limit. */
function checkStart(bytes: Uint8Array, role: HttpRole): void {
  const start = latin1.decode(bytes.subarray(0, 8));
  const major = /^HTTP\/(\d)/.exec(start)?.[1];
  if (major !== undefined && major !== "1") throw unsupportedVersion(role, major);
  if (role === "response") {
    if (!"HTTP/1.".startsWith(start.slice(0, 7))) {
      throw new HttpParseError(
        `Cannot parse HTTP response: it does not start with HTTP/1.x (${quote(start)})`,
        "malformed",
      );
    }
  } else if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]*( |$)/.test(start)) {
    throw new HttpParseError(
      `Cannot parse HTTP request: it does not start with a method (${quote(start)})`,
      "malformed",
    );
  }
}

function parseVersion(text: string, role: HttpRole, line: string): number {
  const match = /^HTTP\/(\d)\.(\d)$/.exec(text);
  if (match === null) {
    throw new HttpParseError(
      `Cannot parse HTTP ${role}: ${quote(line)} is not an HTTP/1.x ${
        role === "request" ? "request" : "status"
      } line`,
      "malformed",
    );
  }
  if (match[1] !== "1") throw unsupportedVersion(role, match[1]);
  return Number(match[2]);
}

function unsupportedVersion(role: HttpRole, major: string): HttpParseError {
  return new HttpParseError(
    `Cannot parse HTTP ${role}: HTTP/${major} is not supported`,
    "unsupported",
  );
}

function parseLines(lines: string[], role: HttpRole, options: ReadHeadOptions): HttpHead {
  const first = lines[0];
  const headers = new HttpHeaders();
  const maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  if (lines.length - 1 > maxHeaders) {
    throw new HttpParseError(
      `Cannot parse HTTP ${role}: more than ${maxHeaders} header lines`,
      "too-large",
    );
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith(" ") || line.startsWith("\t")) {
      throw new HttpParseError(
        `Cannot parse HTTP ${role}: folded header line ${quote(line)} is not accepted`,
        "malformed",
      );
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) {
      throw new HttpParseError(
        `Cannot parse HTTP ${role}: bad header line ${quote(line)}`,
        "malformed",
      );
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (BAD_VALUE.test(value)) {
      throw new HttpParseError(
        `Cannot parse HTTP ${role}: control character in header ${name}`,
        "malformed",
      );
    }
    headers.append(name, value);
  }
  if (role === "request") {
    const parts = first.split(" ");
    if (parts.length !== 3 || !TOKEN.test(parts[0]) || parts[1] === "") {
      throw new HttpParseError(
        `Cannot parse HTTP request: ${quote(first)} is not a request line`,
        "malformed",
      );
    }
    const minorVersion = parseVersion(parts[2], role, first);
    const framing = requestFraming(headers);
    return {
      kind: "request",
      method: parts[0],
      target: parts[1],
      minorVersion,
      headers,
      framing,
      keepAlive: keepAlive(minorVersion, headers),
    };
  }
  const match = /^(\S+) (\d{3})(?: (.*))?$/.exec(first);
  if (match === null) {
    // Tell garbage from a version we do not speak.
    if (/^HTTP\/\d\.\d /.test(first)) parseVersion(first.slice(0, 8), role, first);
    throw new HttpParseError(
      `Cannot parse HTTP response: ${quote(first)} is not a status line`,
      "malformed",
    );
  }
  const minorVersion = parseVersion(match[1], role, first);
  const status = Number(match[2]);
  if (status < 100) {
    throw new HttpParseError(`Cannot parse HTTP response: bad status ${match[2]}`, "malformed");
  }
  const framing = responseFraming(status, headers, options.requestMethod);
  return {
    kind: "response",
    status,
    reason: match[3] ?? "",
    minorVersion,
    headers,
    framing,
    keepAlive: framing.kind !== "close" && keepAlive(minorVersion, headers),
  };
}

function keepAlive(minorVersion: number, headers: HttpHeaders): boolean {
  if (headers.hasToken("connection", "close")) return false;
  return minorVersion >= 1 || headers.hasToken("connection", "keep-alive");
}

function contentLength(headers: HttpHeaders, role: HttpRole): number | undefined {
  const values = headers.getAll("content-length").flatMap((v) => v.split(",")).map((v) => v.trim());
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (!/^\d{1,15}$/.test(v)) {
      throw new HttpParseError(
        `Cannot parse HTTP ${role}: bad Content-Length ${quote(v)}`,
        "malformed",
      );
    }
  }
  if (values.some((v) => Number(v) !== Number(values[0]))) {
    throw new HttpParseError(
      `Cannot parse HTTP ${role}: conflicting Content-Length values`,
      "malformed",
    );
  }
  return Number(values[0]);
}

/** True for chunked; throws for any other transfer coding. */
function isChunked(headers: HttpHeaders, role: HttpRole): boolean {
  const codings = headers.getAll("transfer-encoding").flatMap((v) => v.split(",")).map((v) =>
    v.trim().toLowerCase()
  ).filter((v) => v !== "");
  if (codings.length === 0) return false;
  if (codings.length === 1 && codings[0] === "chunked") return true;
  throw new HttpParseError(
    `Cannot parse HTTP ${role}: transfer coding ${quote(codings.join(", "))} is not supported`,
    "unsupported",
  );
}

function requestFraming(headers: HttpHeaders): HttpFraming {
  const chunked = isChunked(headers, "request");
  const length = contentLength(headers, "request");
  if (chunked && length !== undefined) {
    throw new HttpParseError(
      "Cannot parse HTTP request: both Content-Length and Transfer-Encoding",
      "malformed",
    );
  }
  if (chunked) return { kind: "chunked" };
  return length ? { kind: "length", length } : { kind: "none" };
}

function responseFraming(
  status: number,
  headers: HttpHeaders,
  requestMethod: string | undefined,
): HttpFraming {
  const method = requestMethod?.toUpperCase();
  if (status < 200 || status === 204 || status === 304 || method === "HEAD") {
    return { kind: "none" };
  }
  if (method === "CONNECT" && status < 300) return { kind: "none" };
  if (isChunked(headers, "response")) return { kind: "chunked" };
  const length = contentLength(headers, "response");
  if (length === undefined) return { kind: "close" };
  return length ? { kind: "length", length } : { kind: "none" };
}

type State =
  | "head"
  | "length-body"
  | "close-body"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-end"
  | "trailers"
  | "failed";

/**
 * Reads a stream of requests (a server) or responses (a client) from one connection. Push the
 * bytes of each read; call {@linkcode HttpDecoder.end} when the peer closed. Interim 1xx
 * responses (100 Continue, …) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpDecoder } from "./http1.ts";
 *
 * const decoder = new HttpDecoder("response");
 * const events = decoder.push(
 *   new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\x01ab"),
 * );
 * assert.deepEqual(events.map((e) => e.type), ["head", "body", "end"]);
 * ```
 */
export class HttpDecoder {
  readonly #role: HttpRole;
  readonly #limits: Required<HttpLimits>;
  #state: State = "head";
  /** Bytes of an incomplete head, chunk-size line or trailer section. */
  #partial: Uint8Array = new Uint8Array(0);
  /** Body bytes (or bytes of the current chunk) still to come. */
  #remaining = 0;
  /** Body bytes of the current message so far. */
  #bodyBytes = 0;
  #failure: HttpParseError | undefined;
  #requestMethods: string[] = [];

  /** Creates a decoder for `role` messages with `limits`. */
  constructor(role: HttpRole, limits: HttpLimits = {}) {
    this.#role = role;
    this.#limits = {
      maxHeadBytes: limits.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES,
      maxHeaders: limits.maxHeaders ?? DEFAULT_MAX_HEADERS,
      maxBodyBytes: limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    };
  }

  /**
   * Response decoders: says which method the next unanswered request used (call once per
   * request sent, in order), so responses to HEAD and CONNECT are framed right.
   */
  expectResponseTo(method: string): void {
    this.#requestMethods.push(method);
  }

  /** True when no message is partly read (a peer may close here without truncating one). */
  get idle(): boolean {
    return this.#state === "head" && this.#partial.length === 0;
  }

  /**
   * Parses `data` and returns what it completed, in order. Throws {@linkcode HttpParseError}
   * for malformed input or a limit exceeded; the decoder then refuses further input.
   */
  push(data: Uint8Array): HttpEvent[] {
    if (this.#failure) throw this.#failure;
    const events: HttpEvent[] = [];
    try {
      this.#parse(data, events);
    } catch (err) {
      if (err instanceof HttpParseError) {
        this.#state = "failed";
        this.#failure = err;
      }
      throw err;
    }
    return events;
  }

  /**
   * The peer closed the connection. Returns the end of a body that runs to the close, nothing
   * between messages, and throws {@linkcode HttpParseError} (code "truncated") when a message
   * was cut short.
   */
  end(): HttpEvent[] {
    if (this.#failure) throw this.#failure;
    const what = this.#role;
    switch (this.#state) {
      case "close-body":
        this.#state = "head";
        return [{ type: "end" }];
      case "head":
        if (this.#partial.length === 0) return [];
        throw this.#fail(
          `Cannot parse HTTP ${what}: the connection closed in the middle of the head`,
          "truncated",
        );
      case "length-body":
        throw this.#fail(
          `Cannot parse HTTP ${what}: the connection closed after ${this.#bodyBytes} of ${
            this.#bodyBytes + this.#remaining
          } body bytes`,
          "truncated",
        );
      default:
        throw this.#fail(
          `Cannot parse HTTP ${what}: the connection closed inside a chunked body`,
          "truncated",
        );
    }
  }

  #fail(message: string, code: HttpParseErrorCode): HttpParseError {
    this.#state = "failed";
    this.#failure = new HttpParseError(message, code);
    return this.#failure;
  }

  /** Joins the partial bytes kept from the last push with `data`. */
  #withPartial(data: Uint8Array): Uint8Array {
    if (this.#partial.length === 0) return data;
    const joined = new Uint8Array(this.#partial.length + data.length);
    joined.set(this.#partial);
    joined.set(data, this.#partial.length);
    this.#partial = new Uint8Array(0);
    return joined;
  }

  #parse(input: Uint8Array, events: HttpEvent[]): void {
    let data = input;
    while (data.length > 0) {
      switch (this.#state) {
        case "head": {
          if (this.#partial.length === 0) {
            // Empty lines between messages are ignored (RFC 9112 §2.2).
            let skip = 0;
            while (skip < data.length && (data[skip] === CR || data[skip] === LF)) skip++;
            data = data.subarray(skip);
            if (data.length === 0) return;
          }
          const bytes = this.#withPartial(data);
          const method = this.#role === "response" ? this.#requestMethods[0] : undefined;
          const parsed = readHead(bytes, this.#role, { ...this.#limits, requestMethod: method });
          if (parsed === undefined) {
            this.#partial = bytes.slice();
            return;
          }
          data = bytes.subarray(parsed.length);
          const head = parsed.head;
          if (head.kind === "response" && head.status < 200) {
            if (head.status === 101) {
              throw new HttpParseError(
                "Cannot parse HTTP response: switching protocols (101) was not asked for",
                "unsupported",
              );
            }
            continue; // an interim response: the final one follows
          }
          if (head.kind === "response") this.#requestMethods.shift();
          this.#startBody(head, events);
          break;
        }
        case "length-body":
        case "close-body": {
          const n = this.#state === "close-body"
            ? data.length
            : Math.min(this.#remaining, data.length);
          this.#countBody(n);
          events.push({ type: "body", data: data.subarray(0, n) });
          data = data.subarray(n);
          if (this.#state === "length-body") {
            this.#remaining -= n;
            if (this.#remaining === 0) this.#endMessage(events);
          }
          break;
        }
        case "chunk-size": {
          const bytes = this.#withPartial(data);
          const lf = bytes.indexOf(LF);
          if (lf < 0) {
            if (bytes.length > MAX_CHUNK_LINE_BYTES) {
              throw this.#badChunk("chunk-size line too long");
            }
            this.#partial = bytes.slice();
            return;
          }
          if (lf > MAX_CHUNK_LINE_BYTES) throw this.#badChunk("chunk-size line too long");
          const line = latin1.decode(bytes.subarray(0, lf)).replace(/\r$/, "");
          data = bytes.subarray(lf + 1);
          const match = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
          if (match === null) throw this.#badChunk(`bad chunk size ${quote(line)}`);
          const size = parseInt(match[1], 16);
          if (size === 0) {
            this.#state = "trailers";
          } else {
            if (this.#bodyBytes + size > this.#limits.maxBodyBytes) this.#countBody(size);
            this.#remaining = size;
            this.#state = "chunk-data";
          }
          break;
        }
        case "chunk-data": {
          const n = Math.min(this.#remaining, data.length);
          this.#countBody(n);
          events.push({ type: "body", data: data.subarray(0, n) });
          data = data.subarray(n);
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = "chunk-data-end";
          break;
        }
        case "chunk-data-end": {
          const bytes = this.#withPartial(data);
          if (bytes[0] === LF) {
            data = bytes.subarray(1);
          } else if (bytes[0] === CR) {
            if (bytes.length < 2) {
              this.#partial = bytes.slice();
              return;
            }
            if (bytes[1] !== LF) throw this.#badChunk("chunk data not followed by CRLF");
            data = bytes.subarray(2);
          } else {
            throw this.#badChunk("chunk data not followed by CRLF");
          }
          this.#state = "chunk-size";
          break;
        }
        case "trailers": {
          const bytes = this.#withPartial(data);
          const end = findHeadEnd(bytes);
          if (end < 0) {
            if (bytes.length > this.#limits.maxHeadBytes) {
              throw this.#badChunk(`trailers longer than ${this.#limits.maxHeadBytes} bytes`);
            }
            this.#partial = bytes.slice();
            return;
          }
          data = bytes.subarray(end);
          this.#endMessage(events);
          break;
        }
        case "failed":
          throw this.#failure!;
      }
    }
  }

  #badChunk(detail: string): HttpParseError {
    return new HttpParseError(`Cannot parse HTTP ${this.#role}: ${detail}`, "malformed");
  }

  #countBody(n: number): void {
    this.#bodyBytes += n;
    if (this.#bodyBytes > this.#limits.maxBodyBytes) {
      throw new HttpParseError(
        `Cannot parse HTTP ${this.#role}: the body is longer than ${this.#limits.maxBodyBytes} bytes`,
        "too-large",
      );
    }
  }

  #startBody(head: HttpHead, events: HttpEvent[]): void {
    events.push({ type: "head", head });
    this.#bodyBytes = 0;
    switch (head.framing.kind) {
      case "none":
        this.#endMessage(events);
        return;
      case "length":
        if (head.framing.length > this.#limits.maxBodyBytes) this.#countBody(head.framing.length);
        this.#remaining = head.framing.length;
        this.#state = "length-body";
        return;
      case "chunked":
        this.#state = "chunk-size";
        return;
      case "close":
        this.#state = "close-body";
        return;
    }
  }

  #endMessage(events: HttpEvent[]): void {
    events.push({ type: "end" });
    this.#state = "head";
    this.#remaining = 0;
  }
}

const encoder = new TextEncoder();

function checkField(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new TypeError(`Cannot write HTTP header: bad name ${quote(name)}`);
  if (BAD_VALUE.test(value)) {
    throw new TypeError(`Cannot write HTTP header ${name}: control character in the value`);
  }
}

function encodeHead(first: string, headers: readonly (readonly [string, string])[]): Uint8Array {
  let text = `${first}\r\n`;
  for (const [name, value] of headers) {
    checkField(name, value);
    text += `${name}: ${value}\r\n`;
  }
  return encoder.encode(`${text}\r\n`);
}

/**
 * Writes a request head: the request line, the headers in the order given, the empty line.
 * Throws `TypeError` for a method, target or header that would break the message.
 */
export function encodeRequestHead(
  method: string,
  target: string,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  if (!TOKEN.test(method)) {
    throw new TypeError(`Cannot write HTTP request: bad method ${quote(method)}`);
  }
  if (!/^[\x21-\x7e]+$/.test(target)) {
    throw new TypeError(`Cannot write HTTP request: bad target ${quote(target)}`);
  }
  return encodeHead(`${method} ${target} HTTP/1.1`, headers);
}

/**
 * Writes an HTTP/1.1 response head: the status line, the headers in the order given, the empty
 * line. Throws `TypeError` for a status or header that would break the message.
 */
export function encodeResponseHead(
  status: number,
  reason: string,
  headers: readonly (readonly [string, string])[],
): Uint8Array {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new TypeError(`Cannot write HTTP response: bad status ${status}`);
  }
  if (BAD_VALUE.test(reason)) throw new TypeError("Cannot write HTTP response: bad reason phrase");
  return encodeHead(`HTTP/1.1 ${status} ${reason}`, headers);
}
