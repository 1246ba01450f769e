#!/usr/bin/env -S deno run -A
/**
 * rtmpkit's executable: `deno run -A cli.ts [rtmpdump options]` is a drop-in for rtmpdump 2.4;
 * `deno run -A cli.ts serve …` runs the embedded server, `… publish FILE URL` pushes FLV.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";
import { io } from "./src/cli/runtime_io.ts";

// Exit explicitly: sockets or timers left by an interrupted download must not keep us alive.
io.exit(await main(io.args));
