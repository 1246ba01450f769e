import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { AmfObject } from "../../src/amf/types.ts";
import {
  ConnBuilder,
  encodeConnItems,
  Protocol,
  SETUP_URL_OPTIONS,
  setupUrl,
  setupUrlOptionUsage,
  UrlError,
} from "../../src/url.ts";

// "captured": rtmpdump -i 'SPEC' run against a fake server on 127.0.0.1:PORT that completes the
// handshake and prints the connect command's body (app, flashVer, tcUrl, swfUrl, pageUrl and
// the AMF after the command object).
// "library": RTMP_SetupURL in the installed librtmp.so.1 called from a small C program that
// prints the RTMP struct's fields (for values the connect command does not carry).

Deno.test("setupUrl builds tcUrl from app= with the URL's port, :0 when it has none", () => {
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19412/vod/x app=other'
  const withPort = setupUrl("rtmp://127.0.0.1:19412/vod/x app=other");
  assert.equal(withPort.app, "other");
  assert.equal(withPort.tcUrl, "rtmp://127.0.0.1:19412/other");
  // captured (listening on 1935): rtmpdump -i 'rtmp://127.0.0.1/vod/x app=other'
  const noPort = setupUrl("rtmp://127.0.0.1/vod/x app=other");
  assert.equal(noPort.tcUrl, "rtmp://127.0.0.1:0/other");
  assert.equal(noPort.port, 1935);
  // library: the scheme is written in lower case, the default port is applied afterwards
  const rtmpte = setupUrl("RTMPTE://h/a/x app=o");
  assert.deepEqual([rtmpte.tcUrl, rtmpte.port, rtmpte.protocol], [
    "rtmpte://h:0/o",
    80,
    Protocol.RTMPTE,
  ]);
});

Deno.test("setupUrl takes tcUrl from the URL up to the end of app", () => {
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19413/app?slist=x.flv&y=1 swfUrl=… PAGEURL=…'
  const slist = setupUrl(
    "rtmp://127.0.0.1:19413/app?slist=x.flv&y=1 swfUrl=http://a/b\\5cc.swf PAGEURL=p\\20q",
  );
  assert.equal(slist.tcUrl, "rtmp://127.0.0.1:19413/app?slist=x.flv&y=1");
  assert.equal(slist.app, "app?slist=x.flv&y=1");
  assert.equal(slist.playpath, "x.flv");
  assert.equal(slist.swfUrl, "http://a/b\\c.swf");
  assert.equal(slist.pageUrl, "p q");
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19414/vod/x tcUrl=' (empty counts as not given)
  assert.equal(setupUrl("rtmp://127.0.0.1:19414/vod/x tcUrl=").tcUrl, "rtmp://127.0.0.1:19414/vod");
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19415' (no app: the whole URL)
  const bare = setupUrl("rtmp://127.0.0.1:19415");
  assert.deepEqual([bare.tcUrl, bare.app, bare.playpath], ["rtmp://127.0.0.1:19415", "", ""]);
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19420/vod/x tcUrl=rtmp://elsewhere/app'
  assert.equal(
    setupUrl("rtmp://127.0.0.1:19420/vod/x tcUrl=rtmp://elsewhere/app").tcUrl,
    "rtmp://elsewhere/app",
  );
  // library: the scheme as typed, no port added
  assert.equal(setupUrl("RTMP://h/a/b/c/d").tcUrl, "RTMP://h/a/b/c");
  // library: "app=" (empty) also falls back to the whole URL
  assert.equal(setupUrl("rtmp://h/a/x app=").tcUrl, "rtmp://h/a/x");
});

Deno.test("setupUrl decodes backslash escapes and matches keys case-insensitively", () => {
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19418/vod/x flashVer=WIN\2011\2c0 FLASHVER=LNX\209'
  // sends flashVer "LNX 9": the later option wins.
  const setup = setupUrl("rtmp://127.0.0.1:19418/vod/x flashVer=WIN\\2011\\2c0 FLASHVER=LNX\\209");
  assert.equal(setup.flashVer, "LNX 9");
  assert.equal(setupUrl("rtmp://h/a/x flashver=WIN\\2011\\2c0").flashVer, "WIN 11,0");
  // without flashver= there is none (rtmpdump -i sends no flashVer)
  assert.equal(setupUrl("rtmp://h/a/x").flashVer, undefined);
  // library: \XX gives any byte, UTF-8 sequences become text
  assert.equal(setupUrl("rtmp://h/a/x pubPasswd=p\\3d\\c3\\a9").pubPasswd, "p=é");
  // a value may contain '=' and ':'
  assert.equal(setupUrl("rtmp://h/a/x pageUrl=http://x/?a=b").pageUrl, "http://x/?a=b");
});

