/** AbortSignal ↔ Observable: every async operation of the core can be cancelled (→ AbortedError). */
import { Observable, firstValueFrom, merge } from 'rxjs';
import { AbortedError } from '../wire/errors.js';

const aborted = (signal: AbortSignal): AbortedError =>
  new AbortedError('operation aborted', signal.reason === undefined ? {} : { cause: signal.reason });

/** Errors with AbortedError when `signal` fires (at once if it already has); never emits. */
export function abortError$(signal: AbortSignal): Observable<never> {
  return new Observable<never>((subscriber) => {
    if (signal.aborted) return subscriber.error(aborted(signal));
    const onAbort = (): void => subscriber.error(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  });
}

/** `source` until `signal` aborts it (the source is unsubscribed, the result errors AbortedError). */
export function withSignal<T>(source: Observable<T>, signal: AbortSignal | undefined): Observable<T> {
  return signal === undefined ? source : merge(source, abortError$(signal));
}

/** First value of `source` as a Promise (which unsubscribes at once), abortable. */
export function toPromise<T>(source: Observable<T>, signal?: AbortSignal): Promise<T> {
  return firstValueFrom(withSignal(source, signal));
}
