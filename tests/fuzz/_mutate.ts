/**
 * Mutations of the fuzz harness: byte-level ones for every target (bit flips, interesting
 * values, length-field edits, inserts, deletes, duplicates, splices with other seeds) and
 * structure-aware ones for chunk streams (messages edited, dropped, repeated and re-chunked at
 * another chunk size, Set Chunk Size and Abort inserted) and AMF bodies (values replaced).
 *
 * @module
 */

import {
  AmfDate,
  AmfEcmaArray,
  AmfObject,
  type AmfValue,
  AmfXml,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { ChunkDecoder, ChunkEncoder, type RtmpMessage } from "../../src/chunk/mod.ts";
import type { Random } from "./_random.ts";

/** Largest input a mutation may produce; bigger results are cut. */
export const MAX_INPUT = 256 * 1024;

/** Values that sit on the edges of 8-, 16-, 24- and 32-bit fields. */
const INTERESTING = [
  0,
  1,
  2,
  3,
  4,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  0x7fffff,
  0x800000,
  0xffffff,
  0x1000000,
  0x7fffffff,
  0x80000000,
  0xffffffff,
];

/** Chunk sizes worth announcing: tiny, default, common, odd and out of range. */
const CHUNK_SIZES = [1, 2, 3, 7, 127, 128, 129, 1000, 4096, 60000, 65536, 0x7fffffff];
const BAD_CHUNK_SIZES = [0, 0x80000000, 0xffffffff];

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(Math.min(length, MAX_INPUT));
  let offset = 0;
  for (const part of parts) {
    const take = Math.min(part.length, out.length - offset);
    out.set(part.subarray(0, take), offset);
    offset += take;
    if (offset === out.length) break;
  }
  return out;
}

