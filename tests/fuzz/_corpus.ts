/**
 * The seed corpus: captures of real peers recorded by scripts/fuzz_corpus.ts (both directions of
 * a connection, handshake included, and the FLV files the players wrote), and the seeds derived
 * from them here: the AMF bodies of their command and data messages (and the same values in
 * AMF3), and the URLs and librtmp option strings their connect commands carry.
 *
 * @module
 */

import { AmfObject, type AmfValue, decodeAmf0, encodeAmf3 } from "../../src/amf/mod.ts";
import { chunkMessages } from "./_mutate.ts";

/** C0 + C1 + C2, or S0 + S1 + S2. */
export const HANDSHAKE_BYTES = 1 + 1536 + 1536;

const CORPUS_DIR = new URL("./corpus/", import.meta.url);

/** Both directions of one recorded connection. */
export interface Capture {
  /** What was recorded ("rtmpdump-play-nginx"). */
  readonly label: string;
  /** Bytes the client sent, from C0 on. */
  readonly toServer: Uint8Array;
  /** Bytes the server sent, from S0 on. */
  readonly toClient: Uint8Array;
}

/** Every seed the targets draw from. */
export interface Corpus {
  /** Recorded connections. */
  readonly captures: readonly Capture[];
  /** FLV files (their first bytes) written by rtmpdump and ffmpeg. */
  readonly flv: readonly Uint8Array[];
  /** AMF0 bodies of the command and data messages in the captures. */
  readonly amf0: readonly Uint8Array[];
  /** The same values encoded as AMF3. */
  readonly amf3: readonly Uint8Array[];
  /** URLs and option strings built from the captured connect commands. */
  readonly urls: readonly string[];
}

function list(dir: URL, suffix: string): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && entry.name.endsWith(suffix)) names.push(entry.name);
  }
  return names.sort();
}

let cached: Corpus | undefined;

/** Loads the corpus (once per process). */
export function loadCorpus(): Corpus {
  if (cached !== undefined) return cached;
  const captureDir = new URL("captures/", CORPUS_DIR);
  const captures: Capture[] = list(captureDir, ".c2s.bin").map((name) => {
    const label = name.slice(0, -".c2s.bin".length);
    return {
      label,
      toServer: Deno.readFileSync(new URL(name, captureDir)),
      toClient: Deno.readFileSync(new URL(`${label}.s2c.bin`, captureDir)),
    };
  });
  const flvDir = new URL("flv/", CORPUS_DIR);
  const flv = list(flvDir, ".flv").map((name) => Deno.readFileSync(new URL(name, flvDir)));

  const amf0: Uint8Array[] = [];
  const amf3: Uint8Array[] = [];
  const seen = new Set<string>();
  const connects: AmfObject[] = [];
  const playpaths: string[] = [];
  for (const capture of captures) {
    for (const stream of [capture.toServer, capture.toClient]) {
      for (const message of chunkMessages(stream.subarray(HANDSHAKE_BYTES))) {
        if (![15, 17, 18, 20].includes(message.typeId)) continue;
        const body = message.typeId === 15 || message.typeId === 17
          ? message.payload.subarray(1)
          : message.payload;
        const key = Array.from(body.subarray(0, 64)).join(",") + `/${body.length}`;
        if (seen.has(key)) continue;
        seen.add(key);
        amf0.push(body);
        let values: AmfValue[];
        try {
          values = decodeAmf0(body);
          amf3.push(encodeAmf3(...values));
        } catch {
          continue;
        }
        if (values[0] === "connect" && values[2] instanceof AmfObject) connects.push(values[2]);
        if ((values[0] === "play" || values[0] === "publish") && typeof values[3] === "string") {
          playpaths.push(values[3]);
        }
      }
    }
  }
  cached = { captures, flv, amf0, amf3, urls: urlSeeds(connects, playpaths) };
  return cached;
}

/** URLs and `RTMP_SetupURL` option strings from the captured connect and play commands. */
function urlSeeds(connects: readonly AmfObject[], playpaths: readonly string[]): string[] {
  const urls = new Set<string>();
  const text = (object: AmfObject, key: string) => {
    const value = object.get(key);
    return typeof value === "string" ? value : "";
  };
  for (const connect of connects) {
    const tcUrl = text(connect, "tcUrl");
    const app = text(connect, "app");
    for (const playpath of playpaths.length > 0 ? playpaths : [""]) {
      urls.add(tcUrl);
      urls.add(`${tcUrl}/${playpath}`);
      const options = [
        `app=${app}`,
        `playpath=${playpath}`,
        `tcUrl=${tcUrl}`,
        text(connect, "swfUrl") && `swfUrl=${text(connect, "swfUrl")}`,
        text(connect, "pageUrl") && `pageUrl=${text(connect, "pageUrl")}`,
        text(connect, "flashVer") && `flashVer=${text(connect, "flashVer").replace(/ /g, "\\20")}`,
        "conn=B:1",
        "conn=S:text",
        "conn=O:1 conn=NN:code:1.23 conn=NS:flag:ok conn=O:0",
        "live=1",
        "buffer=3000",
        "timeout=30",
      ].filter((option) => option !== "");
      urls.add(`${tcUrl}/${playpath} ${options.join(" ")}`);
    }
  }
  return [...urls].sort();
}
