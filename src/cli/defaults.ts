/**
 * rtmpdump's default values (rtmpdump.c and librtmp/rtmp.c).
 *
 * @module
 */

/** `--timeout` default, seconds (the man page says 120; the program uses 30). */
export const DEFAULT_TIMEOUT_SEC = 30;

/** `--buffer` default: 10 hours in milliseconds. */
export const DEFAULT_BUFFER_MS = 10 * 60 * 60 * 1000;

/** `--skip` default: keyframes skipped when looking for the resume point. */
export const DEFAULT_SKIP_FRAMES = 0;

/** `--swfAge` default, days. */
export const DEFAULT_SWF_AGE_DAYS = 30;

/** `--flashVer` default as librtmp builds it on Linux. */
export const DEFAULT_FLASH_VERSION = "LNX 10,0,32,18";

/** Length of an SWF verification hash (SHA-256), bytes. */
export const SWF_HASH_LENGTH = 32;

/** Default SOCKS port when `--socks` names none. */
export const DEFAULT_SOCKS_PORT = 1080;
