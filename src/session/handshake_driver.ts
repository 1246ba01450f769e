/**
 * The one handshake driver: runs a sans-I/O {@linkcode ClientHandshake} or
 * {@linkcode ServerHandshake} over a {@linkcode Transport} for the downloader, the publisher and
 * the server alike, and hands back what the RTMP session needs next: the transport to use from
 * now on (a variant such as RTMPE wraps it, RC4 both ways) and the bytes that arrived behind the
 * handshake (an own copy, already decrypted by that wrapper).
 *
 * Every wait ends: on the transport's own receive timeout, on `timeoutMs` (the whole
 * handshake's deadline) or on `signal`, each closing the transport and rejecting with one line.
 *
 * @module
 */

import { startDeadline } from "../../transports/deadline.ts";
import type { Transport } from "../../transports/transport.ts";
import { TimeoutError } from "../../transports/transport_error.ts";
import {
  ClientHandshake,
  HandshakeError,
  type HandshakeVariant,
  type RtmpeType,
  ServerHandshake,
} from "../handshake/mod.ts";
import { hexLines } from "./hex_dump.ts";
import { LogLevel, logsAt, type LogSink, silentLog } from "./log.ts";
import { RtmpeTransportVariant } from "./rtmpe_upgrade.ts";

/**
 * A handshake variant whose connection continues over another transport once the handshake is
 * through (RTMPE: everything after S2/C2 is RC4-encrypted both ways).
 */
export interface TransportUpgrade {
  /**
   * Wraps `transport` for the rest of the connection and turns `rest`, the raw bytes received
   * behind the handshake, into what the wrapper would have returned (decrypts them in place).
   * Called once, after the handshake completed and verified.
   */
  upgrade(transport: Transport, rest: Uint8Array): Transport;
}

/** What the RTMP session needs once the handshake is through. */
export interface HandshakeResult {
  /** The transport to use from now on (the one passed in, or a wrapper around it). */
  transport: Transport;
  /** Bytes received behind the handshake (the first chunks), an own copy; may be empty. */
  rest: Uint8Array;
  /** Handshake bytes received (not counting `rest`), for the acknowledgement counter. */
  bytesIn: number;
  /** Handshake bytes sent. */
  bytesOut: number;
  /**
   * The last 32 bytes of the peer's S1/C1 when the digest handshake ran: the key of the SWF
   * verification response (librtmp-facts §4.5).
   */
  swfVerificationKey: Uint8Array | undefined;
}

/** Limits shared by both sides. */
export interface HandshakeDeadline {
  /** The whole handshake must complete within this many milliseconds (0 or absent: no limit). */
  timeoutMs?: number;
  /** Ends the handshake early (the transport is closed). */
  signal?: AbortSignal;
}

/** Options of {@linkcode clientHandshake}. */
export interface ClientHandshakeRequest extends HandshakeDeadline {
  /**
   * "plain", "fp9" (the Flash Player 9 digest handshake, which librtmp uses when SWF
   * verification data exist) or "rtmpe" (the encrypted handshake; the transport handed back
   * is wrapped in RC4). Ignored when `variant` is given.
   */
  mode: "plain" | "fp9" | "rtmpe";
  /** With mode "rtmpe": the C0 to send, 6 (default, as rtmpdump), 8 or 9. */
  rtmpeType?: RtmpeType;
  /** A digest-handshake variant to run instead (RTMPE); a fresh object per connection. */
  variant?: HandshakeVariant & Partial<TransportUpgrade>;
  /** Receives what librtmp's HandShake logs: progress at DEBUG (with hex dumps), warnings. */
  log?: LogSink;
  /** Clock for the C1 time field (ms). */
  now?: () => number;
  /** Random source for C1/C2. */
  random?: (bytes: Uint8Array) => void;
}

/** Options of {@linkcode serverHandshake}. */
export interface ServerHandshakeRequest extends HandshakeDeadline {
  /** Clock for the S1 time field (ms). */
  now?: () => number;
  /** Random source for S1/S2. */
  random?: (bytes: Uint8Array) => void;
  /**
   * Picks the variant for a client's C0 (RTMPE for 6, 8 and 9); undefined keeps the plain/FP9
   * handshake. A variant with `upgrade` wraps the transport afterwards.
   */
  variantFor?: (clientType: number) => (HandshakeVariant & Partial<TransportUpgrade>) | undefined;
}

/** What the server side learns about its client. */
export interface ServerHandshakeResult extends HandshakeResult {
  /** The client's C0 (3 plain/FP9, 6/8/9 RTMPE). */
  clientType: number;
}

/**
 * Runs the client handshake over `transport`: sends C0+C1, answers S1 with C2, checks S2.
 * Rejects with {@linkcode HandshakeError} (the peer's bytes), {@linkcode TimeoutError} (the
 * deadline, or the transport's receive timeout) or the transport's error; the transport is
 * closed on the deadline and on `signal`, and left to the caller otherwise.
 */
