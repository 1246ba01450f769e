#!/usr/bin/env -S deno run -A
/**
 * rtmpkit's executable: `deno run -A cli.ts [rtmpdump options]` is a drop-in for rtmpdump 2.4;
 * `deno run -A cli.ts serve …` runs the embedded server, `… publish FILE URL` pushes FLV.
 *
 * @module
 */

import process from "node:process";
import { main } from "./src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
// Sockets or timers left by an interrupted download must not keep the process alive.
process.exit(process.exitCode);
