/**
 * The listener registry: every scheme in the list opens, and a scheme outside it is refused in
 * one line before anything is bound.
 */

import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { listen, LISTEN_SCHEMES, listenScheme } from "../../transports/listen.ts";

Deno.test("listenScheme finds the schemes of the list, in any case, and nothing else", () => {
  for (const entry of LISTEN_SCHEMES) {
    assertEquals(listenScheme(entry.scheme.toUpperCase()), entry);
  }
  assertEquals(listenScheme("rtmpe"), undefined);
  assertEquals(listenScheme("foo"), undefined);
});

Deno.test("listen refuses a scheme it does not know with a TypeError", async () => {
  await rejects(
    listen({ scheme: "foo", hostname: "127.0.0.1", port: 0 }),
    new TypeError("Cannot listen on foo://: unknown scheme"),
  );
});
