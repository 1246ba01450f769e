import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseListenUrl } from "../../src/server/listen_address.ts";
import { UnsupportedTransportError } from "../../transports/transport_error.ts";

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

Deno.test("parseListenUrl refuses other transports (not yet) and anything that is not a URL", () => {
  for (const url of ["rtmps://127.0.0.1:443", "rtmpt://127.0.0.1:80", "rtmpts://h:1"]) {
    throws(() => parseListenUrl(url), UnsupportedTransportError, url);
  }
  throws(() => parseListenUrl("127.0.0.1:1935"), TypeError);
  throws(() => parseListenUrl("http://127.0.0.1"), TypeError);
  throws(() => parseListenUrl("rtmp://127.0.0.1:99999"), TypeError);
});
