/**
 * The contract between the downloader and the ways it continues a recording on a new stream
 * (after a resume, a reconnect, a publisher's return): while a continuation is active, each tag
 * the recorder produces is offered to it with the server's timestamp; it writes what belongs in
 * the file, with the timestamp it belongs there with, and once it knows the offset between the
 * server's time and the file's, the downloader hands the stream straight to the file again.
 *
 * @module
 */

/** A tag produced by the recorder while a continuation is active. */
export interface ReceivedTag {
  /** Tag type (8 audio, 9 video, 18 script data). */
  type: number;
  /** The server's timestamp. */
  timestamp: number;
  /** The body. */
  data: Uint8Array;
  /** The whole tag: header, body and back-pointer (the header's timestamp is rewritten). */
  bytes: Uint8Array;
}

/** Writes a tag to the file with the given timestamp. */
export type TagWriter = (tag: ReceivedTag, timestamp: number) => void;

/** What a continuation asks of the downloader after a tag. */
export type ContinuationRequest =
  | undefined // go on
  | "restart"; // play again from the start: the server skipped past what the file has

/** One way of continuing a recording. */
export interface Continuation {
  /** Handles one tag, writing through `write` what goes into the file. */
  offer(tag: ReceivedTag, write: TagWriter): ContinuationRequest;
  /**
   * Once known, the offset (mod 2^32) to add to the server's timestamps from now on; the
   * continuation is then done.
   */
  readonly offset: number | undefined;
}
