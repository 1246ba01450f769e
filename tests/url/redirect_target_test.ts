import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { resolveRedirect } from "../../src/url/redirect_target.ts";
import { Protocol } from "../../src/url/protocol.ts";

Deno.test("resolveRedirect: the target URL is the new tcUrl, its whole path the application", () => {
  assertEquals(resolveRedirect("rtmp://edge.example:1936/live/east", "old"), {
    protocol: Protocol.RTMP,
    host: "edge.example",
    port: 1936,
    app: "live/east",
    tcUrl: "rtmp://edge.example:1936/live/east",
  });
  // The scheme's default port; an rtmpe target keeps its protocol (its handshake is encrypted).
  assertEquals(resolveRedirect("rtmpe://10.0.0.2/vod", "old"), {
    protocol: Protocol.RTMPE,
    host: "10.0.0.2",
    port: 1935,
    app: "vod",
    tcUrl: "rtmpe://10.0.0.2/vod",
  });
  assertEquals(resolveRedirect("rtmps://cdn.example/app", "old")?.port, 443);
  // No path: the application stays.
  assertEquals(resolveRedirect("rtmp://other.example/", "live")?.app, "live");
});

Deno.test("resolveRedirect refuses targets it cannot follow: no host, a scheme that is not RTMP's", () => {
  assertEquals(resolveRedirect("http://example.com/live", "live"), undefined);
  assertEquals(resolveRedirect("rtmp:///live", "live"), undefined);
  assertEquals(resolveRedirect("live/other", "live"), undefined);
  assertEquals(resolveRedirect("", "live"), undefined);
});
