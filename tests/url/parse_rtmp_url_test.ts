import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { parseRtmpUrl, Protocol, UrlError } from "../../src/url.ts";

/** One URL and what librtmp's RTMP_ParseURL makes of it. */
interface UrlCase {
  url: string;
  protocol?: number;
  host: string;
  port: number;
  app: string;
  playpath: string;
  warnings?: string[];
}

// Every row was checked against the Debian binary (rtmpdump 2.4+20151223.gitfa8646d.1-2) with
//   rtmpdump -V -r 'URL' -o /dev/null
// (nothing listening on 127.0.0.1:1), reading the "Parsed host", "Parsed app", "Playpath :" and
// WARNING lines. Rows marked [facts] are the [verified] examples of librtmp-facts.md §2.2.
const CASES: UrlCase[] = [
  // [facts] three path segments before the playpath; .mp3 → mp3: prefix
  {
    url: "rtmp://127.0.0.1:1/a/b/c/d/e.mp3",
    host: "127.0.0.1",
    port: 1,
    app: "a/b/c",
    playpath: "mp3:d/e",
  },
  // [facts] the query string is kept after the stripped extension
  {
    url: "rtmp://127.0.0.1:1/app/inst/path/stream.mp4?tok=1",
    host: "127.0.0.1",
    port: 1,
    app: "app/inst/path",
    playpath: "mp4:stream?tok=1",
  },
  // [facts] two segments
  {
    url: "rtmp://127.0.0.1/app/inst/stream",
    host: "127.0.0.1",
    port: 0,
    app: "app/inst",
    playpath: "stream",
  },
  // more than four segments: app keeps three, the rest is the playpath
  {
    url: "rtmp://127.0.0.1:1/a/b/c/d/e/f.flv",
    host: "127.0.0.1",
    port: 1,
    app: "a/b/c",
    playpath: "d/e/f",
  },
  // .flv is stripped from a URL playpath
  {
    url: "rtmp://127.0.0.1/app/stream.flv",
    host: "127.0.0.1",
    port: 0,
    app: "app",
    playpath: "stream",
  },
  // [facts] ?slist=: the whole remainder is the app, the playpath is the slist value up to '&'
  {
    url: "rtmp://127.0.0.1:1/app?slist=mp4:dir/file.f4v&x=1",
    host: "127.0.0.1",
    port: 1,
    app: "app?slist=mp4:dir/file.f4v&x=1",
    playpath: "mp4:dir/file.f4v",
  },
  // an slist value keeps .flv
  {
    url: "rtmp://127.0.0.1:1/app?slist=clip.flv",
    host: "127.0.0.1",
    port: 1,
    app: "app?slist=clip.flv",
    playpath: "clip.flv",
  },
  // ondemand/…: app is "ondemand", everything after is the playpath
  {
    url: "rtmp://127.0.0.1:1/ondemand/a/b/c/clip.mp4",
    host: "127.0.0.1",
    port: 1,
    app: "ondemand",
    playpath: "mp4:a/b/c/clip",
  },
  // [facts] extensions are compared case-sensitively
  {
    url: "rtmp://127.0.0.1:1/vod/x.F4V",
    host: "127.0.0.1",
    port: 1,
    app: "vod",
    playpath: "x.F4V",
  },
  // [facts] %XX is decoded
  {
    url: "rtmp://127.0.0.1:1/vod/my%20file.flv",
    host: "127.0.0.1",
    port: 1,
    app: "vod",
    playpath: "my file",
  },
  // an existing mp4: prefix keeps the extension
  {
    url: "rtmp://127.0.0.1:1/vod/mp4:clip.mp4",
    host: "127.0.0.1",
    port: 1,
    app: "vod",
    playpath: "mp4:clip.mp4",
  },
  // the extension is the 4 characters before the first '?', whatever the query holds
  {
    url: "rtmp://127.0.0.1:1/vod/clip.mp3?x=a.flv",
    host: "127.0.0.1",
    port: 1,
    app: "vod",
    playpath: "mp3:clip?x=a.flv",
  },
  // slist= without a leading '?' in the playpath: the extension test looks before the playpath
  {
    url: "rtmp://127.0.0.1:1/slist=.mp4?abcd",
    host: "127.0.0.1",
    port: 1,
    app: "slist=.mp4?abcd",
    playpath: "mp4:?abcd",
  },
  // a '?' in the host: the playpath starts back at it and is read from slist=
  {
    url: "rtmp://127.0.0.1?/app/slist=stream.mp4",
    host: "127.0.0.1?",
    port: 0,
    app: "app/slist=stream.mp4",
    playpath: "mp4:stream",
  },
  // [facts] unknown scheme: warning, then plain RTMP
  {
    url: "foo://127.0.0.1:1/app/x",
    protocol: Protocol.RTMP,
    host: "127.0.0.1",
    port: 1,
    app: "app",
    playpath: "x",
    warnings: ["Unknown protocol!\n"],
  },
  {
    url: "RTMPE://127.0.0.1/vod/clip",
    protocol: Protocol.RTMPE,
    host: "127.0.0.1",
    port: 0,
    app: "vod",
    playpath: "clip",
  },
  // port above 65535: warning, port 0 (rtmpdump then prints "Port     : 1935")
  {
    url: "rtmp://127.0.0.1:70000/app/x",
    host: "127.0.0.1",
    port: 0,
    app: "app",
    playpath: "x",
    warnings: ["Invalid port number!"],
  },
  // atoi keeps the low 32 bits: 4294969231 = 2^32 + 1935
  {
    url: "rtmp://127.0.0.1:4294969231/app/x",
    host: "127.0.0.1",
    port: 1935,
    app: "app",
    playpath: "x",
  },
  // a second ':' is ignored (atoi stops there)
  {
    url: "rtmp://127.0.0.1:1935:99/app/x",
    host: "127.0.0.1",
    port: 1935,
    app: "app",
    playpath: "x",
  },
  // [facts] no IPv6 in librtmp: "[::1]" would give host "["; ours is the extension below
];

