/**
 * What a handshake reports as it goes, in librtmp's words, for a log to show: librtmp's
 * `HandShake` logs the handshake's types, the server's time and version, the digests and
 * signatures it computes, and its warnings.
 *
 * @module
 */

/** One line of the handshake's report. */
export interface HandshakeNote {
  /** "debug" for progress (librtmp's DEBUG), "warning" for what librtmp warns about. */
  readonly level: "debug" | "warning";
  /** The line, as librtmp logs it (for example "HandShake: Type Answer   : 03"). */
  readonly text: string;
  /** Bytes librtmp logs after the line as a hex dump (a digest, a signature), if any. */
  readonly bytes?: Uint8Array;
}
