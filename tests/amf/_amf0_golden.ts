// deno-fmt-ignore-file
/**
 * AMF0 golden byte tables, shared by the encoder and decoder tests. `encode: true` means the
 * encoder must produce exactly these bytes from `values`; every entry must decode to `values`.
 *
 * @module
 */

import { AmfDate, type AmfValue, AmfXml } from "../../src/amf/mod.ts";
import { amfObject, ascii, ecmaArray } from "./_amf_assert.ts";

/** One golden: values and their exact bytes. */
export interface Golden {
  /** What the entry shows. */
  name: string;
  /** The decoded values, in order. */
  values: AmfValue[];
  /** The wire bytes. */
  bytes: number[];
  /** Whether the encoder produces exactly these bytes (false: decode only). */
  encode: boolean;
}

const shared = amfObject([["a", 1]]);

/** AMF0 goldens covering every marker 0x00..0x11 that is a value. */
export const AMF0_GOLDEN: Golden[] = [
  {
    name: "number 0",
    values: [0],
    bytes: [
      0x00, // marker: number
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // double 0.0
    ],
    encode: true,
  },
  {
    name: "number 1.5",
    values: [1.5],
    bytes: [
      0x00, // marker: number
      0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // double 1.5
    ],
    encode: true,
  },
  {
    name: "number -1000 (live play start)",
    values: [-1000],
    bytes: [
      0x00, // marker: number
      0xc0, 0x8f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, // double -1000.0
    ],
    encode: true,
  },
  {
    name: "boolean true and false",
    values: [true, false],
    bytes: [
      0x01, // marker: boolean
      0x01, // true
      0x01, // marker: boolean
      0x00, // false
    ],
    encode: true,
  },
  {
    name: "boolean any nonzero byte is true",
    values: [true],
    bytes: [
      0x01, // marker: boolean
      0x7f, // nonzero
    ],
    encode: false,
  },
  {
    name: "empty string",
    values: [""],
    bytes: [
      0x02, // marker: string
      0x00, 0x00, // length 0
    ],
    encode: true,
  },
  {
    name: "string connect",
    values: ["connect"],
    bytes: [
      0x02, // marker: string
      0x00, 0x07, // length 7
      ...ascii("connect"),
    ],
    encode: true,
  },
  {
    name: "string with multibyte UTF-8",
    values: ["é€😀"],
    bytes: [
      0x02, // marker: string
      0x00, 0x09, // length 9 bytes (2 + 3 + 4), not 4 UTF-16 units
      0xc3, 0xa9, // é
      0xe2, 0x82, 0xac, // €
      0xf0, 0x9f, 0x98, 0x80, // 😀
    ],
    encode: true,
  },
  {
    name: "string keeps a leading byte order mark",
    values: ["\ufeffx"],
    bytes: [
      0x02, // marker: string
      0x00, 0x04, // length 4
      0xef, 0xbb, 0xbf, // U+FEFF
      0x78, // x
    ],
    encode: true,
  },
  {
    name: "invalid UTF-8 decodes to U+FFFD",
    values: ["a\ufffd"],
    bytes: [
      0x02, // marker: string
      0x00, 0x02, // length 2
      0x61, // a
      0xff, // not UTF-8
    ],
    encode: false,
  },
  {
    name: "object",
    values: [amfObject([["app", "live"], ["n", 2]])],
    bytes: [
      0x03, // marker: object
      0x00, 0x03, ...ascii("app"), // name "app"
      0x02, 0x00, 0x04, ...ascii("live"), // string "live"
      0x00, 0x01, ...ascii("n"), // name "n"
      0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 2.0
      0x00, 0x00, 0x09, // empty name + object end
    ],
    encode: true,
  },
  {
    name: "empty object",
    values: [amfObject([])],
    bytes: [
      0x03, // marker: object
      0x00, 0x00, 0x09, // empty name + object end
    ],
    encode: true,
  },
  {
    name: "object with an empty property name",
    values: [amfObject([["", null]])],
    bytes: [
      0x03, // marker: object
      0x00, 0x00, // name "" (not followed by 0x09, so a property)
      0x05, // null
      0x00, 0x00, 0x09, // object end
    ],
    encode: true,
  },
  {
    name: "object with integer-like names keeps wire order",
    values: [amfObject([["b", 1], ["2", 2], ["1", 3]])],
    bytes: [
      0x03, // marker: object
      0x00, 0x01, ...ascii("b"), 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, // b: 1
      0x00, 0x01, ...ascii("2"), 0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0, // "2": 2
      0x00, 0x01, ...ascii("1"), 0x00, 0x40, 0x08, 0, 0, 0, 0, 0, 0, // "1": 3
      0x00, 0x00, 0x09, // object end
    ],
    encode: true,
  },
  {
    name: "null",
    values: [null],
    bytes: [
      0x05, // marker: null
    ],
    encode: true,
  },
  {
    name: "undefined",
    values: [undefined],
    bytes: [
      0x06, // marker: undefined
    ],
    encode: true,
  },
  {
    name: "reference to an earlier object",
    values: [shared, shared],
    bytes: [
      0x03, // marker: object (reference index 0)
      0x00, 0x01, ...ascii("a"), 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, // a: 1
      0x00, 0x00, 0x09, // object end
      0x07, // marker: reference
      0x00, 0x00, // index 0
    ],
    encode: false,
  },
  {
    name: "ECMA array",
    values: [ecmaArray([["duration", 10]])],
    bytes: [
      0x08, // marker: ECMA array
      0x00, 0x00, 0x00, 0x01, // count 1
      0x00, 0x08, ...ascii("duration"), // name "duration"
      0x00, 0x40, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 10.0
      0x00, 0x00, 0x09, // object end
    ],
    encode: true,
  },
  {
    name: "ECMA array count is advisory",
    values: [ecmaArray([["a", true], ["b", false]])],
    bytes: [
      0x08, // marker: ECMA array
      0x00, 0x00, 0x00, 0x00, // count 0, but two properties follow
      0x00, 0x01, ...ascii("a"), 0x01, 0x01, // a: true
      0x00, 0x01, ...ascii("b"), 0x01, 0x00, // b: false
      0x00, 0x00, 0x09, // object end
    ],
    encode: false,
  },
  {
    name: "strict array",
    values: [[1, "a", null]],
    bytes: [
      0x0a, // marker: strict array
      0x00, 0x00, 0x00, 0x03, // count 3
      0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 1.0
      0x02, 0x00, 0x01, ...ascii("a"), // string "a"
      0x05, // null
    ],
    encode: true,
  },
  {
    name: "empty strict array",
    values: [[]],
    bytes: [
      0x0a, // marker: strict array
      0x00, 0x00, 0x00, 0x00, // count 0
    ],
    encode: true,
  },
  {
    name: "date",
    values: [new AmfDate(1700000000000, 0)],
    bytes: [
      0x0b, // marker: date
      0x42, 0x78, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00, // double 1700000000000 ms
      0x00, 0x00, // timezone 0
    ],
    encode: true,
  },
  {
    name: "date with a negative timezone",
    values: [new AmfDate(0, -60)],
    bytes: [
      0x0b, // marker: date
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // double 0 ms
      0xff, 0xc4, // timezone -60 (s16)
    ],
    encode: true,
  },
  {
    name: "long string with a short length",
    values: ["hi"],
    bytes: [
      0x0c, // marker: long string
      0x00, 0x00, 0x00, 0x02, // length 2 (u32)
      ...ascii("hi"),
    ],
    encode: false,
  },
  {
    name: "unsupported reads as undefined",
    values: [undefined],
    bytes: [
      0x0d, // marker: unsupported
    ],
    encode: false,
  },
  {
    name: "XML document",
    values: [new AmfXml("<a>b</a>")],
    bytes: [
      0x0f, // marker: XML document
      0x00, 0x00, 0x00, 0x08, // length 8 (u32)
      ...ascii("<a>b</a>"),
    ],
    encode: true,
  },
  {
    name: "typed object",
    values: [amfObject([["x", null]], "Foo")],
    bytes: [
      0x10, // marker: typed object
      0x00, 0x03, ...ascii("Foo"), // class name "Foo"
      0x00, 0x01, ...ascii("x"), // name "x"
      0x05, // null
      0x00, 0x00, 0x09, // object end
    ],
    encode: true,
  },
  {
    name: "AVM+ switch to an AMF3 integer",
    values: [300],
    bytes: [
      0x11, // marker: AVM+ switch
      0x04, // AMF3 integer
      0x82, 0x2c, // U29 300
    ],
    encode: false,
  },
  {
    name: "AVM+ switches share AMF3 string references",
    values: ["hi", "hi"],
    bytes: [
      0x11, // marker: AVM+ switch
      0x06, 0x05, ...ascii("hi"), // AMF3 string, inline length 2 (string 0)
      0x11, // marker: AVM+ switch
      0x06, 0x00, // AMF3 string reference 0
    ],
    encode: false,
  },
  {
    name: "AVM+ switch to an AMF3 object inside an AMF0 object",
    values: [amfObject([["o", amfObject([["a", 1]])]])],
    bytes: [
      0x03, // marker: object
      0x00, 0x01, ...ascii("o"), // name "o"
      0x11, // marker: AVM+ switch
      0x0a, // AMF3 object
      0x0b, // traits inline, dynamic, 0 sealed
      0x01, // class name "" (anonymous)
      0x03, ...ascii("a"), // member name "a"
      0x04, 0x01, // integer 1
      0x01, // "" ends dynamic members
      0x00, 0x00, 0x09, // object end
    ],
    encode: false,
  },
];

