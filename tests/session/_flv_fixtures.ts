/**
 * Builders shared by the FLV recorder and metadata tests: RTMP messages, hand-made AMF0 bytes
 * and expected FLV bytes.
 *
 * @module
 */

import type { RtmpMessage } from "../../src/chunk/rtmp_message.ts";
import { encodeFlvHeader, encodeFlvTag } from "../../src/flv/mod.ts";
import type { FlvRecorder } from "../../src/session/flv_recorder.ts";

/** A message as the chunk layer delivers it. */
export function message(
  typeId: number,
  timestamp: number,
  payload: ArrayLike<number>,
): RtmpMessage {
  return { csid: 4, typeId, timestamp, messageStreamId: 1, payload: Uint8Array.from(payload) };
}

/** Concatenates byte arrays. */
export function concat(parts: ArrayLike<number>[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Pushes messages (then finishes if asked) and returns what each call produced. */
export function record(
  recorder: FlvRecorder,
  messages: RtmpMessage[],
  finish = true,
): { bytes: Uint8Array; perCall: Uint8Array[]; pieces: Uint8Array[] } {
  const pieces: Uint8Array[] = [];
  const perCall: Uint8Array[] = [];
  for (const m of messages) {
    const mine: Uint8Array[] = [];
    recorder.push(m, (piece) => mine.push(piece));
    pieces.push(...mine);
    perCall.push(concat(mine));
  }
  if (finish) {
    const mine: Uint8Array[] = [];
    recorder.finish((piece) => mine.push(piece));
    pieces.push(...mine);
    perCall.push(concat(mine));
  }
  return { bytes: concat(pieces), perCall, pieces };
}

/** The 13-byte FLV header. */
export function header(flags: number): Uint8Array {
  return encodeFlvHeader(flags);
}

/** One FLV tag with its back-pointer. */
export function tag(type: number, timestamp: number, data: ArrayLike<number>): Uint8Array {
  return encodeFlvTag({ type, timestamp, data: Uint8Array.from(data) });
}

/** An aggregate sub-tag: FLV tag header, data, PreviousTagSize (`backPointer` overrides it). */
export function subTag(
  type: number,
  timestamp: number,
  data: ArrayLike<number>,
  backPointer?: number,
): Uint8Array {
  const bytes = tag(type, timestamp, data);
  if (backPointer !== undefined) {
    new DataView(bytes.buffer).setUint32(bytes.length - 4, backPointer);
  }
  return bytes;
}

const text = new TextEncoder();

/** AMF0 string value: 02, u16 length, UTF-8. */
export function amfString(value: string): number[] {
  const bytes = text.encode(value);
  return [0x02, bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

/** AMF0 number value: 00 + IEEE double. */
export function amfNumber(value: number): number[] {
  const bytes = new Uint8Array(9);
  new DataView(bytes.buffer).setFloat64(1, value);
  return Array.from(bytes);
}

/** AMF0 boolean value. */
export function amfBoolean(value: boolean): number[] {
  return [0x01, value ? 1 : 0];
}

/** Property name: u16 length + UTF-8 (no marker). */
function name(value: string): number[] {
  const bytes = text.encode(value);
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

/** Object end marker. */
export const OBJECT_END = [0x00, 0x00, 0x09];

/** AMF0 object (03) with named properties and the end marker. */
export function amfObject(entries: [string, number[]][]): number[] {
  return [0x03, ...entries.flatMap(([k, v]) => [...name(k), ...v]), ...OBJECT_END];
}

/** AMF0 ECMA array (08) with its count, named properties and the end marker. */
export function amfEcmaArray(entries: [string, number[]][], withEnd = true): number[] {
  const count = entries.length;
  return [
    0x08,
    count >>> 24,
    (count >>> 16) & 0xff,
    (count >>> 8) & 0xff,
    count & 0xff,
    ...entries.flatMap(([k, v]) => [...name(k), ...v]),
    ...(withEnd ? OBJECT_END : []),
  ];
}

/** AMF0 strict array (0A) of values. */
export function amfStrictArray(items: number[][]): number[] {
  const count = items.length;
  return [
    0x0a,
    count >>> 24,
    (count >>> 16) & 0xff,
    (count >>> 8) & 0xff,
    count & 0xff,
    ...items.flat(),
  ];
}

/** A typical onMetaData body: "onMetaData" + ECMA array. */
export function onMetaDataEcma(entries: [string, number[]][]): number[] {
  return [...amfString("onMetaData"), ...amfEcmaArray(entries)];
}

/** An onMetaData body whose second value is an object. */
export function onMetaDataObject(entries: [string, number[]][]): number[] {
  return [...amfString("onMetaData"), ...amfObject(entries)];
}
