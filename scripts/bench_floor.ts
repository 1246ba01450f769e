/**
 * Bare programs that show a runtime's floor, for `deno task bench`: what the runtime itself
 * costs for the work a benchmark case measures, with none of rtmpkit's code.
 *
 * - `first-byte HOST PORT`: connects and sends one byte, then waits to be killed (the start-up
 *   case's "to the first byte sent").
 * - `read HOST PORT FILE [CA]`: reads a TCP stream to its end and writes it to FILE through a
 *   1 MiB buffer written synchronously when full, as rtmpkit's output does (the VOD cases'
 *   floor: a socket-to-file copy, no RTMP). With a CA file, over TLS (verified against it, for
 *   the name localhost): the rtmps case's floor.
 *
 * Runs on Deno (`deno run -A scripts/bench_floor.ts …`: Deno's own sockets) and compiled with
 * `bun build --compile` (Bun's own sockets, `node:fs` for the file), the two runtimes rtmpkit
 * ships on.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Size of the output buffer, as rtmpkit's OutputSink. */
const OUTPUT_BUFFER_BYTES = 1024 * 1024;
/** Size of a read on Deno, as rtmpkit's TCP transport. */
const READ_BUFFER_BYTES = 256 * 1024;

interface Sink {
  write(bytes: Uint8Array): number;
  close(): void;
}

/** Collects bytes and writes them in 1 MiB pieces. */
class BufferedOutput {
  #sink: Sink;
  #buffer = new Uint8Array(OUTPUT_BUFFER_BYTES);
  #used = 0;

  constructor(sink: Sink) {
    this.#sink = sink;
  }

  push(bytes: Uint8Array): void {
    if (this.#used + bytes.length > this.#buffer.length) this.flush();
    if (bytes.length > this.#buffer.length) {
      this.#writeAll(bytes);
      return;
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  flush(): void {
    this.#writeAll(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) offset += this.#sink.write(bytes.subarray(offset));
  }

  close(): void {
    this.flush();
    this.#sink.close();
  }
}

async function denoMain(
  mode: string,
  host: string,
  port: number,
  path: string | undefined,
  ca: string | undefined,
) {
  const conn = ca === undefined
    ? await Deno.connect({ hostname: host, port })
    : await Deno.connectTls({ hostname: host, port, caCerts: [Deno.readTextFileSync(ca)] });
  if (mode === "first-byte") {
    await conn.write(new Uint8Array([3]));
    await conn.read(new Uint8Array(1));
    return;
  }
  const file = Deno.openSync(path!, { write: true, create: true, truncate: true });
  const out = new BufferedOutput({ write: (b) => file.writeSync(b), close: () => file.close() });
  const buffer = new Uint8Array(READ_BUFFER_BYTES);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) break;
    out.push(buffer.subarray(0, n));
  }
  out.close();
}

async function bunMain(
  mode: string,
  host: string,
  port: number,
  path: string | undefined,
  ca: string | undefined,
) {
  if (mode === "first-byte") {
    const socket = await g.Bun.connect({ hostname: host, port, socket: { data() {} } });
    socket.write(new Uint8Array([3]));
    await new Promise(() => {}); // killed by the benchmark
    return;
  }
  const fs = await import("node:fs");
  const fd = fs.openSync(path!, "w");
  const out = new BufferedOutput({
    write: (b) => fs.writeSync(fd, b),
    close: () => fs.closeSync(fd),
  });
  await new Promise<void>((resolve, reject) => {
    g.Bun.connect({
      hostname: host,
      port,
      tls: ca === undefined ? undefined : { ca: fs.readFileSync(ca, "utf8"), serverName: host },
      socket: {
        binaryType: "uint8array",
        data: (_socket: unknown, data: Uint8Array) => out.push(data),
        close: () => resolve(),
        error: (_socket: unknown, error: Error) => reject(error),
      },
    }).catch(reject);
  });
  out.close();
}

if (import.meta.main) {
  const args: string[] = g.Bun ? g.process.argv.slice(2) : Deno.args;
  const [mode, host, port, path, ca] = args;
  if ((mode !== "first-byte" && mode !== "read") || !host || !port) {
    throw new Error("Usage: bench_floor.ts first-byte HOST PORT | read HOST PORT FILE [CA]");
  }
  await (g.Bun ? bunMain : denoMain)(mode, host, Number(port), path, ca);
}
