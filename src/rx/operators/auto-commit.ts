import {
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  Observable,
  Subject,
  asyncScheduler,
  auditTime,
  config,
} from 'rxjs';

export interface AutoCommitOptions<T = unknown> {
  /** At most one periodic commit per this many ms. Default 5000 (the Rust `auto_commit_interval_ms`). */
  readonly intervalMs?: number;
  /**
   * Receives every commit failure: a synchronous throw or a rejected Promise. The stream goes on.
   * Without it a failure is not lost either: while the stream is live it errors the stream; once the
   * stream has ended (flush on error or unsubscribe, or a Promise rejecting late) it goes to RxJS's
   * `config.onUnhandledError` when one is set, else it is emitted as a process warning. It is never
   * thrown: a teardown must not crash the process (a closed store, a removed directory).
   */
  readonly onError?: (err: unknown) => void;
  /**
   * For a value during whose delivery the stream ended (an operator downstream threw, or `take`
   * completed it): the part of it that was processed anyway, or `undefined` for none. Such a value
   * is never committed whole, since nothing says user code finished with it. Default: none.
   */
  readonly processedPart?: (value: T) => T | undefined;
  readonly scheduler?: SchedulerLike;
}

/**
 * Passes values through unchanged and commits the latest one at most once per `intervalMs`
 * (`auditTime`), then commits the last uncommitted value when the stream completes, errors or is
 * unsubscribed (`auditTime` alone drops it on unsubscribe: RX-NOTES §1.6). The same value
 * (`Object.is`) is never committed twice in a row.
 *
 * It commits what was *delivered and returned from*: a value counts once the downstream `next` call
 * returned with the stream still open. A value whose delivery ended the stream (a throwing `map`
 * after this operator) is not committed, so a restart sees it again; `processedPart` may name the
 * part of it that was handled. At-least-once therefore holds when the pipeline handles each value
 * synchronously; for async processing, commit manually after `concatMap(process)`. `commit` is not
 * awaited (teardown cannot wait, rxjs#6446): a Promise-returning commit must tolerate overlap, which
 * latest-offset-wins stores do.
 *
 * @example
 * records$.pipe(autoCommit((r) => store.save(r.nextOffset), { intervalMs: 5_000, onError: log }));
 */
export function autoCommit<T>(
  commit: (value: T) => void | Promise<unknown>,
  opts: AutoCommitOptions<T> = {},
): MonoTypeOperatorFunction<T> {
  const { intervalMs = 5_000, onError } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T>((subscriber) => {
      let pending = false;
      let latest: T | undefined;
      let committed: { readonly value: T } | undefined;
      let ended = false;
      let delivering = false;
      let current: T | undefined;

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
            // Saved and restored: a Subject source may emit again from inside a downstream `next`.
            const outer = delivering;
            const outerValue = current;
            delivering = true;
            current = value;
            subscriber.next(value);
            delivering = outer;
            current = outerValue;
            if (subscriber.closed) return; // ended while handling it: teardown has decided already
            latest = value;
            pending = true;
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
        if (delivering) {
          const part = opts.processedPart?.(current as T);
          if (part !== undefined) {
            latest = part;
            pending = true;
          }
        }
        flush();
      };
    });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * A failure after the stream ended has no subscriber left to tell. RxJS's own answer (throw it
 * from a timer) would crash the process from a teardown; a warning reports it without that.
 */
function reportUnhandled(err: unknown): void {
  const handler = config.onUnhandledError;
  if (handler) handler(err);
  // A string, not the error: emitWarning rejects Errors of another realm (vm contexts, jest).
  else process.emitWarning(`a commit failed after the stream ended: ${describe(err)}`, { type: 'LanceCommitWarning' });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