/**
 * The connect command rtmpdump sends in play mode (rtmp.c SendConnectPacket, facts §5.1):
 * app, flashVer, swfUrl, tcUrl, fpad, capabilities 15, audioCodecs 3191, videoCodecs 252,
 * videoFunction 1, pageUrl, then the object end.
 */
export const CONNECT_GOLDEN: Golden = {
  name: "rtmpdump connect command",
  values: [
    "connect",
    1,
    amfObject([
      ["app", "vod"],
      ["flashVer", "LNX 10,0,32,18"],
      ["swfUrl", "http://x/p.swf"],
      ["tcUrl", "rtmp://h:1935/vod"],
      ["fpad", false],
      ["capabilities", 15],
      ["audioCodecs", 3191],
      ["videoCodecs", 252],
      ["videoFunction", 1],
      ["pageUrl", "http://x/"],
    ]),
  ],
  bytes: [
    0x02, 0x00, 0x07, ...ascii("connect"), // string "connect"
    0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // transactionId 1.0
    0x03, // marker: object
    0x00, 0x03, ...ascii("app"), 0x02, 0x00, 0x03, ...ascii("vod"), // app: "vod"
    0x00, 0x08, ...ascii("flashVer"), // name "flashVer"
    0x02, 0x00, 0x0e, ...ascii("LNX 10,0,32,18"), // string, 14 bytes
    0x00, 0x06, ...ascii("swfUrl"), // name "swfUrl"
    0x02, 0x00, 0x0e, ...ascii("http://x/p.swf"), // string, 14 bytes
    0x00, 0x05, ...ascii("tcUrl"), // name "tcUrl"
    0x02, 0x00, 0x11, ...ascii("rtmp://h:1935/vod"), // string, 17 bytes
    0x00, 0x04, ...ascii("fpad"), 0x01, 0x00, // fpad: false
    0x00, 0x0c, ...ascii("capabilities"), // name "capabilities"
    0x00, 0x40, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 15.0
    0x00, 0x0b, ...ascii("audioCodecs"), // name "audioCodecs"
    0x00, 0x40, 0xa8, 0xee, 0x00, 0x00, 0x00, 0x00, 0x00, // number 3191.0
    0x00, 0x0b, ...ascii("videoCodecs"), // name "videoCodecs"
    0x00, 0x40, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, // number 252.0
    0x00, 0x0d, ...ascii("videoFunction"), // name "videoFunction"
    0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // number 1.0
    0x00, 0x07, ...ascii("pageUrl"), // name "pageUrl"
    0x02, 0x00, 0x09, ...ascii("http://x/"), // string, 9 bytes
    0x00, 0x00, 0x09, // object end
  ],
  encode: true,
};

