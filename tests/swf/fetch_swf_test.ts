import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import {
  cacheBytes,
  cacheText,
  fetchSwf,
  findSwfInfo,
  hashSwf,
  resolveSwfInfo,
  SwfError,
  type SwfInfoStore,
} from "../../src/swf/mod.ts";
import { freePort } from "../interop/_harness.ts";
import { startSwfHttpServer } from "./_http_server.ts";
import { plainData } from "./_lzma_plain_data.ts";
import { cwsFile, fwsFile, swfBody, zwsFile } from "./_swf_fixtures.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function memoryStore(initial = ""): SwfInfoStore & { text: string; writes: number } {
  const store = {
    text: initial,
    writes: 0,
    read: () => Promise.resolve(store.text === "" ? undefined : cacheBytes(store.text)),
    write: (bytes: Uint8Array) => {
      store.writes++;
      store.text = cacheText(bytes);
      return Promise.resolve();
    },
  };
  return store;
}

Deno.test("fetchSwf gets the file with rtmpdump's headers and the Last-Modified date", async () => {
  await using server = startSwfHttpServer();
  const fws = fwsFile(swfBody(3000));
  server.files.set("p.swf", fws);
  const result = await fetchSwf(server.url("p.swf"));
  deepStrictEqual(result, { status: 200, body: fws, lastModified: server.lastModified });
  strictEqual(server.requests[0].headers["user-agent"], "Mozilla/5.0");
  strictEqual(server.requests[0].headers["referer"], `http://127.0.0.1:${server.port}/`);
  strictEqual(server.requests[0].headers["if-modified-since"], undefined);
});

Deno.test("fetchSwf sends If-Modified-Since and reports 304", async () => {
  await using server = startSwfHttpServer();
  server.files.set("p.swf", fwsFile(swfBody(100)));
  const result = await fetchSwf(server.url("p.swf"), { ifModifiedSince: server.lastModified });
  deepStrictEqual(result, { status: 304 });
  strictEqual(server.requests[0].headers["if-modified-since"], server.lastModified);
});

Deno.test("fetchSwf follows redirects (rtmpdump does not) and reads chunked bodies", async () => {
  await using server = startSwfHttpServer();
  const cws = cwsFile(fwsFile(swfBody(50000)));
  server.files.set("p.swf", cws);
  const redirected = await fetchSwf(server.url("redirect/3/p.swf"));
  strictEqual(redirected.status, 200);
  if (redirected.status === 200) deepStrictEqual(redirected.body, cws);
  deepStrictEqual(server.requests.map((r) => r.path), [
    "/redirect/3/p.swf",
    "/redirect/2/p.swf",
    "/redirect/1/p.swf",
    "/p.swf",
  ]);
  const chunked = await fetchSwf(server.url("chunked/p.swf"));
  if (chunked.status === 200) deepStrictEqual(chunked.body, cws);
  else throw new Error(`expected 200, got ${chunked.status}`);
});

Deno.test("fetchSwf failures are one-line SwfErrors", async () => {
  await using server = startSwfHttpServer();
  server.files.set("big.swf", fwsFile(new Uint8Array(20000)));
  const url404 = server.url("missing.swf");
  await rejects(fetchSwf(url404), (e: unknown) =>
    e instanceof SwfError &&
    e.message === `Cannot fetch the SWF file ${url404}: HTTP 404 Not Found`);
  await rejects(
    fetchSwf(server.url("big.swf"), { maxBytes: 1000 }),
    /big\.swf: it is 20008 bytes, over the limit of 1000$/,
  );
  await rejects(
    fetchSwf(server.url("chunked/big.swf"), { maxBytes: 1000 }),
    /it is over the limit of 1000 bytes$/,
  );
  await rejects(fetchSwf("ftp://127.0.0.1/x.swf"), /only http and https URLs are supported/);
  await rejects(fetchSwf("http://[::1"), /not a valid URL/);
  const closed = `http://127.0.0.1:${freePort()}/x.swf`;
  await rejects(
    fetchSwf(closed),
    (e: unknown) =>
      e instanceof SwfError &&
      e.message === `Cannot fetch the SWF file ${closed}: the connection failed`,
  );
});

Deno.test("fetchSwf gives up on a body that stops coming", async () => {
  await using server = startSwfHttpServer();
  server.files.set("p.swf", fwsFile(swfBody(5000)));
  await rejects(
    fetchSwf(server.url("stall/p.swf"), { timeoutMs: 300 }),
    (e: unknown) => e instanceof SwfError && /stall\/p\.swf: no data for 0\.3 s$/.test(e.message),
  );
});

