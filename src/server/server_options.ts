/**
 * Configuration of an {@linkcode RtmpServer}: where to listen, what to serve, the hooks that
 * accept or reject connect/play/publish, and the limits that bound what any client can cost.
 *
 * @module
 */

import type { AmfObject, AmfValue } from "../amf/types.ts";
import type { RemoteAddr } from "../../transports/transport.ts";
import type { LogSink } from "../session/log.ts";
import type { RtmpeServerOptions } from "../session/rtmpe_upgrade.ts";
import type { ListenAddress } from "./listen_address.ts";
import type { ListenTlsOptions } from "../../transports/listen.ts";
import type { PublisherAuthMethod } from "../auth/auth_rejection.ts";
import type { SwfInfo } from "../swf/swf_hash.ts";

/** Limits of the server; every one bounds memory or sockets a client can hold. */
export interface RtmpServerLimits {
  /** Connections open at once; more are closed as soon as they are accepted. Default 1000. */
  maxConnections: number;
  /** Largest message a client may send, in bytes (chunk decoder limit). Default 8 MiB. */
  maxMessageSize: number;
  /**
   * A connection that neither sent nor received a byte for this long is closed, handshake
   * included. Default 60 s (nginx-rtmp's `timeout`). 0 disables it.
   */
  idleTimeoutMs: number;
  /**
   * Bytes queued for one live player at most. Past half of it the player loses video frames
   * up to the next keyframe; past all of it, it is disconnected. Default 8 MiB.
   */
  playerQueueBytes: number;
  /**
   * A live player that keeps losing video for this much stream time is disconnected. Default
   * 10 s.
   */
  playerMaxLagMs: number;
  /** Bytes of the current GOP kept per live stream for joining players. Default 4 MiB. */
  gopCacheBytes: number;
  /** Message streams one connection may create. Default 64. */
  maxStreamsPerConnection: number;
}

/** The defaults of {@linkcode RtmpServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Readonly<RtmpServerLimits> = {
  maxConnections: 1000,
  maxMessageSize: 8 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  playerQueueBytes: 8 * 1024 * 1024,
  playerMaxLagMs: 10_000,
  gopCacheBytes: 4 * 1024 * 1024,
  maxStreamsPerConnection: 64,
};

/** What the connect hook is told. */
export interface ConnectRequest {
  /** The connect object's `app` (query string included). */
  app: string;
  /** The connect object's `tcUrl` ("" when absent). */
  tcUrl: string;
  /** The client's address. */
  remoteAddr: RemoteAddr;
  /** The whole connect object. */
  commandObject: AmfObject;
  /** Values after the connect object. */
  args: AmfValue[];
}

/** What the play hook is told. */
export interface PlayRequest {
  /** The app the client connected to. */
  app: string;
  /** The name as the client sent it. */
  name: string;
  /** The client's address. */
  remoteAddr: RemoteAddr;
  /** "live" when a publisher serves the name, "vod" for a file (`path` is set). */
  kind: "live" | "vod";
  /** The file played, for VOD. */
  path?: string;
  /** play's start in ms (-2000 live or recorded, -1000 live only). */
  start: number;
  /** play's len in ms (below 0: to the end). */
  duration: number;
}

/** What the publish hook is told. */
export interface PublishRequest {
  /** The app the client connected to. */
  app: string;
  /** The stream name as sent (query string included). */
  name: string;
  /** The client's address. */
  remoteAddr: RemoteAddr;
  /** "live", "record" or "append" (all are relayed live; nothing is recorded). */
  publishType: string;
}

/** A hook's verdict: `false` rejects; `true` or nothing accepts. */
export type HookVerdict = boolean | void;

/**
 * Decisions the embedding program can take. Hooks may be async (a throwing hook rejects); while
 * an async publish hook decides, media the client sends on that stream is dropped.
 */
export interface RtmpServerHooks {
  /** A client connects; rejecting sends `_error` NetConnection.Connect.Rejected and closes. */
  onConnect?(request: ConnectRequest): HookVerdict | Promise<HookVerdict>;
  /** A client plays a stream or file that exists; rejecting sends NetStream.Play.Failed. */
  onPlay?(request: PlayRequest): HookVerdict | Promise<HookVerdict>;
  /** A client publishes a free name; rejecting sends NetStream.Publish.Denied. */
  onPublish?(request: PublishRequest): HookVerdict | Promise<HookVerdict>;
}

/** Options of an {@linkcode RtmpServer}. */
export interface RtmpServerOptions {
  /** Folder served to players (`play NAME` → ROOT/NAME). Without it, only live streams play. */
  root?: string;
  /**
   * Listen URLs (`rtmp://127.0.0.1:1935`, `rtmps://…`, `rtmpt://…`, `rtmpts://…`) or addresses
   * (an address without a scheme is plain rtmp).
   */
  listen?: (string | ListenAddress | { hostname: string; port: number })[];
  /** Certificate and key files for rtmps:// and rtmpts:// listeners. */
  tls?: ListenTlsOptions;
  /** Accept or reject connect, play and publish. */
  hooks?: RtmpServerHooks;
  /**
   * Publisher authentication (`serve --auth`): a client that connects as a publisher (connect
   * `type: "nonprivate"`, as librtmp, ffmpeg and rtmpkit send it) must answer this method's
   * challenge with one of these users; other clients may play but not publish.
   */
  publisherAuth?: { method: PublisherAuthMethod; users: ReadonlyMap<string, string> };
  /**
   * SWF verification (`serve --swf-verify`): players are asked for it (User Control 0x1A) before
   * their first play, and refused and disconnected unless their answer matches this SWF.
   */
  swfVerification?: SwfInfo;
  /** Limits; unset ones keep {@linkcode DEFAULT_SERVER_LIMITS}. */
  limits?: Partial<RtmpServerLimits>;
  /**
   * How RTMPE clients are answered: every listener accepts the encrypted handshake (C0 6, 8 or
   * 9). Default: the S0 librtmp's server answers (8 to rtmpdump), a fresh key pair each.
   */
  rtmpe?: RtmpeServerOptions;
  /** Receives one line per connection, play, publish, drop and close (librtmp log levels). */
  log?: LogSink;
}

/** Counters of a running server. */
export interface RtmpServerStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since start. */
  acceptedConnections: number;
  /** Connections refused because of `maxConnections`. */
  refusedConnections: number;
  /** Players now (VOD and live). */
  players: number;
  /** Publishers now. */
  publishers: number;
  /** Bytes received, closed connections included. */
  bytesIn: number;
  /** Bytes sent, closed connections included. */
  bytesOut: number;
  /** Live video frames dropped for slow players. */
  droppedFrames: number;
  /** Live players disconnected for falling behind. */
  slowPlayersDisconnected: number;
}
