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
