/**
 * What the fuzz harness attacks, and what must hold for every input: each target feeds one input
 * to one layer (split at random points, with options drawn at random) and checks that
 *
 * - nothing is thrown but the layer's documented error types;
 * - memory stays bounded: the bytes the layer allocates, holds, outputs or hands out stay within
 *   a fixed multiple of the input (and within its configured limits);
 * - what decodes can be encoded again and decodes to the same value (AMF);
 * - a shared chunk budget gets every byte back when its decoder is closed.
 *
 * A target returns normally when the input broke nothing, and throws otherwise: the layer's own
 * unexpected error, or an {@linkcode InvariantError}. There is no timer: a run is bounded by its
 * number of cases, and a case that never ends is caught by the long-run script's watchdog.
 *
 * @module
 */

import {
  AMF_MAX_REFERENCE_EXPANSION,
  AmfEcmaArray,
  AmfError,
  AmfObject,
  type AmfValue,
  decodeAmf0,
  decodeAmf3,
  encodeAmf0,
  encodeAmf3,
} from "../../src/amf/mod.ts";
import { ChunkBudget, ChunkDecoder, ChunkError } from "../../src/chunk/mod.ts";
import { FlvError, FlvReader, type FlvTag } from "../../src/flv/mod.ts";
import { ClientHandshake, HandshakeError, ServerHandshake } from "../../src/handshake/mod.ts";
import { ClientSession } from "../../src/session/client_session.ts";
import { PublishSession } from "../../src/session/publish_session.ts";
import { ServerSession } from "../../src/session/server_session.ts";
import { SessionError } from "../../src/session/session_error.ts";
import { ConnBuilder } from "../../src/url/conn_builder.ts";
import { parsePlaypath } from "../../src/url/parse_playpath.ts";
import { parseRtmpUrl } from "../../src/url/parse_rtmp_url.ts";
import { setupUrl } from "../../src/url/setup_url.ts";
import { UrlError } from "../../src/url/url_error.ts";
import { ALL_AMF0_GOLDEN } from "../amf/_amf0_golden.ts";
import { AMF3_GOLDEN } from "../amf/_amf3_golden.ts";
import { assertAmfEqual } from "../amf/_amf_assert.ts";
import { countAllocations } from "../chunk/_helpers.ts";
import { type Corpus, HANDSHAKE_BYTES } from "./_corpus.ts";
import { mutateAmf0Body, mutateAmf3Body, mutateChunkStream } from "./_mutate.ts";
import type { Random } from "./_random.ts";

/** An input broke one of the target's invariants. */
export class InvariantError extends Error {
  /** Creates the error; the message says which invariant and by how much. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvariantError";
  }
}

/** One layer under attack. */
export interface FuzzTarget {
  /** Name on the command line and in test names ("chunk"). */
  readonly name: string;
  /** What it feeds and to what. */
  readonly description: string;
  /** Cases `deno task test` runs (seeded, so always the same ones). */
  readonly testIterations: number;
  /** The seeds mutations start from. */
  seeds(corpus: Corpus): Uint8Array[];
  /** A structure-aware mutation, used for half of the mutation rounds when present. */
  structured?(input: Uint8Array, rng: Random): Uint8Array;
  /** Feeds one input; throws when an invariant breaks. */
  run(input: Uint8Array, rng: Random): void | Promise<void>;
}

/** Rethrows `error` unless it is one of the layer's documented types. */
function expect(error: unknown, ...types: (abstract new (...args: never[]) => Error)[]): void {
  if (!types.some((type) => error instanceof type)) throw error;
}

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new InvariantError(message());
}