// Confirmed with the C function itself (RTMP_ParseURL in the installed librtmp.so.1, through a
// small C program), for outcomes rtmpdump's output does not show directly.
const LIBRARY_CASES: UrlCase[] = [
  { url: "rtmp://127.0.0.1:abc/app/x", host: "127.0.0.1", port: 0, app: "app", playpath: "x" },
  {
    url: "rtmp://127.0.0.1:-1/app/x",
    host: "127.0.0.1",
    port: 0,
    app: "app",
    playpath: "x",
    warnings: ["Invalid port number!"],
  },
  {
    url: "rtmp://127.0.0.1",
    host: "127.0.0.1",
    port: 0,
    app: "",
    playpath: "",
    warnings: ["No application or playpath in URL!"],
  },
  { url: "rtmp://127.0.0.1/app", host: "127.0.0.1", port: 0, app: "app", playpath: "" },
  { url: "rtmp://127.0.0.1/app/", host: "127.0.0.1", port: 0, app: "app", playpath: "" },
  { url: "rtmp://127.0.0.1/app?x=1", host: "127.0.0.1", port: 0, app: "app?x=1", playpath: "" },
  {
    url: `rtmp://${"x".repeat(256)}/app/x`,
    host: "",
    port: 0,
    app: "app",
    playpath: "x",
    warnings: ["Hostname exceeds 255 characters!"],
  },
  {
    url: `rtmp://${"x".repeat(255)}/app/x`,
    host: "x".repeat(255),
    port: 0,
    app: "app",
    playpath: "x",
  },
  // UTF-8 bytes from %XX escapes become text again
  {
    url: "rtmp://127.0.0.1/vod/%C3%A9t%C3%A9.mp4",
    host: "127.0.0.1",
    port: 0,
    app: "vod",
    playpath: "mp4:été",
  },
  { url: "rtmpt://h/a/x", protocol: Protocol.RTMPT, host: "h", port: 0, app: "a", playpath: "x" },
  { url: "rtmpte://h/a/x", protocol: Protocol.RTMPTE, host: "h", port: 0, app: "a", playpath: "x" },
  { url: "rtmps://h/a/x", protocol: Protocol.RTMPS, host: "h", port: 0, app: "a", playpath: "x" },
  { url: "RtmpTs://h/a/x", protocol: Protocol.RTMPTS, host: "h", port: 0, app: "a", playpath: "x" },
  { url: "rtmfp://h/a/x", protocol: Protocol.RTMFP, host: "h", port: 0, app: "a", playpath: "x" },
];