Deno.test("setupUrl reads integers with strtol base 0 and keeps an int", () => {
  // library
  const setup = setupUrl(
    "rtmp://h/a/x timeout=010 buffer=0x10 start=-5 stop=12abc swfAge=99999999999",
  );
  assert.deepEqual(
    [setup.timeoutSec, setup.bufferMs, setup.startMs, setup.stopMs, setup.swfAge],
    [8, 16, -5, 12, 1215752191],
  );
  assert.equal(setupUrl("rtmp://h/a/x timeout=4294967297").timeoutSec, 1);
  assert.equal(setupUrl("rtmp://h/a/x buffer=99999999999999999999").bufferMs, -1);
  assert.equal(setupUrl("rtmp://h/a/x buffer=-0x").bufferMs, 0);
  // C reads on past an escape-shortened value: "\31\32" becomes "12" followed by the rest of
  // the original text, "1\32", so strtol sees "121\32".
  assert.equal(setupUrl("rtmp://h/a/x start=\\31\\32").startMs, 121);
  const none = setupUrl("rtmp://h/a/x");
  assert.deepEqual(
    [none.timeoutSec, none.bufferMs, none.startMs, none.stopMs, none.swfAge],
    [undefined, undefined, undefined, undefined, undefined],
  );
});

Deno.test("setupUrl booleans can be set but never cleared", () => {
  // library
  assert.equal(setupUrl("rtmp://h/a/x live=0").live, false);
  assert.equal(setupUrl("rtmp://h/a/x live=no").live, false);
  assert.equal(setupUrl("rtmp://h/a/x live=1 live=0").live, true);
  const words = setupUrl("rtmp://h/a/x live=YES playlist=On swfVfy=tRuE");
  assert.deepEqual([words.live, words.playlist, words.swfVfy], [true, true, true]);
  assert.equal(setupUrl("rtmp://h/a/x live=1x").live, false);
  // the escaped "1" is followed in C's buffer by the rest of the original text: "131"
  assert.equal(setupUrl("rtmp://h/a/x live=\\31").live, false);
  assert.deepEqual(
    [setupUrl("rtmp://h/a/x").live, setupUrl("rtmp://h/a/x").playlist],
    [false, false],
  );
});

Deno.test("setupUrl keeps explicit strings, even empty ones", () => {
  // library
  const setup = setupUrl(
    "rtmp://h/a/x playpath=a.flv token= subscribe=s jtv=j pubUser=u pubPasswd=p",
  );
  assert.equal(setup.playpath, "a.flv"); // verbatim, not normalised
  assert.equal(setup.token, "");
  assert.deepEqual([setup.subscribe, setup.jtv, setup.pubUser, setup.pubPasswd], [
    "s",
    "j",
    "u",
    "p",
  ]);
  assert.equal(setupUrl("rtmp://h/a/x.mp4").playpath, "mp4:x");
  assert.equal(setupUrl("rtmp://h/a/x").token, undefined);
});

Deno.test("setupUrl reads socks= as librtmp's SocksSetup", () => {
  // library (the log line is librtmp's DEBUG line)
  const setup = setupUrl("rtmp://h/a/x socks=proxy:1081");
  assert.deepEqual([setup.socks, setup.socksHost, setup.socksPort], ["proxy:1081", "proxy", 1081]);
  assert.deepEqual(setup.log.at(-1), {
    level: "DEBUG",
    message: "Connecting via SOCKS proxy: proxy:1081",
  });
  assert.equal(setupUrl("rtmp://h/a/x socks=proxy").socks, "proxy:1080");
  assert.equal(setupUrl("rtmp://h/a/x socks=p:70000").socksPort, 4464); // unsigned short
  assert.equal(setupUrl("rtmp://h/a/x socks=").socks, undefined);
  assert.equal(setupUrl("rtmp://h/a/x").socks, undefined);
});

