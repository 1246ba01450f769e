// deno-fmt-ignore-file
/**
 * Golden bytes of the server session: what a client sends (connect as librtmp sends it) and
 * what the server answers, one header field per commented line. Shared by the tests that feed
 * these bytes to a ServerSession and the tests that check what it writes.
 *
 * @module
 */

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const u16 = (n: number) => [n >> 8, n & 0xff];
const str = (text: string) => [0x02, ...u16(text.length), ...ascii(text)];
const num = (bytes: number[]) => [0x00, ...bytes];
const key = (text: string) => [...u16(text.length), ...ascii(text)];

/** The AMF0 body of `connect` with app "live" and tcUrl, transaction 1 (89 bytes). */
export const CONNECT_BODY: number[] = [
  ...str("connect"),                                  // 02 0007 "connect"
  ...num([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),             // 00 1.0: transaction id
  0x03,                                               // object
  ...key("app"), ...str("live"),                      //   app: "live"
  ...key("tcUrl"), ...str("rtmp://127.0.0.1/live"),   //   tcUrl: "rtmp://127.0.0.1/live"
  ...key("objectEncoding"), ...num([0, 0, 0, 0, 0, 0, 0, 0]), // objectEncoding: 0
  0x00, 0x00, 0x09,                                   // object end
];

/** connect in one chunk on csid 3 (the client's chunk size is 128 and the body is shorter). */
export const CONNECT_CHUNK: number[] = [
  0x03,                                 // fmt 0, csid 3
  0x00, 0x00, 0x00,                     // timestamp 0
  0x00, 0x00, CONNECT_BODY.length,      // message length
  0x14,                                 // type 20: AMF0 command
  0x00, 0x00, 0x00, 0x00,               // message stream 0 (little-endian)
  ...CONNECT_BODY,
];

/** What acceptConnect writes first: the three protocol control messages. */
export const CONNECT_REPLY_CONTROL: number[] = [
  // Window Acknowledgement Size 2,500,000
  0x02,                                 // fmt 0, csid 2
  0x00, 0x00, 0x00,                     // timestamp 0
  0x00, 0x00, 0x04,                     // length 4
  0x05,                                 // type 5
  0x00, 0x00, 0x00, 0x00,               // message stream 0
  0x00, 0x26, 0x25, 0xa0,               // 2,500,000
  // Set Peer Bandwidth 2,500,000, dynamic
  0x42,                                 // fmt 1, csid 2
  0x00, 0x00, 0x00,                     // timestamp delta 0
  0x00, 0x00, 0x05,                     // length 5
  0x06,                                 // type 6
  0x00, 0x26, 0x25, 0xa0,               // 2,500,000
  0x02,                                 // limit type 2: dynamic
  // Set Chunk Size 4096
  0x42,                                 // fmt 1, csid 2
  0x00, 0x00, 0x00,                     // timestamp delta 0
  0x00, 0x00, 0x04,                     // length 4
  0x01,                                 // type 1
  0x00, 0x00, 0x10, 0x00,               // 4096
];

/** The AMF0 body of the connect `_result`. */
export const CONNECT_RESULT_BODY: number[] = [
  ...str("_result"),                                  // 02 0007 "_result"
  ...num([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),             // transaction 1
  0x03,                                               // properties object
  ...key("fmsVer"), ...str("FMS/3,5,1,525"),
  ...key("capabilities"), ...num([0x40, 0x3f, 0, 0, 0, 0, 0, 0]), // 31
  ...key("mode"), ...num([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),         // 1
  0x00, 0x00, 0x09,
  0x03,                                               // information object
  ...key("level"), ...str("status"),
  ...key("code"), ...str("NetConnection.Connect.Success"),
  ...key("description"), ...str("Connection succeeded."),
  ...key("objectEncoding"), ...num([0, 0, 0, 0, 0, 0, 0, 0]),     // the client's value
  ...key("data"), 0x08, 0x00, 0x00, 0x00, 0x01,       // ECMA array, 1 property
  ...key("version"), ...str("3,5,1,525"),
  0x00, 0x00, 0x09,
  0x00, 0x00, 0x09,
];

/** The `_result` message after the control messages: csid 3, one chunk (chunk size 4096). */
export const CONNECT_RESULT_CHUNK: number[] = [
  0x03,                                 // fmt 0, csid 3
  0x00, 0x00, 0x00,                     // timestamp 0
  0x00, ...u16(CONNECT_RESULT_BODY.length), // length
  0x14,                                 // type 20
  0x00, 0x00, 0x00, 0x00,               // message stream 0
  ...CONNECT_RESULT_BODY,
];

/** `onBWDone` after it: csid 3, fmt 1 (same stream, new length). */
export const ON_BW_DONE_CHUNK: number[] = [
  0x43,                                 // fmt 1, csid 3
  0x00, 0x00, 0x00,                     // timestamp delta 0
  0x00, 0x00, 0x15,                     // length 21
  0x14,                                 // type 20
  ...str("onBWDone"),                   // 02 0008 "onBWDone"
  ...num([0, 0, 0, 0, 0, 0, 0, 0]),     // transaction 0
  0x05,                                 // null
];

/** createStream, transaction 2, csid 3 fmt 1 after connect. */
export const CREATE_STREAM_CHUNK: number[] = [
  0x43,                                 // fmt 1, csid 3
  0x00, 0x00, 0x00,                     // timestamp delta 0
  0x00, 0x00, 0x19,                     // length 25
  0x14,                                 // type 20
  ...str("createStream"),               // 02 000c "createStream"
  ...num([0x40, 0, 0, 0, 0, 0, 0, 0]),  // transaction 2
  0x05,                                 // null
];

/** The server's `_result` for it: stream id 1. */
export const CREATE_STREAM_RESULT_CHUNK: number[] = [
  0x43,                                 // fmt 1, csid 3 (after onBWDone)
  0x00, 0x00, 0x00,                     // timestamp delta 0
  0x00, 0x00, 0x1d,                     // length 29
  0x14,                                 // type 20
  ...str("_result"),                    // 02 0007 "_result"
  ...num([0x40, 0, 0, 0, 0, 0, 0, 0]),  // transaction 2
  0x05,                                 // null
  ...num([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), // stream id 1
];
