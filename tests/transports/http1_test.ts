import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  encodeRequestHead,
  encodeResponseHead,
  HttpDecoder,
  type HttpEvent,
  type HttpFraming,
  type HttpLimits,
  HttpParseError,
  type HttpRole,
  readHead,
} from "../../transports/http1.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** What a decoded message looks like in the tables: its head in short and its whole body. */
interface Message {
  line: string;
  headers?: [string, string][];
  framing: HttpFraming["kind"];
  keepAlive: boolean;
  body: string;
}

/** Feeds `bytes` in pieces cut at `cuts`, then the end; returns the messages. */
function decode(
  role: HttpRole,
  bytes: Uint8Array,
  cuts: number[] = [],
  limits: HttpLimits = {},
  close = true,
): Message[] {
  const decoder = new HttpDecoder(role, limits);
  const events: HttpEvent[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)]) {
    // The decoder may keep views only until the next push: hand it a copy we then destroy.
    const piece = bytes.slice(at, cut);
    events.push(...summarise(decoder.push(piece)));
    piece.fill(0xee);
    at = cut;
  }
  events.push(...summarise(decoder.push(bytes.slice(at))));
  if (close) events.push(...decoder.end());
  return toMessages(events);
}

/** Copies body views out of the events (they are only valid until the next push). */
function summarise(events: HttpEvent[]): HttpEvent[] {
  return events.map((e) => e.type === "body" ? { type: "body", data: e.data.slice() } : e);
}

function toMessages(events: HttpEvent[]): Message[] {
  const out: Message[] = [];
  let current: Message | undefined;
  for (const e of events) {
    if (e.type === "head") {
      const h = e.head;
      current = {
        line: h.kind === "request"
          ? `${h.method} ${h.target} HTTP/1.${h.minorVersion}`
          : `HTTP/1.${h.minorVersion} ${h.status} ${h.reason}`,
        headers: h.headers.entries(),
        framing: h.framing.kind,
        keepAlive: h.keepAlive,
        body: "",
      };
    } else if (e.type === "body") {
      current!.body += dec.decode(e.data);
    } else {
      out.push(current!);
      current = undefined;
    }
  }
  assert(current === undefined, "a message was left open");
  return out;
}

/** Every way of feeding a fixture that the tests try: whole, byte by byte, random splits. */
function feedings(length: number, seed: number): number[][] {
  const byByte = Array.from({ length }, (_, i) => i);
  const random: number[][] = [];
  let x = seed || 1;
  for (let r = 0; r < 20; r++) {
    const cuts: number[] = [];
    for (let i = 0; i < 4; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      cuts.push((x >>> 0) % (length + 1));
    }
    random.push(cuts);
  }
  return [[], byByte, ...random];
}

// ---------------------------------------------------------------------------------------------
// Golden table: responses the tunnel and the CONNECT dialer meet, and requests the listener reads

interface GoldenCase {
  name: string;
  role: HttpRole;
  input: string;
  messages: Message[];
}

