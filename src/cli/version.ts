/**
 * The rtmpkit version and the rtmpdump version it is compatible with.
 *
 * @module
 */

/** rtmpkit's own version, printed on the second banner line. */
export const VERSION = "0.1.0";

/**
 * The rtmpdump version string printed on the first banner line (`RTMPDump v2.4`). Scripts such
 * as get_iplayer parse that line, so it names the rtmpdump release we reproduce.
 */
export const RTMPDUMP_VERSION = "v2.4";
