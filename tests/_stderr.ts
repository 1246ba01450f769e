/**
 * rtmpdump-style stderr made comparable between rtmpkit and rtmpdump.
 *
 * @module
 */

/** A progress report (`1234.567 kB / 10.01 sec (99.8%)`), whose figures depend on timing. */
const PROGRESS_SEGMENT = /^\s*\d+\.\d{3} kB \/ \d+\.\d{2} sec( \(\d+\.\d%\))?\s*$/;

/**
 * The lines of rtmpdump-style stderr that do not depend on the run or on which program wrote
 * them: CRLF becomes LF, the banner's second line (the copyright notice, which differs on
 * purpose) is dropped, progress segments (`\r1234.567 kB / 10.01 sec (99.8%)`) are removed
 * with the lines they leave empty, trailing spaces are trimmed and trailing empty lines dropped.
 * Everything else, numbers in messages included, is kept.
 */
export function normaliseStderrLines(stderr: string): string[] {
  const lines = stderr.replace(/\r\n/g, "\n").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (i === 1 && lines[0].startsWith("RTMPDump ")) continue;
    const segments = lines[i].split("\r").filter((s) => !PROGRESS_SEGMENT.test(s));
    const line = segments.join("").trimEnd();
    if (line === "" && lines[i] !== "") continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
  return kept;
}

/** {@linkcode normaliseStderrLines} joined with LF. */
export function normaliseStderr(stderr: string): string {
  return normaliseStderrLines(stderr).join("\n");
}

/**
 * The progress segments of rtmpdump-style stderr (`1234.567 kB / 10.01 sec (99.8%)`, trimmed),
 * in the order they were drawn: the figures {@linkcode normaliseStderrLines} leaves out. Which
 * of them appear depends on timing (a redraw at most every 200 ms), except the first, drawn at
 * the first read, and the last, drawn when the download ends.
 */
export function progressSegments(stderr: string): string[] {
  return stderr.split(/[\r\n]/).filter((s) => PROGRESS_SEGMENT.test(s)).map((s) => s.trim());
}
