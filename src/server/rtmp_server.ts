/**
 * The embedded RTMP server: listeners, connections, VOD players and live relay.
 *
 * @module
 */

import { realpath, stat } from "node:fs/promises";
import { listen, type Listener } from "../../transports/listen.ts";
import type { RemoteAddr, Transport } from "../../transports/transport.ts";
import { describeNetworkError, systemErrorCode } from "../../transports/transport_error.ts";
import type { AmfObject, AmfValue } from "../amf/types.ts";
import { PublisherAuthServer } from "../auth/publisher_auth_server.ts";
import {
  type AuthRejectionKind,
  parseAuthRejection,
  splitAuthQuery,
} from "../auth/auth_rejection.ts";
import { ChunkBudget } from "../chunk/mod.ts";
import { LogLevel, type LogSink, printable, silentLog } from "../session/log.ts";
import { rtmpeVariantFor } from "../session/rtmpe_upgrade.ts";
import type { ServerSessionEvent } from "../session/server_session_event.ts";
import { type ListenAddress, parseListenUrl } from "./listen_address.ts";
import { LivePlayer } from "./live_player.ts";
import { LiveStream } from "./live_stream.ts";
import { resolveMediaPath } from "./resolve_media_path.ts";
import { type ConnectionHost, ServerConnection } from "./server_connection.ts";
import { SwfVerificationCheck } from "./swf_verification_check.ts";
import {
  DEFAULT_SERVER_LIMITS,
  type HookVerdict,
  type RtmpServerLimits,
  type RtmpServerOptions,
  type RtmpServerStats,
} from "./server_options.ts";
import { VodFile } from "./vod_file.ts";
import { VodPlayer } from "./vod_player.ts";

/** Buffer length assumed for a stream until the client sends SetBufferLength (nginx-rtmp's). */
export const DEFAULT_CLIENT_BUFFER_MS = 1000;
/** play's start values that ask for a live stream only (ms as rtmpdump sends, and seconds). */
const LIVE_ONLY_STARTS: ReadonlySet<number> = new Set([-1000, -1]);
/** Partial messages one connection may have in flight, in units of its message size limit. */
const MESSAGES_IN_FLIGHT = 2;
/** Longest period of the timer that closes idle and unconnected connections. */
const HOUSEKEEPING_MS = 1000;
/**
 * How long a connection admitted over `maxConnections` has to make progress (send its
 * handshake) before the connections over the limit that made the least are closed.
 */
const ADMISSION_GRACE_MS = 500;
/** Connections admitted on probation over `maxConnections`, as a share of it … */
const ADMISSION_OVERFLOW = 0.1;
/** … and at least this many. */
const ADMISSION_OVERFLOW_MIN = 16;
/** Enhanced RTMP FourCC info map flag: the server can forward this codec. */
const FOURCC_CAN_FORWARD = 0x04;
/** How the log names each step of a publisher's authentication that did not accept it yet. */
const AUTH_STEP_WORDS: Readonly<Record<AuthRejectionKind, string>> = {
  "need-user": "asked for credentials",
  challenge: "challenge sent",
  "auth-failed": "wrong user name or password",
  "no-such-user": "unknown user",
  unknown: "refused",
};

/** What the server keeps per connection. */
interface ConnectionState {
  vod: Map<number, VodPlayer>;
  live: Map<number, LivePlayer>;
  published: Map<number, LiveStream>;
  bufferMs: Map<number, number>;
  /** SWF verification of this connection, when the server asks for it. */
  swf?: SwfVerificationCheck;
  /** The user a publisher authenticated as, when publisher authentication is on. */
  publisherUser?: string;
}

/** The connect object's `type` that marks a publisher (librtmp, ffmpeg and rtmpkit send it). */
const PUBLISHER_CONNECT_TYPE = "nonprivate";

/**
 * An RTMP server: plays FLV files from a folder and relays live streams from publishers to
 * players. Start it with {@linkcode RtmpServer.start}, stop it with {@linkcode RtmpServer.close}.
 *
 * @example
 * ```ts ignore
 * import { RtmpServer } from "./rtmp_server.ts";
 * const server = new RtmpServer({ root: "./media", listen: ["rtmp://127.0.0.1:1935"] });
 * await server.start();
 * // rtmpdump -r rtmp://127.0.0.1:1935/vod/sample.flv -o out.flv
 * await server.close();
 * ```
 */
