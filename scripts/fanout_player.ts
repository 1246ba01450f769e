/**
 * Many live players of one stream in one process, for the fan-out benchmark (`deno task bench
 * --only fanout`). Each player is rtmpkit's own client (ClientSession + RtmpClient over TCP,
 * `play NAME -1000`) and checks what it receives against the FLV file being published: from its
 * first keyframe on, every video and audio frame of the file must arrive, in order, up to the
 * last one, and none may arrive late (lag against the live edge).
 *
 * Run as a child process: `deno run -A scripts/fanout_player.ts --port P --app live --name NAME
 * --flv FILE --players N [--timeout-ms T]`. It waits until the stream plays, starts the N players
 * and prints `playing <join ms>` once all have Play.Start (or failed). A player ends once it has
 * the last frame of the file (it then closes its connection), when the server ends the stream
 * or the connection first, or at the timeout. Writing `publisher-done` to its stdin when the
 * publisher has stopped gives the players still waiting {@linkcode END_GRACE_MS} more. Once
 * every player has ended it prints `result <json>` (a {@linkcode FanoutResult}) and exits when
 * its stdin closes, so that the caller can read its CPU time until then.
 *
 * @module
 */

import { ClientSession } from "../src/session/client_session.ts";
import { RtmpClient } from "../src/session/rtmp_client.ts";
import { FlvReader, FlvTagType } from "../src/flv/mod.ts";
import { MessageType } from "../src/message/mod.ts";
import { DenoTcpTransport } from "../transports/tcp.ts";

/** Read buffer per player connection (the CLI's 256 KiB times N would be wasteful). */
const PLAYER_READ_BUFFER_BYTES = 64 * 1024;
/** Players connecting and handshaking at once. */
const CONNECT_CONCURRENCY = 32;
/** Pause between probes while the stream is not published yet. */
const PROBE_RETRY_MS = 200;
/** Give up waiting for the stream after this long. */
const PROBE_TIMEOUT_MS = 15_000;
/** Default hard limit for the whole run. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long after the publisher stopped a player may still wait for the last frame. */
export const END_GRACE_MS = 3000;

const AVC_CODEC_ID = 7;
const AVC_SEQUENCE_HEADER = 0;
const AVC_END_OF_SEQUENCE = 2;
const VIDEO_KEYFRAME = 1;
const VIDEO_INFO_FRAME = 5;
const AAC_SOUND_FORMAT = 10;
const AAC_SEQUENCE_HEADER = 0;

/** Timestamps of the coded frames of an FLV file (sequence headers and end of sequence left out). */
export interface ExpectedFrames {
  /** Video frame timestamps, in file order. */
  readonly video: readonly number[];
  /** Audio frame timestamps, in file order. */
  readonly audio: readonly number[];
}

/** True for a video tag body that is a coded frame (not a sequence header, EOS or info frame). */
export function isCodedVideoFrame(body: Uint8Array): boolean {
  if (body.length < 1) return false;
  const frameType = (body[0] >> 4) & 0x07;
  if (frameType === VIDEO_INFO_FRAME) return false;
  if ((body[0] & 0x80) === 0 && (body[0] & 0x0f) === AVC_CODEC_ID) {
    if (body.length < 2) return false;
    return body[1] !== AVC_SEQUENCE_HEADER && body[1] !== AVC_END_OF_SEQUENCE;
  }
  return true;
}

/** True for a video tag body that starts a group of pictures. */
export function isKeyframe(body: Uint8Array): boolean {
  return body.length > 0 && ((body[0] >> 4) & 0x07) === VIDEO_KEYFRAME;
}

/** True for an audio tag body that is a coded frame (not an AAC sequence header). */
export function isCodedAudioFrame(body: Uint8Array): boolean {
  if (body.length < 1) return false;
  if (body[0] >> 4 === AAC_SOUND_FORMAT) return body.length >= 2 && body[1] !== AAC_SEQUENCE_HEADER;
  return true;
}

/** Reads the frame timestamps of an FLV file. */
export async function readExpectedFrames(path: string): Promise<ExpectedFrames> {
  const video: number[] = [];
  const audio: number[] = [];
  const reader = new FlvReader();
  const push = (bytes: Uint8Array) =>
    reader.push(bytes, (tag) => {
      if (tag.type === FlvTagType.Video && isCodedVideoFrame(tag.data)) video.push(tag.timestamp);
      if (tag.type === FlvTagType.Audio && isCodedAudioFrame(tag.data)) audio.push(tag.timestamp);
    });
  push(await Deno.readFile(path));
  reader.finish();
  return { video, audio };
}