Deno.test("resolveSwfInfo: fetch, then the cache, then If-Modified-Since when it is old", async () => {
  await using server = startSwfHttpServer();
  const fws = fwsFile(swfBody(4000));
  server.files.set("p.swf", cwsFile(fws));
  const expected = await hashSwf(fws);
  const store = memoryStore();
  let now = Date.UTC(2024, 5, 1, 12, 0, 0);
  const options = { store, now: () => now, maxAgeDays: 30 };

  const first = await resolveSwfInfo(server.url("p.swf"), options);
  deepStrictEqual(first, { info: expected, source: "fetched" });
  strictEqual(server.requests.length, 1);
  const entry = findSwfInfo(store.text, server.url("p.swf"))!.entry;
  strictEqual(entry.lastModified, server.lastModified);
  strictEqual(entry.checkedAt, now);

  now += 29 * DAY_MS + DAY_MS - 1;
  deepStrictEqual(await resolveSwfInfo(server.url("p.swf"), options), {
    info: expected,
    source: "cache",
  });
  strictEqual(server.requests.length, 1);

  now += 1; // 30 days old: checked again, not modified
  deepStrictEqual(await resolveSwfInfo(server.url("p.swf"), options), {
    info: expected,
    source: "not-modified",
  });
  strictEqual(server.requests.length, 2);
  strictEqual(server.requests[1].headers["if-modified-since"], server.lastModified);
  strictEqual(findSwfInfo(store.text, server.url("p.swf"))!.entry.checkedAt, now);

  // swfAge 0 always asks; a changed file replaces the entry in place.
  const fws2 = fwsFile(swfBody(4100, 7));
  server.files.set("p.swf", fws2);
  server.lastModified = "Thu, 02 May 2024 10:00:00 GMT";
  const changed = await resolveSwfInfo(server.url("p.swf"), { ...options, maxAgeDays: 0 });
  deepStrictEqual(changed, { info: await hashSwf(fws2), source: "fetched" });
  strictEqual(store.text.split("url: ").length, 2, store.text);
  strictEqual(
    findSwfInfo(store.text, server.url("p.swf"))!.entry.lastModified,
    server.lastModified,
  );
});

Deno.test("resolveSwfInfo hashes ZWS files through a redirect", async () => {
  await using server = startSwfHttpServer();
  const body = plainData("mixed");
  const { zws, fws } = await zwsFile("mixed_302", body);
  server.files.set("z.swf", zws);
  const resolved = await resolveSwfInfo(server.url("redirect/2/z.swf"));
  deepStrictEqual(resolved, { info: await hashSwf(fws), source: "fetched" });
});

Deno.test("resolveSwfInfo: an unwritable cache is a warning; a bad SWF an error", async () => {
  await using server = startSwfHttpServer();
  server.files.set("p.swf", fwsFile(swfBody(100)));
  server.files.set("page.swf", new TextEncoder().encode("<html>moved</html>"));
  const warnings: string[] = [];
  const store: SwfInfoStore = {
    read: () => Promise.reject(new Error("permission denied")),
    write: () => Promise.reject(new Error("read-only file system")),
  };
  const resolved = await resolveSwfInfo(server.url("p.swf"), {
    store,
    onWarning: (m) => warnings.push(m),
  });
  strictEqual(resolved.source, "fetched");
  deepStrictEqual(warnings, [
    "Cannot read the SWF cache: permission denied",
    "Cannot write the SWF cache: read-only file system",
  ]);
  await rejects(resolveSwfInfo(server.url("page.swf")), /not a SWF file/);
  const before = memoryStore();
  await rejects(resolveSwfInfo(server.url("nothing.swf"), { store: before }), /HTTP 404/);
  strictEqual(before.writes, 0);
});

Deno.test("resolveSwfInfo fetches again when a 304 comes for an entry without a hash", async () => {
  await using server = startSwfHttpServer();
  const fws = fwsFile(swfBody(700));
  server.files.set("p.swf", fws);
  // An entry with a date but no hash: librtmp writes url and ctim only when a body was empty.
  const store = memoryStore(
    `url: ${
      server.url("p.swf")
    }\nctim: Mon, 01 Jan 2024 10:00:00 GMT\ndate: ${server.lastModified}\n`,
  );
  const resolved = await resolveSwfInfo(server.url("p.swf"), { store, maxAgeDays: 0 });
  deepStrictEqual(resolved, { info: await hashSwf(fws), source: "fetched" });
  strictEqual(server.requests[0].headers["if-modified-since"], undefined);
});
