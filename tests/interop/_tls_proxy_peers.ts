/**
 * Peers for the TLS and proxy interop tests: stunnel (TLS in front of a plain RTMP server) and
 * dante (a SOCKS4/SOCKS5 proxy), each a child process in the foreground on a free 127.0.0.1
 * port, logging to a file in its own temporary folder, stopped by its handle (or `await using`).
 * Certificates come from tests/transports/_certs.ts.
 *
 * @module
 */

import { findExecutable, freePort, waitForPort } from "./_harness.ts";

export { haveOpenssl, type TestCertificates, testCertificates } from "../transports/_certs.ts";

/** A daemon started by this file. */
export interface Peer extends AsyncDisposable {
  /** Port it listens on (the first, when it has several). */
  readonly port: number;
  /** Its log so far. */
  log(): Promise<string>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 3_000;
const START_TIMEOUT_MS = 15_000;

/** Starts `command` in the foreground and waits until every port in `ports` accepts. */
async function startDaemon(
  command: string,
  args: string[],
  dir: string,
  ports: number[],
  logFile: string,
): Promise<Peer> {
  const child = new Deno.Command(command, {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let stopping: Promise<void> | undefined;
  const log = () => Deno.readTextFile(logFile).catch(() => "");
  const stop = () =>
    stopping ??= (async () => {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, STOP_GRACE_MS);
        await status;
        clearTimeout(timer);
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  try {
    for (const port of ports) {
      await Promise.race([
        waitForPort(port, START_TIMEOUT_MS),
        status.then((s) => {
          throw new Error(`${command} exited with ${s.code} before listening`);
        }),
      ]);
    }
  } catch (err) {
    const text = await log();
    await stop();
    throw new Error(`Cannot start ${command}: ${(err as Error).message}\n${text}`);
  }
  return { port: ports[0], log, stop, [Symbol.asyncDispose]: stop };
}

/** One stunnel service: TLS on `acceptPort` (0: a free one), plain TCP to `connectPort`. */
export interface StunnelService {
  connectPort: number;
  /** Certificate chain (leaf first) and key. */
  cert: string;
  key: string;
}

/** A running stunnel, with the port of each service in order. */
export interface Stunnel extends Peer {
  readonly ports: number[];
}

/** Starts stunnel with one TLS service per entry of `services`. */
export async function startStunnel(services: StunnelService[]): Promise<Stunnel> {
  const stunnel = findExecutable("stunnel4") ?? findExecutable("stunnel") ?? "stunnel";
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-stunnel-" });
  const ports = services.map(() => freePort());
  const logFile = `${dir}/stunnel.log`;
  const config = [
    "foreground = yes",
    "pid =",
    `output = ${logFile}`,
    "debug = 5",
    ...services.flatMap((service, i) => [
      `[rtmps${i}]`,
      `accept = 127.0.0.1:${ports[i]}`,
      `connect = 127.0.0.1:${service.connectPort}`,
      `cert = ${service.cert}`,
      `key = ${service.key}`,
    ]),
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/stunnel.conf`, config);
  const peer = await startDaemon(stunnel, [`${dir}/stunnel.conf`], dir, ports, logFile);
  return { ...peer, ports };
}

/**
 * Starts dante on 127.0.0.1: no authentication, SOCKS4 and SOCKS5 CONNECT allowed from
 * loopback to 127.0.0.0/8 and ::1 only, so a request for anywhere else is refused by rule.
 */
export async function startDante(): Promise<Peer> {
  const danted = findExecutable("danted") ?? "danted";
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-dante-" });
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const logFile = `${dir}/danted.log`;
  const rule = (kind: string, to: string) => [
    `${kind} pass {`,
    `  from: 127.0.0.0/8 to: ${to}`,
    ...(kind === "socks" ? ["  command: connect"] : []),
    "  log: error connect",
    "}",
  ];
  const config = [
    `logoutput: ${logFile}`,
    `internal: 127.0.0.1 port = ${port}`,
    "external: 127.0.0.1",
    "external: ::1",
    "clientmethod: none",
    "socksmethod: none",
    "user.privileged: root",
    "user.unprivileged: nobody",
    ...rule("client", "0.0.0.0/0"),
    ...rule("socks", "127.0.0.0/8"),
    ...rule("socks", "::1/128"),
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/danted.conf`, config);
  return await startDaemon(
    danted,
    ["-f", `${dir}/danted.conf`, "-p", `${dir}/danted.pid`],
    dir,
    [port],
    logFile,
  );
}
