/**
 * Loopback ports for tests: a free one for a server that cannot listen on port 0 itself, one
 * that refuses connections, and a wait for a port to accept them.
 *
 * @module
 */

import { DEFAULT_WAIT_MS, delay } from "./_wait.ts";

/**
 * Binds port 0 on 127.0.0.1, closes the listener and returns the port it got. Another program
 * may take it before the caller binds it: a caller that starts a server on it retries on a clash
 * (as the interop harness does with nginx), and a server that can listen on port 0 itself is better.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A 127.0.0.1 port that refuses connections for as long as it is held. */
export interface RefusedPort extends Disposable {
  /** The port number. */
  readonly port: number;
}

/**
 * A port on 127.0.0.1 where connections are refused, held so that nothing can start listening
 * on it meanwhile (unlike a port freed by {@linkcode freePort}): it is the local port of an open
 * loopback connection, which no listener has. Dispose it to free the port.
 */
export async function refusedPort(): Promise<RefusedPort> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const accepting = listener.accept();
    const { port } = listener.addr as Deno.NetAddr;
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    const server = await accepting;
    return {
      port: (client.localAddr as Deno.NetAddr).port,
      [Symbol.dispose]() {
        client.close();
        server.close();
      },
    };
  } finally {
    listener.close();
  }
}

/** Resolves when 127.0.0.1:port accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch (error) {
      if (performance.now() > deadline) {
        throw new Error(`Cannot connect to 127.0.0.1:${port} within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await delay(20);
    }
  }
}

/** True when this machine can listen on the IPv6 loopback address (::1). */
export function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}
