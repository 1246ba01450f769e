import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseListenUrl } from "../../src/server/listen_address.ts";
import { LISTEN_SCHEMES } from "../../transports/listen.ts";

Deno.test("parseListenUrl reads rtmp:// host and port; the port defaults to 1935", () => {
  assertEquals(parseListenUrl("rtmp://127.0.0.1:19350"), {
    scheme: "rtmp",
    hostname: "127.0.0.1",
    port: 19350,
  });
  assertEquals(parseListenUrl("RTMP://0.0.0.0"), {
    scheme: "rtmp",
    hostname: "0.0.0.0",
    port: 1935,
  });
  assertEquals(parseListenUrl("rtmp://[::1]:0/ignored/path"), {
    scheme: "rtmp",
    hostname: "::1",
    port: 0,
  });
});

Deno.test("parseListenUrl follows the listen scheme list; anything that is not a URL is refused", () => {
  for (const entry of LISTEN_SCHEMES) {
    assertEquals(parseListenUrl(`${entry.scheme}://127.0.0.1`), {
      scheme: entry.scheme,
      hostname: "127.0.0.1",
      port: entry.defaultPort,
    });
  }
  throws(
    () => parseListenUrl("foo://127.0.0.1:1"),
    new TypeError('Cannot listen on "foo://127.0.0.1:1": unknown scheme foo://'),
  );
  throws(() => parseListenUrl("rtmpe://127.0.0.1:1935"), /use rtmp:\/\//);
  throws(() => parseListenUrl("127.0.0.1:1935"), TypeError);
  throws(() => parseListenUrl("http://127.0.0.1"), TypeError);
  throws(() => parseListenUrl("rtmp://127.0.0.1:99999"), TypeError);
});