for (const c of [...CASES, ...LIBRARY_CASES]) {
  Deno.test(`parseRtmpUrl splits ${c.url.length > 60 ? c.url.slice(0, 60) + "…" : c.url}`, () => {
    const parsed = parseRtmpUrl(c.url);
    assert.deepEqual(
      {
        protocol: parsed.protocol,
        host: parsed.host,
        port: parsed.port,
        app: parsed.app,
        playpath: parsed.playpath,
        warnings: parsed.warnings,
      },
      {
        protocol: c.protocol ?? Protocol.RTMP,
        host: c.host,
        port: c.port,
        app: c.app,
        playpath: c.playpath,
        warnings: c.warnings ?? [],
      },
    );
  });
}

Deno.test("parseRtmpUrl logs librtmp's DEBUG lines in order", () => {
  // rtmpdump -V -r 'foo://127.0.0.1:1/app/x' -o /dev/null
  assert.deepEqual(parseRtmpUrl("foo://127.0.0.1:1/app/x").log, [
    { level: "DEBUG", message: "Parsing..." },
    { level: "WARNING", message: "Unknown protocol!\n" },
    { level: "DEBUG", message: "Parsed host    : 127.0.0.1" },
    { level: "DEBUG", message: "Parsed app     : app" },
  ]);
  // rtmpdump -V -r 'rtmp://127.0.0.1:70000/app/x' -o /dev/null
  assert.deepEqual(parseRtmpUrl("rtmp://127.0.0.1:70000/app/x").log, [
    { level: "DEBUG", message: "Parsing..." },
    { level: "DEBUG", message: "Parsed protocol: 0" },
    { level: "DEBUG", message: "Parsed host    : 127.0.0.1" },
    { level: "WARNING", message: "Invalid port number!" },
    { level: "DEBUG", message: "Parsed app     : app" },
  ]);
});

Deno.test("parseRtmpUrl keeps the scheme as typed and reports where app ends", () => {
  const url = "RTMPE://host:99/app/inst/x.mp4";
  const parsed = parseRtmpUrl(url);
  assert.equal(parsed.scheme, "RTMPE");
  assert.equal(url.slice(0, parsed.appEnd), "RTMPE://host:99/app/inst");
  // slist: the app (and so the derived tcUrl) includes the query
  const slist = "rtmp://h/app?slist=a&b=1";
  assert.equal(slist.slice(0, parseRtmpUrl(slist).appEnd), slist);
  assert.equal(parseRtmpUrl("rtmp://h:1935").appEnd, -1);
  // positions count UTF-16 units, though librtmp counts bytes
  const text = "rtmp://hé/äpp/x";
  assert.equal(text.slice(0, parseRtmpUrl(text).appEnd), "rtmp://hé/äpp");
});

