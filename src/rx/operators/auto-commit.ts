import { type MonoTypeOperatorFunction, type SchedulerLike, Observable, Subject, asyncScheduler, auditTime, config } from 'rxjs';

export interface AutoCommitOptions {
  /** At most one periodic commit per this many ms. Default 5000 (the Rust `auto_commit_interval_ms`). */
  readonly intervalMs?: number;
  /**
   * Receives every commit failure: a synchronous throw or a rejected Promise. The stream goes on.
   * Without it a failure is not lost either: while the stream is live it errors the stream; once the
   * stream has ended (flush on error or unsubscribe, or a Promise rejecting late) it is reported like
   * any unhandled RxJS error (`config.onUnhandledError`, else thrown asynchronously).
   */
  readonly onError?: (err: unknown) => void;
  readonly scheduler?: SchedulerLike;
}

/**
 * Passes values through unchanged and commits the latest one at most once per `intervalMs`
 * (`auditTime`), then commits the last uncommitted value when the stream completes, errors or is
 * unsubscribed (`auditTime` alone drops it on unsubscribe: RX-NOTES §0.8). The same value
 * (`Object.is`) is never committed twice in a row.
 *
 * It commits what was *delivered*: at-least-once holds only if the subscriber handles each value
 * synchronously. For async processing, commit manually after `concatMap(process)`. `commit` is not
 * awaited (teardown cannot wait, rxjs#6446): a Promise-returning commit must tolerate overlap, which
 * latest-offset-wins stores do.
 *
 * @example
 * records$.pipe(autoCommit((r) => store.save(r.nextOffset), { intervalMs: 5_000, onError: log }));
 */
export function autoCommit<T>(
  commit: (value: T) => void | Promise<unknown>,
  opts: AutoCommitOptions = {},
): MonoTypeOperatorFunction<T> {
  const { intervalMs = 5_000, onError } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T>((subscriber) => {
      let pending = false;
      let latest: T | undefined;
      let committed: { readonly value: T } | undefined;
      let ended = false;

      const fail = (err: unknown): void => {
        if (onError) onError(err);
        else if (!ended && !subscriber.closed) subscriber.error(err);
        else reportUnhandled(err);
      };
      const flush = (): void => {
        if (!pending) return;
        pending = false;
        const value = latest as T;
        if (committed && Object.is(committed.value, value)) return;
        committed = { value };
        try {
          const result: unknown = commit(value);
          if (isPromiseLike(result)) result.then(undefined, fail);
        } catch (err) {
          fail(err);
        }
      };

      const windows = new Subject<void>();
      subscriber.add(windows.pipe(auditTime(intervalMs, scheduler)).subscribe(flush));
      subscriber.add(
        source.subscribe({
          next: (value) => {
            latest = value;
            pending = true;
            subscriber.next(value);
            windows.next();
          },
          // Commit first on complete, so a failing final commit becomes the stream's error.
          complete: () => {
            flush();
            subscriber.complete();
          },
          error: (err: unknown) => {
            ended = true; // keep the source's error, report a failing flush separately
            flush();
            subscriber.error(err);
          },
        }),
      );
      // Unsubscribe (and every other end): flush what the audit window was still holding.
      return () => {
        ended = true;
        flush();
      };
    });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** What RxJS does with an error nobody handles (7.x `reportUnhandledError`). */
function reportUnhandled(err: unknown): void {
  const handler = config.onUnhandledError;
  if (handler) handler(err);
  else
    setTimeout(() => {
      throw err;
    });
}
