/**
 * Throw-away certificates for TLS tests, made with openssl: a CA, a server certificate it signs
 * (`localhost`, 127.0.0.1, ::1), one for another name only (`rtmpkit.test`), and a self-signed
 * server certificate. The leaf files hold the leaf followed by the CA, as a server sends its
 * chain. Made once per test module, in a temporary folder removed when the module unloads.
 *
 * @module
 */

/** Paths of the files {@linkcode testCertificates} makes. */
export interface TestCertificates {
  /** The folder holding them. */
  dir: string;
  /** The CA certificate (PEM), for `caFile`. */
  ca: string;
  /** Chain for localhost, 127.0.0.1 and ::1 (leaf, then CA). */
  cert: string;
  /** Its key. */
  key: string;
  /** Chain for rtmpkit.test only (leaf, then CA). */
  otherCert: string;
  /** Its key. */
  otherKey: string;
  /** Self-signed certificate for localhost and 127.0.0.1. */
  selfSigned: string;
  /** Its key. */
  selfSignedKey: string;
}

/** True when openssl can be run. */
export function haveOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function leaf(dir: string, name: string, subject: string, altNames: string): Promise<void> {
  await openssl(dir, [
    "req",
    ...EC_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subject,
  ]);
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    `basicConstraints=CA:FALSE\nsubjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.leaf.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
  const chain = (await Deno.readTextFile(`${dir}/${name}.leaf.pem`)) +
    (await Deno.readTextFile(`${dir}/ca.pem`));
  await Deno.writeTextFile(`${dir}/${name}.pem`, chain);
}

let made: Promise<TestCertificates> | undefined;

/** Makes the certificates (once per module). */
export function testCertificates(): Promise<TestCertificates> {
  made ??= make();
  return made;
}

async function make(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "rtmpkit-certs-" });
  await Deno.chmod(dir, 0o755);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* best effort */ }
  });
  await openssl(dir, [
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=rtmpkit test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await leaf(dir, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1,IP:::1");
  await leaf(dir, "other", "/CN=rtmpkit.test", "DNS:rtmpkit.test");
  await openssl(dir, [
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    "self.key",
    "-out",
    "self.pem",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  for (const file of ["ca.key", "server.key", "other.key", "self.key"]) {
    await Deno.chmod(`${dir}/${file}`, 0o644);
  }
  return {
    dir,
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
    otherCert: `${dir}/other.pem`,
    otherKey: `${dir}/other.key`,
    selfSigned: `${dir}/self.pem`,
    selfSignedKey: `${dir}/self.key`,
  };
}