Deno.test("parseRtmpUrl fails where librtmp fails", () => {
  // rtmpdump -V -r '127.0.0.1/app/x': "ERROR: RTMP URL: No :// in url!"
  assert.throws(() => parseRtmpUrl("127.0.0.1/app/x"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "no-scheme");
    assert.equal(e.message, "RTMP URL: No :// in url!");
    assert.deepEqual(e.log.at(-1), { level: "ERROR", message: "RTMP URL: No :// in url!" });
    return true;
  });
  // rtmpdump -V -r 'rtmp://': "WARNING: No hostname in URL!"
  assert.throws(() => parseRtmpUrl("rtmp://"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "no-host");
    assert.deepEqual(e.log.at(-1), { level: "WARNING", message: "No hostname in URL!" });
    return true;
  });
  // an unknown scheme warns before the failure
  assert.throws(() => parseRtmpUrl("x://"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.deepEqual(e.log.map((l) => l.message), [
      "Parsing...",
      "Unknown protocol!\n",
      "No hostname in URL!",
    ]);
    return true;
  });
  // C sees the string up to its first NUL
  assert.throws(() => parseRtmpUrl("rtmp://\0host/app/x"), UrlError);
  assert.equal(parseRtmpUrl("rtmp://h/app/x\0y").playpath, "x");
});

Deno.test("parseRtmpUrl reads bracketed IPv6 hosts (an extension)", () => {
  const withPort = parseRtmpUrl("rtmp://[::1]:1935/app/x");
  assert.deepEqual([withPort.host, withPort.port, withPort.app, withPort.playpath], [
    "::1",
    1935,
    "app",
    "x",
  ]);
  const noPort = parseRtmpUrl("rtmp://[2001:db8::1]/app/x");
  assert.deepEqual([noPort.host, noPort.port, noPort.app], ["2001:db8::1", 0, "app"]);
  assert.equal(parseRtmpUrl("rtmp://[::ffff:192.0.2.1]").host, "::ffff:192.0.2.1");
  assert.equal(parseRtmpUrl("rtmp://[fe80::1%25eth0]:1/a/b").host, "fe80::1%eth0");
  assert.deepEqual(parseRtmpUrl("rtmp://[::1]/app/x").log[2], {
    level: "DEBUG",
    message: "Parsed host    : ::1",
  });
  for (
    const bad of [
      "rtmp://[::1/app",
      "rtmp://[::1",
      "rtmp://[]/a/b",
      "rtmp://[host]/a/b",
      "rtmp://[::1]x/a/b",
      "rtmp://[::1]?/a",
    ]
  ) {
    assert.throws(
      () => parseRtmpUrl(bad),
      (e: unknown) => e instanceof UrlError && e.code === "bad-ipv6",
      bad,
    );
  }
});

Deno.test("parseRtmpUrl throws nothing but UrlError on random input", () => {
  const piece = fc.constantFrom(
    "rtmp://",
    "://",
    ":",
    "/",
    "?",
    "slist=",
    "&",
    "%",
    "%4",
    "%zz",
    "[",
    "]",
    ".mp4",
    ".flv",
    "mp4:",
    "ondemand/",
    "é",
    "\0",
    "a",
    "1",
  );
  const url = fc.oneof(
    fc.string(),
    fc.array(piece, { maxLength: 20 }).map((parts) => parts.join("")),
  );
  fc.assert(
    fc.property(url, (text) => {
      try {
        const parsed = parseRtmpUrl(text);
        assert.ok(parsed.port >= 0 && parsed.port <= 65535);
        assert.ok(parsed.warnings.every((w) => typeof w === "string"));
      } catch (e) {
        if (!(e instanceof UrlError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("parseRtmpUrl gives app and playpath back for simple URLs", () => {
  const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
  fc.assert(
    fc.property(
      segment,
      fc.integer({ min: 1, max: 65535 }),
      fc.array(segment, { minLength: 1, maxLength: 3 }),
      segment,
      (host, port, appParts, stream) => {
        fc.pre(appParts[0] !== "ondemand");
        const parsed = parseRtmpUrl(`rtmp://${host}:${port}/${appParts.join("/")}/${stream}`);
        assert.deepEqual([parsed.host, parsed.port, parsed.app, parsed.playpath], [
          host,
          port,
          appParts.join("/"),
          stream,
        ]);
      },
    ),
  );
});
