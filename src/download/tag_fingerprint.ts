/**
 * What identifies an FLV tag when a recording is continued: its type, size and a hash of the
 * bytes at both ends of its body. Comparing these between a file's last tags and what a server
 * sends again after a seek tells where the two line up, whatever timestamps the server uses.
 *
 * @module
 */

/** One tag as compared when continuing a recording. */
export interface TagFingerprint {
  /** Tag type (8 audio, 9 video, 18 script data). */
  type: number;
  /** Timestamp in ms (in the file's time for recorded tags, the server's for received ones). */
  timestamp: number;
  /** Body size in bytes. */
  size: number;
  /** Hash of up to {@linkcode FINGERPRINT_EDGE_BYTES} bytes at each end of the body. */
  hash: number;
  /** First byte of the body (frame type for video), or -1 when empty. */
  firstByte: number;
}

/** Bytes hashed at each end of a body. */
export const FINGERPRINT_EDGE_BYTES = 256;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The fingerprint of a tag body. */
export function fingerprintTag(type: number, timestamp: number, data: Uint8Array): TagFingerprint {
  return {
    type,
    timestamp: timestamp >>> 0,
    size: data.length,
    hash: hashEdges(data),
    firstByte: data.length > 0 ? data[0] : -1,
  };
}

/** True when two fingerprints are of the same content (the timestamps are not compared). */
export function sameContent(a: TagFingerprint, b: TagFingerprint): boolean {
  return a.type === b.type && a.size === b.size && a.hash === b.hash;
}

/** FNV-1a over the first and last {@linkcode FINGERPRINT_EDGE_BYTES} bytes (all of a short body). */
function hashEdges(data: Uint8Array): number {
  let h = FNV_OFFSET;
  const n = data.length;
  const head = Math.min(n, FINGERPRINT_EDGE_BYTES);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ data[i], FNV_PRIME);
  for (let i = Math.max(head, n - FINGERPRINT_EDGE_BYTES); i < n; i++) {
    h = Math.imul(h ^ data[i], FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * True for a tag a resume starts from: a video keyframe (frame type 1, as rtmpdump's rule; also
 * with the Enhanced RTMP ExHeader bit set).
 */
export function isResumeKeyframe(fingerprint: TagFingerprint): boolean {
  return fingerprint.type === 9 && fingerprint.firstByte >= 0 &&
    ((fingerprint.firstByte >> 4) & 7) === 1;
}
