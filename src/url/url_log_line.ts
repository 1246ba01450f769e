/**
 * A line librtmp would log while parsing a URL or option string.
 *
 * @module
 */

/** librtmp log levels that URL parsing uses. */
export type UrlLogLevel = "ERROR" | "WARNING" | "DEBUG";

/**
 * One log line, with the text exactly as librtmp formats it before its logger adds
 * `LEVEL: ` and a newline (so a message that itself ends in "\n" prints an empty line after).
 */
export interface UrlLogLine {
  /** The librtmp level the line is logged at. */
  level: UrlLogLevel;
  /** The formatted message. */
  message: string;
}