export async function clientHandshake(
  transport: Transport,
  request: ClientHandshakeRequest,
): Promise<HandshakeResult> {
  const log = request.log ?? silentLog;
  const variant = request.variant ??
    (request.mode === "rtmpe"
      ? new RtmpeTransportVariant({
        role: "client",
        type: request.rtmpeType,
        random: request.random,
      })
      : undefined);
  const handshake = new ClientHandshake({
    mode: request.mode,
    variant,
    now: request.now,
    random: request.random,
  });
  // librtmp's HandShake logs as it goes: what the handshake reported so far goes out after
  // each step, and up to the failure when it fails.
  let logged = 0;
  const logNotes = () => {
    for (; logged < handshake.notes.length; logged++) {
      const note = handshake.notes[logged];
      const level = note.level === "warning" ? LogLevel.Warning : LogLevel.Debug;
      log(level, note.text);
      if (note.bytes !== undefined && logsAt(log, LogLevel.Debug)) {
        for (const line of hexLines(note.bytes)) log(LogLevel.Debug, line);
      }
    }
  };
  const counts = { bytesIn: 0, bytesOut: 0 };
  try {
    return await withDeadline(transport, request, "handshake", async () => {
      const first = await handshake.start();
      logNotes();
      counts.bytesOut += first.length;
      await transport.write(first);
      for (;;) {
        const data = await transport.read();
        if (data === null) throw new HandshakeError("Connection closed during the handshake");
        const step = await handshake.receive(data);
        logNotes();
        const restLength = step.rest?.length ?? 0;
        counts.bytesIn += data.length - restLength;
        if (step.send) {
          counts.bytesOut += step.send.length;
          await transport.write(step.send);
        }
        if (!step.done) continue;
        return finish(transport, step.rest, variant, counts, handshake.swfVerificationKey);
      }
    });
  } finally {
    logNotes();
  }
}

/**
 * Runs the server handshake over an accepted `transport`: reads C0+C1, answers S0+S1+S2, reads
 * C2. Rejects as {@linkcode clientHandshake} does.
 */
export async function serverHandshake(
  transport: Transport,
  request: ServerHandshakeRequest = {},
): Promise<ServerHandshakeResult> {
  let variant: (HandshakeVariant & Partial<TransportUpgrade>) | undefined;
  const pick = request.variantFor;
  const handshake = new ServerHandshake({
    now: request.now,
    random: request.random,
    // Keep the object the handshake runs with: it holds this connection's keys.
    variantFor: pick && ((clientType) => (variant = pick(clientType))),
  });
  const counts = { bytesIn: 0, bytesOut: 0 };
  return await withDeadline(transport, request, "handshake", async () => {
    for (;;) {
      const data = await transport.read();
      if (data === null) throw new HandshakeError("Connection closed during the handshake");
      const step = await handshake.receive(data);
      const restLength = step.rest?.length ?? 0;
      counts.bytesIn += data.length - restLength;
      if (step.send) {
        counts.bytesOut += step.send.length;
        await transport.write(step.send);
      }
      if (!step.done) continue;
      const result = finish(transport, step.rest, variant, counts, handshake.swfVerificationKey);
      return { ...result, clientType: handshake.clientType ?? 0 };
    }
  });
}

function finish(
  transport: Transport,
  rest: Uint8Array | undefined,
  variant: Partial<TransportUpgrade> | undefined,
  counts: { bytesIn: number; bytesOut: number },
  swfVerificationKey: Uint8Array | undefined,
): HandshakeResult {
  // `rest` views the transport's read buffer, which the next read reuses: keep a copy.
  const own = rest !== undefined && rest.length > 0 ? rest.slice() : new Uint8Array(0);
  const next = variant?.upgrade ? variant.upgrade(transport, own) : transport;
  return { transport: next, rest: own, ...counts, swfVerificationKey };
}

/**
 * Runs `body` with the deadline and signal of `limits`: either closes the transport (which ends
 * any read in flight) and the body's failure is replaced by a one-line reason.
 */
async function withDeadline<T>(
  transport: Transport,
  limits: HandshakeDeadline,
  what: string,
  body: () => Promise<T>,
): Promise<T> {
  const { timeoutMs = 0, signal } = limits;
  if (signal?.aborted) {
    await transport.close();
    throw new HandshakeError(`The ${what} was interrupted`, { cause: signal.reason });
  }
  let expired: Error | undefined;
  const stop = (reason: Error) => {
    expired ??= reason;
    void transport.close();
  };
  const deadline = timeoutMs > 0
    ? startDeadline(
      timeoutMs,
      () => stop(new TimeoutError(`The ${what} did not complete within ${timeoutMs / 1000} s`)),
    )
    : undefined;
  const onAbort = () =>
    stop(new HandshakeError(`The ${what} was interrupted`, { cause: signal?.reason }));
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await body();
    if (expired) throw expired;
    return result;
  } catch (err) {
    throw expired ?? err;
  } finally {
    deadline?.cancel();
    signal?.removeEventListener("abort", onAbort);
  }
}
