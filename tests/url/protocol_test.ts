import assert from "node:assert/strict";
import {
  buildTcUrl,
  defaultPort,
  Protocol,
  PROTOCOL_FEATURE,
  protocolFromScheme,
  protocolName,
} from "../../src/url.ts";

Deno.test("Protocol numbers are combinations of the feature bits", () => {
  assert.equal(Protocol.RTMPT, PROTOCOL_FEATURE.HTTP);
  assert.equal(Protocol.RTMPE, PROTOCOL_FEATURE.ENC);
  assert.equal(Protocol.RTMPTE, PROTOCOL_FEATURE.HTTP | PROTOCOL_FEATURE.ENC);
  assert.equal(Protocol.RTMPS, PROTOCOL_FEATURE.SSL);
  assert.equal(Protocol.RTMPTS, PROTOCOL_FEATURE.HTTP | PROTOCOL_FEATURE.SSL);
  assert.equal(Protocol.RTMFP, PROTOCOL_FEATURE.MFP);
});

Deno.test("protocolName and protocolFromScheme map both ways", () => {
  const names = ["rtmp", "rtmpt", "rtmpe", "rtmpte", "rtmps", "rtmpts", "rtmfp"];
  for (const protocol of Object.values(Protocol)) {
    const name = protocolName(protocol);
    assert.ok(names.includes(name));
    assert.equal(protocolFromScheme(name), protocol);
    assert.equal(protocolFromScheme(name.toUpperCase()), protocol);
  }
  assert.equal(protocolFromScheme("http"), undefined);
  assert.equal(protocolFromScheme(""), undefined);
  for (const bad of [-1, 6, 7, 9, 0.5]) assert.throws(() => protocolName(bad), RangeError);
});

Deno.test("defaultPort prefers TLS, then HTTP, then 1935", () => {
  assert.deepEqual(Object.values(Protocol).map(defaultPort), [1935, 80, 1935, 80, 443, 443, 1935]);
  assert.equal(defaultPort(Protocol.RTMP | PROTOCOL_FEATURE.WRITE), 1935);
});

Deno.test("buildTcUrl writes rtmpdump's default tcUrl", () => {
  // rtmpdump -V -r 'RTMPE://127.0.0.1:1/vod/clip' -o /dev/null prints
  // "tcUrl    : rtmpe://127.0.0.1:1/vod": lower-case scheme, explicit port
  assert.equal(buildTcUrl(Protocol.RTMPE, "127.0.0.1", 1, "vod"), "rtmpe://127.0.0.1:1/vod");
  assert.equal(buildTcUrl(Protocol.RTMPTS, "h", 443, "a/b"), "rtmpts://h:443/a/b");
  assert.equal(
    buildTcUrl(Protocol.RTMP, "2001:db8::1", 1935, "live"),
    "rtmp://[2001:db8::1]:1935/live",
  );
  assert.equal(buildTcUrl(Protocol.RTMP, "h", 1935, ""), "rtmp://h:1935/");
  assert.throws(() => buildTcUrl(7, "h", 1, "a"), RangeError);
});