const GOLDEN: GoldenCase[] = [
  {
    name: "an RTMPT open reply as FMS sends it",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nContent-Length: 9\r\n" +
      "Connection: Keep-Alive\r\nContent-Type: application/x-fcs\r\n\r\n12345678\n",
    messages: [{
      line: "HTTP/1.1 200 OK",
      headers: [
        ["Cache-Control", "no-cache"],
        ["Content-Length", "9"],
        ["Connection", "Keep-Alive"],
        ["Content-Type", "application/x-fcs"],
      ],
      framing: "length",
      keepAlive: true,
      body: "12345678\n",
    }],
  },
  {
    name: "two keep-alive replies back to back, names in any case",
    role: "response",
    input: "HTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\n\r\n\x01A" +
      "HTTP/1.1 200 \r\nCONTENT-length:1\r\n\r\n\x05",
    messages: [
      {
        line: "HTTP/1.1 200 OK",
        headers: [["content-LENGTH", "2"]],
        framing: "length",
        keepAlive: true,
        body: "\x01A",
      },
      {
        line: "HTTP/1.1 200 ",
        headers: [["CONTENT-length", "1"]],
        framing: "length",
        keepAlive: true,
        body: "\x05",
      },
    ],
  },
  {
    name: "Connection: close ends keep-alive",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n\x01",
    messages: [{
      line: "HTTP/1.1 200 OK",
      headers: [["Connection", "close"], ["Content-Length", "1"]],
      framing: "length",
      keepAlive: false,
      body: "\x01",
    }],
  },
  {
    name: "an HTTP/1.0 reply without a length runs to the close",
    role: "response",
    input: "HTTP/1.0 200 OK\r\nContent-Type: application/x-fcs\r\n\r\n\x01hello",
    messages: [{
      line: "HTTP/1.0 200 OK",
      headers: [["Content-Type", "application/x-fcs"]],
      framing: "close",
      keepAlive: false,
      body: "\x01hello",
    }],
  },
  {
    name: "HTTP/1.0 with Connection: keep-alive and a length stays open",
    role: "response",
    input: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx",
    messages: [{
      line: "HTTP/1.0 200 OK",
      headers: [["Connection", "Keep-Alive"], ["Content-Length", "1"]],
      framing: "length",
      keepAlive: true,
      body: "x",
    }],
  },
  {
    name: "a chunked body with an extension and a trailer",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "3;name=value\r\n\x01ab\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
    messages: [{
      line: "HTTP/1.1 200 OK",
      headers: [["Transfer-Encoding", "chunked"]],
      framing: "chunked",
      keepAlive: true,
      body: "\x01ab0123456789",
    }],
  },
  {
    name: "chunked wins over Content-Length in a response",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: Chunked\r\n\r\n" +
      "1\r\nz\r\n0\r\n\r\n",
    messages: [{
      line: "HTTP/1.1 200 OK",
      headers: [["Content-Length", "100"], ["Transfer-Encoding", "Chunked"]],
      framing: "chunked",
      keepAlive: true,
      body: "z",
    }],
  },
  {
    name: "100 Continue is skipped, LF-only lines are read",
    role: "response",
    input: "HTTP/1.1 100 Continue\n\nHTTP/1.1 404 Not Found\nContent-Length: 0\n\n",
    messages: [{
      line: "HTTP/1.1 404 Not Found",
      headers: [["Content-Length", "0"]],
      framing: "none",
      keepAlive: true,
      body: "",
    }],
  },
  {
    name: "204 has no body whatever it says",
    role: "response",
    input: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    messages: [{
      line: "HTTP/1.1 204 No Content",
      headers: [["Content-Length", "5"]],
      framing: "none",
      keepAlive: true,
      body: "",
    }],
  },
  {
    name: "librtmp's requests: open, then send pipelined behind idle",
    role: "request",
    input: "POST /open/1 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nAccept: */*\r\n" +
      "User-Agent: Shockwave Flash\r\nConnection: Keep-Alive\r\nCache-Control: no-cache\r\n" +
      "Content-type: application/x-fcs\r\nContent-length: 1\r\n\r\n\x00" +
      "POST /idle/abc/3 HTTP/1.1\r\nContent-length: 1\r\n\r\n\x00" +
      "POST /send/abc/4 HTTP/1.1\r\nContent-length: 3\r\n\r\nabc",
    messages: [
      {
        line: "POST /open/1 HTTP/1.1",
        headers: [
          ["Host", "127.0.0.1:80"],
          ["Accept", "*/*"],
          ["User-Agent", "Shockwave Flash"],
          ["Connection", "Keep-Alive"],
          ["Cache-Control", "no-cache"],
          ["Content-type", "application/x-fcs"],
          ["Content-length", "1"],
        ],
        framing: "length",
        keepAlive: true,
        body: "\x00",
      },
      {
        line: "POST /idle/abc/3 HTTP/1.1",
        headers: [["Content-length", "1"]],
        framing: "length",
        keepAlive: true,
        body: "\x00",
      },
      {
        line: "POST /send/abc/4 HTTP/1.1",
        headers: [["Content-length", "3"]],
        framing: "length",
        keepAlive: true,
        body: "abc",
      },
    ],
  },
  {
    name: "a chunked request and an empty line before the next request",
    role: "request",
    input: "POST /send/x/0 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
      "\r\nGET / HTTP/1.0\r\n\r\n",
    messages: [
      {
        line: "POST /send/x/0 HTTP/1.1",
        headers: [["Transfer-Encoding", "chunked"]],
        framing: "chunked",
        keepAlive: true,
        body: "hi",
      },
      { line: "GET / HTTP/1.0", headers: [], framing: "none", keepAlive: false, body: "" },
    ],
  },
  {
    name: "header values are trimmed, repeated fields kept in order",
    role: "request",
    input: "CONNECT h:1935 HTTP/1.1\r\nHost:   h:1935  \r\nX-A: 1\r\nx-a: 2\r\n\r\n",
    messages: [{
      line: "CONNECT h:1935 HTTP/1.1",
      headers: [["Host", "h:1935"], ["X-A", "1"], ["x-a", "2"]],
      framing: "none",
      keepAlive: true,
      body: "",
    }],
  },
];

