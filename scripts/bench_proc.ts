/**
 * What `deno task bench` reads from Linux's /proc about the processes it measures beside the
 * clients (servers, relays): CPU time, resident memory, children and state.
 *
 * @module
 */

/** Kernel clock ticks per second for /proc times (Linux's USER_HZ). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of `/proc/PID/stat` after the command name (state first), or undefined if gone. */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of the processes (threads included); a gone process counts 0. */
export function cpuSeconds(pids: readonly number[]): number {
  const { user, system } = cpuTimes(pids);
  return user + system;
}

/** User and system CPU seconds of the processes (threads included). */
export function cpuTimes(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const fields = procStatFields(pid);
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the state.
    if (fields !== undefined) {
      user += Number(fields[11]);
      system += Number(fields[12]);
    }
  }
  return { user: user / CLOCK_TICKS_PER_SECOND, system: system / CLOCK_TICKS_PER_SECOND };
}

/** Resident set size of the processes, in bytes. */
export function rssBytes(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (match) kb += Number(match[1]);
    } catch {
      // Gone.
    }
  }
  return kb * 1024;
}

/** The process and its direct children. */
export function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const fields = procStatFields(Number(entry.name));
    if (fields !== undefined && Number(fields[1]) === pid) pids.push(Number(entry.name));
  }
  return pids;
}

/** True while the process exists and is neither a zombie nor dead. */
export function isRunning(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
}
