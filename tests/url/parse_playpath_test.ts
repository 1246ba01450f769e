import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { parsePlaypath } from "../../src/url.ts";

// Expected values from RTMP_ParsePlaypath in the installed librtmp.so.1 (called from a small C
// program); the URL forms were also run through `rtmpdump -V -r 'rtmp://127.0.0.1:1/vod/PATH'`,
// whose "Playpath :" line shows the same result.
const CASES: [string, string][] = [
  ["clip.mp4", "mp4:clip"],
  ["clip.f4v", "mp4:clip"],
  ["clip.mp3", "mp3:clip"],
  ["clip.flv", "clip"],
  ["clip", "clip"],
  ["clip.MP4", "clip.MP4"], // case-sensitive
  ["x.F4V", "x.F4V"],
  ["mp4:clip.mp4", "mp4:clip.mp4"], // prefix present: extension kept
  ["mp3:clip.mp3", "mp3:clip.mp3"],
  ["mp4:clip.flv", "mp4:clip"], // .flv is stripped whatever the prefix
  ["dir/clip.mp4?token=1", "mp4:dir/clip?token=1"],
  ["clip.mp4?a=b.mp3", "mp4:clip?a=b.mp3"], // only the 4 characters before the first '?'
  ["clip?x.mp4", "clip?x.mp4"],
  ["my%20file.flv", "my file"],
  ["%41%42", "AB"],
  ["%4", "\x04"], // one hex digit converts; the escape still consumes 3 characters
  ["a%-1", "a\ufffd"], // sscanf %02x takes a sign: -1 → byte 0xff, not UTF-8
  ["%C3%A9.mp3", "mp3:é"], // decoded bytes are UTF-8
  ["?slist=mp4:a/b.f4v&c=1", "mp4:a/b.f4v"],
  ["?slist=a.flv", "a.flv"], // slist values keep .flv
  ["?slist=a.mp4", "mp4:a"],
  ["?x=1", "?x=1"],
  ["mp4", "mp4"],
  ["", ""],
];

for (const [path, expected] of CASES) {
  Deno.test(`parsePlaypath turns ${JSON.stringify(path)} into ${JSON.stringify(expected)}`, () => {
    assert.equal(parsePlaypath(path), expected);
  });
}

/** Percent-encodes every UTF-8 byte of `text`. */
function percentEncodeAll(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => "%" + b.toString(16).padStart(2, "0"))
    .join("");
}

Deno.test("parsePlaypath decodes what every-byte percent-encoding encodes", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
      assert.equal(parsePlaypath(percentEncodeAll(text)), text);
    }),
  );
});

Deno.test("parsePlaypath leaves names without '%', '?' or an extension alone", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[^%?\0]{0,30}$/), (text) => {
      fc.pre(!/\.(mp4|f4v|mp3|flv)$/.test(text));
      assert.equal(parsePlaypath(text), text);
    }),
  );
});

Deno.test("parsePlaypath never throws on random input", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      assert.equal(typeof parsePlaypath(text), "string");
    }),
  );
});
