/** What a FaultProxy takes and reports. */

export type FaultDirection = 'both' | 'upstream' | 'downstream';

export interface FaultProxyOptions {
  /** "host:port" (or "[v6]:port") the proxy connects each accepted client to. */
  target: string;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (an ephemeral port, read it back from `port`). */
  port?: number;
  /**
   * Per connection and per direction, the most bytes the proxy holds (paused, delayed, throttled) before
   * it stops reading from the sender; reading resumes at half. Default 8 MiB. Node's socket buffers
   * add at most a few tens of KiB on top.
   */
  maxBufferedBytes?: number;
}

export interface FaultProxyStats {
  /** Client connections accepted (including refused ones). */
  accepted: number;
  /** Bytes forwarded client → server. */
  bytesUpstream: number;
  /** Bytes forwarded server → client. */
  bytesDownstream: number;
  /** Client connections the proxy reset as a fault (resetAll, dropAfterBytes, refuseConnections). */
  resets: number;
}

export interface DirectionOptions {
  direction?: FaultDirection;
}

export interface LatencyOptions extends DirectionOptions {
  /** Extra uniform random delay in [0, jitterMs) per chunk; order is still preserved. */
  jitterMs?: number;
}

export interface DropAfterOptions extends DirectionOptions {
  /** Disarm after the first cut (so a reconnect gets through); default false: every connection is cut. */
  once?: boolean;
}

/**
 * How the client's byte stream splits into frames, supplied by the test so the proxy stays
 * protocol-agnostic: a fixed-size header, and the whole frame's length read from it.
 */
export interface Framing {
  readonly headerBytes: number;
  frameBytes(header: Buffer): number;
}
