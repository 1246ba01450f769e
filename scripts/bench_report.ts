/**
 * The rows `deno task bench` collects from its cases and the side-by-side table it ends with:
 * one row per client and case, its medians, its ratios to the case's reference client
 * (rtmpdump, nginx-rtmp, or rtmpkit over plain RTMP) and each target with PASS or MISS.
 *
 * @module
 */

/** One target a row is held to. */
export interface Target {
  /** What is compared: "CPU", "wall", "RSS", "CPU/player". */
  readonly what: string;
  /** The limit as printed: "≤ 1.3x", "< 30 MB". */
  readonly limit: string;
  /** The figure as printed: "1.12x", "41.2 MB". */
  readonly value: string;
  readonly pass: boolean;
}

/** One client in one case. */
export interface BenchRow {
  /** The case: "start-up", "16 MB VOD", "240 MB VOD", "RTMPE", "rtmps", "fan-out 800". */
  readonly caseName: string;
  /** The client or server: "rtmpdump", "rtmpkit (deno)", "floor: bare Deno read loop", … */
  readonly name: string;
  /** Median wall time, seconds (undefined where not measured). */
  readonly wallS?: number;
  /** Median CPU (user + sys), seconds. */
  readonly cpuS?: number;
  /** Median peak RSS, bytes. */
  readonly rssBytes?: number;
  /** Wall and CPU over the reference row's, when this is not the reference. */
  readonly wallX?: number;
  readonly cpuX?: number;
  readonly targets?: readonly Target[];
  /** Anything else to say (the reference's name, a floor's meaning, a failure). */
  readonly note?: string;
}

/** `1.23x` */
export function ratio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "-" : `${x.toFixed(2)}x`;
}

/** A ratio target: `value / reference ≤ limit`. */
export function ratioTarget(what: string, x: number | undefined, limit: number): Target {
  return {
    what,
    limit: `≤ ${limit}x`,
    value: ratio(x),
    pass: x !== undefined && Number.isFinite(x) && x <= limit,
  };
}

/** An absolute target in MB: `bytes < limit` (or ≤ with `inclusive`). */
export function megabyteTarget(
  what: string,
  bytes: number | undefined,
  limitMb: number,
  inclusive = true,
): Target {
  const mb = bytes === undefined ? NaN : bytes / 1e6;
  return {
    what,
    limit: `${inclusive ? "≤" : "<"} ${limitMb} MB`,
    value: Number.isFinite(mb) ? `${mb.toFixed(1)} MB` : "-",
    pass: Number.isFinite(mb) && (inclusive ? mb <= limitMb : mb < limitMb),
  };
}

/** An absolute target in seconds of CPU: `seconds < limit`. */
export function secondsTarget(what: string, seconds: number | undefined, limitS: number): Target {
  return {
    what,
    limit: `< ${limitS.toFixed(3)} s`,
    value: seconds === undefined || !Number.isFinite(seconds) ? "-" : `${seconds.toFixed(3)} s`,
    pass: seconds !== undefined && Number.isFinite(seconds) && seconds < limitS,
  };
}

function pad(text: string, width: number, right = true): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);
}

/** Prints rows as a table (case, client, wall, CPU, RSS, ratios, targets). */
export function printRows(rows: readonly BenchRow[], indent = "  "): void {
  const caseWidth = Math.max(4, ...rows.map((r) => r.caseName.length));
  const nameWidth = Math.max(6, ...rows.map((r) => r.name.length));
  console.log(
    `${indent}${pad("case", caseWidth, false)}  ${pad("client", nameWidth, false)} ` +
      `${pad("wall s", 8)} ${pad("cpu s", 8)} ${pad("rss MB", 7)} ${pad("wall x", 7)} ` +
      `${pad("cpu x", 7)}  targets`,
  );
  for (const row of rows) {
    const targets = (row.targets ?? []).map((t) =>
      `${t.what} ${t.value} ${t.limit} ${t.pass ? "PASS" : "MISS"}`
    ).join("; ");
    const tail = [targets, row.note ?? ""].filter((s) => s !== "").join("; ");
    console.log(
      `${indent}${pad(row.caseName, caseWidth, false)}  ${pad(row.name, nameWidth, false)} ` +
        `${pad(fixed(row.wallS, 3), 8)} ${pad(fixed(row.cpuS, 3), 8)} ` +
        `${pad(fixed(row.rssBytes === undefined ? undefined : row.rssBytes / 1e6, 1), 7)} ` +
        `${pad(ratio(row.wallX), 7)} ${pad(ratio(row.cpuX), 7)}  ${tail}`,
    );
  }
}

/** A floor's figure for the quantity a target compares, as printed; undefined when not measured. */
function floorFigure(target: Target, floor: BenchRow): string | undefined {
  if (target.limit.endsWith("x")) {
    const x = target.what === "CPU" ? floor.cpuX : target.what === "wall" ? floor.wallX : undefined;
    return x === undefined || !Number.isFinite(x) ? undefined : ratio(x);
  }
  if (target.limit.endsWith("MB")) {
    return floor.rssBytes === undefined ? undefined : `${(floor.rssBytes / 1e6).toFixed(1)} MB`;
  }
  if (target.limit.endsWith(" s") && target.what === "CPU") {
    return floor.cpuS === undefined ? undefined : `${floor.cpuS.toFixed(3)} s`;
  }
  return undefined;
}

/**
 * One line per missed target that has a floor beside it: the target, the figure, and what the
 * bare program of the same runtime (a row of the same case whose name starts with the floor
 * prefix `floorPrefixes` gives for the client) measured for the same quantity, which shows how
 * much of the figure the runtime costs by itself.
 */
export function floorNotes(
  rows: readonly BenchRow[],
  floorPrefixes: ReadonlyMap<string, string>,
): string[] {
  const notes: string[] = [];
  for (const row of rows) {
    const client = [...floorPrefixes.keys()].find((name) => row.name.startsWith(name));
    if (client === undefined) continue;
    const prefix = floorPrefixes.get(client)!;
    const floors = rows.filter((r) => r.caseName === row.caseName && r.name.startsWith(prefix));
    for (const target of row.targets ?? []) {
      if (target.pass) continue;
      const beside = floors
        .map((floor) => [floor.name, floorFigure(target, floor)] as const)
        .filter(([, figure]) => figure !== undefined)
        .map(([name, figure]) => `${name}: ${figure}`);
      if (beside.length === 0) continue;
      notes.push(
        `${row.caseName}, ${row.name}: ${target.what} ${target.value} misses ${target.limit}; ` +
          beside.join("; "),
      );
    }
  }
  return notes;
}