/**
 * Verified on the wire (facts §3.3): what rtmpdump appends to connect for
 * `-u authstr -C B:1 -C S:hi -C O:1 -C NN:n:1.5 -C NO:o:1 -C NS:s:x -C O:0 -C O:0 -C Z:`.
 */
export const CONN_EXTRAS_GOLDEN: Golden = {
  name: "rtmpdump --auth and -C extras",
  values: [
    true,
    "authstr",
    true,
    "hi",
    amfObject([["n", 1.5], ["o", amfObject([["s", "x"]])]]),
    null,
  ],
  bytes: [
    0x01, 0x01, // boolean true (auth flag)
    0x02, 0x00, 0x07, ...ascii("authstr"), // string "authstr"
    0x01, 0x01, // B:1
    0x02, 0x00, 0x02, ...ascii("hi"), // S:hi
    0x03, // O:1
    0x00, 0x01, ...ascii("n"), // NN:n
    0x00, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 1.5
    0x00, 0x01, ...ascii("o"), 0x03, // NO:o:1
    0x00, 0x01, ...ascii("s"), 0x02, 0x00, 0x01, ...ascii("x"), // NS:s:x
    0x00, 0x00, 0x09, // O:0 (inner)
    0x00, 0x00, 0x09, // O:0 (outer)
    0x05, // Z:
  ],
  encode: true,
};

/**
 * set_playlist as rtmpdump sends it (facts §5.3): an ECMA array whose count field says 3 though
 * it holds one pair.
 */
export const SET_PLAYLIST_GOLDEN: Golden = {
  name: "rtmpdump set_playlist ECMA array with count 3",
  values: ["set_playlist", 0, null, ecmaArray([["0", "mp4:a"]])],
  bytes: [
    0x02, 0x00, 0x0c, ...ascii("set_playlist"), // string "set_playlist"
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // transactionId 0
    0x05, // null
    0x08, // marker: ECMA array
    0x00, 0x00, 0x00, 0x03, // count field 3 (librtmp reuses the object-marker constant)
    0x00, 0x01, ...ascii("0"), // name "0"
    0x02, 0x00, 0x05, ...ascii("mp4:a"), // string "mp4:a"
    0x00, 0x00, 0x09, // object end
  ],
  encode: false,
};

/** Every AMF0 golden. */
export const ALL_AMF0_GOLDEN: Golden[] = [
  ...AMF0_GOLDEN,
  CONNECT_GOLDEN,
  CONN_EXTRAS_GOLDEN,
  SET_PLAYLIST_GOLDEN,
];
