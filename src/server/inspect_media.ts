/**
 * Reads just enough of an audio or video message body to relay it: is it a keyframe, is it a
 * sequence header (codec configuration), and which track it configures. Legacy FLV codec headers
 * and Enhanced RTMP ex-headers (ModEx, multitrack, FourCCs) are understood; the body itself is
 * never changed.
 *
 * @module
 */

/** What the relay needs to know about one audio or video message. */
export interface MediaInfo {
  /** A video keyframe (frame type 1); always true for audio. */
  keyframe: boolean;
  /** Codec configuration a decoder needs before any frame (AVC/AAC headers, SequenceStart). */
  sequenceHeader: boolean;
  /**
   * Names what a sequence header configures, so a newer one replaces it in the cache:
   * "video" / "audio" for legacy codecs, "video:hvc1" (FourCC), "video:hvc1:1" (multitrack,
   * track id), "audio:Opus:mc" (multichannel config).
   */
  track: string;
}

/** Legacy video frame type of a keyframe (and of an Enhanced RTMP keyframe). */
const FRAME_TYPE_KEY = 1;
/** Enhanced RTMP video frame type of a command frame (no media). */
const FRAME_TYPE_COMMAND = 5;
/** Legacy codec ids whose second byte is a packet type with 0 = sequence header. */
const CODEC_AVC = 7;
const CODEC_HEVC_LEGACY = 12;
const CODEC_AV1_LEGACY = 13;
/** Legacy SoundFormat AAC, and the Enhanced RTMP audio marker. */
const SOUND_FORMAT_AAC = 10;
const SOUND_FORMAT_EX_HEADER = 9;

/** Enhanced RTMP video packet types. */
const VideoPacket = {
  SequenceStart: 0,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;
/** Enhanced RTMP audio packet types. */
const AudioPacket = { SequenceStart: 0, MultichannelConfig: 4, Multitrack: 5, ModEx: 7 } as const;
const FOURCC_SIZE = 4;

const NOT_MEDIA: MediaInfo = { keyframe: false, sequenceHeader: false, track: "" };

/** Inspects a video message body (FLV video tag data). Never throws; short bodies are frames. */
export function inspectVideo(body: Uint8Array): MediaInfo {
  if (body.length === 0) return NOT_MEDIA;
  const first = body[0];
  const frameType = (first >> 4) & 0x07;
  if ((first & 0x80) === 0) {
    const codec = first & 0x0f;
    const hasPacketType = codec === CODEC_AVC || codec === CODEC_HEVC_LEGACY ||
      codec === CODEC_AV1_LEGACY;
    return {
      keyframe: frameType === FRAME_TYPE_KEY,
      sequenceHeader: hasPacketType && body.length >= 2 && body[1] === 0,
      track: "video",
    };
  }
  const header = readExHeader(body, first & 0x0f, VideoPacket.ModEx, VideoPacket.Multitrack);
  if (header === undefined) return { keyframe: false, sequenceHeader: false, track: "video" };
  const type = header.packetType;
  if (frameType === FRAME_TYPE_COMMAND && type !== VideoPacket.Metadata) {
    return { keyframe: false, sequenceHeader: false, track: "video" };
  }
  return {
    keyframe: frameType === FRAME_TYPE_KEY,
    sequenceHeader: type === VideoPacket.SequenceStart ||
      type === VideoPacket.Mpeg2TsSequenceStart,
    track: `video:${header.track}`,
  };
}

/** Inspects an audio message body (FLV audio tag data). Never throws. */
export function inspectAudio(body: Uint8Array): MediaInfo {
  if (body.length === 0) return NOT_MEDIA;
  const format = body[0] >> 4;
  if (format !== SOUND_FORMAT_EX_HEADER) {
    return {
      keyframe: true,
      sequenceHeader: format === SOUND_FORMAT_AAC && body.length >= 2 && body[1] === 0,
      track: "audio",
    };
  }
  const header = readExHeader(body, body[0] & 0x0f, AudioPacket.ModEx, AudioPacket.Multitrack);
  if (header === undefined) return { keyframe: true, sequenceHeader: false, track: "audio" };
  const type = header.packetType;
  const multichannel = type === AudioPacket.MultichannelConfig;
  return {
    keyframe: true,
    sequenceHeader: type === AudioPacket.SequenceStart || multichannel,
    track: `audio:${header.track}${multichannel ? ":mc" : ""}`,
  };
}

/** The part of an Enhanced RTMP ex-header after the first byte that identifies the packet. */
interface ExHeader {
  packetType: number;
  /** FourCC, plus ":trackId" for multitrack packets. */
  track: string;
}

/**
 * Walks the ModEx loop and the multitrack byte to the real packet type and FourCC. Returns
 * undefined when the body ends too early.
 */
function readExHeader(
  body: Uint8Array,
  firstType: number,
  modEx: number,
  multitrack: number,
): ExHeader | undefined {
  let pos = 1;
  let packetType = firstType;
  while (packetType === modEx) {
    if (pos >= body.length) return undefined;
    let size = body[pos] + 1;
    pos += 1;
    if (size === 256) {
      if (pos + 2 > body.length) return undefined;
      size = ((body[pos] << 8) | body[pos + 1]) + 1;
      pos += 2;
    }
    pos += size;
    if (pos >= body.length) return undefined;
    packetType = body[pos] & 0x0f;
    pos += 1;
  }
  if (packetType === multitrack) {
    // High nibble: AvMultitrackType; low nibble: the real packet type. A FourCC follows, shared
    // by every track or (ManyTracksManyCodecs) the first track's own, then the first track id.
    if (pos >= body.length) return undefined;
    packetType = body[pos] & 0x0f;
    pos += 1;
    if (pos + FOURCC_SIZE >= body.length) return undefined;
    return { packetType, track: `${readFourCc(body, pos)}:${body[pos + FOURCC_SIZE]}` };
  }
  if (pos + FOURCC_SIZE > body.length) return undefined;
  return { packetType, track: readFourCc(body, pos) };
}

function readFourCc(body: Uint8Array, pos: number): string {
  return String.fromCharCode(body[pos], body[pos + 1], body[pos + 2], body[pos + 3]);
}