export class RtmpServer implements ConnectionHost {
  readonly #options: RtmpServerOptions;
  readonly #limits: RtmpServerLimits;
  readonly #log: LogSink;
  readonly #connections = new Map<ServerConnection, ConnectionState>();
  readonly #streams = new Map<string, LiveStream>();
  readonly #listeners: { scheme: string; listener: Listener }[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #publisherAuth: PublisherAuthServer | undefined;
  readonly #rtmpeVariantFor: ReturnType<typeof rtmpeVariantFor>;
  #rootRealPath: string | undefined;
  #housekeeping: ReturnType<typeof setInterval> | undefined;
  #trimTimer: ReturnType<typeof setTimeout> | undefined;
  #roomWaiters: (() => void)[] = [];
  readonly #partialBudget: ChunkBudget;
  #partialHogs = 0;
  /** Connections closed to make room that have not ended yet. */
  readonly #evicted = new Set<ServerConnection>();
  #closed = false;
  #accepted = 0;
  #refused = 0;
  #unconnectedClosed = 0;
  #plays = 0;
  #playsRefused = 0;
  #publishes = 0;
  #publishesRefused = 0;
  #bytesInClosed = 0;
  #bytesOutClosed = 0;
  #droppedFrames = 0;
  #slowPlayers = 0;

  /** Creates a server; nothing listens before {@linkcode start}. */
  constructor(options: RtmpServerOptions = {}) {
    this.#options = options;
    this.#limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
    this.#partialBudget = new ChunkBudget(this.#limits.maxPartialMessageBytes);
    this.#log = options.log ?? silentLog;
    this.#publisherAuth = options.publisherAuth && new PublisherAuthServer(options.publisherAuth);
    this.#rtmpeVariantFor = rtmpeVariantFor(options.rtmpe);
  }

  /** The addresses listened on (actual ports), after {@linkcode start}. */
  get addresses(): ListenAddress[] {
    return this.#listeners.map((l) => ({ scheme: l.scheme, ...l.listener.addr }));
  }

  /** The effective limits. */
  get limits(): Readonly<RtmpServerLimits> {
    return this.#limits;
  }

  /** Counters; see {@linkcode RtmpServerStats}. */
  get stats(): RtmpServerStats {
    let bytesIn = this.#bytesInClosed;
    let bytesOut = this.#bytesOutClosed;
    let players = 0;
    let publishers = 0;
    for (const [connection, state] of this.#connections) {
      bytesIn += connection.bytesIn;
      bytesOut += connection.bytesOut;
      players += state.vod.size + state.live.size;
      publishers += state.published.size;
    }
    return {
      connections: this.#connections.size,
      acceptedConnections: this.#accepted,
      refusedConnections: this.#refused,
      unconnectedClosed: this.#unconnectedClosed,
      plays: this.#plays,
      playsRefused: this.#playsRefused,
      publishes: this.#publishes,
      publishesRefused: this.#publishesRefused,
      partialMessageBytes: this.#partialBudget.used,
      partialMessageHogsClosed: this.#partialHogs,
      players,
      publishers,
      bytesIn,
      bytesOut,
      droppedFrames: this.#droppedFrames,
      slowPlayersDisconnected: this.#slowPlayers,
    };
  }

