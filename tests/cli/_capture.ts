/**
 * Test helper: a log sink that keeps every byte written, readable as text or bytes.
 *
 * @module
 */

import { Logger, type LogLevel } from "../../src/cli/logger.ts";

/** A sink that records writes. */
export class Capture {
  /** The chunks in write order. */
  readonly chunks: Uint8Array[] = [];
  /** The sink function to hand to a Logger. */
  readonly sink = (bytes: Uint8Array): void => {
    this.chunks.push(bytes.slice());
  };

  /** Everything written, as bytes. */
  bytes(): Uint8Array {
    const length = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Everything written, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/** A logger at `level` and the capture of its output. */
export function captureLogger(level?: LogLevel): { log: Logger; out: Capture } {
  const out = new Capture();
  return { log: new Logger(out.sink, level), out };
}
