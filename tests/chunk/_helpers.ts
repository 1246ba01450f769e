/**
 * Helpers for the chunk layer tests: feeding a decoder in pieces.
 *
 * @module
 */

import { ChunkDecoder, type ChunkDecoderOptions, type RtmpMessage } from "../../src/chunk/mod.ts";

/** Feeds `bytes` to a fresh decoder, cut at the given offsets, and returns every message. */
export function decodeInPieces(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
  chunkSize = 128,
  options?: ChunkDecoderOptions,
): RtmpMessage[] {
  const decoder = new ChunkDecoder(options);
  decoder.chunkSize = chunkSize;
  const messages: RtmpMessage[] = [];
  const sorted = [...cuts].map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b);
  let start = 0;
  for (const cut of [...sorted, bytes.length]) {
    decoder.push(bytes.subarray(start, cut), (message) => messages.push(message));
    start = cut;
  }
  return messages;
}

/** Every offset from 1 to `length - 1`: feeding byte by byte. */
export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}

/** How many typed arrays a function created with `new Uint8Array(n)`, and their total bytes. */
export interface AllocationCount {
  /** Arrays created with a length. */
  count: number;
  /** Sum of their lengths. */
  bytes: number;
}

/**
 * Runs `fn` while counting the `Uint8Array`s constructed from a length (the allocations that
 * zero-fill memory). Views made with `subarray` are not counted: they allocate no bytes.
 */
export function countAllocations(fn: () => void): AllocationCount {
  const original = globalThis.Uint8Array;
  const counted: AllocationCount = { count: 0, bytes: 0 };
  globalThis.Uint8Array = new Proxy(original, {
    construct(target, args, newTarget) {
      if (typeof args[0] === "number") {
        counted.count++;
        counted.bytes += args[0];
      }
      return Reflect.construct(
        target,
        args,
        newTarget === globalThis.Uint8Array ? target : newTarget,
      );
    },
  });
  try {
    fn();
  } finally {
    globalThis.Uint8Array = original;
  }
  return counted;
}
