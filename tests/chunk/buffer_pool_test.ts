import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { BufferPool } from "../../src/chunk/mod.ts";
import { MIN_POOLED_BUFFER_BYTES } from "../../src/chunk/buffer_pool.ts";

Deno.test("BufferPool hands out power-of-two capacities of at least 4 KiB", () => {
  const pool = new BufferPool();
  assertEquals(pool.take(1).length, MIN_POOLED_BUFFER_BYTES);
  assertEquals(pool.take(4096).length, 4096);
  assertEquals(pool.take(4097).length, 8192);
  assertEquals(pool.take(100_000).length, 131072);
});

Deno.test("BufferPool reuses a buffer given back, by size class, through a view", () => {
  const pool = new BufferPool();
  const a = pool.take(10_000);
  const b = pool.take(10_000);
  assert(a !== b, "two buffers out at once are distinct");
  pool.give(a.subarray(100, 200));
  assertEquals(pool.pooledBytes, a.length);
  assert(pool.take(5000) !== a, "another size class does not get it");
  assert(pool.take(16_384) === a, "the same size class does");
  assertEquals(pool.pooledBytes, 0);
});

Deno.test("BufferPool ignores buffers it did not hand out and buffers given twice", () => {
  const pool = new BufferPool();
  pool.give(new Uint8Array(4096));
  assertEquals(pool.pooledBytes, 0);
  const a = pool.take(4096);
  pool.give(a);
  pool.give(a);
  assertEquals(pool.pooledBytes, 4096);
  assert(pool.take(4096) === a);
  assert(pool.take(4096) !== a, "given twice, handed out once");
});

Deno.test("BufferPool keeps at most maxPooledBytes in free buffers", () => {
  const pool = new BufferPool({ maxPooledBytes: 3 * 4096 });
  const buffers = Array.from({ length: 5 }, () => pool.take(4096));
  for (const buffer of buffers) pool.give(buffer);
  assertEquals(pool.pooledBytes, 3 * 4096);
});

Deno.test("BufferPool over its limit drops larger free buffers for smaller ones", () => {
  const pool = new BufferPool({ maxPooledBytes: 64 * 1024 });
  const large = pool.take(64 * 1024);
  const small = [pool.take(4096), pool.take(4096)];
  pool.give(large);
  assertEquals(pool.pooledBytes, 64 * 1024);
  for (const buffer of small) pool.give(buffer);
  assertEquals(pool.pooledBytes, 2 * 4096, "the large buffer made room");
  assert(pool.take(64 * 1024) !== large);
  const again = pool.take(4096);
  assert(again === small[0] || again === small[1]);
  // A larger buffer does not push out smaller ones.
  const other = pool.take(64 * 1024);
  const full = new BufferPool({ maxPooledBytes: 8192 });
  const a = full.take(4096);
  const b = full.take(4096);
  const c = full.take(8192);
  full.give(a);
  full.give(b);
  full.give(c);
  assertEquals(full.pooledBytes, 8192);
  assert(full.take(4096) === b && full.take(4096) === a, "the small ones stayed");
  pool.give(other);
});