/** Cuts `input` at up to 8 random points (or into single bytes, now and then, when short). */
export function split(input: Uint8Array, rng: Random): Uint8Array[] {
  if (input.length <= 64 && rng.chance(0.1)) {
    return Array.from(input, (_, i) => input.subarray(i, i + 1));
  }
  const cuts = Array.from({ length: rng.below(9) }, () => rng.below(input.length + 1));
  cuts.sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, input.length]) {
    pieces.push(input.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

function afterHandshake(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(Math.min(HANDSHAKE_BYTES, bytes.length));
}

function containsBytes(value: AmfValue, depth = 0): boolean {
  if (value instanceof Uint8Array) return true;
  if (depth > 300 || value === null || typeof value !== "object") return false;
  const items = Array.isArray(value)
    ? value
    : value instanceof Map
    ? [...value.values()]
    : Object.values(value);
  return items.some((item) => containsBytes(item as AmfValue, depth + 1));
}

/**
 * A value as AMF3 carries it: AMF3 has no ECMA array of its own, and the writer sends an empty
 * one as an empty array, which reads back as `[]`.
 */
function asAmf3Carries(value: AmfValue, depth = 0): AmfValue {
  if (depth > 300 || value === null || typeof value !== "object") return value;
  if (value instanceof AmfEcmaArray && value.size === 0) return [];
  if (Array.isArray(value)) return value.map((item) => asAmf3Carries(item, depth + 1));
  if (value instanceof Map) {
    const copy = value instanceof AmfObject ? new AmfObject() : new AmfEcmaArray();
    if (value instanceof AmfObject) (copy as AmfObject).className = value.className;
    for (const [key, item] of value) copy.set(key, asAmf3Carries(item, depth + 1));
    return copy;
  }
  return value;
}

/** Decoded AMF is encoded again and must decode to the same values. */
function roundTrip(
  values: AmfValue[],
  input: Uint8Array,
  encode: (...values: AmfValue[]) => Uint8Array,
  decode: (bytes: Uint8Array) => AmfValue[],
  format: string,
): void {
  let encoded: Uint8Array;
  try {
    encoded = encode(...values);
  } catch (error) {
    if (error instanceof TypeError && format === "AMF0" && values.some((v) => containsBytes(v))) {
      return; // an AMF3 byte array behind the AVM+ switch has no AMF0 form
    }
    throw new InvariantError(`Decoded ${format} cannot be encoded again: ${error}`, {
      cause: error,
    });
  }
  // References may expand a message by AMF_MAX_REFERENCE_EXPANSION; U+FFFD triples bad bytes.
  const limit = 3 * input.length + AMF_MAX_REFERENCE_EXPANSION + 64;
  check(
    encoded.length <= limit,
    () => `${input.length} bytes of ${format} encode again to ${encoded.length} (limit ${limit})`,
  );
  const again = decode(encoded);
  check(again.length === values.length, () => `${format} round trip changed the value count`);
  for (let i = 0; i < values.length; i++) {
    try {
      assertAmfEqual(again[i], format === "AMF3" ? asAmf3Carries(values[i]) : values[i]);
    } catch (error) {
      throw new InvariantError(`${format} round trip changed value ${i}: ${error}`, {
        cause: error,
      });
    }
  }
}

/**
 * What a session may allocate for an input: replies and decoded messages grow with the input;
 * encoders and tables cost a fixed amount (at most about 33 KiB over 16 bytes per input byte in
 * a run of 12,000 cases).
 */
function checkAllocated(bytes: number, inputLength: number): void {
  const limit = 32 * inputLength + 256 * 1024;
  check(bytes <= limit, () => `${inputLength} bytes allocated ${bytes} (limit ${limit})`);
}

/** Deterministic clock and random bytes for the handshakes. */
const NOW = () => 123_456;
function fill(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 17) & 0xff;
}

const CHUNK_TARGET: FuzzTarget = {
  name: "chunk",
  description: "ChunkDecoder: chunk streams after the handshake, both directions",
  testIterations: 10000,
  seeds: (corpus) =>
    corpus.captures.flatMap((c) => [afterHandshake(c.toServer), afterHandshake(c.toClient)]),
  structured: mutateChunkStream,
  run(input, rng) {
    const maxBytesInFlight = rng.pick([64 * 1024, 8 << 20, 64 << 20]);
    const maxMessageSize = rng.pick([4096, 0xffffff]);
    const budget = new ChunkBudget(rng.pick([256 * 1024, 16 << 20, Infinity]));
    const decoder = new ChunkDecoder({
      transientPayloads: rng.chance(0.3),
      maxBytesInFlight,
      maxMessageSize,
      maxChunkStreams: 64,
      budget,
    });
    let delivered = 0;
    let largest = maxMessageSize;
    const pieces = split(input, rng);
    const allocated = countAllocations(() => {
      try {
        for (const piece of pieces) {
          if (rng.chance(0.1)) {
            decoder.maxMessageSize = rng.pick([100, 4096, 0xffffff]);
            largest = Math.max(largest, decoder.maxMessageSize);
          }
          decoder.push(piece, (message) => {
            delivered += message.payload.length;
            check(
              message.payload.length <= largest,
              () => `a ${message.payload.length}-byte message passed the size limit`,
            );
          });
          check(
            decoder.bytesInFlight <= maxBytesInFlight,
            () => `${decoder.bytesInFlight} bytes in flight (limit ${maxBytesInFlight})`,
          );
          check(
            decoder.bytesHeld === budget.used,
            () => `holds ${decoder.bytesHeld} bytes, the budget counts ${budget.used}`,
          );
        }
      } catch (error) {
        expect(error, ChunkError, InvariantError);
        if (error instanceof InvariantError) throw error;
      }
    });
    check(delivered <= input.length, () => `${delivered} payload bytes from ${input.length}`);
    // A message started costs at most 256 bytes (or its first chunk) before its bytes arrive,
    // and starting one takes at least a 4-byte header and a byte; growing doubles.
    const limit = 64 * input.length + 64 * 1024;
    check(
      allocated.bytes <= limit,
      () => `${input.length} bytes allocated ${allocated.bytes} (limit ${limit})`,
    );
    decoder.close();
    check(budget.used === 0, () => `the budget keeps ${budget.used} bytes after close`);
  },
};

const AMF0_TARGET: FuzzTarget = {
  name: "amf0",
  description: "decodeAmf0 (with the AVM+ switch), then encodeAmf0 and decodeAmf0 again",
  testIterations: 10000,
  // The captures' bodies, and the golden tables, which cover every marker and reference kind.
  seeds: (corpus) => [...corpus.amf0, ...ALL_AMF0_GOLDEN.map((g) => Uint8Array.from(g.bytes))],
  structured: mutateAmf0Body,
  run(input) {
    let values: AmfValue[];
    try {
      values = decodeAmf0(input);
    } catch (error) {
      expect(error, AmfError);
      return;
    }
    roundTrip(values, input, encodeAmf0, decodeAmf0, "AMF0");
  },
};

const AMF3_TARGET: FuzzTarget = {
  name: "amf3",
  description: "decodeAmf3, then encodeAmf3 and decodeAmf3 again",
  testIterations: 10000,
  seeds: (corpus) => [...corpus.amf3, ...AMF3_GOLDEN.map((g) => Uint8Array.from(g.bytes))],
  structured: mutateAmf3Body,
  run(input) {
    let values: AmfValue[];
    try {
      values = decodeAmf3(input);
    } catch (error) {
      expect(error, AmfError);
      return;
    }
    roundTrip(values, input, encodeAmf3, decodeAmf3, "AMF3");
  },
};

const FLV_TARGET: FuzzTarget = {
  name: "flv",
  description: "FlvReader, strict and lenient, then finish()",
  testIterations: 8000,
  seeds: (corpus) => [...corpus.flv],
  run(input, rng) {
    const reader = new FlvReader({
      lenient: rng.chance(0.5),
      maxTagSize: rng.chance(0.2) ? rng.pick([0, 100, 4096]) : undefined,
    });
    let delivered = 0;
    const onTag = (tag: FlvTag) => {
      delivered += tag.data.length;
    };
    const pieces = split(input, rng);
    const allocated = countAllocations(() => {
      try {
        for (const piece of pieces) reader.push(piece, onTag);
        reader.finish();
      } catch (error) {
        expect(error, FlvError);
      }
    });
    check(delivered <= input.length, () => `${delivered} tag bytes from ${input.length}`);
    const limit = 4 * input.length + 64 * 1024;
    check(
      allocated.bytes <= limit,
      () => `${input.length} bytes allocated ${allocated.bytes} (limit ${limit})`,
    );
  },
};

const CLIENT_HANDSHAKE_TARGET: FuzzTarget = {
  name: "handshake-client",
  description: "ClientHandshake (plain and FP9) fed what servers answered",
  testIterations: 1000,
  seeds: (corpus) => corpus.captures.map((c) => c.toClient.subarray(0, HANDSHAKE_BYTES + 256)),
  async run(input, rng) {
    const handshake = new ClientHandshake({
      mode: rng.chance(0.5) ? "plain" : "fp9",
      now: NOW,
      random: fill,
    });
    await handshake.start();
    try {
      for (const piece of split(input, rng)) {
        const step = await handshake.receive(piece);
        check(
          (step.rest?.length ?? 0) <= piece.length,
          () => "the handshake handed back more than it was given",
        );
        if (step.done) break;
      }
    } catch (error) {
      expect(error, HandshakeError);
    }
  },
};

const SERVER_HANDSHAKE_TARGET: FuzzTarget = {
  name: "handshake-server",
  description: "ServerHandshake (plain and FP9 answers) fed what clients sent",
  testIterations: 1000,
  seeds: (corpus) => corpus.captures.map((c) => c.toServer.subarray(0, HANDSHAKE_BYTES + 256)),
  async run(input, rng) {
    const handshake = new ServerHandshake({ now: NOW, random: fill, fp9: rng.chance(0.8) });
    try {
      for (const piece of split(input, rng)) {
        const step = await handshake.receive(piece);
        check(
          (step.rest?.length ?? 0) <= piece.length,
          () => "the handshake handed back more than it was given",
        );
        if (step.done) break;
      }
    } catch (error) {
      expect(error, HandshakeError);
    }
  },
};

const URL_TARGET: FuzzTarget = {
  name: "url",
  description: "parseRtmpUrl, setupUrl, parsePlaypath and ConnBuilder on URL and option text",
  testIterations: 8000,
  seeds: (corpus) => corpus.urls.map((url) => new TextEncoder().encode(url)),
  run(input, rng) {
    const text = rng.chance(0.5)
      ? new TextDecoder().decode(input)
      : String.fromCharCode(...input.subarray(0, 65536));
    // A result is built from the input, possibly decoded from escapes; a tcUrl adds a scheme,
    // a port and separators.
    const limit = 3 * text.length + 64;
    const bounded = (what: string, value: string) =>
      check(value.length <= limit, () => `${what} of ${value.length} from ${text.length}`);
    try {
      const url = parseRtmpUrl(text);
      bounded("host", url.host);
      bounded("app", url.app);
      bounded("playpath", url.playpath);
    } catch (error) {
      expect(error, UrlError);
    }
    try {
      const setup = setupUrl(text);
      bounded("tcUrl", setup.tcUrl);
      bounded("app", setup.app);
      bounded("playpath", setup.playpath);
    } catch (error) {
      expect(error, UrlError);
    }
    bounded("playpath", parsePlaypath(text));
    const conn = new ConnBuilder();
    try {
      for (const arg of text.split(" ")) conn.add(arg);
      encodeAmf0(...conn.values());
    } catch (error) {
      expect(error, UrlError);
    }
  },
};

const CLIENT_SESSION_TARGET: FuzzTarget = {
  name: "session-client",
  description: "ClientSession after connect, fed what servers sent after the handshake",
  testIterations: 3000,
  seeds: (corpus) => corpus.captures.map((c) => afterHandshake(c.toClient)),
  structured: mutateChunkStream,
  run(input, rng) {
    let media = 0;
    const session = new ClientSession({
      app: "vod",
      playpath: "sample.flv",
      tcUrl: "rtmp://127.0.0.1/vod",
      live: rng.chance(0.2),
      bufx: rng.chance(0.3),
      bufferMs: 3000,
      decoder: { transientPayloads: rng.chance(0.5), maxChunkStreams: 64 },
    }, {
      onMedia(message) {
        media += message.payload.length;
      },
    });
    session.connect();
    let output = session.takeOutput().length;
    const start = output;
    const pieces = split(input, rng);
    const allocated = countAllocations(() => {
      try {
        for (const piece of pieces) {
          if (rng.chance(0.1)) session.holdAfterStart();
          session.receive(piece);
          if (rng.chance(0.1)) session.releaseHeld();
          output += session.takeOutput().length;
        }
        session.releaseHeld();
        session.close();
      } catch (error) {
        expect(error, ChunkError, SessionError);
      }
    });
    checkAllocated(allocated.bytes, input.length);
    check(media <= input.length, () => `${media} media bytes from ${input.length}`);
    const limit = start + 8 * input.length + 4096;
    check(output <= limit, () => `${input.length} bytes in, ${output} out (limit ${limit})`);
  },
};

const SERVER_SESSION_TARGET: FuzzTarget = {
  name: "session-server",
  description: "ServerSession answering connect, play and publish, fed what clients sent",
  testIterations: 3000,
  seeds: (corpus) => corpus.captures.map((c) => afterHandshake(c.toServer)),
  structured: mutateChunkStream,
  run(input, rng) {
    let media = 0;
    const session: ServerSession = new ServerSession({
      decoder: { maxChunkStreams: 64, maxMessageSize: 1 << 20, maxBytesInFlight: 4 << 20 },
      onEvent(event) {
        switch (event.type) {
          case "connect":
            if (rng.chance(0.9)) session.acceptConnect(event.transactionId);
            else session.rejectConnect(event.transactionId);
            return;
          case "play":
            if (rng.chance(0.8)) {
              session.beginPlay(event.streamId, event.name, { recorded: rng.chance(0.5) });
              session.sendMedia(event.streamId, 9, 0, new Uint8Array(16));
            } else {
              session.rejectPlay(event.streamId, event.name);
            }
            return;
          case "publish":
            if (rng.chance(0.8)) session.acceptPublish(event.streamId, event.name);
            else session.rejectPublish(event.streamId, event.name);
            return;
          case "getStreamLength":
            session.replyStreamLength(event.transactionId, 10);
            return;
          case "media":
            media += event.message.payload.length;
            return;
        }
      },
    });
    let output = 0;
    const pieces = split(input, rng);
    const allocated = countAllocations(() => {
      try {
        for (const piece of pieces) {
          session.receive(piece);
          output += session.takeOutput().length;
        }
        session.close();
      } catch (error) {
        expect(error, ChunkError, SessionError);
      }
    });
    checkAllocated(allocated.bytes, input.length);
    check(media <= input.length, () => `${media} media bytes from ${input.length}`);
    // Play is answered with about 400 bytes (status messages and the test's media) for about
    // 40: replies are bounded, not small.
    const limit = 16 * input.length + 4096;
    check(output <= limit, () => `${input.length} bytes in, ${output} out (limit ${limit})`);
  },
};

const PUBLISH_SESSION_TARGET: FuzzTarget = {
  name: "session-publish",
  description: "PublishSession after connect, fed what servers sent to a publisher",
  testIterations: 2000,
  seeds: (corpus) => corpus.captures.map((c) => afterHandshake(c.toClient)),
  structured: mutateChunkStream,
  run(input, rng) {
    const session = new PublishSession({ app: "live", playpath: "capture" });
    session.connect();
    let output = session.takeOutput().length;
    const start = output;
    const pieces = split(input, rng);
    const allocated = countAllocations(() => {
      try {
        for (const piece of pieces) {
          session.receive(piece);
          if (session.state === "publishing" && rng.chance(0.3)) {
            session.writeTag({ type: 9, timestamp: 0, streamId: 0, data: new Uint8Array(8) });
          }
          output += session.takeOutput().length;
        }
        session.close();
      } catch (error) {
        expect(error, ChunkError);
      }
    });
    checkAllocated(allocated.bytes, input.length);
    const limit = start + 8 * input.length + 4096;
    check(output <= limit, () => `${input.length} bytes in, ${output} out (limit ${limit})`);
  },
};

/** Every target, in the order the long run takes them. */
export const TARGETS: readonly FuzzTarget[] = [
  CHUNK_TARGET,
  AMF0_TARGET,
  AMF3_TARGET,
  FLV_TARGET,
  CLIENT_HANDSHAKE_TARGET,
  SERVER_HANDSHAKE_TARGET,
  URL_TARGET,
  CLIENT_SESSION_TARGET,
  SERVER_SESSION_TARGET,
  PUBLISH_SESSION_TARGET,
];

/** The target called `name`, or undefined. */
export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((target) => target.name === name);
}
