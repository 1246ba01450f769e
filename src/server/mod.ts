/**
 * The server core: {@linkcode RtmpServer} accepts connections (plain TCP today; any
 * {@linkcode Transport} through `serve`), runs each through the handshake and a
 * {@linkcode ServerSession}, plays FLV files from a folder and relays live streams from
 * publishers to players.
 *
 * It follows what FMS and nginx-rtmp do where clients depend on it (librtmp-facts §4.6, §9.2;
 * ffmpeg-rtmp-facts §1.4; interop.md):
 * - VOD: `play NAME` serves ROOT/NAME or ROOT/NAME.flv (rtmpdump strips `.flv` from URL play
 *   paths), `mp4:`/`flv:` prefixes and query strings removed; names with `..`, absolute paths
 *   and anything whose real path leaves ROOT get NetStream.Play.StreamNotFound. Replies
 *   StreamIsRecorded, StreamBegin, Play.Reset, Play.Start, `|RtmpSampleAccess`, then the file's
 *   tags with their own timestamps, then StreamEOF, onPlayStatus Play.Complete and Play.Stop,
 *   so rtmpdump ends with "Download complete" and the same bytes it gets from nginx-rtmp.
 * - Pacing: media is sent ahead of real time by the client's buffer length plus one second
 *   (nginx-rtmp's rule): rtmpdump's 10-hour buffer gets full speed, a 3 s buffer real time.
 *   Files are read in 1 MiB blocks and the player waits for its connection to drain.
 * - play with a start: playback starts at the keyframe at or before it (the metadata
 *   `keyframes` index when present, else a walk over the tag headers), preceded by the
 *   metadata and sequence headers, with timestamps restarting at 0 as FMS does (rtmpdump's
 *   --start and --resume rely on that; nginx-rtmp keeps the file's timestamps). `seek` keeps the
 *   file's timestamps. play's len is honoured (nginx-rtmp ignores it); pause resumes where it
 *   stopped (as nginx-rtmp).
 * - Live: publishing APP/NAME relays to every player of APP/NAME (query strings ignored).
 *   `@setDataFrame onMetaData` is kept as onMetaData; the latest sequence header of each track
 *   (AVC, AAC, Enhanced RTMP SequenceStart) and the GOP since the last keyframe are cached, so
 *   a joining player gets Play.Start, metadata, sequence headers, then media from a keyframe.
 *   Media passes through untouched. A second publisher gets NetStream.Publish.BadName. A player
 *   of a name nobody publishes and no file matches waits, as with nginx-rtmp (start the
 *   recorder, then the camera): it gets Play.Start at once, StreamBegin and Play.PublishNotify
 *   when a publisher comes, then the stream from its first message; only a play that asks for
 *   a recording (start 0 or more) gets StreamNotFound. The idle timeout bounds the wait.
 *   Players stay subscribed across UnpublishNotify/PublishNotify.
 * - Limits: connections, message size, idle time, per-player queue; a live player that cannot
 *   keep up loses video up to the next keyframe, then is disconnected. Drops are counted in
 *   {@linkcode RtmpServerStats} and logged. A client must complete the handshake and connect
 *   within `connectTimeoutMs`; at `maxConnections` a new client takes the place of one that
 *   has not connected (after half a second, the one that sent the fewest bytes), so slow or
 *   silent handshakes cannot lock clients out. A connection whose
 *   queued output passes `maxQueuedBytes` (plus a player's queue when it plays) is closed: a
 *   client that never reads its replies gets no more of the server's memory. Until connect
 *   succeeds a client may only send small messages (64 KiB); the partial messages of all
 *   connections share one budget, and near it the connection holding the most is closed.
 *
 * @example
 * ```ts ignore
 * import { RtmpServer } from "./mod.ts";
 * const server = new RtmpServer({ root: "assets", listen: ["rtmp://127.0.0.1:0"] });
 * await server.start();
 * console.log(`rtmp://127.0.0.1:${server.addresses[0].port}/vod/sample.flv`);
 * await server.close();
 * ```
 *
 * @module
 */

export { DEFAULT_CLIENT_BUFFER_MS, liveKey, RtmpServer } from "./rtmp_server.ts";
export {
  type ConnectRequest,
  DEFAULT_SERVER_LIMITS,
  type HookVerdict,
  type PlayRequest,
  type PublishRequest,
  type RtmpServerHooks,
  type RtmpServerLimits,
  type RtmpServerOptions,
  type RtmpServerStats,
} from "./server_options.ts";
export { DEFAULT_RTMP_PORT, type ListenAddress, parseListenUrl } from "./listen_address.ts";
export {
  type ConnectionHost,
  type ConnectionOutput,
  ServerConnection,
  type ServerConnectionOptions,
} from "./server_connection.ts";
export { inspectAudio, inspectVideo, type MediaInfo } from "./inspect_media.ts";
export { mediaFileName, resolveMediaPath } from "./resolve_media_path.ts";
export { type StartPoint, VodFile } from "./vod_file.ts";
export {
  VOD_BUFFER_ADDON_MS,
  VOD_HIGH_WATER,
  VOD_LOW_WATER,
  VOD_READ_BLOCK,
  VodPlayer,
  type VodPlayerOptions,
} from "./vod_player.ts";
export { LivePlayer, type LivePlayerOptions } from "./live_player.ts";
export {
  type LivePublisher,
  LiveStream,
  type LiveStreamOptions,
  MAX_CACHED_SEQUENCE_HEADERS,
} from "./live_stream.ts";
export type { RemoteAddr, Transport } from "../../transports/transport.ts";
export type * from "../session/server_session_event.ts";
export {
  type NetStreamState,
  ServerSession,
  type ServerSessionOptions,
  type StatusInfo,
} from "../session/server_session.ts";
