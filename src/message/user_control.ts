/**
 * User Control messages (type 4, RTMP spec section 6.2 and 7.1.7): a u16 event type followed by
 * event data, sent on chunk stream 2, message stream 0.
 *
 * @module
 */

import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { checkU32, readU16, readU32, writeU16, writeU32 } from "./_bytes.ts";
import { MessageError } from "./message_error.ts";
import type { MessageOptions } from "./message_options.ts";
import { CSID, MessageType } from "./message_type.ts";

/** User Control event types (spec section 7.1.7 plus the ones Flash Player and FMS use). */
export const UserControlEvent = {
  /** Data: stream id. The stream became functional. */
  StreamBegin: 0,
  /** Data: stream id. Playback of the stream is over. */
  StreamEOF: 1,
  /** Data: stream id. No more data on the stream for now. */
  StreamDry: 2,
  /** Data: stream id, buffer length in ms. Sent by the client. */
  SetBufferLength: 3,
  /** Data: stream id. The stream is a recorded one. */
  StreamIsRecorded: 4,
  /** Data: timestamp. The peer should answer with PingResponse and the same value. */
  PingRequest: 6,
  /** Data: the timestamp of the PingRequest being answered. */
  PingResponse: 7,
  /** Data: one byte (request type). The server asks for a SWF verification response. */
  SwfVerifyRequest: 26,
  /** Data: 42 bytes of SWF verification (type, version, size, HMAC). */
  SwfVerifyResponse: 27,
  /** Data: stream id. The server's buffer for the stream ran empty (FMS). */
  BufferEmpty: 31,
  /** Data: stream id. The server's buffer for the stream is full again (FMS). */
  BufferReady: 32,
} as const;

/** A decoded User Control message. */
export interface UserControl {
  /** Event type ({@linkcode UserControlEvent}). */
  event: number;
  /** Stream id, for the events that carry one. */
  streamId?: number;
  /** Buffer length in ms (SetBufferLength) or timestamp (PingRequest, PingResponse). */
  value?: number;
  /** Everything after the event type, as a view into the payload. */
  data: Uint8Array;
}

const EVENT_SIZE = 2;
const U32_SIZE = 4;
/** Bytes of event data rtmpdump writes when given numbers: SetBufferLength and 0x1A differ. */
const SET_BUFFER_LENGTH_DATA = 8;
const SWF_VERIFY_REQUEST_DATA = 1;

/** Events whose data starts with a stream id. */
const STREAM_EVENTS: ReadonlySet<number> = new Set([
  UserControlEvent.StreamBegin,
  UserControlEvent.StreamEOF,
  UserControlEvent.StreamDry,
  UserControlEvent.SetBufferLength,
  UserControlEvent.StreamIsRecorded,
  UserControlEvent.BufferEmpty,
  UserControlEvent.BufferReady,
]);

/**
 * Encodes a User Control message. `data` is either the raw event data, or numbers laid out the
 * way rtmpdump's `RTMP_SendCtrl` does: SetBufferLength takes `[streamId, bufferMs]` (10-byte
 * payload), SwfVerifyRequest takes `[requestType]` (3 bytes), every other event takes one u32
 * (6 bytes). Missing numbers are sent as 0.
 *
 * @example
 * ```ts
 * import { encodeUserControl, UserControlEvent } from "./user_control.ts";
 * // rtmpdump after connect: SetBufferLength, stream 0, 300 ms.
 * encodeUserControl(UserControlEvent.SetBufferLength, [0, 300]).payload;
 * // 00 03 00 00 00 00 00 00 01 2c
 * ```
 */
export function encodeUserControl(
  event: number,
  data: readonly number[] | Uint8Array,
  options: MessageOptions = {},
): RtmpMessage {
  if (!Number.isInteger(event) || event < 0 || event > 0xffff) {
    throw new RangeError(`Cannot encode User Control: event ${event} is not a 16-bit value`);
  }
  let payload: Uint8Array;
  if (data instanceof Uint8Array) {
    payload = new Uint8Array(EVENT_SIZE + data.length);
    payload.set(data, EVENT_SIZE);
  } else if (event === UserControlEvent.SwfVerifyRequest) {
    checkCount(event, data, 1);
    const requestType = data[0] ?? 0;
    if (!Number.isInteger(requestType) || requestType < 0 || requestType > 0xff) {
      throw new RangeError(`Cannot encode User Control: ${requestType} is not a byte`);
    }
    payload = new Uint8Array(EVENT_SIZE + SWF_VERIFY_REQUEST_DATA);
    payload[EVENT_SIZE] = requestType;
  } else {
    const count = event === UserControlEvent.SetBufferLength ? 2 : 1;
    checkCount(event, data, count);
    payload = new Uint8Array(EVENT_SIZE + (count === 2 ? SET_BUFFER_LENGTH_DATA : U32_SIZE));
    for (let i = 0; i < count; i++) {
      const value = data[i] ?? 0;
      checkU32(value, "User Control");
      writeU32(payload, EVENT_SIZE + i * U32_SIZE, value);
    }
  }
  writeU16(payload, 0, event);
  return {
    csid: options.csid ?? CSID.ProtocolControl,
    typeId: MessageType.UserControl,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload,
  };
}

function checkCount(event: number, data: readonly number[], count: number): void {
  if (data.length > count) {
    throw new RangeError(
      `Cannot encode User Control event ${event}: takes ${count} number(s), got ${data.length}`,
    );
  }
}

/**
 * Decodes a User Control payload. Stream events (0-4, 31, 32) must carry a 4-byte stream id,
 * SetBufferLength also a 4-byte length, pings a 4-byte timestamp; shorter payloads throw
 * {@linkcode MessageError}. Other events (SWF verification, unknown ones) only get `data`.
 */
export function decodeUserControl(payload: Uint8Array): UserControl {
  if (payload.length < EVENT_SIZE) {
    throw new MessageError(
      `Cannot decode User Control: payload is ${payload.length} bytes, expected at least 2`,
    );
  }
  const event = readU16(payload, 0);
  const data = payload.subarray(EVENT_SIZE);
  const result: UserControl = { event, data };
  let needed = 0;
  if (event === UserControlEvent.SetBufferLength) needed = 2 * U32_SIZE;
  else if (STREAM_EVENTS.has(event)) needed = U32_SIZE;
  else if (event === UserControlEvent.PingRequest || event === UserControlEvent.PingResponse) {
    needed = U32_SIZE;
  }
  if (data.length < needed) {
    throw new MessageError(
      `Cannot decode User Control event ${event}: data is ${data.length} bytes, expected ${needed}`,
    );
  }
  if (STREAM_EVENTS.has(event)) {
    result.streamId = readU32(data, 0);
    if (event === UserControlEvent.SetBufferLength) result.value = readU32(data, U32_SIZE);
  } else if (needed > 0) {
    result.value = readU32(data, 0);
  }
  return result;
}