Deno.test("setupUrl applies the default port of the scheme", () => {
  // library
  assert.equal(setupUrl("rtmps://h/a/x").port, 443);
  assert.equal(setupUrl("rtmpts://h/a/x").port, 443);
  assert.equal(setupUrl("rtmpt://h/a/x").port, 80);
  assert.equal(setupUrl("rtmpe://h/a/x").port, 1935);
  assert.equal(setupUrl("rtmfp://h/a/x").port, 1935);
  assert.equal(setupUrl("rtmp://h:99/a/x").port, 99);
});

Deno.test("setupUrl splits tokens the way librtmp does", () => {
  // rtmpdump -i 'rtmp://127.0.0.1:19421/vod/x  live=1' → "ERROR: Unknown option  live": the run
  // of spaces right after the URL is not skipped, so the key starts with a space.
  assert.throws(() => setupUrl("rtmp://h/vod/x  live=1"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.message, "Unknown option  live");
    return true;
  });
  // after a value, runs of spaces are skipped
  assert.equal(setupUrl("rtmp://h/vod/x live=1   playlist=1").playlist, true);
  // library: a key runs to the next '=', across spaces
  assert.throws(() => setupUrl("rtmp://h/a/x foo live=1"), /^UrlError: Unknown option foo live$/);
  // a token without '=' (and none after it) ends the options silently
  const stop = setupUrl("rtmp://h/a/x live=1 noequals");
  assert.equal(stop.live, true);
  assert.equal(setupUrl("rtmp://h/a/x live=1 ").live, true);
});

Deno.test("setupUrl fails on an unknown key with librtmp's option table in the log", () => {
  // rtmpdump -V -i 'rtmp://127.0.0.1:1/app/x foo=1'
  assert.throws(() => setupUrl("rtmp://127.0.0.1:1/app/x foo=1"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "unknown-option");
    assert.equal(e.message, "Unknown option foo");
    const errors = e.log.filter((line) => line.level === "ERROR").map((line) => line.message);
    assert.deepEqual(errors, ["Unknown option foo", ...setupUrlOptionUsage()]);
    assert.deepEqual(e.log.slice(0, 4).map((line) => line.message), [
      "Parsing...",
      "Parsed protocol: 0",
      "Parsed host    : 127.0.0.1",
      "Parsed app     : app",
    ]);
    return true;
  });
  assert.throws(() => setupUrl("rtmp://h/a/x =1"), /Unknown option $/);
});

Deno.test("setupUrlOptionUsage prints librtmp's table", () => {
  // rtmpdump -V -i 'rtmp://127.0.0.1:1/app/x foo=1' (each line is followed by an empty one)
  const lines = setupUrlOptionUsage();
  assert.equal(lines.length, 1 + SETUP_URL_OPTIONS.length);
  assert.deepEqual(lines.slice(0, 3), [
    "Valid RTMP options are:\n",
    "     socks string   Use the specified SOCKS proxy\n",
    "       app string   Name of target app on server\n",
  ]);
  assert.ok(lines.includes("  flashver string   Flash version string (default LNX 10,0,32,18)\n"));
  assert.ok(lines.includes("      conn AMF      Append arbitrary AMF data to Connect message\n"));
  assert.ok(lines.includes("    swfAge integer  Number of days to use cached SWF hash\n"));
  assert.equal(lines.at(-1), " pubPasswd string   Publisher password\n");
});

Deno.test("setupUrl fails on a truncated escape and on bad URLs", () => {
  // rtmpdump -i 'rtmp://127.0.0.1:19421/vod/x pageUrl=\4' exits 1 ("Couldn't parse URL")
  assert.throws(() => setupUrl("rtmp://h/vod/x pageUrl=\\4"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "bad-escape");
    return true;
  });
  assert.throws(() => setupUrl("rtmp://h/vod/x pageUrl=ab\\"), UrlError);
  assert.throws(() => setupUrl("host/app x=1"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "no-scheme");
    return true;
  });
});

