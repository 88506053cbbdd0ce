import { type MonoTypeOperatorFunction, type SchedulerLike, asyncScheduler, throwError, timeout } from 'rxjs';
import { type LanceError, TimeoutError } from '../../wire/errors.js';

/**
 * Errors with a `LanceError` (by default a retryable `TimeoutError`) when the source stays silent
 * for `ms`: before its first notification, and between any two values. A thin wrapper over
 * `timeout({ each, with })` so the connection core gets typed, retryable errors.
 *
 * `makeError` is called only when the time is up, so the error's stack and message describe the
 * request that actually timed out.
 *
 * @example
 * request$.pipe(timeoutAfter(30_000, () => new TimeoutError('no reply to Fetch within 30 s')));
 */
export function timeoutAfter<T>(
  ms: number,
  makeError: () => LanceError = () => new TimeoutError(`no response within ${ms} ms`),
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  return timeout({ each: ms, with: () => throwError(makeError), scheduler });
}
