/**
 * What a {@linkcode ServerSession} reports to the server core: requests that need a decision
 * (connect, play, publish, getStreamLength) and NetStream events (media, pause, seek, buffer
 * length, stream closed).
 *
 * @module
 */

import type { AmfObject, AmfValue } from "../amf/types.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";

/**
 * A client asked to connect. Answer with `acceptConnect` or `rejectConnect`; until then the
 * session ignores the client's other commands.
 */
export interface ConnectEvent {
  /** The event kind. */
  type: "connect";
  /** The transaction id to answer with. */
  transactionId: number;
  /** The connect object's `app` ("" when absent). */
  app: string;
  /** The connect object's `tcUrl` ("" when absent). */
  tcUrl: string;
  /** The connect object's `objectEncoding` (0 when absent). */
  objectEncoding: number;
  /** The whole connect command object (empty when the client sent none). */
  commandObject: AmfObject;
  /** Values after the command object (rtmpdump's `--auth` and `--conn` items). */
  args: AmfValue[];
}

/** `createStream` was answered with a new message stream id. */
export interface CreateStreamEvent {
  /** The event kind. */
  type: "createStream";
  /** The message stream id. */
  streamId: number;
}

/**
 * A client asked to play. Answer with `beginPlay` (then media) or `rejectPlay`. `start` and
 * `duration` are in milliseconds as clients send them: `start` -2000 means live or recorded,
 * -1000 live only, 0 or more recorded from that time; `duration` below 0 means to the end.
 */
export interface PlayEvent {
  /** The event kind. */
  type: "play";
  /** The message stream id. */
  streamId: number;
  /** The transaction id to answer with. */
  transactionId: number;
  /** The stream name as sent, prefix (`mp4:`) and query included. */
  name: string;
  /** Start in ms. */
  start: number;
  /** Length in ms (below 0: to the end). */
  duration: number;
  /** Whether earlier play requests on the stream are replaced. */
  reset: boolean;
}

/** A client asked to publish. Answer with `acceptPublish` or `rejectPublish`. */
export interface PublishEvent {
  /** The event kind. */
  type: "publish";
  /** The message stream id. */
  streamId: number;
  /** The transaction id to answer with. */
  transactionId: number;
  /** The stream name (or command name). */
  name: string;
  /** "live" (default), "record" or "append". */
  publishType: string;
}

/** Audio, video, data or aggregate message on a stream that is publishing. */
export interface MediaEvent {
  /** The event kind. */
  type: "media";
  /** The message stream id. */
  streamId: number;
  /** The message, as received. */
  message: RtmpMessage;
}

/** `pause` on a stream: `pause` true to pause, false to resume at `position` ms. */
export interface PauseEvent {
  /** The event kind. */
  type: "pause";
  /** The message stream id. */
  streamId: number;
  /** True to pause, false to resume. */
  pause: boolean;
  /** Position in ms. */
  position: number;
}

/** `seek` on a stream, to `position` ms. */
export interface SeekEvent {
  /** The event kind. */
  type: "seek";
  /** The message stream id. */
  streamId: number;
  /** Position in ms. */
  position: number;
}

/** User Control SetBufferLength: the client's buffer for a stream, in ms. */
export interface BufferLengthEvent {
  /** The event kind. */
  type: "bufferLength";
  /** The message stream id. */
  streamId: number;
  /** The buffer length in ms. */
  bufferMs: number;
}

/** `receiveAudio` / `receiveVideo` on a stream. */
export interface ReceiveEvent {
  /** The event kind. */
  type: "receiveAudio" | "receiveVideo";
  /** The message stream id. */
  streamId: number;
  /** Whether the media type is wanted. */
  enabled: boolean;
}

/**
 * A stream stopped playing or publishing: `deleteStream`, `closeStream`, `FCUnpublish` of the
 * name it publishes, or the session closing.
 */
export interface CloseStreamEvent {
  /** The event kind. */
  type: "closeStream";
  /** The message stream id. */
  streamId: number;
  /** What ended it. */
  reason: "deleteStream" | "closeStream" | "FCUnpublish" | "session";
}

/** `getStreamLength`: answer with `replyStreamLength` (seconds). */
export interface StreamLengthEvent {
  /** The event kind. */
  type: "getStreamLength";
  /** The transaction id to answer with. */
  transactionId: number;
  /** The stream name (or command name). */
  name: string;
}

/** A command the session does not handle itself, passed on as it came. */
export interface CommandEvent {
  /** The event kind. */
  type: "command";
  /** The message stream id. */
  streamId: number;
  /** The stream name (or command name). */
  name: string;
  /** The transaction id to answer with. */
  transactionId: number;
  /** The command object. */
  commandObject: AmfValue;
  /** The values after the command object. */
  args: AmfValue[];
}

/** The client acknowledged `bytes` received (Acknowledgement message). */
export interface AcknowledgementEvent {
  /** The event kind. */
  type: "acknowledgement";
  /** The byte count acknowledged. */
  bytes: number;
}

/** The client answered a `sendPing` with this value. */
export interface PingResponseEvent {
  /** The event kind. */
  type: "pingResponse";
  /** The ping value. */
  value: number;
}

/** The client answered `requestSwfVerification` (User Control 0x1B) with this event data. */
export interface SwfVerificationEvent {
  /** The event kind. */
  type: "swfVerification";
  /** The event data after the event type (42 bytes from a well-behaved client). */
  data: Uint8Array;
}

/** Something the session noticed and ignored; for logs. */
export interface WarningEvent {
  /** The event kind. */
  type: "warning";
  /** What happened. */
  message: string;
}

/** Everything a {@linkcode ServerSession} reports. */
export type ServerSessionEvent =
  | ConnectEvent
  | CreateStreamEvent
  | PlayEvent
  | PublishEvent
  | MediaEvent
  | PauseEvent
  | SeekEvent
  | BufferLengthEvent
  | ReceiveEvent
  | CloseStreamEvent
  | StreamLengthEvent
  | CommandEvent
  | AcknowledgementEvent
  | PingResponseEvent
  | SwfVerificationEvent
  | WarningEvent;
