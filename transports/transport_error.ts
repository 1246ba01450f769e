/**
 * Errors raised by transports. The CLI maps `ConnectError` to rtmpdump's exit code 3.
 *
 * @module
 */

/** The transport could not be opened (DNS, refused, unreachable, proxy or TLS failure). */
export class ConnectError extends Error {
  /** Creates the error with a one-line message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectError";
  }
}

/** No bytes arrived within the receive timeout (rtmpdump's `-m`). */
export class TimeoutError extends Error {
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** The requested transport stack is not available in this version. */
export class UnsupportedTransportError extends Error {
  /** Creates the error naming the missing feature. */
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedTransportError";
  }
}
