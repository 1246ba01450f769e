/**
 * Test and benchmark media: FLV files made with ffmpeg from its synthetic sources (testsrc2,
 * sine), generated once and cached under `.tmp/media/` in the repository.
 *
 * Each file has a recipe (the ffmpeg arguments); a `<kind>.recipe` file next to the FLV records
 * the recipe it was made with, so a changed recipe regenerates the file instead of reusing a
 * stale one. Files are written under a temporary name and renamed into place, so an interrupted
 * run never leaves a truncated FLV behind.
 *
 * Run directly to (re)generate files: `deno run -A scripts/gen_media.ts [--force] [KIND ...]`
 * (default: every test kind; the `bench_*` kinds only when named).
 *
 * @module
 */

/** Names of the media files this module can generate. */
export type MediaKind =
  | "h264_aac"
  | "bframes"
  | "audio_only_mp3"
  | "aac_only"
  | "ext_ts"
  | "flv1"
  | "small_keyframe_index"
  | "bench_16mb"
  | "bench_1080p"
  | "bench_live_720p";

/** How one media file is made. */
export interface MediaRecipe {
  /** What the file exercises. */
  readonly description: string;
  /** ffmpeg arguments between the global options and the output path. */
  readonly args: readonly string[];
}

/** Absolute path of the repository root. */
export const REPO_ROOT: string = decodeURIComponent(new URL("../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** Default cache directory for generated media (git-ignored). */
export const MEDIA_DIR: string = `${REPO_ROOT}/.tmp/media`;

const VIDEO_720P = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"];
const VIDEO_360P = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"];
const VIDEO_1080P = ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"];
const SINE_44K = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"];
const X264_FAST = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
const AAC_128K = ["-c:a", "aac", "-b:a", "128k"];
const FLV_OUT = ["-f", "flv"];

/** Every recipe, by kind. */
export const MEDIA_RECIPES: Readonly<Record<MediaKind, MediaRecipe>> = {
  h264_aac: {
    description: "H.264 720p30 + AAC, 10 s, keyframe every 2 s",
    args: [
      ...VIDEO_720P,
      ...SINE_44K,
      "-t",
      "10",
      ...X264_FAST,
      "-g",
      "60",
      "-b:v",
      "2M",
      ...AAC_128K,
      ...FLV_OUT,
    ],
  },
  bframes: {
    description: "H.264 with 3 B-frames (non-zero composition time offsets) + AAC, 10 s",
    args: [
      ...VIDEO_720P,
      ...SINE_44K,
      "-t",
      "10",
      ...X264_FAST,
      "-g",
      "60",
      "-bf",
      "3",
      "-b:v",
      "2M",
      ...AAC_128K,
      ...FLV_OUT,
    ],
  },
  audio_only_mp3: {
    description: "MP3 audio only, 10 s",
    args: [...SINE_44K, "-t", "10", "-c:a", "libmp3lame", "-b:a", "128k", ...FLV_OUT],
  },
  aac_only: {
    description: "AAC audio only, 10 s",
    args: [...SINE_44K, "-t", "10", ...AAC_128K, ...FLV_OUT],
  },
  ext_ts: {
    description: "H.264 + AAC whose timestamps cross 0xFFFFFF ms (extended timestamps), 8 s",
    args: [
      ...VIDEO_360P,
      ...SINE_44K,
      "-t",
      "8",
      ...X264_FAST,
      "-g",
      "30",
      "-b:v",
      "1M",
      ...AAC_128K,
      "-output_ts_offset",
      "16770",
      ...FLV_OUT,
    ],
  },
  flv1: {
    description: "Sorenson H.263 (FLV1) video + MP3 audio, 10 s",
    args: [
      ...VIDEO_360P,
      ...SINE_44K,
      "-t",
      "10",
      "-c:v",
      "flv",
      "-g",
      "90",
      "-b:v",
      "1M",
      "-c:a",
      "libmp3lame",
      "-b:a",
      "128k",
      ...FLV_OUT,
    ],
  },
  small_keyframe_index: {
    description: "H.264 + AAC with a keyframes index in onMetaData (seekable), 20 s",
    args: [
      ...VIDEO_360P,
      ...SINE_44K,
      "-t",
      "20",
      ...X264_FAST,
      "-g",
      "30",
      "-b:v",
      "500k",
      ...AAC_128K,
      "-flvflags",
      "add_keyframe_index",
      ...FLV_OUT,
    ],
  },
  bench_16mb: {
    description: "H.264 1080p30 at 16 Mb/s + AAC, about 16 MB (benchmark)",
    args: [
      ...VIDEO_1080P,
      ...SINE_44K,
      "-t",
      "7.6",
      ...X264_FAST,
      "-g",
      "60",
      "-b:v",
      "16M",
      ...AAC_128K,
      ...FLV_OUT,
    ],
  },
  bench_1080p: {
    description: "H.264 1080p30 at 16 Mb/s + AAC, about 240 MB (benchmark)",
    args: [
      ...VIDEO_1080P,
      ...SINE_44K,
      "-t",
      "119",
      ...X264_FAST,
      "-g",
      "60",
      "-b:v",
      "16M",
      ...AAC_128K,
      ...FLV_OUT,
    ],
  },
  bench_live_720p: {
    description: "H.264 720p30 at 4 Mb/s + AAC, 15 s, keyframe every 2 s (live fan-out benchmark)",
    args: [
      ...VIDEO_720P,
      ...SINE_44K,
      "-t",
      "15",
      ...X264_FAST,
      "-g",
      "60",
      "-b:v",
      "4M",
      "-maxrate",
      "4M",
      "-bufsize",
      "2M",
      ...AAC_128K,
      ...FLV_OUT,
    ],
  },
};

/** Kinds used by the interop tests: small files (each well under 10 MB). */
export const TEST_MEDIA_KINDS: readonly MediaKind[] = [
  "h264_aac",
  "bframes",
  "audio_only_mp3",
  "aac_only",
  "ext_ts",
  "flv1",
  "small_keyframe_index",
];

/** Options for {@linkcode genMedia}. */
export interface GenMediaOptions {
  /** Cache directory (default {@linkcode MEDIA_DIR}). */
  readonly dir?: string;
  /** Regenerate even when a cached file matches its recipe. */
  readonly force?: boolean;
  /** ffmpeg executable (default `ffmpeg` from PATH). */
  readonly ffmpeg?: string;
}

const pending = new Map<string, Promise<string>>();

/**
 * Returns the path of the FLV for `kind`, generating it with ffmpeg first unless a file made with
 * the same recipe is already cached. Concurrent calls for the same file share one generation.
 */
export function genMedia(kind: MediaKind, options: GenMediaOptions = {}): Promise<string> {
  const dir = options.dir ?? MEDIA_DIR;
  const key = `${dir}/${kind}`;
  if (options.force) pending.delete(key);
  let job = pending.get(key);
  if (job === undefined) {
    job = generate(kind, dir, options);
    pending.set(key, job);
    job.catch(() => pending.delete(key));
  }
  return job;
}

async function generate(kind: MediaKind, dir: string, options: GenMediaOptions): Promise<string> {
  const recipe = MEDIA_RECIPES[kind];
  if (recipe === undefined) throw new TypeError(`Cannot generate media: unknown kind "${kind}"`);
  const target = `${dir}/${kind}.flv`;
  const recipeFile = `${dir}/${kind}.recipe`;
  const recipeText = JSON.stringify(recipe.args) + "\n";
  if (!options.force && await isCached(target, recipeFile, recipeText)) return target;

  await Deno.mkdir(dir, { recursive: true });
  const partial = `${dir}/.${kind}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.flv`;
  const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...recipe.args, partial];
  try {
    const { code, stderr } = await new Deno.Command(options.ffmpeg ?? "ffmpeg", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      const detail = new TextDecoder().decode(stderr).trim();
      throw new Error(`Cannot generate media "${kind}": ffmpeg exited with ${code}: ${detail}`);
    }
    // World-readable, so a server whose workers run as another user can serve it.
    await Deno.chmod(partial, 0o644);
    await Deno.rename(partial, target);
    await Deno.writeTextFile(recipeFile, recipeText);
  } finally {
    await Deno.remove(partial).catch(() => {});
  }
  return target;
}

async function isCached(target: string, recipeFile: string, recipeText: string) {
  try {
    const [info, saved] = await Promise.all([Deno.stat(target), Deno.readTextFile(recipeFile)]);
    return info.isFile && info.size > 0 && saved === recipeText;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const force = Deno.args.includes("--force");
  const named = Deno.args.filter((a) => !a.startsWith("--"));
  for (const name of named) {
    if (!(name in MEDIA_RECIPES)) {
      console.error(
        `Unknown media kind "${name}"; known: ${Object.keys(MEDIA_RECIPES).join(", ")}`,
      );
      Deno.exit(1);
    }
  }
  const kinds = named.length > 0 ? named as MediaKind[] : TEST_MEDIA_KINDS;
  for (const kind of kinds) {
    const started = performance.now();
    const path = await genMedia(kind, { force });
    const { size } = await Deno.stat(path);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${kind}: ${path} (${(size / 1e6).toFixed(1)} MB, ${seconds} s)`);
  }
}
