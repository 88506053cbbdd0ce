/**
 * Typed errors. Every error the library raises is a `LanceError` with a stable `code` and an
 * `isRetryable()` verdict that retry policies read (never the message text).
 *
 * ESM and CJS copies of this module can both be loaded in one process (the dual-package hazard), so
 * `instanceof` is answered by prototype identity or, across copies, by a brand and the `code`.
 */

const BRAND = Symbol.for('lnc-client.LanceError');

export type LanceErrorCode =
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'INVALID_FRAME'
  | 'INVALID_RECORD'
  | 'BACKPRESSURE'
  | 'TOPIC_NOT_FOUND'
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_TOPIC_NAME'
  | 'NOT_LEADER'
  | 'FORWARD_FAILED'
  | 'SERVER_CATCHING_UP'
  | 'RATE_LIMITED'
  | 'AUTHENTICATION'
  | 'ACCESS_DENIED'
  | 'INVALID_ARGUMENT'
  | 'CLOSED'
  | 'ABORTED'
  | 'OFFSET_STORE'
  | 'PROCESS'
  | 'SERVER_ERROR';

export interface LanceErrorOptions {
  /** The server's error text, verbatim, when the error came from an ErrorResponse frame. */
  readonly serverMessage?: string;
  readonly cause?: unknown;
}

export class LanceError extends Error {
  /** Set on each subclass; `undefined` here means "any LanceError" for `instanceof`. */
  static readonly code: LanceErrorCode | undefined = undefined;
  static readonly retryable: boolean = false;

  readonly code: LanceErrorCode;
  readonly serverMessage: string | undefined;
  declare readonly [BRAND]: true;

  constructor(message: string, options: LanceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof LanceError;
    this.name = ctor.name;
    this.code = ctor.code ?? 'SERVER_ERROR';
    this.serverMessage = options.serverMessage;
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, 'retryableFlag', { value: ctor.retryable });
  }

  /** Whether repeating the operation (after a reconnect, with backoff) can succeed. */
  isRetryable(): boolean {
    return (this as unknown as { retryableFlag: boolean }).retryableFlag;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    // The ordinary prototype walk first: it answers `Sub.prototype instanceof LanceError`, which the
    // brand cannot (prototypes carry no instance brand) and which code that sorts error classes uses.
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if ((value as { [BRAND]?: unknown })[BRAND] !== true) return false;
    const C = this as typeof LanceError;
    const e = value as LanceError;
    // A class with a code of its own answers for every error of that code; a subclass sharing its
    // parent's code (TlsVerificationError is a ConnectionError) only for errors of its own name.
    if (Object.prototype.hasOwnProperty.call(C, 'code')) return C.code === undefined || e.code === C.code;
    return e.code === C.code && e.name === C.name;
  }
}

/** True for any error raised by this library, from either module copy. */
export function isLanceError(value: unknown): value is LanceError {
  return value instanceof LanceError;
}

/** Socket refused, reset or closed. The outcome of in-flight ingests is unknown. */
export class ConnectionError extends LanceError {
  static override readonly code = 'CONNECTION';
  static override readonly retryable = true;
}

export class TimeoutError extends LanceError {
  static override readonly code = 'TIMEOUT';
  static override readonly retryable = true;
}

/** Bytes that are not a valid LWP frame: bad magic, version, CRC or an oversize length. Fatal. */
export class InvalidFrameError extends LanceError {
  static override readonly code = 'INVALID_FRAME';
}

/** TLV data that cannot be framed: usually an offset that is not on a record boundary. */
export class InvalidRecordError extends LanceError {
  static override readonly code = 'INVALID_RECORD';
}

export class BackpressureError extends LanceError {
  static override readonly code = 'BACKPRESSURE';
  static override readonly retryable = true;
}

export class TopicNotFoundError extends LanceError {
  static override readonly code = 'TOPIC_NOT_FOUND';
}

export class TopicAlreadyExistsError extends LanceError {
  static override readonly code = 'TOPIC_ALREADY_EXISTS';
}

export class InvalidTopicNameError extends LanceError {
  static override readonly code = 'INVALID_TOPIC_NAME';
}

/** `NOT_LEADER: redirect to <addr>`; `leaderAddr` is undefined for `NOT_LEADER: leader unknown`. */
export class NotLeaderError extends LanceError {
  static override readonly code = 'NOT_LEADER';
  static override readonly retryable = true;
  readonly leaderAddr: string | undefined;
  constructor(message: string, leaderAddr: string | undefined, options: LanceErrorOptions = {}) {
    super(message, options);
    this.leaderAddr = leaderAddr;
  }
}

/** `FORWARD_FAILED: ...`: the cluster is transitioning; retry, preferably on a fresh connection. */
export class ForwardFailedError extends LanceError {
  static override readonly code = 'FORWARD_FAILED';
  static override readonly retryable = true;
}

/** A CatchingUp reply: the requested offset is past the server's end (`serverOffset`). */
export class ServerCatchingUpError extends LanceError {
  static override readonly code = 'SERVER_CATCHING_UP';
  static override readonly retryable = true;
  readonly serverOffset: bigint;
  constructor(message: string, serverOffset: bigint, options: LanceErrorOptions = {}) {
    super(message, options);
    this.serverOffset = serverOffset;
  }
}

export class RateLimitedError extends LanceError {
  static override readonly code = 'RATE_LIMITED';
  static override readonly retryable = true;
}

export class AuthenticationError extends LanceError {
  static override readonly code = 'AUTHENTICATION';
}

export class AccessDeniedError extends LanceError {
  static override readonly code = 'ACCESS_DENIED';
}

/** A caller-side mistake caught before anything reached the wire. */
export class InvalidArgumentError extends LanceError {
  static override readonly code = 'INVALID_ARGUMENT';
}

/** The client, producer or consumer was closed while the operation was pending. */
export class ClosedError extends LanceError {
  static override readonly code = 'CLOSED';
}

/** The caller's AbortSignal fired. */
export class AbortedError extends LanceError {
  static override readonly code = 'ABORTED';
}

/** An offset file that cannot be read or written (corrupt, unreadable, locked). */
export class OffsetStoreError extends LanceError {
  static override readonly code = 'OFFSET_STORE';
}

/**
 * The user's own code failed: `topic$`'s `process` threw or its result errored. The original error
 * is the `cause`. Never retryable, whatever the cause was (a retryable `LanceError` from the user's
 * own downstream call included): the connection's retry policy is for the connection. The batch is
 * not committed; opt into in-place retries with `processRetry`.
 */
export class ProcessError extends LanceError {
  static override readonly code = 'PROCESS';
}

/** Any other server error text, kept verbatim in `serverMessage`. */
export class ServerError extends LanceError {
  static override readonly code = 'SERVER_ERROR';
}
