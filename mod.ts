/**
 * rtmpkit: an RTMP toolkit for Deno and Bun — an rtmpdump 2.4 compatible downloader, a client
 * engine, an embedded server, a publisher and the codecs underneath (AMF0/AMF3, chunk stream, handshake, FLV), all sans-I/O over
 * a pluggable {@linkcode Transport}.
 *
 * @example Download a stream to a file
 * ```ts ignore
 * import { downloadFlv } from "./mod.ts";
 * const file = await Deno.open("out.flv", { write: true, create: true, truncate: true });
 * const result = await downloadFlv("rtmp://127.0.0.1:1935/vod/sample.flv", async (bytes) => {
 *   await file.write(bytes);
 * });
 * file.close();
 * console.log(`${result.status} (${result.reason}): ${result.bytes} bytes, ${result.duration} s`);
 * ```
 *
 * @example Encode and decode AMF0
 * ```ts
 * import { decodeAmf0, encodeAmf0 } from "./mod.ts";
 * const bytes = encodeAmf0("onStatus", 0, null);
 * const values = decodeAmf0(bytes);
 * if (values[0] !== "onStatus") throw new Error("round trip failed");
 * ```
 *
 * @module
 */

export * from "./src/amf/mod.ts";
export * from "./src/flv/mod.ts";
export * from "./src/chunk/mod.ts";
export * from "./src/message/mod.ts";
export * from "./src/handshake/mod.ts";
export * from "./src/session/mod.ts";
export * from "./src/url.ts";
export * from "./transports/mod.ts";
export { listenTcp, type TcpListener } from "./transports/tcp_listener.ts";
export { RtmpServer } from "./src/server/mod.ts";
export type {
  ConnectionHost,
  ConnectionOutput,
  ConnectRequest,
  HookVerdict,
  ListenAddress,
  NetStreamState,
  PlayRequest,
  PublishRequest,
  RtmpServerHooks,
  RtmpServerLimits,
  RtmpServerStats,
  ServerConnection,
} from "./src/server/mod.ts";
export type * from "./src/session/server_session_event.ts";
export {
  type DecompressSwfOptions,
  type FetchSwfOptions,
  hashSwf,
  type ResolvedSwfInfo,
  resolveSwfInfo,
  type ResolveSwfInfoOptions,
  SwfError,
  type SwfInfo,
  type SwfInfoSource,
  type SwfInfoStore,
} from "./src/swf/mod.ts";
export {
  AuthError,
  decodeSecureToken,
  type PublisherAuthDecision,
  type PublisherAuthMethod,
  PublisherAuthServer,
  type PublisherAuthServerOptions,
} from "./src/auth/mod.ts";
export type { RtmpServerOptions } from "./src/server/mod.ts";
export * from "./src/download/mod.ts";
export {
  DEFAULT_LIVE_RECONNECTS,
  DOWNLOAD_BUFFER_MS,
  downloadFlv,
  type DownloadFlvOptions,
  type DownloadFlvResult,
} from "./src/download_flv.ts";
