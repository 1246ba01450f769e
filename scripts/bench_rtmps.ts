/**
 * The rtmps case of `deno task bench`: a file played over TLS through stunnel in front of
 * nginx-rtmp, by rtmpkit (with the test CA given by `--tlsCa`) and by ffmpeg, beside rtmpkit over
 * plain RTMP from the same nginx-rtmp (Debian's rtmpdump cannot play rtmps here). rtmpkit's
 * rtmps output must equal its plain output; ffmpeg remuxes, so only its exit code is checked.
 *
 * The certificates are made for the run with openssl: a CA, and a leaf it signs for localhost
 * and 127.0.0.1, which stunnel serves followed by the CA.
 *
 * @module
 */

import { findExecutable, freePort, waitForPort } from "../tests/interop/_harness.ts";

/** How long stunnel may take to listen. */
const STUNNEL_START_MS = 15_000;

/** Why the case cannot run here, or undefined. */
export function rtmpsUnavailable(): string | undefined {
  for (const tool of ["stunnel4", "openssl", "ffmpeg", "nginx"]) {
    if (findExecutable(tool) === undefined) return `${tool} not installed`;
  }
  return undefined;
}

async function run(command: string, args: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `${command} ${args[0]} failed (${code}): ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
}

/** Makes `ca.pem`, `leaf.key` and `chain.pem` (leaf, then CA) in `dir`. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = findExecutable("openssl")!;
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
  );
  await run(openssl, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=rtmpkit bench CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await run(openssl, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=localhost",
  ], dir);
  await run(openssl, [
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "leaf.pem",
    "-days",
    "2",
    "-extfile",
    "leaf.ext",
  ], dir);
  const chain = (await Deno.readTextFile(`${dir}/leaf.pem`)) +
    (await Deno.readTextFile(`${dir}/ca.pem`));
  await Deno.writeTextFile(`${dir}/chain.pem`, chain);
}

/** stunnel accepting TLS on a free port and relaying to `upstreamPort`. */
export interface Stunnel extends AsyncDisposable {
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** The CA file that verifies its certificate. */
  readonly caFile: string;
}

/** Starts stunnel in front of 127.0.0.1:`upstreamPort`, with fresh certificates. */
export async function startStunnel(upstreamPort: number): Promise<Stunnel> {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-bench-stunnel-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const stop = async () => {
    if (child !== undefined) {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await makeCertificates(dir);
    await Deno.writeTextFile(
      `${dir}/stunnel.conf`,
      [
        "foreground = yes",
        "pid =",
        `output = ${dir}/stunnel.log`,
        "[rtmps]",
        `accept = 127.0.0.1:${port}`,
        `connect = 127.0.0.1:${upstreamPort}`,
        `cert = ${dir}/chain.pem`,
        `key = ${dir}/leaf.key`,
        "",
      ].join("\n"),
    );
    child = new Deno.Command(findExecutable("stunnel4")!, {
      args: [`${dir}/stunnel.conf`],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port, STUNNEL_START_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid, caFile: `${dir}/ca.pem`, [Symbol.asyncDispose]: stop };
}