Deno.test("setupUrl appends conn= items with the -C grammar", () => {
  // captured: rtmpdump -i 'rtmp://127.0.0.1:19419/vod/x conn=S:a\5cb conn=N:010 conn=B:0x1
  //   conn=Z:x' → 02 0003 "a\b" | 00 <10.0> | 01 00 | 05
  const setup = setupUrl("rtmp://h/vod/x conn=S:a\\5cb conn=N:010 conn=B:0x1 conn=Z:x");
  assert.deepEqual(setup.conn, ["a\\b", 10, false, null]);
  assert.deepEqual(
    encodeConnItems(setup.connItems),
    Uint8Array.from([
      0x02,
      0x00,
      0x03,
      0x61,
      0x5c,
      0x62,
      0x00,
      0x40,
      0x24,
      0,
      0,
      0,
      0,
      0,
      0,
      0x01,
      0x00,
      0x05,
    ]),
  );
  // rtmpdump -i 'rtmp://127.0.0.1:19421/vod/x conn=NS:a:b' → "Couldn't parse URL"
  assert.throws(() => setupUrl("rtmp://h/vod/x conn=NS:a:b"), (e: unknown) => {
    assert.ok(e instanceof UrlError);
    assert.equal(e.code, "bad-conn");
    return true;
  });
});

Deno.test("setupUrl continues the -C builder it is given", () => {
  // captured: rtmpdump -C O:1 -C NS:a:b -i 'rtmp://127.0.0.1:19416/vod/x conn=NO:o:1
  //   conn=NN:n:0x10 conn=O:0 conn=B:1' → the URL's items land inside the -C object, and the
  //   unnamed B:1 is written inside it without a name.
  const conn = new ConnBuilder();
  conn.add("O:1");
  conn.add("NS:a:b");
  const setup = setupUrl("rtmp://h/vod/x conn=NO:o:1 conn=NN:n:0x10 conn=O:0 conn=B:1", { conn });
  const expected = "030001610200016200016f0300016e0040300000000000000000090101000009";
  assert.equal(
    Array.from(encodeConnItems(setup.connItems), (b) => b.toString(16).padStart(2, "0")).join(""),
    expected,
  );
  assert.equal(conn.depth, 1);
  assert.deepEqual(
    setup.conn,
    [new AmfObject([["a", "b"], ["o", new AmfObject([["n", 16]])], ["", true]])],
  );
});

Deno.test("setupUrl reads bracketed IPv6 hosts (an extension)", () => {
  const setup = setupUrl("rtmp://[::1]/app/x");
  assert.deepEqual([setup.host, setup.port, setup.tcUrl], ["::1", 1935, "rtmp://[::1]/app"]);
  assert.equal(setupUrl("rtmp://[::1]/app/x app=o").tcUrl, "rtmp://[::1]:0/o");
  assert.throws(() => setupUrl("rtmp://[::1/app x=1"), UrlError);
});

Deno.test("setupUrl throws nothing but UrlError on random input", () => {
  const piece = fc.constantFrom(
    "rtmp://h/a/x",
    " ",
    "  ",
    "=",
    "\\",
    "\\4",
    "\\41",
    "\\zz",
    "live",
    "conn",
    "O:1",
    "NS:a:b",
    "socks",
    "tcUrl",
    "app",
    "timeout",
    "0x",
    ":",
    "é",
  );
  const spec = fc.oneof(
    fc.string(),
    fc.array(piece, { maxLength: 25 }).map((parts) => "rtmp://h/a/x " + parts.join("")),
  );
  fc.assert(
    fc.property(spec, (text) => {
      try {
        const setup = setupUrl(text);
        assert.ok(setup.port > 0 && setup.port <= 65535);
        assert.equal(typeof setup.tcUrl, "string");
      } catch (e) {
        if (!(e instanceof UrlError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("setupUrl reads back escaped values", () => {
  const escapeAll = (text: string) =>
    Array.from(new TextEncoder().encode(text), (b) => "\\" + b.toString(16).padStart(2, "0"))
      .join("");
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
      fc.pre(text.length > 0);
      assert.equal(setupUrl(`rtmp://h/a/x pageUrl=${escapeAll(text)}`).pageUrl, text);
    }),
  );
});