/** One track's position in the expected frame list. */
class TrackCursor {
  readonly #timestamps: readonly number[];
  readonly #index = new Map<number, number>();
  /** Index of the last frame received, -1 before the first. */
  position = -1;
  /** Frames received. */
  received = 0;
  /** Frames of the file skipped between two received ones. */
  missing = 0;
  /** Frames that were not the next one nor a later one (repeats, reordering, unknown). */
  unexpected = 0;

  constructor(timestamps: readonly number[]) {
    this.#timestamps = timestamps;
    for (let i = timestamps.length - 1; i >= 0; i--) this.#index.set(timestamps[i], i);
  }

  /** True once the last frame of the file was received. */
  get atEnd(): boolean {
    return this.position === this.#timestamps.length - 1;
  }

  /** Counts one received frame; returns false when it does not fit the file. */
  take(timestamp: number): boolean {
    this.received++;
    const next = this.position + 1;
    if (next < this.#timestamps.length && this.#timestamps[next] === timestamp) {
      this.position = next;
      return true;
    }
    const at = this.#index.get(timestamp);
    if (at === undefined || (this.position >= 0 && at <= this.position)) {
      this.unexpected++;
      return false;
    }
    if (this.position >= 0) this.missing += at - next;
    this.position = at;
    return true;
  }
}

/**
 * Checks one player's frames against the file: video from the first keyframe received, audio
 * from the first audio frame after it, each frame exactly the next one of the file.
 */
export class FrameChecker {
  readonly #video: TrackCursor;
  readonly #audio: TrackCursor;
  #keyframes = 0;
  /** Smallest arrival − timestamp seen: the live edge. */
  #minOffset = Infinity;
  /** Largest arrival − timestamp seen after the second keyframe (past any cached GOP). */
  #maxOffset = -Infinity;

  /** Creates a checker for the frames of one file. */
  constructor(expected: ExpectedFrames) {
    this.#video = new TrackCursor(expected.video);
    this.#audio = new TrackCursor(expected.audio);
  }