  /** Names ("APP/NAME") of the streams being published now. */
  get liveStreams(): string[] {
    return [...this.#streams.values()].filter((s) => s.publisher !== undefined).map((s) => s.key);
  }

  /**
   * Checks the root and binds every listen address. Throws `TypeError` for a root that is not a
   * folder and a listen address it cannot use (an unknown scheme, TLS without certificate and
   * key), and `ConnectError` for an address that cannot be bound (listeners bound before are
   * closed); each message says what is wrong in words.
   */
  async start(): Promise<void> {
    if (this.#options.root !== undefined) {
      this.#rootRealPath = await checkRoot(this.#options.root);
    }
    const addresses = (this.#options.listen ?? []).map((a) =>
      typeof a === "string" ? parseListenUrl(a) : a
    );
    try {
      for (const address of addresses) {
        const scheme = "scheme" in address ? String(address.scheme) : "rtmp";
        const listener = await listen({
          scheme,
          hostname: address.hostname,
          port: address.port,
          tls: this.#options.tls,
          tunnelIdleTimeoutMs: this.#limits.idleTimeoutMs,
        });
        this.#listeners.push({ scheme, listener });
        this.#log(LogLevel.Info, `Listening on ${scheme}://${hostPort(listener.addr)}`);
        this.#track(this.#acceptLoop(listener));
      }
    } catch (err) {
      for (const { listener } of this.#listeners.splice(0)) await listener.close();
      throw err;
    }
    const periods = [this.#limits.idleTimeoutMs, this.#limits.connectTimeoutMs]
      .filter((ms) => ms > 0).map((ms) => ms / 2);
    if (periods.length > 0) {
      this.#housekeeping = setInterval(
        () => this.#closeStale(),
        Math.min(HOUSEKEEPING_MS, ...periods),
      );
    }
  }

  /**
   * Serves one already-open transport (accepted elsewhere, or an in-memory pair in tests).
   * Resolves when the connection ends. Counts toward `maxConnections`.
   */
  serve(transport: Transport): Promise<void> {
    if (this.#closed || !this.#admit()) {
      this.#refused++;
      this.#log(
        LogLevel.Warning,
        `Refused connection from ${hostPort(transport.remoteAddr)}: ` +
          (this.#closed ? "server closing" : `${this.#limits.maxConnections} connections open`),
      );
      transport.close();
      return Promise.resolve();
    }
    this.#accepted++;
    const connection = new ServerConnection(transport, this, {
      // Small messages only until connect succeeds (see #connect), from the shared budget.
      decoder: {
        maxMessageSize: this.#limits.maxMessageSizeBeforeConnect,
        maxBytesInFlight: MESSAGES_IN_FLIGHT * this.#limits.maxMessageSizeBeforeConnect,
        budget: this.#partialBudget,
      },
      maxStreams: this.#limits.maxStreamsPerConnection,
      maxQueuedBytes: this.#limits.maxQueuedBytes,
      handshakeVariantFor: this.#rtmpeVariantFor,
    });
    this.#connections.set(connection, {
      vod: new Map(),
      live: new Map(),
      published: new Map(),
      bufferMs: new Map(),
    });
    this.#log(LogLevel.Info, `#${connection.id} connection from ${hostPort(transport.remoteAddr)}`);
    return this.#track(connection.run());
  }

  /** Stops listening, closes every connection and waits for them to end. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#housekeeping);
    clearTimeout(this.#trimTimer);
    this.#wakeAcceptors();
    await Promise.all(this.#listeners.map(({ listener }) => listener.close()));
    for (const connection of this.#connections.keys()) connection.close("server closing");
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  // ---- ConnectionHost ----

  /** Handles a session event of one of the server's connections. */
  onEvent(connection: ServerConnection, event: ServerSessionEvent): void {
    const state = this.#connections.get(connection);
    if (state === undefined) return;
    switch (event.type) {
      case "connect":
        this.#task(connection, this.#connect(connection, event));
        return;
      case "play":
        this.#task(connection, this.#play(connection, state, event));
        return;
      case "publish":
        this.#task(connection, this.#publish(connection, state, event));
        return;
      case "media":
        state.published.get(event.streamId)?.publish(event.message);
        return;
      case "bufferLength":
        state.bufferMs.set(event.streamId, event.bufferMs);
        state.vod.get(event.streamId)?.notify();
        return;
      case "pause": {
        state.vod.get(event.streamId)?.pause(event.pause);
        state.live.get(event.streamId)?.setPaused(event.pause);
        return;
      }
      case "seek": {
        const vod = state.vod.get(event.streamId);
        if (vod !== undefined) vod.seek(event.position);
        else if (state.live.has(event.streamId)) {
          connection.session.sendStatus(event.streamId, {
            level: "status",
            code: "NetStream.Seek.Notify",
            description: "Seeking is ignored on a live stream.",
          });
          connection.flush();
        }
        return;
      }
      case "receiveAudio":
        state.vod.get(event.streamId)?.setReceiveAudio(event.enabled);
        if (state.live.has(event.streamId)) {
          state.live.get(event.streamId)!.receiveAudio = event.enabled;
        }
        return;
      case "receiveVideo":
        state.vod.get(event.streamId)?.setReceiveVideo(event.enabled);
        state.live.get(event.streamId)?.setReceiveVideo(event.enabled);
        return;
      case "closeStream":
        this.#closeStream(connection, state, event.streamId, event.reason);
        return;
      case "getStreamLength":
        this.#task(connection, this.#streamLength(connection, event.transactionId, event.name));
        return;
      case "swfVerification":
        state.swf?.answer(event.data);
        return;
      case "warning":
        this.#log(LogLevel.Debug, `#${connection.id} ${event.message}`);
        return;
      default:
        return;
    }
  }

