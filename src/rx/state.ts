/** Connection states of one role, published on `Lance.state$(role)` (rx-stomp / nats style). */
import type { SessionRole } from './session.js';

export type ConnectionState =
  /** Opening a socket (and authenticating) to `address`. */
  | { readonly type: 'connecting'; readonly role: SessionRole; readonly address: string }
  /** A live session: `epoch` is the session's epoch. */
  | { readonly type: 'connected'; readonly role: SessionRole; readonly address: string; readonly epoch: number }
  /** The last socket failed with the retryable `error`; the next attempt starts after `delayMs`. */
  | {
      readonly type: 'reconnecting';
      readonly role: SessionRole;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: unknown;
    }
  /**
   * No socket: not opened yet, released after the last user left, `close()`d, or stopped by a fatal
   * `error` (authentication refused, invalid bytes from the server, a refused TLS certificate).
   */
  | { readonly type: 'closed'; readonly role: SessionRole; readonly error?: unknown };
