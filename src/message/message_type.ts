/**
 * Message type ids and the chunk stream ids rtmpdump sends them on.
 *
 * @module
 */

/** RTMP message type ids (RTMP spec sections 5.4, 6.2 and 7.1; librtmp `RTMP_PACKET_TYPE_*`). */
export const MessageType = {
  /** Protocol control: Set Chunk Size (u32). */
  SetChunkSize: 1,
  /** Protocol control: Abort Message (u32 csid). */
  Abort: 2,
  /** Protocol control: Acknowledgement (u32 bytes received). */
  Acknowledgement: 3,
  /** User Control Message (u16 event + data). */
  UserControl: 4,
  /** Protocol control: Window Acknowledgement Size (u32). */
  WindowAckSize: 5,
  /** Protocol control: Set Peer Bandwidth (u32 + limit type byte). */
  SetPeerBandwidth: 6,
  /** Audio data (an FLV audio tag body). */
  Audio: 8,
  /** Video data (an FLV video tag body). */
  Video: 9,
  /** Data message, AMF3 flavour (librtmp's "flex stream send"). */
  DataAmf3: 15,
  /** Shared object message, AMF3 flavour. */
  SharedObjectAmf3: 16,
  /** Command message, AMF3 flavour (librtmp's "flex message"). */
  CommandAmf3: 17,
  /** Data message, AMF0 (librtmp's "info"/"notify": onMetaData, @setDataFrame). */
  DataAmf0: 18,
  /** Shared object message, AMF0. */
  SharedObjectAmf0: 19,
  /** Command message, AMF0 (librtmp's "invoke"). */
  CommandAmf0: 20,
  /** Aggregate message: a run of FLV tags. */
  Aggregate: 22,
} as const;

/** Any value of {@linkcode MessageType}. */
export type MessageTypeId = typeof MessageType[keyof typeof MessageType];

/** Chunk stream ids rtmpdump 2.4 uses for what it sends. */
export const CSID = {
  /** Protocol control and user control messages, acknowledgements. */
  ProtocolControl: 2,
  /** connect, createStream, FCSubscribe, releaseStream, deleteStream and other commands. */
  Command: 3,
  /** Media and data messages sent while publishing. */
  Media: 4,
  /** The publish command (same chunk stream as the media that follows it). */
  Publish: 4,
  /** play, set_playlist, pause and seek. */
  Stream: 8,
} as const;