  /**
   * Keeps the partial messages of all connections under their budget with room to spare: near
   * it, the connection that holds the most is closed (its decoder gives its bytes back at once),
   * so a client sending big messages slowly, or many of them, cannot make the honest clients'
   * next messages fail.
   */
  onReceived(_connection: ServerConnection): void {
    const budget = this.#partialBudget;
    const spare = Math.min(budget.limit / 2, this.#limits.maxMessageSize);
    while (budget.used > budget.limit - spare) {
      let hog: ServerConnection | undefined;
      let most = 0;
      for (const connection of this.#connections.keys()) {
        if (!connection.established || connection.session.closed) continue;
        const held = connection.session.decoder.bytesHeld;
        if (held > most) {
          most = held;
          hog = connection;
        }
      }
      if (hog === undefined) return;
      this.#partialHogs++;
      this.#log(
        LogLevel.Warning,
        `#${hog.id} holds ${most} bytes of partial messages; the server's budget is nearly spent`,
      );
      hog.session.decoder.close();
      hog.close(`too many bytes of partial messages (${most})`);
    }
  }

  /** Forgets a connection that ended. */
  onClose(connection: ServerConnection, reason: string): void {
    const state = this.#connections.get(connection);
    if (state === undefined) return;
    state.swf?.close();
    for (const streamId of [...state.vod.keys(), ...state.live.keys(), ...state.published.keys()]) {
      this.#closeStream(connection, state, streamId, "session");
    }
    this.#connections.delete(connection);
    this.#evicted.delete(connection);
    this.#wakeAcceptors();
    this.#bytesInClosed += connection.bytesIn;
    this.#bytesOutClosed += connection.bytesOut;
    this.#log(
      LogLevel.Info,
      `#${connection.id} closed: ${reason} (in ${connection.bytesIn} bytes, out ${connection.bytesOut} bytes)`,
    );
  }

  // ---- requests ----

  async #connect(
    connection: ServerConnection,
    event: Extract<ServerSessionEvent, { type: "connect" }>,
  ): Promise<void> {
    const session = connection.session;
    if (!this.#authenticate(connection, event)) {
      await connection.closeAfterFlush("publisher authentication");
      return;
    }
    let verdict = this.#ask(connection, "connect", () =>
      this.#options.hooks?.onConnect?.({
        app: event.app,
        tcUrl: event.tcUrl,
        remoteAddr: connection.transport.remoteAddr,
        commandObject: event.commandObject,
        args: event.args,
      }));
    if (typeof verdict !== "boolean") verdict = await verdict;
    if (connection.closed) return;
    if (!verdict) {
      this.#log(LogLevel.Info, `#${connection.id} connect app "${event.app}" rejected`);
      session.rejectConnect(event.transactionId);
      await connection.closeAfterFlush("connect rejected");
      return;
    }
    // The session's app: an authenticated publisher's lost its auth query (and response).
    this.#log(LogLevel.Info, `#${connection.id} connect app "${session.app}"`);
    session.acceptConnect(event.transactionId, enhancedCapabilities(event.commandObject));
    session.decoder.maxMessageSize = this.#limits.maxMessageSize;
    session.decoder.maxBytesInFlight = MESSAGES_IN_FLIGHT * this.#limits.maxMessageSize;
    connection.flush();
  }

  /**
   * Publisher authentication of a connect: true to go on (not a publisher, no authentication
   * required, or accepted; the session's app loses the auth query), false after sending the
   * rejection that asks for or refuses credentials.
   */
  #authenticate(
    connection: ServerConnection,
    event: Extract<ServerSessionEvent, { type: "connect" }>,
  ): boolean {
    const auth = this.#publisherAuth;
    const state = this.#connections.get(connection);
    if (auth === undefined || state === undefined) return true;
    if (event.commandObject.get("type") !== PUBLISHER_CONNECT_TYPE) return true;
    const decision = auth.check(event.app);
    if (!decision.accepted) {
      // The app without its auth query: challenges and responses stay out of the log.
      const { base, params } = splitAuthQuery(event.app);
      const user = params.get("user");
      const step = parseAuthRejection(decision.description)?.kind ?? "unknown";
      this.#log(
        LogLevel.Info,
        `#${connection.id} connect app "${printable(base)}"${
          user === undefined ? "" : ` as "${printable(user)}"`
        }: ` +
          `${auth.method} authentication, ${AUTH_STEP_WORDS[step]}`,
      );
      connection.session.rejectConnect(event.transactionId, decision.description);
      return false;
    }
    this.#log(
      LogLevel.Info,
      `#${connection.id} publisher authenticated as "${printable(decision.user)}"`,
    );
    state.publisherUser = decision.user;
    connection.session.app = decision.app;
    return true;
  }

  /** SWF verification before a first play; true when not required or passed. */
  async #swfVerified(connection: ServerConnection, state: ConnectionState): Promise<boolean> {
    const info = this.#options.swfVerification;
    if (info === undefined) return true;
    state.swf ??= new SwfVerificationCheck(info, connection.swfVerificationKey, () => {
      connection.session.requestSwfVerification();
      connection.flush();
    });
    const outcome = await state.swf.result();
    this.#log(
      outcome.ok ? LogLevel.Debug : LogLevel.Info,
      `#${connection.id} SWF verification: ${outcome.reason}`,
    );
    return outcome.ok;
  }

  async #play(
    connection: ServerConnection,
    state: ConnectionState,
    event: Extract<ServerSessionEvent, { type: "play" }>,
  ): Promise<void> {
    const { streamId, name, start, duration } = event;
    const session = connection.session;
    if (!(await this.#swfVerified(connection, state))) {
      if (connection.closed) return;
      this.#log(LogLevel.Info, `#${connection.id} play "${name}" refused: SWF verification failed`);
      session.rejectPlay(streamId, name, "NetStream.Play.Failed", "SWF verification failed.");
      await connection.closeAfterFlush("SWF verification failed");
      return;
    }
    if (connection.closed) return;
    this.#closeStream(connection, state, streamId, "closeStream");
    const app = session.app;
    const key = liveKey(app, name);
    const request = {
      app,
      name,
      remoteAddr: connection.transport.remoteAddr,
      start,
      duration,
    };
    // Synchronous when the hook is, so that play is answered before the next message of the
    // same read (receiveVideo, pause …) is handled.
    const playLive = (): void | Promise<void> => {
      const admit = (verdict: boolean): void => {
        if (!verdict) return this.#refusePlay(connection, streamId, name, "rejected");
        if (!connection.closed) this.#startLive(connection, state, streamId, name, key);
      };
      const verdict = this.#ask(
        connection,
        "play",
        () => this.#options.hooks?.onPlay?.({ ...request, kind: "live" }),
      );
      return typeof verdict === "boolean" ? admit(verdict) : verdict.then(admit);
    };
    if (this.#streams.get(key)?.publisher !== undefined) return await playLive();
    const path = LIVE_ONLY_STARTS.has(start) || this.#rootRealPath === undefined
      ? undefined
      : await resolveMediaPath(this.#rootRealPath, name);
    if (connection.closed) return;
    if (path === undefined) {
      // No file: a player that accepts live waits for a publisher, as FMS and nginx-rtmp let it
      // (start the recorder, then the camera); one that asked for a recording only is refused.
      if (start < 0) return await playLive();
      return this.#refusePlay(connection, streamId, name, "not found");
    }
    if (
      !await this.#ask(
        connection,
        "play",
        () => this.#options.hooks?.onPlay?.({ ...request, kind: "vod", path }),
      )
    ) {
      return this.#refusePlay(connection, streamId, name, "rejected");
    }
    let file: VodFile;
    try {
      file = await VodFile.open(path);
    } catch (err) {
      this.#log(LogLevel.Warning, `#${connection.id} cannot open ${path}: ${message(err)}`);
      return this.#refusePlay(connection, streamId, name, "not playable");
    }
    if (connection.closed) {
      await file.close();
      return;
    }
    this.#closeStream(connection, state, streamId, "closeStream");
    const player = new VodPlayer({
      output: connection,
      streamId,
      name,
      file,
      start,
      duration,
      bufferMs: () =>
        state.bufferMs.get(streamId) ?? state.bufferMs.get(0) ?? DEFAULT_CLIENT_BUFFER_MS,
    });
    state.vod.set(streamId, player);
    this.#plays++;
    this.#allowPlayerQueue(connection);
    this.#log(
      LogLevel.Info,
      `#${connection.id} play "${name}" (vod ${path}${start > 0 ? `, start ${start} ms` : ""})`,
    );
    await player.run();
    if (state.vod.get(streamId) === player) state.vod.delete(streamId);
    this.#log(LogLevel.Debug, `#${connection.id} vod "${name}" ended (${player.bytesSent} bytes)`);
  }

  #refusePlay(connection: ServerConnection, streamId: number, name: string, why: string): void {
    if (connection.closed) return;
    this.#playsRefused++;
    this.#log(LogLevel.Info, `#${connection.id} play "${name}" ${why}`);
    if (why === "rejected") {
      connection.session.rejectPlay(
        streamId,
        name,
        "NetStream.Play.Failed",
        `Playing ${name} was refused.`,
      );
    } else {
      connection.session.rejectPlay(streamId, name);
    }
    connection.flush();
  }

  /** A connection that plays may queue a player's worth of media beyond the reply limit. */
  #allowPlayerQueue(connection: ServerConnection): void {
    connection.maxQueuedBytes = this.#limits.maxQueuedBytes + this.#limits.playerQueueBytes;
  }

  #startLive(
    connection: ServerConnection,
    state: ConnectionState,
    streamId: number,
    name: string,
    key: string,
  ): void {
    const stream = this.#stream(key);
    const player = new LivePlayer(connection, streamId, name, {
      queueLimit: this.#limits.playerQueueBytes,
      maxLagMs: this.#limits.playerMaxLagMs,
      onDrop: (_player, count) => {
        this.#droppedFrames += count;
        if (_player.droppedFrames === count || _player.droppedFrames % 100 === 0) {
          this.#log(
            LogLevel.Warning,
            `#${connection.id} dropping frames of "${key}" for a slow player (${_player.droppedFrames} so far)`,
          );
        }
      },
      onFallBehind: (_player, queued) => {
        this.#slowPlayers++;
        this.#log(
          LogLevel.Warning,
          `#${connection.id} disconnecting a player of "${key}": ${queued} bytes queued`,
        );
      },
    });
    state.live.set(streamId, player);
    this.#plays++;
    this.#allowPlayerQueue(connection);
    if (stream.publisher === undefined) {
      // As nginx-rtmp: Play.Start now; StreamBegin (and PublishNotify) when a publisher comes.
      connection.session.beginPlay(streamId, name, { reset: false, begin: false });
      this.#log(LogLevel.Info, `#${connection.id} play "${name}" (live ${key}, not published yet)`);
    } else {
      connection.session.beginPlay(streamId, name, { reset: true });
      this.#log(LogLevel.Info, `#${connection.id} play "${name}" (live ${key})`);
    }
    stream.addPlayer(player);
    connection.flush();
  }

  async #publish(
    connection: ServerConnection,
    state: ConnectionState,
    event: Extract<ServerSessionEvent, { type: "publish" }>,
  ): Promise<void> {
    const { streamId, name, publishType } = event;
    const session = connection.session;
    const key = liveKey(session.app, name);
    const busy = () => this.#streams.get(key)?.publisher !== undefined;
    if (this.#publisherAuth !== undefined && state.publisherUser === undefined) {
      this.#log(LogLevel.Info, `#${connection.id} publish "${key}" refused: not authenticated`);
      session.rejectPublish(
        streamId,
        name,
        "NetStream.Publish.Denied",
        `Publishing ${name} needs publisher authentication.`,
      );
      connection.flush();
      return;
    }
    if (busy() || state.published.has(streamId)) {
      this.#log(LogLevel.Info, `#${connection.id} publish "${key}" refused: already published`);
      this.#publishesRefused++;
      session.rejectPublish(streamId, name);
      connection.flush();
      return;
    }
    let verdict = this.#ask(connection, "publish", () =>
      this.#options.hooks?.onPublish?.({
        app: session.app,
        name,
        remoteAddr: connection.transport.remoteAddr,
        publishType,
      }));
    if (typeof verdict !== "boolean") verdict = await verdict;
    if (connection.closed) return;
    if (!verdict) {
      this.#log(LogLevel.Info, `#${connection.id} publish "${key}" rejected`);
      this.#publishesRefused++;
      session.rejectPublish(
        streamId,
        name,
        "NetStream.Publish.Denied",
        `Publishing ${name} was refused.`,
      );
      connection.flush();
      return;
    }
    if (busy()) {
      this.#log(LogLevel.Info, `#${connection.id} publish "${key}" refused: already published`);
      this.#publishesRefused++;
      session.rejectPublish(streamId, name);
      connection.flush();
      return;
    }
    this.#publishes++;
    const stream = this.#stream(key);
    session.acceptPublish(streamId, name);
    state.published.set(streamId, stream);
    stream.startPublishing({ output: connection, streamId });
    connection.flush();
    this.#log(LogLevel.Info, `#${connection.id} publish "${key}" (${publishType})`);
  }

  async #streamLength(
    connection: ServerConnection,
    transactionId: number,
    name: string,
  ): Promise<void> {
    let seconds = 0;
    const root = this.#rootRealPath;
    const path = root === undefined ? undefined : await resolveMediaPath(root, name);
    if (path !== undefined) {
      try {
        const file = await VodFile.open(path);
        try {
          seconds = (await file.durationMs()) / 1000;
        } finally {
          await file.close();
        }
      } catch { /* not FLV: length 0 */ }
    }
    if (connection.closed) return;
    connection.session.replyStreamLength(transactionId, seconds);
    connection.flush();
  }

  #closeStream(
    connection: ServerConnection,
    state: ConnectionState,
    streamId: number,
    reason: string,
  ): void {
    const vod = state.vod.get(streamId);
    if (vod !== undefined) {
      state.vod.delete(streamId);
      vod.stop();
    }
    const player = state.live.get(streamId);
    if (player !== undefined) {
      state.live.delete(streamId);
      const stream = this.#streams.get(
        liveKey(connection.established ? connection.session.app : "", player.name),
      );
      stream?.removePlayer(player);
      if (stream?.idle) this.#streams.delete(stream.key);
    }
    const published = state.published.get(streamId);
    if (published !== undefined) {
      state.published.delete(streamId);
      published.stopPublishing();
      if (published.idle) this.#streams.delete(published.key);
      this.#log(LogLevel.Info, `#${connection.id} unpublish "${published.key}" (${reason})`);
    }
  }

  // ---- helpers ----

  #stream(key: string): LiveStream {
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = new LiveStream(key, { gopCacheBytes: this.#limits.gopCacheBytes });
      this.#streams.set(key, stream);
    }
    return stream;
  }

  /**
   * Runs a hook; a missing hook accepts, a throwing or rejecting one rejects (and is logged).
   * Synchronous unless the hook returns a promise, so that a request is answered before the
   * next message of the same read is handled (a client may send media right after publish).
   * A hook still deciding when the connection closes counts as a rejection: nothing waits on
   * a hook that never answers.
   */
  #ask(
    connection: ServerConnection,
    what: string,
    hook: () => HookVerdict | Promise<HookVerdict> | undefined,
  ): boolean | Promise<boolean> {
    const failed = (err: unknown) => {
      this.#log(LogLevel.Error, `#${connection.id} ${what} hook failed: ${message(err)}`);
      return false;
    };
    try {
      const verdict = hook();
      if (verdict instanceof Promise) {
        return Promise.race([
          verdict.then((v) => v !== false, failed),
          connection.whenClosed.then(() => false),
        ]);
      }
      return verdict !== false;
    } catch (err) {
      return failed(err);
    }
  }

  /** Runs a request handler; an unexpected failure closes its connection. */
  #task(connection: ServerConnection, work: Promise<void>): void {
    this.#track(work.catch((err) => {
      this.#log(LogLevel.Error, `#${connection.id} ${message(err)}`);
      connection.close(message(err));
    }));
  }

  #track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
    return tracked;
  }

  /**
   * Accepts connections; while the connections on probation fill their share, it stops taking
   * new ones, which then wait in the system's listen queue in the order they came (rather than
   * being refused and racing each other to come back), until room is made.
   */
  async #acceptLoop(listener: Listener): Promise<void> {
    const connections = listener.accept()[Symbol.asyncIterator]();
    try {
      for (;;) {
        while (!this.#closed && this.#probationFull()) {
          await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        }
        if (this.#closed) break;
        const next = await connections.next();
        if (next.done) break;
        void this.serve(next.value);
      }
    } catch (err) {
      if (!this.#closed) this.#log(LogLevel.Error, `Listener stopped: ${message(err)}`);
    } finally {
      await connections.return?.();
    }
  }

  /**
   * True when the connections over `maxConnections` fill their share and some of them have not
   * connected yet (room will be made for newcomers); the trimming is then scheduled.
   */
  #probationFull(): boolean {
    const max = this.#limits.maxConnections;
    if (this.#openConnections() < max + admissionOverflow(max)) return false;
    if (this.#weakestUnconnected(0) === undefined) return false;
    this.#trimTimer ??= setTimeout(() => this.#trimToLimit(), ADMISSION_GRACE_MS);
    return true;
  }

  /** Lets the accept loops go on after a connection ended or was closed to make room. */
  #wakeAcceptors(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Closes connections idle for too long and ones that did not connect in time. */
  #closeStale(): void {
    const idle = this.#limits.idleTimeoutMs;
    const connect = this.#limits.connectTimeoutMs;
    const now = performance.now();
    for (const connection of this.#connections.keys()) {
      if (connection.closed) continue;
      if (idle > 0 && now - connection.lastActivity > idle) {
        connection.close(`idle for ${seconds(idle)} s`);
      } else if (connect > 0 && !connection.connected && now - connection.acceptedAt > connect) {
        this.#unconnectedClosed++;
        connection.close(`no connect within ${seconds(connect)} s`);
      }
    }
  }

  /** Connections counted against `maxConnections` (not the ones closed to make room). */
  #openConnections(): number {
    return this.#connections.size - this.#evicted.size;
  }

  /**
   * Whether a new connection may come in. Below `maxConnections`, yes. At the limit, only when
   * some connection has not connected yet: the newcomer comes in on probation (up to a tenth
   * of the limit of them), and half a second later the connections over the limit that made
   * the least progress are closed, so clients stuck in or dragging out the handshake cannot
   * lock out new ones, and a new client gets time to show it is not one of them.
   */
  #admit(): boolean {
    const max = this.#limits.maxConnections;
    const open = this.#openConnections();
    if (open < max) return true;
    if (open >= max + admissionOverflow(max)) {
      // Probation is full (the accept loops wait for room; this is a transport handed to
      // serve()): make room at once among the connections that had their half second.
      const victim = this.#weakestUnconnected(ADMISSION_GRACE_MS);
      if (victim === undefined) return false;
      this.#evict(victim);
      return true;
    }
    if (this.#weakestUnconnected(0) === undefined) return false;
    this.#trimTimer ??= setTimeout(() => this.#trimToLimit(), ADMISSION_GRACE_MS);
    return true;
  }

  /** Closes the weakest connections over the limit; tries again later while it cannot. */
  #trimToLimit(): void {
    this.#trimTimer = undefined;
    if (this.#closed) return;
    while (this.#openConnections() > this.#limits.maxConnections) {
      const victim = this.#weakestUnconnected(ADMISSION_GRACE_MS);
      if (victim === undefined) break;
      this.#evict(victim);
    }
    if (this.#openConnections() > this.#limits.maxConnections) {
      this.#trimTimer = setTimeout(() => this.#trimToLimit(), ADMISSION_GRACE_MS / 2);
    }
  }

  /**
   * Of the connections that have not connected and are at least `minAgeMs` old, the one that
   * got the fewest bytes through (the oldest of those).
   */
  #weakestUnconnected(minAgeMs: number): ServerConnection | undefined {
    const bornBefore = performance.now() - minAgeMs;
    let victim: ServerConnection | undefined;
    for (const connection of this.#connections.keys()) {
      if (connection.closed || connection.connected || connection.acceptedAt > bornBefore) {
        continue;
      }
      if (victim === undefined || connection.bytesIn < victim.bytesIn) victim = connection;
    }
    return victim;
  }

  #evict(victim: ServerConnection): void {
    this.#evicted.add(victim);
    this.#wakeAcceptors();
    this.#unconnectedClosed++;
    victim.close(
      `closed to make room: not connected after ${
        seconds(performance.now() - victim.acceptedAt)
      } s, ${victim.bytesIn} bytes received`,
    );
  }
}

