/**
 * Test helper: a loopback HTTP server for SWF files, with Last-Modified / If-Modified-Since,
 * redirect chains (`/redirect/N/name`), a body that stalls after its first bytes
 * (`/stall/name`), a body larger than its Content-Length would suggest (`/chunked/name`, no
 * Content-Length) and a request log.
 *
 * @module
 */

/** A request as the server saw it. */
export interface LoggedRequest {
  /** Path and query. */
  path: string;
  /** Request headers, names lower-case. */
  headers: Record<string, string>;
}

/** The running server. */
export interface SwfHttpServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Requests so far. */
  readonly requests: LoggedRequest[];
  /** Files by name (without the leading `/`); change them between requests. */
  readonly files: Map<string, Uint8Array>;
  /** The Last-Modified value sent, or none when undefined. */
  lastModified: string | undefined;
  /** `http://127.0.0.1:PORT/PATH`. */
  url(path: string): string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts the server. */
export function startSwfHttpServer(): SwfHttpServer {
  const requests: LoggedRequest[] = [];
  const files = new Map<string, Uint8Array>();
  const controller = new AbortController();
  const state = { lastModified: "Wed, 01 May 2024 10:00:00 GMT" as string | undefined };
  const stalls = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    (request) => {
      const url = new URL(request.url);
      requests.push({
        path: url.pathname + url.search,
        headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v])),
      });
      const redirect = /^\/redirect\/(\d+)\/(.+)$/.exec(url.pathname);
      if (redirect) {
        const left = Number(redirect[1]);
        const next = left <= 1 ? `/${redirect[2]}` : `/redirect/${left - 1}/${redirect[2]}`;
        return new Response(null, { status: 302, headers: { location: next } });
      }
      const stall = /^\/stall\/(.+)$/.exec(url.pathname);
      const chunked = /^\/chunked\/(.+)$/.exec(url.pathname);
      const name = (stall ?? chunked)?.[1] ?? url.pathname.slice(1);
      const file = files.get(name);
      if (file === undefined) return new Response("not found", { status: 404 });
      const headers: Record<string, string> = { "content-type": "application/x-shockwave-flash" };
      if (state.lastModified !== undefined) headers["last-modified"] = state.lastModified;
      const since = request.headers.get("if-modified-since");
      if (since !== null && since === state.lastModified) {
        return new Response(null, { status: 304, headers });
      }
      if (stall) {
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(file.subarray(0, 16));
            stalls.add(c);
          },
          cancel() {},
        });
        headers["content-length"] = String(file.length);
        return new Response(body, { headers });
      }
      if (chunked) {
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            for (let at = 0; at < file.length; at += 4096) c.enqueue(file.subarray(at, at + 4096));
            c.close();
          },
        });
        return new Response(body, { headers });
      }
      return new Response(file.slice(), { headers });
    },
  );
  const close = async () => {
    for (const c of stalls) {
      try {
        c.close();
      } catch { /* already closed or cancelled */ }
    }
    controller.abort();
    await server.finished;
  };
  return {
    port: server.addr.port,
    requests,
    files,
    get lastModified() {
      return state.lastModified;
    },
    set lastModified(value) {
      state.lastModified = value;
    },
    url: (path) => `http://127.0.0.1:${server.addr.port}/${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
