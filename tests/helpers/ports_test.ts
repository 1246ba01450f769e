import { ok, rejects, throws } from "node:assert/strict";
import { freePort, refusedPort, waitForPort } from "../_ports.ts";

Deno.test("refusedPort refuses connections and cannot be listened on while held", async () => {
  using refused = await refusedPort();
  ok(refused.port > 0);
  await rejects(
    Deno.connect({ hostname: "127.0.0.1", port: refused.port }),
    Deno.errors.ConnectionRefused,
  );
  throws(() => Deno.listen({ hostname: "127.0.0.1", port: refused.port }), Deno.errors.AddrInUse);
});

Deno.test("waitForPort resolves for a listening port and names its limit for a refused one", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: freePort() });
  try {
    await waitForPort((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
  }
  using refused = await refusedPort();
  await rejects(waitForPort(refused.port, 50), {
    message: `Cannot connect to 127.0.0.1:${refused.port} within 50 ms`,
  });
});
