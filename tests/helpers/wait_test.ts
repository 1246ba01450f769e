import { deepStrictEqual as assertEquals, rejects, throws } from "node:assert/strict";
import { assertWithin, DEFAULT_WAIT_MS, waitFor } from "../_wait.ts";

Deno.test("waitFor resolves once the condition holds", async () => {
  let polls = 0;
  await waitFor(() => ++polls === 3, "the third poll");
  assertEquals(polls, 3);
});

Deno.test("waitFor names the limit it waited and what for", async () => {
  await rejects(waitFor(() => false, 30, "a state that never comes"), {
    message: "Timed out after 30 ms waiting for a state that never comes",
  });
  await rejects(waitFor(() => false, 1), {
    message: "Timed out after 1 ms waiting for a condition",
  });
  // The default limit is generous: a wait on a loaded machine is not a hang.
  assertEquals(DEFAULT_WAIT_MS >= 30_000, true);
});

Deno.test("assertWithin passes within the limit and names both figures past it", () => {
  assertWithin(999.6, 1000, "a run");
  assertWithin(1000, 1000, "a run");
  throws(() => assertWithin(1234.4, 1000, "stopping after SIGINT"), {
    message: "stopping after SIGINT took 1234 ms, over its no-hang limit of 1000 ms",
  });
});
