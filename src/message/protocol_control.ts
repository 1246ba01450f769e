/**
 * Protocol control messages (RTMP spec section 5.4): Set Chunk Size, Abort, Acknowledgement,
 * Window Acknowledgement Size and Set Peer Bandwidth. Each is a fixed-layout big-endian payload
 * sent on chunk stream 2, message stream 0.
 *
 * @module
 */

import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { checkU32, readU32, writeU32 } from "./_bytes.ts";
import { MessageError } from "./message_error.ts";
import type { MessageOptions } from "./message_options.ts";
import { CSID, MessageType } from "./message_type.ts";

/** Largest chunk size Set Chunk Size may carry (the top bit is reserved and must be 0). */
export const MAX_SET_CHUNK_SIZE = 0x7fffffff;

/** Set Peer Bandwidth limit types (RTMP spec section 5.4.5). */
export const PeerBandwidthLimit = {
  /** Limit the output bandwidth to the window size. */
  Hard: 0,
  /** Limit to the window size or the limit already in effect, whichever is smaller. */
  Soft: 1,
  /** Hard if the previous limit was hard, otherwise ignore the message. */
  Dynamic: 2,
} as const;

/** Limit type librtmp records when a Set Peer Bandwidth payload has no limit type byte. */
export const PEER_BANDWIDTH_LIMIT_ABSENT = 0xff;

/** A decoded Set Peer Bandwidth message. */
export interface SetPeerBandwidth {
  /** Acknowledgement window size the peer asks for, in bytes. */
  windowSize: number;
  /** Limit type ({@linkcode PeerBandwidthLimit}), or 0xFF when the payload omits it. */
  limitType: number;
}

const U32_PAYLOAD = 4;

function controlMessage(typeId: number, payload: Uint8Array, options: MessageOptions): RtmpMessage {
  return {
    csid: options.csid ?? CSID.ProtocolControl,
    typeId,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload,
  };
}

function u32Message(typeId: number, value: number, options: MessageOptions): RtmpMessage {
  const payload = new Uint8Array(U32_PAYLOAD);
  writeU32(payload, 0, value);
  return controlMessage(typeId, payload, options);
}

/** Reads the leading u32 of a payload that must hold at least 4 bytes; extra bytes are ignored. */
function readU32Payload(payload: Uint8Array, what: string, expected = "4"): number {
  if (payload.length < U32_PAYLOAD) {
    throw new MessageError(
      `Cannot decode ${what}: payload is ${payload.length} bytes, expected ${expected}`,
    );
  }
  return readU32(payload, 0);
}

/**
 * Encodes Set Chunk Size (type 1) announcing `chunkSize` (1..0x7FFFFFFF).
 *
 * @example
 * ```ts
 * import { encodeSetChunkSize } from "./protocol_control.ts";
 * encodeSetChunkSize(4096).payload; // 00 00 10 00
 * ```
 */
export function encodeSetChunkSize(chunkSize: number, options: MessageOptions = {}): RtmpMessage {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_SET_CHUNK_SIZE) {
    throw new RangeError(`Cannot encode Set Chunk Size: ${chunkSize} is out of range`);
  }
  return u32Message(MessageType.SetChunkSize, chunkSize, options);
}

/** Decodes a Set Chunk Size payload, rejecting 0 and values with the top bit set. */
export function decodeSetChunkSize(payload: Uint8Array): number {
  const chunkSize = readU32Payload(payload, "Set Chunk Size");
  if (chunkSize === 0 || chunkSize > MAX_SET_CHUNK_SIZE) {
    throw new MessageError(`Cannot decode Set Chunk Size: ${chunkSize} is out of range`);
  }
  return chunkSize;
}

/** Encodes Abort (type 2) for the partial message on chunk stream `csid`. */
export function encodeAbort(csid: number, options: MessageOptions = {}): RtmpMessage {
  checkU32(csid, "Abort");
  return u32Message(MessageType.Abort, csid, options);
}

/** Decodes an Abort payload: the chunk stream id whose partial message is dropped. */
export function decodeAbort(payload: Uint8Array): number {
  return readU32Payload(payload, "Abort");
}

/**
 * Encodes Acknowledgement (type 3) with the number of bytes received so far; the count is sent
 * modulo 2^32, as it wraps on the wire.
 */
export function encodeAcknowledgement(
  bytesReceived: number,
  options: MessageOptions = {},
): RtmpMessage {
  if (!Number.isInteger(bytesReceived) || bytesReceived < 0) {
    throw new RangeError(`Cannot encode Acknowledgement: ${bytesReceived} is not a byte count`);
  }
  return u32Message(MessageType.Acknowledgement, bytesReceived % 0x1_0000_0000, options);
}

/** Decodes an Acknowledgement payload: the peer's received byte count (mod 2^32). */
export function decodeAcknowledgement(payload: Uint8Array): number {
  return readU32Payload(payload, "Acknowledgement");
}

/** Encodes Window Acknowledgement Size (type 5). */
export function encodeWindowAckSize(windowSize: number, options: MessageOptions = {}): RtmpMessage {
  checkU32(windowSize, "Window Acknowledgement Size");
  return u32Message(MessageType.WindowAckSize, windowSize, options);
}

/** Decodes a Window Acknowledgement Size payload. */
export function decodeWindowAckSize(payload: Uint8Array): number {
  return readU32Payload(payload, "Window Acknowledgement Size");
}

/** Encodes Set Peer Bandwidth (type 6): window size and limit type byte. */
export function encodeSetPeerBandwidth(
  windowSize: number,
  limitType: number = PeerBandwidthLimit.Dynamic,
  options: MessageOptions = {},
): RtmpMessage {
  checkU32(windowSize, "Set Peer Bandwidth");
  if (!Number.isInteger(limitType) || limitType < 0 || limitType > 0xff) {
    throw new RangeError(`Cannot encode Set Peer Bandwidth: limit type ${limitType} is not a byte`);
  }
  const payload = new Uint8Array(U32_PAYLOAD + 1);
  writeU32(payload, 0, windowSize);
  payload[U32_PAYLOAD] = limitType;
  return controlMessage(MessageType.SetPeerBandwidth, payload, options);
}

/**
 * Decodes a Set Peer Bandwidth payload. The limit type byte is optional, as in librtmp, which
 * records 0xFF ({@linkcode PEER_BANDWIDTH_LIMIT_ABSENT}) when it is missing.
 */
export function decodeSetPeerBandwidth(payload: Uint8Array): SetPeerBandwidth {
  const windowSize = readU32Payload(payload, "Set Peer Bandwidth", "4 or 5");
  const limitType = payload.length > U32_PAYLOAD
    ? payload[U32_PAYLOAD]
    : PEER_BANDWIDTH_LIMIT_ABSENT;
  return { windowSize, limitType };
}