for (const c of GOLDEN) {
  Deno.test(`HttpDecoder reads ${c.name}, whole, byte by byte and at random splits`, () => {
    const bytes = enc.encode(c.input);
    // latin1 text: one byte per character, so the fixture is exactly its characters.
    assertEquals(bytes.length, c.input.length);
    for (const cuts of feedings(bytes.length, c.input.length)) {
      assertEquals(decode(c.role, bytes, cuts), c.messages, `cuts ${cuts.join(",")}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Bad input: each one typed error with a one-line message

interface BadCase {
  name: string;
  role: HttpRole;
  input: string;
  code: HttpParseError["code"];
  message: RegExp;
  limits?: HttpLimits;
  /** The error comes from end() (the peer closed), not from push(). */
  atEnd?: boolean;
}

const BAD: BadCase[] = [
  {
    name: "not HTTP at all",
    role: "response",
    input: "SSH-2.0-OpenSSH_9.2\r\n",
    code: "malformed",
    // Fed byte by byte, the first byte is already enough to refuse it.
    message: /^Cannot parse HTTP response: it does not start with HTTP\/1\.x \("S/,
  },
  {
    name: "garbage bytes before the head is complete",
    role: "response",
    input: "\x16\x03\x01\x02\x00\x01",
    code: "malformed",
    message: /does not start with HTTP\/1\.x \("\?+"\)$/,
  },
  {
    name: "HTTP/2",
    role: "response",
    input: "HTTP/2.0 200 OK\r\n\r\n",
    code: "unsupported",
    message: /^Cannot parse HTTP response: HTTP\/2 is not supported$/,
  },
  {
    name: "a status that is not three digits",
    role: "response",
    input: "HTTP/1.1 20 OK\r\n\r\n",
    code: "malformed",
    message: /"HTTP\/1\.1 20 OK" is not a status line/,
  },
  {
    name: "a folded header line",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\nContent-Length: 0\r\n\r\n",
    code: "malformed",
    message: /folded header line " {2}continued" is not accepted/,
  },
  {
    name: "white space before the colon",
    role: "request",
    input: "POST /open/1 HTTP/1.1\r\nContent-Length : 1\r\n\r\n\x00",
    code: "malformed",
    message: /bad header line "Content-Length : 1"/,
  },
  {
    name: "a header line without a colon",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n",
    code: "malformed",
    message: /bad header line "nonsense"/,
  },
  {
    name: "a negative Content-Length",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    code: "malformed",
    message: /bad Content-Length "-1"/,
  },
  {
    name: "conflicting Content-Length values",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    code: "malformed",
    message: /conflicting Content-Length values/,
  },
  {
    name: "a request with both Content-Length and chunked",
    role: "request",
    input: "POST /send/a/0 HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    code: "malformed",
    message: /both Content-Length and Transfer-Encoding/,
  },
  {
    name: "a transfer coding other than chunked",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    code: "unsupported",
    message: /transfer coding "gzip, chunked" is not supported/,
  },
  {
    name: "a bad chunk size",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    code: "malformed",
    message: /bad chunk size "zz"/,
  },
  {
    name: "chunk data longer than its size",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
    code: "malformed",
    message: /chunk data not followed by CRLF/,
  },
  {
    name: "101 Switching Protocols",
    role: "response",
    input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    code: "unsupported",
    message: /switching protocols \(101\) was not asked for/,
  },
  {
    name: "a head over the limit, still incomplete",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nX-Pad: " + "a".repeat(200),
    code: "too-large",
    message: /^Cannot parse HTTP response: the head is longer than 128 bytes$/,
    limits: { maxHeadBytes: 128 },
  },
  {
    name: "too many header lines",
    role: "request",
    input: "POST / HTTP/1.1\r\n" + "A: 1\r\n".repeat(5) + "\r\n",
    code: "too-large",
    message: /more than 4 header lines/,
    limits: { maxHeaders: 4 },
  },
  {
    name: "a Content-Length over the body limit",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
    code: "too-large",
    message: /the body is longer than 999 bytes/,
    limits: { maxBodyBytes: 999 },
  },
  {
    name: "chunks adding up over the body limit",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n",
    code: "too-large",
    message: /the body is longer than 10 bytes/,
    limits: { maxBodyBytes: 10 },
  },
  {
    name: "a reply cut inside the head",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Le",
    code: "truncated",
    message: /^Cannot parse HTTP response: the connection closed in the middle of the head$/,
    atEnd: true,
  },
  {
    name: "a reply cut inside its body",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n\x01abc",
    code: "truncated",
    message: /^Cannot parse HTTP response: the connection closed after 4 of 10 body bytes$/,
    atEnd: true,
  },
  {
    name: "a reply cut inside a chunked body",
    role: "response",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    code: "truncated",
    message: /closed inside a chunked body/,
    atEnd: true,
  },
  {
    name: "a request line with two spaces",
    role: "request",
    input: "POST  /open/1 HTTP/1.1\r\n\r\n",
    code: "malformed",
    message: /"POST {2}\/open\/1 HTTP\/1\.1" is not a request line/,
  },
];

for (const c of BAD) {
  Deno.test(`HttpDecoder refuses ${c.name} with one line, however it is fed`, () => {
    const bytes = enc.encode(c.input);
    for (const cuts of feedings(bytes.length, c.input.length + 7)) {
      let error: unknown;
      try {
        decode(c.role, bytes, cuts, c.limits);
      } catch (err) {
        error = err;
      }
      assert(error instanceof HttpParseError, `cuts ${cuts}: ${error}`);
      assertEquals(error.code, c.code, error.message);
      assert(c.message.test(error.message), `${error.message} (cuts ${cuts})`);
      assert(!error.message.includes("\n"), "one line");
    }
    if (c.atEnd) {
      // The same bytes without the close are simply incomplete.
      new HttpDecoder(c.role, c.limits).push(bytes);
    }
  });
}

Deno.test("HttpDecoder refuses more input after an error", () => {
  const decoder = new HttpDecoder("response");
  throws(() => decoder.push(enc.encode("XYZ 200 OK\r\n\r\n")), HttpParseError);
  throws(() => decoder.push(enc.encode("HTTP/1.1 200 OK\r\n\r\n")), HttpParseError);
  throws(() => decoder.end(), HttpParseError);
});

Deno.test("HttpDecoder: a close between messages is not a truncation", () => {
  const decoder = new HttpDecoder("response");
  assert(decoder.idle);
  decoder.push(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"));
  assert(!decoder.idle);
  decoder.push(enc.encode("x"));
  assert(decoder.idle);
  assertEquals(decoder.end(), []);
});

Deno.test("HttpDecoder frames a reply to HEAD and a 2xx reply to CONNECT without a body", () => {
  const decoder = new HttpDecoder("response");
  decoder.expectResponseTo("HEAD");
  decoder.expectResponseTo("POST");
  const events = decoder.push(
    enc.encode(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab",
    ),
  );
  assertEquals(events.map((e) => e.type), ["head", "end", "head", "body", "end"]);
  const connect = readHead(
    enc.encode("HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n"),
    "response",
    { requestMethod: "CONNECT" },
  );
  assertEquals(connect?.head.framing, { kind: "none" });
  const refused = readHead(
    enc.encode("HTTP/1.0 403 Access violation\r\nContent-Length: 3\r\n\r\n"),
    "response",
    { requestMethod: "CONNECT" },
  );
  assertEquals(refused?.head.framing, { kind: "length", length: 3 });
});

Deno.test("readHead returns undefined until the empty line and the head's exact length", () => {
  const text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab";
  const bytes = enc.encode(text);
  const end = text.indexOf("\r\n\r\n") + 4;
  for (let n = 0; n < end; n++) {
    assertEquals(readHead(bytes.subarray(0, n), "response"), undefined, `${n} bytes`);
  }
  assertEquals(readHead(bytes, "response")?.length, end);
});

Deno.test("encodeRequestHead writes the header order given and refuses CR/LF injection", () => {
  const head = encodeRequestHead("POST", "/send/abc/0", [
    ["Host", "127.0.0.1:80"],
    ["Content-length", "3"],
  ]);
  assertEquals(
    dec.decode(head),
    "POST /send/abc/0 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nContent-length: 3\r\n\r\n",
  );
  throws(() => encodeRequestHead("POST", "/a b", []), TypeError);
  throws(() => encodeRequestHead("POST", "/", [["X", "a\r\nEvil: 1"]]), TypeError);
  throws(() => encodeRequestHead("PO ST", "/", []), TypeError);
  throws(() => encodeResponseHead(200, "OK\r\n", []), TypeError);
  assertEquals(
    dec.decode(encodeResponseHead(404, "Not Found", [["Content-Length", "0"]])),
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
  );
});

// ---------------------------------------------------------------------------------------------
// Properties

const tokenArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) =>
  !["content-length", "transfer-encoding", "connection"].includes(n.toLowerCase())
);
const valueArb = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/);
const bodyArb = fc.uint8Array({ maxLength: 3000 });

/** One response as a model and as bytes (Content-Length or chunked at random chunk sizes). */
const responseArb = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  reason: fc.constantFrom("OK", "Not Found", "", "Whatever it says"),
  headers: fc.array(fc.tuple(tokenArb, valueArb), { maxLength: 8 }),
  body: bodyArb,
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }),
  close: fc.boolean(),
});

/** A response the property test builds. */
interface ResponseModel {
  status: number;
  reason: string;
  headers: [string, string][];
  body: Uint8Array;
  chunked: boolean;
  chunkSizes: number[];
  close: boolean;
}

function encodeResponse(r: ResponseModel): Uint8Array {
  const headers: [string, string][] = [...r.headers];
  if (r.close) headers.push(["Connection", "close"]);
  headers.push(
    r.chunked ? ["Transfer-Encoding", "chunked"] : ["Content-Length", `${r.body.length}`],
  );
  const parts: Uint8Array[] = [encodeResponseHead(r.status, r.reason, headers)];
  if (!r.chunked) parts.push(r.body);
  else {
    let at = 0;
    let i = 0;
    while (at < r.body.length) {
      const size = Math.min(r.chunkSizes[i++ % r.chunkSizes.length], r.body.length - at);
      parts.push(enc.encode(`${size.toString(16)}\r\n`), r.body.subarray(at, at + size));
      parts.push(enc.encode("\r\n"));
      at += size;
    }
    parts.push(enc.encode("0\r\n\r\n"));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

Deno.test("HttpDecoder property: any sequence of responses decodes to itself at any split", () => {
  fc.assert(
    fc.property(
      fc.array(responseArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (responses, rawCuts) => {
        const encoded = responses.map(encodeResponse);
        const total = encoded.reduce((n, p) => n + p.length, 0);
        const bytes = new Uint8Array(total);
        let off = 0;
        for (const p of encoded) {
          bytes.set(p, off);
          off += p.length;
        }
        const messages = decode("response", bytes, rawCuts.map((c) => c % (total + 1)));
        assertEquals(messages.length, responses.length);
        messages.forEach((m, i) => {
          const r = responses[i];
          assertEquals(m.line, `HTTP/1.1 ${r.status} ${r.reason}`);
          assertEquals(m.body, dec.decode(r.body));
          assertEquals(m.keepAlive, !r.close);
          assertEquals(m.framing, r.chunked ? "chunked" : r.body.length ? "length" : "none");
          assertEquals(m.headers!.slice(0, r.headers.length), r.headers);
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("HttpDecoder property: arbitrary bytes end in events or HttpParseError, never anything else", () => {
  const prefixes = [
    "",
    "HTTP/1.1 200 OK\r\n",
    "POST /send/a/1 HTTP/1.1\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...prefixes),
      fc.uint8Array({ maxLength: 400 }),
      fc.constantFrom<HttpRole>("request", "response"),
      fc.array(fc.nat(), { maxLength: 6 }),
      (prefix, tail, role, cuts) => {
        const head = enc.encode(prefix);
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        try {
          decode(role, bytes, cuts.map((c) => c % (bytes.length + 1)), { maxHeadBytes: 256 });
        } catch (err) {
          if (!(err instanceof HttpParseError)) throw err;
          assert(!err.message.includes("\n"), "one line");
        }
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("HttpDecoder property: a head never grows past its limit, however slowly it comes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 64, max: 2048 }),
      fc.integer({ min: 1, max: 50 }),
      (limit, step) => {
        const decoder = new HttpDecoder("request", { maxHeadBytes: limit });
        const line = enc.encode("X-Pad: " + "p".repeat(step) + "\r\n");
        let fed = 0;
        try {
          decoder.push(enc.encode("POST / HTTP/1.1\r\n"));
          fed += 17;
          while (fed <= limit + line.length) {
            decoder.push(line);
            fed += line.length;
          }
        } catch (err) {
          assert(err instanceof HttpParseError && err.code === "too-large", String(err));
          assert(fed <= limit + line.length, `accepted ${fed} bytes with a limit of ${limit}`);
          return;
        }
        throw new Error(`no error after ${fed} bytes with a limit of ${limit}`);
      },
    ),
    { numRuns: 100 },
  );
});
