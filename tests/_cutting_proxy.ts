/**
 * Test helper: a TCP proxy on loopback that cuts its first connection part-way (a dropped
 * connection in the middle of a download) and lets later connections through whole.
 *
 * @module
 */

/**
 * A TCP proxy to `port` that closes its first connection once `cutAfter` bytes went from the
 * server to the client; later connections go through whole.
 */
export function cuttingProxy(port: number, cutAfter: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  let connections = 0;
  const pipe = async (from: Deno.Conn, to: Deno.Conn, limit: number) => {
    const buffer = new Uint8Array(64 * 1024);
    let sent = 0;
    try {
      for (;;) {
        const n = await from.read(buffer.subarray(0, Math.min(buffer.length, limit - sent)));
        if (n === null) break;
        let at = 0;
        while (at < n) at += await to.write(buffer.subarray(at, n));
        sent += n;
        if (sent >= limit) break;
      }
    } catch { /* one side went away */ }
    for (const c of [from, to]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      const index = connections++;
      const server = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.add(client);
      conns.add(server);
      pipe(client, server, Infinity);
      pipe(server, client, index === 0 ? cutAfter : Infinity);
    }
  })();
  return {
    /** The port to connect to instead of the server's. */
    port: (listener.addr as Deno.NetAddr).port,
    /** Connections accepted so far. */
    get connections() {
      return connections;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await accepting;
    },
  };
}
