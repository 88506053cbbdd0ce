/**
 * The contract between the connection core and the engines built on it (producer, consumer).
 *
 * A `Session` is one live, authenticated socket. Engines never see sockets or bytes of headers: they
 * send encoded frames and read decoded ones. When the socket dies the session's `frames$` errors
 * (with a retryable `ConnectionError`, or the fatal error that killed it) and the core opens the next
 * session after its backoff; engines resubscribe to `Lance.session$(role)` to get it.
 */
import type { Observable } from 'rxjs';
import type { Frame } from '../wire/frame.js';

export interface Session {
  /** 1 for the first connection of this role, +1 per reconnect. Batch ids restart on each. */
  readonly epoch: number;
  /** `host:port` this session is connected to. */
  readonly address: string;
  /**
   * Every frame received on this socket, hot, except keepalive echoes (the core's pongs, §6.1).
   * Errors when the socket dies: a retryable `ConnectionError` (closed, reset, poisoned by a timeout,
   * dead peer), `NotLeaderError` after a redirect, `ClosedError` after `Lance.close()`, or the fatal
   * error that killed it (`InvalidFrameError`, `AuthenticationError`, or the reason given to `kill`).
   */
  readonly frames$: Observable<Frame>;
  /**
   * Writes an encoded frame. Returns false when the socket's buffer is full (like `socket.write`);
   * the frame is still queued and `drain$` emits once it empties.
   */
  send(frame: Uint8Array): boolean;
  readonly drain$: Observable<void>;
  /**
   * A control request, cold: sent on subscribe, emits the reply and completes. Its reply is matched
   * FIFO with the other requests of this session (the wire has no request ids); ErrorResponse
   * replies arrive as typed errors (`errorFromServerText`). Unsubscribing abandons the request, but
   * its reply is still awaited so the FIFO stays aligned. A request that times out (default: the
   * core's `requestTimeoutMs`) poisons the session: every pending request fails and the core reconnects.
   */
  request$(command: number, payload?: Uint8Array, timeoutMs?: number): Observable<Frame>;
  /**
   * Closes this socket. The core reconnects (the role is still in use) if `reason` is a retryable
   * LanceError or absent (then a `ConnectionError`); a non-retryable LanceError stops the role and
   * errors `session$` with it.
   */
  kill(reason?: unknown): void;
}

/**
 * Sessions are grouped by role: each role has its own socket, so a producer's acks never mix with a
 * control connection's replies (an Unsubscribe reply is an Ack too, PROTOCOL.md §2.3.14).
 * 'control' carries admin requests; 'producer:<n>' and 'consumer:<n>' are per engine.
 */
export type SessionRole = string;
