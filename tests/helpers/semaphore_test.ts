import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { Semaphore } from "../_semaphore.ts";

Deno.test("Semaphore lets `size` holders in at once and the others in arrival order", async () => {
  const semaphore = new Semaphore(2);
  const first = await semaphore.acquire();
  const second = await semaphore.acquire();
  assertEquals([semaphore.held, semaphore.waiting], [2, 0]);
  const order: string[] = [];
  const third = semaphore.acquire().then((release) => (order.push("third"), release));
  const fourth = semaphore.acquire().then((release) => (order.push("fourth"), release));
  await Promise.resolve();
  assertEquals([semaphore.held, semaphore.waiting, order], [2, 2, []]);
  second();
  second(); // a second call gives back nothing more
  const releaseThird = await third;
  assertEquals([semaphore.held, semaphore.waiting, order], [2, 1, ["third"]]);
  first();
  const releaseFourth = await fourth;
  assertEquals(order, ["third", "fourth"]);
  releaseThird();
  releaseFourth();
  assertEquals([semaphore.held, semaphore.waiting], [0, 0]);
});

Deno.test("Semaphore.use holds a permit while the function runs, and gives it back when it throws", async () => {
  const semaphore = new Semaphore(1);
  let running = 0;
  let most = 0;
  const task = async (fail: boolean) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
    if (fail) throw new Error("task failed");
  };
  const results = await Promise.allSettled(
    [true, false, true, false].map((fail) => semaphore.use(() => task(fail))),
  );
  assertEquals(results.map((r) => r.status), ["rejected", "fulfilled", "rejected", "fulfilled"]);
  assertEquals([most, semaphore.held], [1, 0]);
});

Deno.test("Semaphore refuses a size that is not a positive integer", () => {
  for (const size of [0, -1, 1.5, NaN]) throws(() => new Semaphore(size), RangeError);
});
