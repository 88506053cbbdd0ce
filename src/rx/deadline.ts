/**
 * One call's deadline. Every reconnect, redirect and retry inside a call draws on the same budget,
 * so a caller's `timeoutMs` bounds the whole call, not each attempt; and when it runs out the
 * `TimeoutError` carries the failure that made the call wait (ECONNREFUSED, NOT_LEADER, …), which
 * is what the operator needs to read, not "timed out".
 */
import type { SchedulerLike } from 'rxjs';
import { TimeoutError } from '../wire/errors.js';

export class Deadline {
  private readonly at: number;
  attempts = 0;
  /** The latest failure seen by the call; the cause of its TimeoutError. */
  lastError: unknown;

  constructor(
    readonly timeoutMs: number,
    private readonly scheduler: SchedulerLike,
    /** What the call is and where it went, for the error message ("CreateTopic via 10.0.0.1:1992"). */
    private readonly what: () => string,
  ) {
    this.at = scheduler.now() + timeoutMs;
  }

  /** Milliseconds left; at least 1 so a timer given it still fires (and fails) promptly. */
  remaining(): number {
    return Math.max(1, this.at - this.scheduler.now());
  }

  /** Whether waiting `ms` more would pass the deadline. */
  exceededBy(ms: number): boolean {
    return this.scheduler.now() + ms >= this.at;
  }

  error(last: unknown = this.lastError): TimeoutError {
    // A nested call's own deadline error (ensureTopic → request) is not the story: its cause is.
    const cause = last instanceof TimeoutError && last.cause !== undefined ? last.cause : last;
    const detail = cause instanceof Error ? `; last error: ${cause.message}` : '';
    const tries = this.attempts === 1 ? '1 attempt' : `${this.attempts} attempts`;
    return new TimeoutError(
      `${this.what()} did not complete within ${this.timeoutMs} ms (${tries})${detail}`,
      cause === undefined ? {} : { cause },
    );
  }

  /** A TimeoutError raised inside the call (one attempt's reply deadline) gets the call's story. */
  explain(err: unknown): unknown {
    return err instanceof TimeoutError && err.cause === undefined && this.lastError !== undefined ? this.error() : err;
  }
}
