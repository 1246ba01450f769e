/**
 * PEM files for TLS: the certificate authorities a client trusts (`--tlsCa`), and a server's
 * certificate chain and private key (`--cert`, `--key`), read with errors in plain words.
 *
 * @module
 */

import { isDeno } from "./runtime.ts";
import { describeNetworkError } from "./transport_error.ts";

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/;

/** Reads a text file with Deno's API on Deno and `node:fs` elsewhere. */
async function readText(path: string): Promise<string> {
  if (isDeno) return await Deno.readTextFile(path);
  const fs = await import("node:fs/promises");
  return await fs.readFile(path, "utf8");
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readText(path);
  } catch (err) {
    throw new TypeError(`Cannot read the ${what} ${path}: ${describeNetworkError(err)}`, {
      cause: err,
    });
  }
}

/**
 * The certificates of a PEM file, one PEM block each. Throws `TypeError` when the file cannot
 * be read or holds no certificate.
 */
export async function readCertificates(path: string, what: string): Promise<string[]> {
  const text = await readPem(path, what);
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new TypeError(`Cannot use the ${what} ${path}: it holds no PEM certificate`);
  }
  return blocks;
}

/**
 * The private key of a PEM file (PKCS#8, PKCS#1 or SEC1 block). Throws `TypeError` when the
 * file cannot be read or holds no private key.
 */
export async function readPrivateKey(path: string, what: string): Promise<string> {
  const text = await readPem(path, what);
  const block = PRIVATE_KEY_BLOCK.exec(text);
  if (block === null) {
    throw new TypeError(`Cannot use the ${what} ${path}: it holds no PEM private key`);
  }
  return block[0];
}