/** Connections admitted on probation over `maxConnections` at most. */
function admissionOverflow(maxConnections: number): number {
  return Math.max(ADMISSION_OVERFLOW_MIN, Math.ceil(maxConnections * ADMISSION_OVERFLOW));
}

/** The key of a live stream: the app and the name without their query strings. */
export function liveKey(app: string, name: string): string {
  const strip = (s: string) => {
    const q = s.indexOf("?");
    return q >= 0 ? s.slice(0, q) : s;
  };
  return `${strip(app)}/${strip(name)}`;
}

/** Enhanced RTMP: echo what the client announced, saying the server forwards every codec. */
function enhancedCapabilities(object: AmfObject): Record<string, AmfValue> {
  const reply: Record<string, AmfValue> = {};
  const list = object.get("fourCcList");
  if (Array.isArray(list)) reply.fourCcList = list;
  for (const name of ["videoFourCcInfoMap", "audioFourCcInfoMap"]) {
    if (object.has(name)) reply[name] = { "*": FOURCC_CAN_FORWARD };
  }
  if (object.has("capsEx")) reply.capsEx = 0;
  return reply;
}

function hostPort(addr: RemoteAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** One line for the log: plain words for network errors, the first line of others. */
function message(err: unknown): string {
  return describeNetworkError(err);
}

/** Milliseconds as seconds for messages ("10", "2.5"). */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/**
 * The real path of the folder to serve. Throws `TypeError` saying in words what is wrong: the
 * folder does not exist, is a file, cannot be read.
 */
async function checkRoot(root: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(root);
  } catch (err) {
    const code = systemErrorCode(err);
    const words = code === "ENOENT"
      ? `the folder ${root} does not exist`
      : code === "ENOTDIR"
      ? `a part of ${root} is not a folder`
      : describeNetworkError(err);
    throw new TypeError(`Cannot serve ${root}: ${words}`, { cause: err });
  }
  const info = await stat(real);
  if (!info.isDirectory()) {
    throw new TypeError(`Cannot serve ${root}: it is a file, not a folder`);
  }
  return real;
}
