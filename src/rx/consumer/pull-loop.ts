import { type Observable, type SchedulerLike, EMPTY, catchError, concat, concatMap, defer, from, ignoreElements, of, repeat, tap, throwError, timer } from 'rxjs';
import { ProcessError } from '../../wire/errors.js';
import { retryWithBackoff } from '../operators/retry-with-backoff.js';
import type { Session } from '../session.js';
import type { ProcessFn, ProcessRetryOptions } from './options.js';
import type { RecordBatch } from './record-batch.js';
import type { TopicReader } from './topic-reader.js';

/**
 * Fetch, deliver, fetch again — on one session, forever. The next Fetch is sent only once the
 * previous batch has been handled: the step completes after the subscriber's `next` returned (and
 * after `process` completed, when given), and only then does `repeat` resubscribe. A slow consumer
 * therefore slows fetching instead of filling memory (RX-NOTES §1.3–1.4). After an empty fetch it
 * waits `pollIntervalMs`; after data it fetches again at once (no timer: a 0 ms timer costs ≥1 ms
 * per fetch in Node).
 */
export function pullLoop(
  reader: TopicReader,
  session: Session,
  pollIntervalMs: number,
  process: ProcessFn | undefined,
  scheduler: SchedulerLike,
  processRetry?: ProcessRetryOptions,
): Observable<RecordBatch> {
  return defer(() => {
    let caughtUp = false;
    const deliver = (batch: RecordBatch): Observable<RecordBatch> => {
      const handled = process ? concat(runProcess(process, batch, scheduler, processRetry), of(batch)) : of(batch);
      // Mark delivery just before the value goes downstream, never before `process` is done.
      return handled.pipe(tap((b) => reader.delivered(b)));
    };
    return reader.step(session).pipe(
      concatMap((r) => {
        caughtUp = r.caughtUp;
        return r.batch ? deliver(r.batch) : EMPTY;
      }),
      repeat({ delay: () => (caughtUp ? timer(pollIntervalMs, scheduler) : of(0)) }),
    );
  });
}

/**
 * `process(batch)`, retried in place only if the user asked for it, and failing with a
 * `ProcessError` (never retryable) so that the connection's retry policy, which would re-fetch
 * and re-run it forever, cannot mistake the user's error for its own.
 */
function runProcess(process: ProcessFn, batch: RecordBatch, scheduler: SchedulerLike, retry: ProcessRetryOptions | undefined): Observable<never> {
  const once = defer(() => from(process(batch))).pipe(ignoreElements());
  const tried = retry && (retry.maxRetries ?? 0) > 0 ? once.pipe(retryWithBackoff({ ...retry, shouldRetry: () => true, scheduler })) : once;
  return tried.pipe(
    catchError((err: unknown) =>
      throwError(
        () =>
          new ProcessError(
            `process failed on the batch of topic ${batch.topicId} at offset ${batch.startOffset} (${batch.records.length} records): ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          ),
      ),
    ),
  );
}
