/**
 * Why a TLS handshake failed, in plain words, from what Deno's TLS (rustls) or `node:tls`
 * (OpenSSL on Node's side, BoringSSL on Bun's) reports: the certificate is not trusted, is for
 * other names, has expired; the server does not speak TLS; it closed the connection.
 *
 * @module
 */

import { formatIpv6, parseIpv6 } from "./ip_address.ts";
import { describeNetworkError, systemErrorCode } from "./transport_error.ts";

/** What to say when the certificate's issuer is not trusted. */
export const NOT_TRUSTED =
  "the certificate is not trusted (self-signed or unknown issuer); use --tlsCa FILE or --tlsInsecure";

/** node:tls error codes that mean "the issuer is not trusted". */
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
]);

/** Phrases by node:tls error code, for the other verification failures. */
const NODE_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: "the certificate has expired",
  CERT_NOT_YET_VALID: "the certificate is not valid yet",
  CERT_REVOKED: "the certificate has been revoked",
  CERT_SIGNATURE_FAILURE: "the certificate's signature is not valid",
  CERT_REJECTED: "the certificate was rejected",
  ERR_SSL_WRONG_VERSION_NUMBER: "the server does not speak TLS",
  ERR_SSL_PACKET_LENGTH_TOO_LONG: "the server does not speak TLS",
  ERR_SSL_RECORD_LAYER_FAILURE: "the server does not speak TLS",
};

/** Phrases by what rustls (Deno) says, tested in order against its message. */
const RUSTLS_PHRASES: readonly [RegExp, string][] = [
  [/UnknownIssuer|UnknownCA|self.signed/i, NOT_TRUSTED],
  [/CaUsedAsEndEntity/, `${NOT_TRUSTED} (the server presents a CA certificate as its own)`],
  [/Expired/, "the certificate has expired"],
  [/NotValidYet/, "the certificate is not valid yet"],
  [/Revoked/, "the certificate has been revoked"],
  [/BadSignature|UnsupportedSignatureAlgorithm/, "the certificate's signature is not valid"],
  [/BadEncoding|invalid peer certificate/, "the certificate cannot be read"],
  [
    /corrupt message|InvalidContentType|InvalidMessage|MessageTooLarge|wrong version|packet length/i,
    "the server does not speak TLS",
  ],
  [
    /close_notify|UnexpectedEof|unexpected eof|unexpected end of file|early eof/i,
    "the server closed the connection",
  ],
];

/** The names a certificate holds, from the words of a failed name check, or undefined. */
function presentedNames(message: string, err: unknown): string[] | undefined {
  // rustls: `certificate is only valid for DnsName("localhost"), IpAddress(127.0.0.1) or …`
  const rustls = /only valid for (.*)$/s.exec(message);
  if (rustls !== null) {
    const names = [...rustls[1].matchAll(/(?:DnsName\("([^"]*)"\)|IpAddress\(([^)]*)\))/g)]
      .map((m) => m[1] ?? m[2]);
    if (names.length > 0) return names;
  }
  // node:tls: the certificate is on the error, its subjectaltname "DNS:a, IP Address:1.2.3.4".
  const alt = (err as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname;
  if (typeof alt === "string" && alt !== "") {
    return alt.split(/,\s*/).map((entry) => entry.replace(/^(DNS|IP Address):/, ""));
  }
  const list = /(?:cert's list|cert's altnames): (.*)$/.exec(message);
  if (list !== null) return list[1].split(/,\s*/).map((e) => e.replace(/^(DNS|IP Address):/, ""));
  return undefined;
}

/** A name as users write it: an IPv6 address in its short form. */
function canonical(name: string): string {
  const v6 = parseIpv6(name);
  return v6 === undefined ? name : formatIpv6(v6);
}

/** "a, b or c". */
function orList(names: string[]): string {
  return names.length <= 1
    ? names.join("")
    : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/**
 * Plain words for a failed TLS handshake with a server that should be `name`: "the
 * certificate is for localhost, not 127.0.0.2", {@linkcode NOT_TRUSTED}, "the server does not
 * speak TLS", "the server closed the connection", … Falls back to the error's first line.
 */
export function describeTlsFailure(err: unknown, name: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  const wrongName = code === "ERR_TLS_CERT_ALTNAME_INVALID" ||
    /not valid for name|NotValidForName|does not match certificate/i.test(message);
  if (wrongName) {
    const names = presentedNames(message, err);
    return names === undefined
      ? `the certificate is not valid for ${name}`
      : `the certificate is for ${orList(names.map(canonical))}, not ${name}`;
  }
  if (typeof code === "string") {
    if (UNTRUSTED_CODES.has(code)) return NOT_TRUSTED;
    if (code in NODE_CODES) return NODE_CODES[code];
  }
  for (const [pattern, phrase] of RUSTLS_PHRASES) {
    if (pattern.test(message)) return phrase;
  }
  const alert = /(?:fatal alert|alert)[:\s]+([A-Za-z_ ]+)/i.exec(message);
  if (alert !== null) return `the server ended the TLS handshake (alert: ${alert[1].trim()})`;
  if (/socket hang up|disconnected before secure TLS/i.test(message)) {
    return "the server closed the connection";
  }
  if (systemErrorCode(err) !== undefined) return describeNetworkError(err);
  return message.split("\n")[0].replace(/\s*\(os error \d+\)/g, "").trim() || "TLS failed";
}
