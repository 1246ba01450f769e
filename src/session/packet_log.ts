/**
 * The packet-level part of librtmp's log for one client connection, as rtmpdump `--verbose`
 * (DEBUG) and `--debug` (DEBUG2) show it:
 *
 * - every chunk read (RTMP_ReadPacket): `RTMP_ReadPacket: fd=N`, the chunk header and the
 *   chunk body as hex dumps;
 * - every message sent (RTMP_SendPacket): `RTMP_SendPacket: fd=N, size=N`, then each chunk's
 *   header and body;
 * - the object dump of every invoke and notify (AMF_Dump), also of the data tags inside an
 *   aggregate;
 * - a read that gets nothing more: the read's start and the failed `recv`.
 *
 * What a sink does not show is not built (see {@linkcode LogSink.level}).
 *
 * @module
 */

import { MESSAGE_HEADER_SIZE } from "../chunk/chunk_constants.ts";
import { FLV_PREVIOUS_TAG_SIZE_SIZE, FLV_TAG_HEADER_SIZE, readFlvTagDataSize } from "../flv/mod.ts";
import { amfDecodeLines, amfDumpLines } from "./amf_dump.ts";
import { decodeLibrtmpAmf0 } from "./decode_librtmp_amf0.ts";
import { hexStringLines } from "./hex_dump.ts";
import { LogLevel, logsAt, type LogSink } from "./log.ts";

/** Why a read got nothing more. */
export type ReadEnd = "closed" | "timeout" | "reset" | "interrupted";

/** The errno (and its text) librtmp's log shows for a `recv` that failed, by why it failed. */
const RECV_ERRORS: Readonly<Record<Exclude<ReadEnd, "closed">, string>> = {
  timeout: "11 (Resource temporarily unavailable)",
  reset: "104 (Connection reset by peer)",
  interrupted: "4 (Interrupted system call)",
};

/** The basic header's low bits that announce a 3-byte form (chunk stream id 64 + 2 bytes). */
const CSID_THREE_BYTE_FORM = 1;
/** What the id bytes of the 2- and 3-byte forms count from. */
const CSID_TWO_BYTE_BASE = 64;

/** FLV tag type of a data (script) tag inside an aggregate. */
const FLV_TAG_DATA = 0x12;

/** Packet and object dumps of one connection. */
export class PacketLog {
  /** True when the sink shows the object dumps (DEBUG). */
  readonly objects: boolean;
  /** True when the sink shows the packet dumps (DEBUG2). */
  readonly packets: boolean;
  readonly #log: LogSink;
  readonly #descriptor: number;

  /** Logs to `log`; `descriptor` is the socket number the lines show (librtmp's `fd=N`). */
  constructor(log: LogSink, descriptor = 0) {
    this.#log = log;
    this.#descriptor = descriptor;
    this.objects = logsAt(log, LogLevel.Debug);
    this.packets = logsAt(log, LogLevel.Debug2);
  }

  /** The line that starts each of librtmp's RTMP_ReadPacket calls. */
  readStartLine(): string {
    return `RTMP_ReadPacket: fd=${this.#descriptor}`;
  }

  /**
   * The lines of one chunk read, with their levels: the read's start, the chunk stream id of a
   * 3-byte basic header (DEBUG, librtmp logs it as it reads one), the header and the body
   * (librtmp has no body buffer for an empty message and dumps nothing for it).
   */
  chunkLines(header: Uint8Array, body: Uint8Array): [LogLevel, string][] {
    const lines: [LogLevel, string][] = [];
    if (this.packets) lines.push([LogLevel.Debug2, this.readStartLine()]);
    if ((header[0] & 0x3f) === CSID_THREE_BYTE_FORM) {
      const csid = header[1] + header[2] * 256 + CSID_TWO_BYTE_BASE;
      lines.push([LogLevel.Debug, `RTMP_ReadPacket, m_nChannel: ${csid.toString(16)}`]);
    }
    if (!this.packets) return lines;
    for (const line of hexStringLines(header)) lines.push([LogLevel.Debug2, line]);
    if (body.length > 0) {
      for (const line of hexStringLines(body)) lines.push([LogLevel.Debug2, line]);
    }
    return lines;
  }

