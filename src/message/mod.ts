/**
 * The message layer: typed RTMP messages to and from chunk payloads. Pure functions; the chunk
 * layer ({@linkcode RtmpMessage}) carries the results. Follows the RTMP specification sections
 * 5.4 (protocol control), 6.2 and 7.1.7 (user control), 7.1 (command, data, aggregate messages)
 * and rtmpdump 2.4's wire choices: chunk stream ids ({@linkcode CSID}), User Control payload
 * sizes (`RTMP_SendCtrl`), the optional Set Peer Bandwidth limit byte (0xFF when absent) and
 * AMF3 command and data messages read as AMF0 after their first byte.
 *
 * Encoders return a complete {@linkcode RtmpMessage} with timestamp 0 and message stream 0
 * unless told otherwise; decoders take a payload (fixed layouts) or a message (AMF bodies, whose
 * type id matters) and throw {@linkcode MessageError} for malformed input. Unlike rtmpdump,
 * decoders reject short payloads instead of ignoring them, and command payloads that fail to
 * decode carry the AMF error as `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCommand, encodeCommand, MessageType } from "./mod.ts";
 *
 * const message = encodeCommand({ name: "createStream", transactionId: 2, commandObject: null, args: [] });
 * assert.equal(message.typeId, MessageType.CommandAmf0);
 * assert.equal(message.csid, 3);
 * assert.equal(decodeCommand(message).name, "createStream");
 * ```
 *
 * @module
 */

export type { RtmpMessage } from "../chunk/rtmp_message.ts";
export {
  AGGREGATE_BACK_POINTER_SIZE,
  AGGREGATE_TAG_HEADER_SIZE,
  type AggregateTag,
  aggregateTags,
} from "./aggregate.ts";
export { type CommandMessage, decodeCommand, encodeCommand } from "./command.ts";
export { type DataMessage, decodeData, encodeData } from "./data_message.ts";
export { MessageError } from "./message_error.ts";
export type { MessageOptions } from "./message_options.ts";
export { CSID, MessageType, type MessageTypeId } from "./message_type.ts";
export {
  decodeAbort,
  decodeAcknowledgement,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeWindowAckSize,
  MAX_SET_CHUNK_SIZE,
  PEER_BANDWIDTH_LIMIT_ABSENT,
  PeerBandwidthLimit,
  type SetPeerBandwidth,
} from "./protocol_control.ts";
export {
  decodeUserControl,
  encodeUserControl,
  type UserControl,
  UserControlEvent,
} from "./user_control.ts";
