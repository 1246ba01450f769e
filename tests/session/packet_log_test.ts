/**
 * The packet log's pieces: how a message's encoded chunks are split for the dump, and the
 * lines of a chunk read.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";
import { ChunkEncoder } from "../../src/chunk/mod.ts";
import { hexStringLines } from "../../src/session/hex_dump.ts";
import { LogLevel, sinkAt } from "../../src/session/log.ts";
import { PacketLog, sentChunks } from "../../src/session/packet_log.ts";

Deno.test("sentChunks splits a message's chunks into headers and bodies, whatever their sizes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.constantFrom(2, 3, 63, 64, 319, 320, 65599),
      fc.array(
        fc.record({
          timestamp: fc.oneof(fc.nat({ max: 100 }), fc.integer({ min: 0xfffffe, max: 0x1000100 })),
          payload: fc.uint8Array({ maxLength: 500 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      (chunkSize, csid, messages) => {
        const encoder = new ChunkEncoder({ chunkSize });
        for (const { timestamp, payload } of messages) {
          encoder.write({ csid, typeId: 20, timestamp, messageStreamId: 1, payload });
          const bytes = encoder.takeOutput();
          const chunks = sentChunks(bytes, payload.length, chunkSize);
          assertEquals(chunks.flatMap(([h, b]) => [...h, ...b]), [...bytes]);
          assertEquals(chunks.flatMap(([, b]) => [...b]), [...payload]);
          const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
          for (const [header] of chunks.slice(1)) {
            // Continuation chunks: the basic header, and the extended timestamp if any.
            assertEquals(header[0] >> 6, 3);
            assertEquals([basic, basic + 4].includes(header.length), true);
          }
        }
      },
    ),
  );
});

Deno.test("PacketLog: a chunk read is the read's start, its header and its body; no body for an empty message", () => {
  const log = new PacketLog(sinkAt(LogLevel.Debug2, () => {}), 7);
  const header = Uint8Array.of(0x43, 0, 0, 0, 0, 0, 2, 0x14);
  const body = Uint8Array.of(5, 6);
  const text = (lines: [LogLevel, string][]) => lines.map(([, line]) => line);
  assertEquals(text(log.chunkLines(header, body)), [
    "RTMP_ReadPacket: fd=7",
    ...hexStringLines(header),
    ...hexStringLines(body),
  ]);
  assertEquals(text(log.chunkLines(header, new Uint8Array(0))), [
    "RTMP_ReadPacket: fd=7",
    ...hexStringLines(header),
  ]);
});

Deno.test("PacketLog: a 3-byte basic header's chunk stream id is a DEBUG line, between the read's start and the dump", () => {
  const header = Uint8Array.of(0x41, 0x10, 0x01); // fmt 1 form, csid 64 + 0x0110
  const debug2 = new PacketLog(sinkAt(LogLevel.Debug2, () => {}), 4).chunkLines(
    header,
    Uint8Array.of(1),
  );
  assertEquals(debug2.slice(0, 2), [
    [LogLevel.Debug2, "RTMP_ReadPacket: fd=4"],
    [LogLevel.Debug, "RTMP_ReadPacket, m_nChannel: 150"],
  ]);
  assertEquals(
    new PacketLog(sinkAt(LogLevel.Debug, () => {})).chunkLines(header, Uint8Array.of(1)),
    [
      [LogLevel.Debug, "RTMP_ReadPacket, m_nChannel: 150"],
    ],
  );
  assertEquals(
    new PacketLog(sinkAt(LogLevel.Debug, () => {})).chunkLines(Uint8Array.of(3), Uint8Array.of(1)),
    [],
  );
});

Deno.test("PacketLog: what it shows follows the sink's level", () => {
  const at = (level: LogLevel) => new PacketLog(sinkAt(level, () => {}));
  assertEquals([at(LogLevel.Info).objects, at(LogLevel.Info).packets], [false, false]);
  assertEquals([at(LogLevel.Debug).objects, at(LogLevel.Debug).packets], [true, false]);
  assertEquals([at(LogLevel.Debug2).objects, at(LogLevel.Debug2).packets], [true, true]);
  // A sink that says nothing about its level gets DEBUG.
  const plain = new PacketLog(() => {});
  assertEquals([plain.objects, plain.packets], [true, false]);
});

Deno.test("PacketLog: a message sent is its size line, then each chunk's header and body", () => {
  const lines: string[] = [];
  const log = new PacketLog(sinkAt(LogLevel.Debug2, (_l, m) => lines.push(m)), 4);
  const encoder = new ChunkEncoder({ chunkSize: 4 });
  const payload = Uint8Array.of(1, 2, 3, 4, 5, 6);
  encoder.write({ csid: 3, typeId: 20, timestamp: 0, messageStreamId: 0, payload });
  const bytes = encoder.takeOutput();
  log.logSent(bytes, payload.length, 4);
  assertEquals(lines, [
    "RTMP_SendPacket: fd=4, size=6",
    ...hexStringLines(bytes.subarray(0, 12)),
    ...hexStringLines(payload.subarray(0, 4)),
    ...hexStringLines(Uint8Array.of(0xc3)),
    ...hexStringLines(payload.subarray(4)),
  ]);
});