/** Writes `value` into `size` bytes at `offset`, big- or little-endian. */
function writeField(bytes: Uint8Array, offset: number, size: number, value: number, le: boolean) {
  for (let i = 0; i < size && offset + i < bytes.length; i++) {
    const shift = 8 * (le ? i : size - 1 - i);
    bytes[offset + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

function readField(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size && offset + i < bytes.length; i++) {
    value = value * 256 + bytes[offset + i];
  }
  return value;
}

/** One byte-level mutation of `input` (a new array; `input` is not changed). */
export function mutateBytes(
  input: Uint8Array,
  rng: Random,
  others: readonly Uint8Array[],
): Uint8Array {
  const bytes = input.slice();
  const length = bytes.length;
  const at = () => rng.below(Math.max(length, 1));
  switch (rng.below(11)) {
    case 0: { // bit flips
      if (length === 0) return rng.bytes(rng.between(1, 8));
      for (let i = rng.between(1, 4); i > 0; i--) bytes[at()] ^= 1 << rng.below(8);
      return bytes;
    }
    case 1: { // interesting byte values
      if (length === 0) return Uint8Array.of(rng.pick(INTERESTING) & 0xff);
      bytes[at()] = rng.pick([
        0x00,
        0x01,
        0x02,
        0x03,
        0x05,
        0x09,
        0x11,
        0x3f,
        0x7f,
        0x80,
        0xc3,
        0xff,
      ]);
      return bytes;
    }
    case 2: { // random bytes
      for (let i = rng.between(1, 8); i > 0 && length > 0; i--) bytes[at()] = rng.u32() & 0xff;
      return bytes;
    }
    case 3: { // length-field edit: an interesting value, or the value nudged
      if (length === 0) return bytes;
      const size = rng.pick([1, 2, 3, 4]);
      const offset = at();
      const le = rng.chance(0.2);
      const value = rng.chance(0.5)
        ? rng.pick(INTERESTING)
        : Math.max(0, readField(bytes, offset, size) + rng.between(-16, 16));
      writeField(bytes, offset, size, value % 2 ** (8 * size), le);
      return bytes;
    }
    case 4: { // insert random bytes
      const offset = rng.below(length + 1);
      return concat(
        bytes.subarray(0, offset),
        rng.bytes(rng.between(1, 32)),
        bytes.subarray(offset),
      );
    }
    case 5: { // delete a range
      if (length === 0) return bytes;
      const start = at();
      const end = Math.min(length, start + rng.between(1, rng.chance(0.8) ? 16 : 4096));
      return concat(bytes.subarray(0, start), bytes.subarray(end));
    }
    case 6: { // duplicate a range
      if (length === 0) return bytes;
      const start = at();
      const end = Math.min(length, start + rng.between(1, 512));
      const insertAt = rng.below(length + 1);
      return concat(
        bytes.subarray(0, insertAt),
        bytes.subarray(start, end),
        bytes.subarray(insertAt),
      );
    }
    case 7: { // splice in a piece of another seed
      const other = rng.pick(others);
      if (other.length === 0) return bytes;
      const start = rng.below(other.length);
      const end = Math.min(other.length, start + rng.between(1, 2048));
      const insertAt = rng.below(length + 1);
      const replace = rng.chance(0.5) ? Math.min(end - start, length - insertAt) : 0;
      return concat(
        bytes.subarray(0, insertAt),
        other.subarray(start, end),
        bytes.subarray(insertAt + replace),
      );
    }
    case 8: { // crossover: a prefix of this, the rest of another
      const other = rng.pick(others);
      return concat(
        bytes.subarray(0, rng.below(length + 1)),
        other.subarray(rng.below(other.length + 1)),
      );
    }
    case 9: // truncate
      return bytes.subarray(0, rng.below(length + 1));
    default: { // repeat a range many times (floods)
      if (length === 0) return bytes;
      const start = at();
      const piece = bytes.subarray(start, Math.min(length, start + rng.between(1, 64)));
      const times = rng.between(2, 200);
      const parts = [bytes.subarray(0, start)];
      for (let i = 0; i < times; i++) parts.push(piece);
      parts.push(bytes.subarray(start));
      return concat(...parts);
    }
  }
}

/** Decodes as many whole messages as `bytes` holds (stopping at the first error). */
export function chunkMessages(bytes: Uint8Array): RtmpMessage[] {
  const decoder = new ChunkDecoder({ maxChunkStreams: 65600 });
  const messages: RtmpMessage[] = [];
  try {
    decoder.push(bytes, (message) => messages.push(message));
  } catch {
    // Keep what decoded before the error.
  }
  return messages;
}

function u32Payload(value: number): Uint8Array {
  const payload = new Uint8Array(4);
  writeField(payload, 0, 4, value, false);
  return payload;
}

/**
 * A structure-aware mutation of a chunk stream: its messages decoded, edited and encoded again,
 * possibly at another chunk size announced in the stream (or at a bad one).
 */
export function mutateChunkStream(input: Uint8Array, rng: Random): Uint8Array {
  const messages = chunkMessages(input).filter((m) => m.typeId !== 1);
  const edits = rng.between(1, 3);
  for (let e = 0; e < edits; e++) {
    const index = rng.below(messages.length + 1);
    const message = messages[index] as RtmpMessage | undefined;
    switch (rng.below(8)) {
      case 0: // edit a payload
        if (message) message.payload = mutateBytes(message.payload, rng, [message.payload]);
        break;
      case 1: // edit header fields
        if (message) {
          if (rng.chance(0.5)) {
            message.typeId = rng.chance(0.7) ? rng.between(1, 22) : rng.below(256);
          }
          if (rng.chance(0.3)) message.csid = rng.pick([2, 3, 4, 5, 6, 8, 63, 64, 319, 320, 65599]);
          if (rng.chance(0.3)) message.messageStreamId = rng.pick([0, 1, 2, 0xffffffff]);
          if (rng.chance(0.3)) message.timestamp = rng.pick(INTERESTING);
        }
        break;
      case 2: // drop a message
        if (message) messages.splice(index, 1);
        break;
      case 3: // repeat a message
        if (message) messages.splice(index, 0, ...Array(rng.between(1, 50)).fill(message));
        break;
      case 4: // an AMF body with a value replaced
        if (message && [15, 17, 18, 20].includes(message.typeId)) {
          message.payload = mutateAmf0Body(message.payload, rng);
        }
        break;
      case 5: // a short or odd control message
        messages.splice(index, 0, {
          csid: 2,
          typeId: rng.pick([2, 3, 4, 5, 6]),
          timestamp: 0,
          messageStreamId: 0,
          payload: rng.bytes(rng.pick([0, 1, 2, 3, 4, 5, 6, 10])),
        });
        break;
      case 6: // Abort naming some chunk stream
        messages.splice(index, 0, {
          csid: 2,
          typeId: 2,
          timestamp: 0,
          messageStreamId: 0,
          payload: u32Payload(rng.pick([2, 3, 4, 5, 6, 8, 65599, 0xffffffff])),
        });
        break;
      default: // a large message
        messages.splice(index, 0, {
          csid: rng.pick([3, 4, 5, 6]),
          typeId: rng.pick([8, 9, 18, 20]),
          timestamp: 0,
          messageStreamId: 1,
          payload: new Uint8Array(rng.pick([200, 5000, 70000])),
        });
        break;
    }
  }
  const encoder = new ChunkEncoder();
  const parts: Uint8Array[] = [];
  const chunkSizeAt = rng.chance(0.7) ? rng.below(messages.length + 1) : -1;
  for (let i = 0; i <= messages.length; i++) {
    if (i === chunkSizeAt) {
      const bad = rng.chance(0.1);
      const size = bad ? rng.pick(BAD_CHUNK_SIZES) : rng.pick(CHUNK_SIZES);
      encoder.write({
        csid: 2,
        typeId: 1,
        timestamp: 0,
        messageStreamId: 0,
        payload: u32Payload(size),
      });
      if (!bad) encoder.chunkSize = size;
      else {
        parts.push(encoder.takeOutput());
        break; // the decoder stops here; the rest would not be read
      }
    }
    if (i === messages.length) break;
    if (rng.chance(0.02) && encoder.chunkSize <= 65536) {
      // A header that declares a message larger than what follows: one chunk, then other
      // chunk streams go on and the message stays partial (or is declared again later).
      parts.push(encoder.takeOutput(), partialMessage(rng, encoder.chunkSize));
    }
    const message = messages[i];
    try {
      encoder.write(message, { forceFull: rng.chance(0.1) });
    } catch {
      // A field out of the encoder's range: leave the message out.
    }
    if (encoder.pendingBytes > MAX_INPUT) break;
  }
  parts.push(encoder.takeOutput());
  let out = concat(...parts);
  // Cut a partial message off the end now and then.
  if (rng.chance(0.2) && out.length > 0) out = out.subarray(0, rng.below(out.length));
  return out;
}

/** A fmt-0 header on chunk stream 40-43 declaring up to 16 MiB, and its first chunk only. */
function partialMessage(rng: Random, chunkSize: number): Uint8Array {
  const length = rng.pick([0xffffff, 0x800000, 70000, chunkSize + 1]);
  const header = new Uint8Array(12 + Math.min(chunkSize, length));
  header[0] = 40 + rng.below(4);
  writeField(header, 4, 3, length, false);
  header[7] = rng.pick([8, 9, 18, 20]);
  return header;
}

/** Values that stress the code reading AMF: edges, odd types, long and deep values. */
function interestingAmf(rng: Random): AmfValue {
  switch (rng.below(14)) {
    case 0:
      return rng.pick([0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 31, -1000, 1e308]);
    case 1:
      return rng.pick(["", "connect", "_result", "onStatus", "play", "publish", "createStream"]);
    case 2:
      return "x".repeat(rng.pick([255, 65535, 65536, 100_000]));
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return rng.chance(0.5);
    case 6: {
      let value: AmfValue = null;
      for (let i = rng.between(1, 300); i > 0; i--) value = [value];
      return value;
    }
    case 7: {
      const object = new AmfObject();
      for (let i = rng.between(0, 50); i > 0; i--) object.set(`k${i}`, i);
      return object;
    }
    case 8:
      return new AmfEcmaArray([["code", "NetStream.Play.Start"], ["level", "status"]]);
    case 9:
      return new AmfObject([
        ["level", rng.pick(["status", "error", "warning", ""])],
        ["code", rng.pick(["NetStream.Play.Start", "NetStream.Play.Stop", "NetStream.Failed", ""])],
        ["description", "x"],
      ]);
    case 10:
      return new AmfDate(rng.pick([0, NaN, -1, 1e15]), rng.pick([0, -1, 0x7fff]));
    case 11:
      return new AmfXml("<x/>");
    case 12:
      return Array.from({ length: rng.between(0, 20) }, (_, i) => i);
    default:
      return rng.pick([0, 1, 2, 3, 4, 5, 0xffffffff, 65599]);
  }
}

/** Levels of nesting around the limit of 256, where readers and writers must agree. */
function depthNear(rng: Random): number {
  return rng.chance(0.5) ? rng.between(0, 300) : rng.pick([127, 128, 129, 255, 256, 257]);
}

function repeatBytes(unit: readonly number[], times: number): Uint8Array {
  const out = new Uint8Array(unit.length * times);
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
  return out;
}

/** AMF0 strict array of one item, AMF0 object with one property "a", AMF3 dense array of one. */
const AMF0_ARRAY_OF_ONE = [0x0a, 0, 0, 0, 1];
const AMF0_OBJECT_A = [0x03, 0x00, 0x01, 0x61];
const AMF3_ARRAY_OF_ONE = [0x09, 0x03, 0x01];

/** Bytes that decode to U+FFFD, `count` of them, as a u16-length name or string body. */
function invalidUtf8Name(count: number): Uint8Array {
  const out = new Uint8Array(2 + count).fill(0xff);
  out[0] = count >> 8;
  out[1] = count & 0xff;
  return out;
}

/**
 * An AMF0 body built around the limits: a value nested deep in AMF0 and AMF3 levels across the
 * AVM+ switch, a reference to a deep value from a deep place, or a name of invalid UTF-8 that
 * grows when decoded.
 */
function amf0AtTheLimits(body: Uint8Array, rng: Random): Uint8Array {
  switch (rng.below(4)) {
    case 0: { // AMF0 levels, the AVM+ switch, AMF3 levels, then a leaf
      const leaf = rng.pick([[0x01], [0x04, 0x05], [0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], [
        0x0d,
        0x03,
        0,
        0,
        0,
        0,
        7,
      ]]);
      return concat(
        repeatBytes(AMF0_ARRAY_OF_ONE, depthNear(rng)),
        Uint8Array.of(0x11),
        repeatBytes(AMF3_ARRAY_OF_ONE, depthNear(rng)),
        Uint8Array.from(leaf),
      );
    }
    case 1: { // a deep value, then a reference to it from deep inside another
      return concat(
        repeatBytes(AMF0_ARRAY_OF_ONE, depthNear(rng)),
        Uint8Array.of(0x05),
        repeatBytes(AMF0_ARRAY_OF_ONE, depthNear(rng)),
        Uint8Array.of(0x07, 0x00, rng.below(3)),
      );
    }
    case 2: { // a property or class name of invalid UTF-8
      const count = rng.pick([21845, 21846, 30000, 65535]);
      return rng.chance(0.5)
        ? concat(Uint8Array.of(0x03), invalidUtf8Name(count), Uint8Array.of(0x05, 0, 0, 9))
        : concat(Uint8Array.of(0x10), invalidUtf8Name(count), Uint8Array.of(0, 0, 9));
    }
    default: { // the body wrapped in objects
      const levels = depthNear(rng);
      return concat(
        repeatBytes(AMF0_OBJECT_A, levels),
        body.length > 0 ? body : Uint8Array.of(5),
        repeatBytes([0, 0, 9], levels),
      );
    }
  }
}

/** An AMF3 body around the nesting limit: arrays, then a leaf, a vector or a reference. */
function amf3AtTheLimits(rng: Random): Uint8Array {
  const levels = depthNear(rng);
  const leaf = rng.pick([
    [0x01],
    [0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], // a date
    [0x0b, 0x03, 0x78], // XML
    [0x0d, 0x03, 0x00, 0, 0, 0, 7], // Vector.<int> [7]
    [0x09, 0x00], // a reference to the outermost array
    [0x09, 0x02], // a reference to the next one
  ]);
  if (rng.chance(0.3)) {
    // [deep, [[…ref…]]]: a deep value, then a reference to it from another deep place
    return concat(
      Uint8Array.of(0x09, 0x05, 0x01),
      repeatBytes(AMF3_ARRAY_OF_ONE, depthNear(rng)),
      Uint8Array.of(0x01),
      repeatBytes(AMF3_ARRAY_OF_ONE, depthNear(rng)),
      Uint8Array.of(0x09, 0x02),
    );
  }
  return concat(repeatBytes(AMF3_ARRAY_OF_ONE, levels), Uint8Array.from(leaf));
}

/** Replaces one value of an AMF0 body (top level, or a property of an object) and encodes it. */
export function mutateAmf0Body(body: Uint8Array, rng: Random): Uint8Array {
  if (rng.chance(0.1)) return amf0AtTheLimits(body, rng);
  return mutateAmfBody(body, rng, decodeAmf0, encodeAmf0);
}

/** {@linkcode mutateAmf0Body} for AMF3, where values may also be byte arrays. */
export function mutateAmf3Body(body: Uint8Array, rng: Random): Uint8Array {
  if (rng.chance(0.1)) return amf3AtTheLimits(rng);
  return mutateAmfBody(body, rng, decodeAmf3, encodeAmf3, () => rng.bytes(rng.below(300)));
}

function mutateAmfBody(
  body: Uint8Array,
  rng: Random,
  decode: (bytes: Uint8Array) => AmfValue[],
  encode: (...values: AmfValue[]) => Uint8Array,
  extra?: () => AmfValue,
): Uint8Array {
  let values: AmfValue[];
  try {
    values = decode(body);
  } catch {
    return mutateBytes(body, rng, [body]);
  }
  const replacement = () => extra !== undefined && rng.chance(0.1) ? extra() : interestingAmf(rng);
  const index = rng.below(values.length + 1);
  const target = values[index];
  const choice = rng.below(10);
  if (target instanceof Map && target.size > 0 && choice < 5) {
    const keys = [...target.keys()];
    const key = rng.pick(keys);
    if (choice === 0) target.delete(key);
    else target.set(key, replacement());
  } else if (Array.isArray(target) && target.length > 0 && choice < 5) {
    target[rng.below(target.length)] = replacement();
  } else if (choice === 5) {
    values.splice(index, 1);
  } else if (choice === 6 && values.length > 0) {
    values.splice(index, 0, values[rng.below(values.length)]); // the same value twice
  } else {
    values[index] = replacement();
  }
  try {
    return encode(...values);
  } catch {
    return body;
  }
}
