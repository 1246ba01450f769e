/**
 * Download layer: the one downloader behind the command line and the library's
 * {@linkcode downloadFlv}. It composes a transport (through one connection step), the client
 * session and the FLV recorder, and continues recordings across resumes, reconnects and
 * redirects (librtmp-facts.md §1.3–1.7, §7.4; README "Where rtmpkit differs from rtmpdump").
 *
 * @module
 */

export {
  DEFAULT_MAX_REDIRECTS,
  Downloader,
  type DownloaderOptions,
  type DownloadSessionOptions,
  type ReconnectPolicy,
  TOGGLE_PAUSE_MS,
} from "./downloader.ts";
export type {
  DownloadEndReason,
  DownloaderEvents,
  DownloadGap,
  DownloadOutcome,
  DownloadPosition,
  DownloadReconnect,
  DownloadStart,
  DownloadStatus,
} from "./download_events.ts";
export type { DownloadOutput, ResumeFile } from "./download_output.ts";
export {
  ConnectionFailure,
  type ConnectionOpener,
  type ConnectionTarget,
  openConnection,
} from "./open_connection.ts";
export { COMPLETE_PERCENT, computePercent } from "./download_percent.ts";
