/**
 * Session layer: the client engine (and the server and publishing sessions) (NetConnection/NetStream state, transactions, acks, BUFX)
 * and the FLV recorder that writes received media exactly as rtmpdump 2.4's RTMP_Read.
 * Follows librtmp's rtmp.c behaviour (RTMP_ConnectStream, HandleInvoke, RTMP_Read).
 *
 * @module
 */

export {
  ClientSession,
  type ClientSessionHandler,
  type ClientSessionOptions,
  type CloseReason,
  CONNECT_DEFAULTS,
  DEFAULT_WINDOW_ACK_SIZE,
  LIVE_START,
  PauseState,
  propString,
} from "./client_session.ts";
export { type PumpResult, RtmpClient, type RtmpClientOptions } from "./rtmp_client.ts";
export {
  type FlvPieceSink,
  FlvRecorder,
  type FlvRecorderOptions,
  type FlvResumeFilter,
} from "./flv_recorder.ts";
export { inspectMetadata, isOnMetaData, type MetadataInfo } from "./metadata_info.ts";
export { DEFAULT_SINK_LEVEL, LogLevel, logsAt, type LogSink, silentLog, sinkAt } from "./log.ts";
export type { ReadEnd } from "./packet_log.ts";
export { SessionError } from "./session_error.ts";
export {
  Publisher,
  type PublisherOpenOptions,
  type PublisherOptions,
  type PublishFlvOptions,
  PublishRefusedError,
  type PublishResult,
} from "./publisher.ts";
export {
  DEFAULT_PUBLISH_CHUNK_SIZE,
  DEFAULT_PUBLISH_FLASH_VER,
  PublishSession,
  type PublishSessionOptions,
  type PublishState,
} from "./publish_session.ts";
export { ServerSession, type ServerSessionOptions, type StatusInfo } from "./server_session.ts";
export type { TransportUpgrade } from "./handshake_driver.ts";
export {
  type RtmpeServerOptions,
  RtmpeTransportVariant,
  rtmpeVariantFor,
} from "./rtmpe_upgrade.ts";
