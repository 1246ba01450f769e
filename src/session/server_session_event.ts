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
  type: "connect";
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
  type: "createStream";
  streamId: number;
}

/**
 * A client asked to play. Answer with `beginPlay` (then media) or `rejectPlay`. `start` and
 * `duration` are in milliseconds as clients send them: `start` -2000 means live or recorded,
 * -1000 live only, 0 or more recorded from that time; `duration` below 0 means to the end.
 */
export interface PlayEvent {
  type: "play";
  streamId: number;
  transactionId: number;
  /** The stream name as sent, prefix (`mp4:`) and query included. */
  name: string;
  start: number;
  duration: number;
  reset: boolean;
}

/** A client asked to publish. Answer with `acceptPublish` or `rejectPublish`. */
export interface PublishEvent {
  type: "publish";
  streamId: number;
  transactionId: number;
  name: string;
  /** "live" (default), "record" or "append". */
  publishType: string;
}

/** Audio, video, data or aggregate message on a stream that is publishing. */
export interface MediaEvent {
  type: "media";
  streamId: number;
  message: RtmpMessage;
}

/** `pause` on a stream: `pause` true to pause, false to resume at `position` ms. */
export interface PauseEvent {
  type: "pause";
  streamId: number;
  pause: boolean;
  position: number;
}

/** `seek` on a stream, to `position` ms. */
export interface SeekEvent {
  type: "seek";
  streamId: number;
  position: number;
}

/** User Control SetBufferLength: the client's buffer for a stream, in ms. */
export interface BufferLengthEvent {
  type: "bufferLength";
  streamId: number;
  bufferMs: number;
}

/** `receiveAudio` / `receiveVideo` on a stream. */
export interface ReceiveEvent {
  type: "receiveAudio" | "receiveVideo";
  streamId: number;
  enabled: boolean;
}

/**
 * A stream stopped playing or publishing: `deleteStream`, `closeStream`, `FCUnpublish` of the
 * name it publishes, or the session closing.
 */
export interface CloseStreamEvent {
  type: "closeStream";
  streamId: number;
  reason: "deleteStream" | "closeStream" | "FCUnpublish" | "session";
}

/** `getStreamLength`: answer with `replyStreamLength` (seconds). */
export interface StreamLengthEvent {
  type: "getStreamLength";
  transactionId: number;
  name: string;
}

/** A command the session does not handle itself, passed on as it came. */
export interface CommandEvent {
  type: "command";
  streamId: number;
  name: string;
  transactionId: number;
  commandObject: AmfValue;
  args: AmfValue[];
}

/** The client acknowledged `bytes` received (Acknowledgement message). */
export interface AcknowledgementEvent {
  type: "acknowledgement";
  bytes: number;
}

/** The client answered a `sendPing` with this value. */
export interface PingResponseEvent {
  type: "pingResponse";
  value: number;
}

/** Something the session noticed and ignored; for logs. */
export interface WarningEvent {
  type: "warning";
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
  | WarningEvent;