  /**
   * Logs a message just queued: `bytes` are its encoded chunks, `size` its body size,
   * `chunkSize` the outgoing chunk size they were cut with.
   */
  logSent(bytes: Uint8Array, size: number, chunkSize: number): void {
    if (!this.packets) return;
    this.#log(LogLevel.Debug2, `RTMP_SendPacket: fd=${this.#descriptor}, size=${size}`);
    for (const [header, body] of sentChunks(bytes, size, chunkSize)) {
      for (const line of hexStringLines(header)) this.#log(LogLevel.Debug2, line);
      for (const line of hexStringLines(body)) this.#log(LogLevel.Debug2, line);
    }
  }

  /** Logs the decoding and the dump of an invoke or notify body (nothing if it cannot decode). */
  logObject(body: Uint8Array): void {
    if (!this.objects) return;
    const values = decodeLibrtmpAmf0(body);
    if (values === undefined) return;
    for (const line of amfDecodeLines(values)) this.#log(LogLevel.Debug, line);
    for (const line of amfDumpLines(values)) this.#log(LogLevel.Debug, line);
  }

  /**
   * Logs the object dumps of an aggregate's data tags, walked as librtmp's metadata scan walks
   * them: it stops at a tag whose back-pointer does not fit.
   */
  logAggregateObjects(body: Uint8Array): void {
    if (!this.objects) return;
    let pos = 0;
    while (pos + FLV_TAG_HEADER_SIZE < body.length) {
      const size = readFlvTagDataSize(body, pos);
      const start = pos + FLV_TAG_HEADER_SIZE;
      if (start + size + FLV_PREVIOUS_TAG_SIZE_SIZE > body.length) break;
      if (body[pos] === FLV_TAG_DATA) this.logObject(body.subarray(start, start + size));
      pos = start + size + FLV_PREVIOUS_TAG_SIZE_SIZE;
    }
  }

  /**
   * Logs a read that got nothing more, up to librtmp's error line: the read's start (when it
   * stopped between chunks, where a new RTMP_ReadPacket begins) and the failed `recv`.
   */
  logReadEnd(end: ReadEnd, betweenChunks: boolean): void {
    if (this.packets && betweenChunks) this.#log(LogLevel.Debug2, this.readStartLine());
    if (end !== "closed") {
      this.#log(
        LogLevel.Debug,
        `RTMPSockBuf_Fill, recv returned -1. GetSockError(): ${RECV_ERRORS[end]}`,
      );
    }
  }
}

/**
 * Splits the encoded chunks of one message of `size` body bytes into each chunk's header and
 * body. The header sizes follow from the total: every chunk carries the basic header (and an
 * extended timestamp, if any), the first one also the message header of its format.
 */
export function sentChunks(
  bytes: Uint8Array,
  size: number,
  chunkSize: number,
): [header: Uint8Array, body: Uint8Array][] {
  const low = bytes[0] & 0x3f;
  const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
  const chunks = size === 0 ? 1 : Math.ceil(size / chunkSize);
  const messageHeader = MESSAGE_HEADER_SIZE[bytes[0] >> 6];
  const extended = (bytes.length - size - messageHeader) / chunks - basic;
  const out: [Uint8Array, Uint8Array][] = [];
  let pos = 0;
  let sent = 0;
  for (let i = 0; i < chunks; i++) {
    const header = basic + extended + (i === 0 ? messageHeader : 0);
    const count = Math.min(chunkSize, size - sent);
    out.push([
      bytes.subarray(pos, pos + header),
      bytes.subarray(pos + header, pos + header + count),
    ]);
    pos += header + count;
    sent += count;
  }
  return out;
}
