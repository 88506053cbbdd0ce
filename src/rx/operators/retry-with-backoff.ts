import {
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  defer,
  retry,
  throwError,
  timer,
} from 'rxjs';
import { LanceError } from '../../wire/errors.js';
import { type BackoffDelayOptions, backoffDelay } from './backoff-delay.js';

/** What {@link RetryWithBackoffOptions.onRetry} is told before each wait. */
export interface RetryInfo {
  /** 1 for the first retry since the last reset. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryWithBackoffOptions extends BackoffDelayOptions {
  /** Retries allowed before the error is surfaced. Default `Infinity`. */
  readonly maxRetries?: number;
  /** Overrides the computed delay (the nats `reconnectDelayHandler` idea). `attempt` counts from 1. */
  readonly reconnectDelay?: (attempt: number, err: unknown) => number;
  /** Which errors are worth retrying. Default: a `LanceError` whose `isRetryable()` is true. */
  readonly shouldRetry?: (err: unknown) => boolean;
  /**
   * Healthy period after which the attempt counter resets: the counter goes back to 0 only if the
   * failed subscription had lived at least this long. Default (undefined): reset on the first value
   * the source emits after a resubscription (`retry`'s `resetOnSuccess`).
   */
  readonly resetAfterMs?: number;
  /** Called just before each wait, e.g. to publish `{ type: 'reconnecting', attempt }` on `state$`. */
  readonly onRetry?: (info: RetryInfo) => void;
  readonly scheduler?: SchedulerLike;
}

const isRetryableLanceError = (err: unknown): boolean => err instanceof LanceError && err.isRetryable();

/**
 * Resubscribes to the source after a retryable error, waiting a jittered exponential backoff
 * ({@link backoffDelay}) first. Non-retryable errors, and the error after `maxRetries` retries,
 * propagate at once.
 *
 * @example
 * connection$.pipe(retryWithBackoff({ baseMs: 100, maxMs: 30_000, onRetry: ({ attempt }) => log(attempt) }));
 */
export function retryWithBackoff<T>(opts: RetryWithBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const { maxRetries = Infinity, shouldRetry = isRetryableLanceError, resetAfterMs, onRetry } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;

  // The notifier `retry` waits on: an error notifier stops retrying and surfaces `err` unchanged.
  const waitBefore = (err: unknown, attempt: number): Observable<unknown> => {
    if (attempt > maxRetries || !shouldRetry(err)) return throwError(() => err);
    const delayMs = opts.reconnectDelay ? opts.reconnectDelay(attempt, err) : backoffDelay(attempt, opts);
    onRetry?.({ attempt, delayMs, error: err });
    return timer(delayMs, scheduler);
  };

  if (resetAfterMs === undefined) {
    return retry<T>({ count: maxRetries, resetOnSuccess: true, delay: waitBefore });
  }
  // `retry` can only reset its counter on a value, so count here, per outer subscription (defer).
  return (source) =>
    defer(() => {
      let attempt = 0;
      let startedAt = 0;
      const timed = defer(() => {
        startedAt = scheduler.now();
        return source;
      });
      return timed.pipe(
        retry<T>({
          delay: (err) => {
            if (scheduler.now() - startedAt >= resetAfterMs) attempt = 0;
            return waitBefore(err, ++attempt);
          },
        }),
      );
    });
}