  /** Handles one received message (`arrivalMs` on any monotonic clock; NaN to skip lag). */
  onMessage(typeId: number, timestamp: number, body: Uint8Array, arrivalMs: number): void {
    if (typeId === MessageType.Video) {
      if (!isCodedVideoFrame(body)) return;
      const keyframe = isKeyframe(body);
      if (this.#keyframes === 0 && !keyframe) return;
      if (keyframe) this.#keyframes++;
      if (!this.#video.take(timestamp)) return;
      const offset = arrivalMs - timestamp;
      if (offset < this.#minOffset) this.#minOffset = offset;
      if (this.#keyframes >= 2 && offset > this.#maxOffset) this.#maxOffset = offset;
    } else if (typeId === MessageType.Audio) {
      if (this.#keyframes === 0 || !isCodedAudioFrame(body)) return;
      this.#audio.take(timestamp);
    }
  }

  /** Video frames counted (from the first keyframe). */
  get videoFrames(): number {
    return this.#video.received;
  }

  /** Audio frames counted (from the first keyframe). */
  get audioFrames(): number {
    return this.#audio.received;
  }

  /** Frames of the file that never arrived between the first and the last one received. */
  get missing(): number {
    return this.#video.missing + this.#audio.missing;
  }

  /** Frames that did not fit the file's order. */
  get unexpected(): number {
    return this.#video.unexpected + this.#audio.unexpected;
  }

  /** True once the last video and audio frames of the file arrived. */
  get reachedEnd(): boolean {
    return this.#video.atEnd && this.#audio.atEnd;
  }

  /** How far behind the live edge the player fell at worst, in ms (0 without data). */
  get maxLagMs(): number {
    return Number.isFinite(this.#maxOffset) ? Math.max(0, this.#maxOffset - this.#minOffset) : 0;
  }
}

/** How one player ended. */
export type PlayerEnd =
  | "complete" // the last frame of the file arrived
  | "not-playing" // play failed or the connection ended before Play.Start
  | "ended-early" // the server ended the stream or the connection before the last frame
  | "error" // a connect, handshake, transport or protocol error
  | "timeout"; // still without the last frame at the time limit

/** Summary of a fan-out run (what `result <json>` carries). */
export interface FanoutResult {
  /** Players started. */
  players: number;
  /** Players that got Play.Start. */
  playing: number;
  /** Milliseconds from the first connect until every player played (or failed). */
  joinMs: number;
  /** Players per way of ending. */
  ends: Partial<Record<PlayerEnd, number>>;
  /** One error message per kind, for the report. */
  errors: string[];
  /** Frames missing, summed over players. */
  missing: number;
  /** Frames out of order or repeated, summed over players. */
  unexpected: number;
  /** Players that lost at least one frame. */
  playersWithLoss: number;
  /** Fewest and most video frames one player received. */
  videoFrames: [number, number];
  /** Fewest and most audio frames one player received. */
  audioFrames: [number, number];
  /** Worst lag behind the live edge over all players, in ms. */
  maxLagMs: number;
}

/** Options of {@linkcode runFanout}. */
export interface FanoutOptions {
  readonly hostname: string;
  readonly port: number;
  readonly app: string;
  readonly name: string;
  readonly players: number;
  readonly expected: ExpectedFrames;
  /** Hard limit for the whole run, in ms. */
  readonly timeoutMs: number;
  /** Called once every player played or failed, with the join time in ms. */
  readonly onAllPlaying?: (joinMs: number) => void;
  /** Resolves when the publisher has stopped: players then get {@linkcode END_GRACE_MS} more. */
  readonly publisherDone?: Promise<void>;
}

interface PlayerState {
  readonly checker: FrameChecker;
  client: RtmpClient | undefined;
  played: boolean;
  end: PlayerEnd | undefined;
  error: string | undefined;
}

/** Waits until the stream plays (a player gets a video frame), retrying while it is not found. */
async function waitForStream(options: FanoutOptions, deadline: number): Promise<void> {
  let last = "";
  while (performance.now() < deadline) {
    let client: RtmpClient | undefined;
    try {
      let video = false;
      client = await openPlayer(options, (m) => {
        if (m === MessageType.Video) video = true;
      });
      const how = await client.pump(() => video);
      if (how === "done") return;
      last = client.session.lastStatus ?? how;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      client?.transport.close();
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_RETRY_MS));
  }
  throw new Error(`Cannot play the stream within ${PROBE_TIMEOUT_MS} ms: ${last}`);
}

async function openPlayer(
  options: FanoutOptions,
  onMedia: (typeId: number, timestamp: number, body: Uint8Array) => void,
): Promise<RtmpClient> {
  const { hostname, port, app, name } = options;
  const conn = await Deno.connect({ hostname, port, transport: "tcp" });
  conn.setNoDelay(true);
  const transport = new DenoTcpTransport(conn, { hostname, port }, PLAYER_READ_BUFFER_BYTES);
  const session = new ClientSession({
    app,
    tcUrl: `rtmp://${hostname}:${port}/${app}`,
    playpath: name,
    live: true,
    decoder: { transientPayloads: true },
  }, { onMedia: (m) => onMedia(m.typeId, m.timestamp, m.payload) });
  const client = new RtmpClient(transport, session);
  try {
    await client.connect();
  } catch (err) {
    transport.close();
    throw err;
  }
  return client;
}

async function runPlayer(
  options: FanoutOptions,
  state: PlayerState,
  slots: { acquire(): Promise<void>; release(): void },
  onSettled: () => void,
): Promise<void> {
  let settled = false;
  const settle = () => {
    if (!settled) {
      settled = true;
      slots.release();
      onSettled();
    }
  };
  await slots.acquire();
  try {
    const checker = state.checker;
    const client = await openPlayer(
      options,
      (typeId, timestamp, body) => checker.onMessage(typeId, timestamp, body, performance.now()),
    );
    state.client = client;
    const session = client.session;
    const started = await client.pump(() => session.playing);
    if (started !== "done") {
      state.end ??= "not-playing";
      state.error ??= session.lastStatus ?? `connection ${started} before Play.Start`;
      return;
    }
    state.played = true;
    settle();
    const how = await client.pump(() => checker.reachedEnd);
    if (state.end === undefined) {
      state.end = how === "done" ? "complete" : "ended-early";
      if (how !== "done") state.error = session.lastStatus ?? `connection ${how}`;
    }
  } catch (err) {
    state.end ??= "error";
    state.error ??= (err as Error).message.split("\n")[0];
  } finally {
    settle();
    state.client?.transport.close();
  }
}

function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    acquire(): Promise<void> {
      if (free > 0) {
        free--;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** Plays the stream with `options.players` players until each ends; returns the summary. */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const deadline = performance.now() + options.timeoutMs;
  await waitForStream(options, Math.min(deadline, performance.now() + PROBE_TIMEOUT_MS));

  const states: PlayerState[] = Array.from({ length: options.players }, () => ({
    checker: new FrameChecker(options.expected),
    client: undefined,
    played: false,
    end: undefined,
    error: undefined,
  }));
  const slots = semaphore(CONNECT_CONCURRENCY);
  const started = performance.now();
  let settled = 0;
  let joinMs = -1;
  const onSettled = () => {
    if (++settled === states.length) {
      joinMs = performance.now() - started;
      options.onAllPlaying?.(joinMs);
    }
  };
  const endAll = () => {
    for (const state of states) {
      if (state.end === undefined) {
        state.end = "timeout";
        state.client?.transport.close();
      }
    }
  };
  const timer = setTimeout(endAll, Math.max(0, deadline - performance.now()));
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  options.publisherDone?.then(() => {
    if (!finished) graceTimer = setTimeout(endAll, END_GRACE_MS);
  });
  try {
    await Promise.all(states.map((state) => runPlayer(options, state, slots, onSettled)));
  } finally {
    finished = true;
    clearTimeout(timer);
    clearTimeout(graceTimer);
  }
  return summarise(states, joinMs);
}

function summarise(states: PlayerState[], joinMs: number): FanoutResult {
  const ends: Partial<Record<PlayerEnd, number>> = {};
  const errors = new Set<string>();
  let playing = 0;
  let missing = 0;
  let unexpected = 0;
  let playersWithLoss = 0;
  let maxLagMs = 0;
  const video: number[] = [];
  const audio: number[] = [];
  for (const state of states) {
    const end = state.end ?? "error";
    ends[end] = (ends[end] ?? 0) + 1;
    if (state.error !== undefined) errors.add(`${end}: ${state.error}`);
    if (state.played) playing++;
    const c = state.checker;
    missing += c.missing;
    unexpected += c.unexpected;
    if (c.missing + c.unexpected > 0) playersWithLoss++;
    maxLagMs = Math.max(maxLagMs, c.maxLagMs);
    video.push(c.videoFrames);
    audio.push(c.audioFrames);
  }
  const range = (values: number[]): [number, number] =>
    values.length === 0 ? [0, 0] : [Math.min(...values), Math.max(...values)];
  return {
    players: states.length,
    playing,
    joinMs: Math.round(joinMs),
    ends,
    errors: [...errors].slice(0, 5),
    missing,
    unexpected,
    playersWithLoss,
    videoFrames: range(video),
    audioFrames: range(audio),
    maxLagMs: Math.round(maxLagMs),
  };
}

function parseArgs(args: string[]) {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith("--") || i + 1 >= args.length) {
      throw new Error(`Cannot parse arguments near "${args[i]}"`);
    }
    values.set(args[i].slice(2), args[i + 1]);
  }
  const need = (key: string) => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`Missing --${key}`);
    return value;
  };
  const players = Number(need("players"));
  const port = Number(need("port"));
  if (!Number.isInteger(players) || players < 1) throw new Error("--players needs a count");
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("--port needs a port");
  return {
    hostname: values.get("host") ?? "127.0.0.1",
    port,
    app: need("app"),
    name: need("name"),
    players,
    flv: need("flv"),
    timeoutMs: Number(values.get("timeout-ms") ?? DEFAULT_TIMEOUT_MS),
  };
}

/** The first promise resolves on the line `publisher-done` on stdin, the second at its end. */
function watchStdin(): { publisherDone: Promise<void>; closed: Promise<void> } {
  let done!: () => void;
  const publisherDone = new Promise<void>((resolve) => done = resolve);
  const closed = (async () => {
    let text = "";
    try {
      for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        if (text.includes("publisher-done\n")) done();
      }
    } catch {
      // Treated as closed.
    }
  })();
  return { publisherDone, closed };
}

if (import.meta.main) {
  try {
    const args = parseArgs(Deno.args);
    const expected = await readExpectedFrames(args.flv);
    const stdin = watchStdin();
    const result = await runFanout({
      ...args,
      expected,
      onAllPlaying: (joinMs) => console.log(`playing ${Math.round(joinMs)}`),
      publisherDone: stdin.publisherDone,
    });
    console.log(`result ${JSON.stringify(result)}`);
    await stdin.closed;
    Deno.exit(0);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(1);
  }
}
