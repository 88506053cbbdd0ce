/**
 * The reconnect policy as an operator: resubscribe (= open a new socket) after a retryable error,
 * waiting `backoffDelay` (exponential, full jitter) first. Fatal errors and the error after
 * `maxRetries` consecutive failures go through.
 *
 * Why not `retryWithBackoff`: its healthy-period reset measures from subscription time, which for a
 * socket includes connecting (a 10 s connect timeout would count as "healthy"). Here a failure
 * resets the count only if the session it ends was *up* (had emitted) for `healthyAfterMs`.
 */
import { type MonoTypeOperatorFunction, type SchedulerLike, defer, retry, tap, throwError, timer } from 'rxjs';
import { LanceError } from '../wire/errors.js';
import { backoffDelay } from './operators/backoff-delay.js';

export interface ReconnectPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxRetries: number;
  readonly healthyAfterMs: number;
  readonly random: () => number;
  readonly reconnectDelay?: ((attempt: number, error: unknown) => number) | undefined;
  readonly scheduler: SchedulerLike;
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly error: unknown }) => void;
  /** Whether to reconnect after `error` (within `maxRetries`). Default `isRetryable`. */
  readonly shouldRetry?: (error: unknown) => boolean;
}

export const isRetryable = (err: unknown): boolean => err instanceof LanceError && err.isRetryable();

export function reconnect<T>(p: ReconnectPolicy): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      let attempt = 0;
      let upSince: number | undefined; // when the current subscription first emitted (session up)
      return source.pipe(
        tap(() => {
          upSince ??= p.scheduler.now();
        }),
        retry<T>({
          delay: (error: unknown) => {
            if (upSince !== undefined && p.scheduler.now() - upSince >= p.healthyAfterMs) attempt = 0;
            upSince = undefined;
            attempt += 1;
            if (!(p.shouldRetry ?? isRetryable)(error) || attempt > p.maxRetries) return throwError(() => error);
            const delayMs = p.reconnectDelay ? p.reconnectDelay(attempt, error) : backoffDelay(attempt, p);
            p.onRetry?.({ attempt, delayMs, error });
            return timer(delayMs, p.scheduler);
          },
        }),
      );
    });
}
