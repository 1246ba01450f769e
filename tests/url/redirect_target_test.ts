import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { keepsCredentials, resolveRedirect } from "../../src/url/redirect_target.ts";
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

Deno.test("resolveRedirect refuses a user part, a port out of range and control characters", () => {
  assertEquals(resolveRedirect("rtmp://u:p@evil.example/app", "live"), undefined);
  assertEquals(resolveRedirect("rtmp://h.example:99999/app", "live"), undefined);
  assertEquals(resolveRedirect("rtmp://h.example:0/app", "live"), undefined);
  assertEquals(resolveRedirect("rtmp://h.example/app\nINFO: forged", "live"), undefined);
  assertEquals(resolveRedirect("rtmp://[::1]:1936/app", "live")?.port, 1936);
  assertEquals(resolveRedirect("rtmp://h.example:65535/app", "live")?.port, 65535);
});

Deno.test("keepsCredentials: the same host and port, and no less protection", () => {
  const to = (url: string) => resolveRedirect(url, "live")!;
  assertEquals(keepsCredentials("rtmp://a.example/live", to("rtmp://A.example:1935/other")), true);
  assertEquals(keepsCredentials("rtmp://a.example/live", to("rtmps://a.example:1935/x")), true);
  assertEquals(keepsCredentials("rtmp://a.example/live", to("rtmp://b.example/live")), false);
  assertEquals(keepsCredentials("rtmp://a.example/live", to("rtmp://a.example:1936/live")), false);
  assertEquals(keepsCredentials("rtmpe://a.example/live", to("rtmp://a.example/live")), false);
  assertEquals(keepsCredentials("rtmps://a.example/live", to("rtmpe://a.example:443/x")), false);
  assertEquals(keepsCredentials(undefined, to("rtmp://a.example/live")), false);
});

Deno.test("keepsCredentials takes the first connection's endpoint as the origin", () => {
  const to = (url: string) => resolveRedirect(url, "live")!;
  const origin = { protocol: Protocol.RTMP, host: "A.example", port: 1935 };
  assertEquals(keepsCredentials(origin, to("rtmp://a.example/other")), true);
  assertEquals(keepsCredentials(origin, to("rtmpe://a.example/other")), true);
  assertEquals(keepsCredentials(origin, to("rtmp://a.example:1936/other")), false);
  assertEquals(keepsCredentials(origin, to("rtmp://b.example/other")), false);
  const tls = { protocol: Protocol.RTMPS, host: "a.example", port: 443 };
  assertEquals(keepsCredentials(tls, to("rtmps://a.example/other")), true);
  assertEquals(keepsCredentials(tls, to("rtmpt://a.example:443/other")), false);
  const ipv6 = { protocol: Protocol.RTMP, host: "::1", port: 1935 };
  assertEquals(keepsCredentials(ipv6, to("rtmp://[::1]/other")), true);
  assertEquals(keepsCredentials(ipv6, to("rtmp://127.0.0.1/other")), false);
});
