import {
  type SchedulerLike,
  EMPTY,
  Observable,
  catchError,
  concat,
  concatMap,
  defer,
  from,
  ignoreElements,
  of,
  repeat,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { ProcessError } from '../../wire/errors.js';
import {
  type ConsumeDiagnostic,
  type ProcessDiagnostic,
  consumeChannel,
  processChannel,
  traceSent,
  traceSettled,
  traced,
} from '../diagnostics.js';
import { retryWithBackoff } from '../operators/retry-with-backoff.js';
import type { Session } from '../session.js';
import type { ProcessFn, ProcessRetryOptions } from './options.js';
import type { RecordBatch } from './record-batch.js';
import type { TopicReader } from './topic-reader.js';

export interface PullPace {
  /** Wait before fetching again after an empty fetch (caught up). */
  readonly pollIntervalMs: number;
  /**
   * Scheduler time from which a step that brought no batch ends the loop (it completes) instead of
   * fetching again: a `poll()`'s deadline. A fetch in flight is never cut by it. `Infinity`: never.
   */
  readonly deadline: number;
  readonly process: ProcessFn | undefined;
  readonly processRetry: ProcessRetryOptions | undefined;
}

/** Emitted after a fetch that completed no record: it succeeded, with nothing to deliver. */
export const NO_BATCH: unique symbol = Symbol('no batch');

/**
 * Fetch, deliver, fetch again — on one session, until the deadline. The next Fetch is sent only
 * once the previous batch has been handled: the step completes after the subscriber's `next`
 * returned (and after `process` completed, when given), and only then does `repeat` resubscribe. A
 * slow consumer therefore slows fetching instead of filling memory (RX-NOTES §1.3–1.4). After an
 * empty fetch it waits `pollIntervalMs` (no longer than the deadline); after data it fetches again
 * at once (no timer: a 0 ms timer costs ≥1 ms per fetch in Node). A fetch that brought no batch
 * emits `NO_BATCH`, so a caller can tell a live loop from a stuck one.
 */
export function pullLoop(
  reader: TopicReader,
  session: Session,
  pace: PullPace,
  scheduler: SchedulerLike,
): Observable<RecordBatch | typeof NO_BATCH> {
  const { pollIntervalMs, deadline, process, processRetry } = pace;
  return defer(() => {
    let caughtUp = false;
    let expired = false;
    const deliver = (batch: RecordBatch): Observable<RecordBatch> => {
      if (consumeChannel.hasSubscribers) consumeChannel.publish(consumed(batch, session.address));
      const tracing = processChannel.hasSubscribers;
      const handled = process
        ? concat(
            traceIf(tracing, runProcess(process, batch, scheduler, processRetry), batch, session.address),
            of(batch),
          )
        : tracing
          ? tracedDelivery(batch, session.address)
          : of(batch);
      // Mark delivery just before the value goes downstream, never before `process` is done.
      return handled.pipe(tap((b) => reader.delivered(b)));
    };
    const again = (): Observable<unknown> => {
      if (expired) return EMPTY; // repeat completes
      return caughtUp ? timer(Math.min(pollIntervalMs, deadline - scheduler.now()), scheduler) : of(0);
    };
    return reader.step(session).pipe(
      concatMap((r) => {
        caughtUp = r.caughtUp;
        expired = r.batch === undefined && scheduler.now() >= deadline;
        return r.batch ? deliver(r.batch) : of(NO_BATCH);
      }),
      repeat({ delay: again }),
    );
  });
}

/**
 * `process(batch)`, retried in place only if the user asked for it, and failing with a
 * `ProcessError` (never retryable) so that the connection's retry policy, which would re-fetch
 * and re-run it forever, cannot mistake the user's error for its own.
 */
function runProcess(
  process: ProcessFn,
  batch: RecordBatch,
  scheduler: SchedulerLike,
  retry: ProcessRetryOptions | undefined,
): Observable<never> {
  const once = defer(() => from(process(batch))).pipe(ignoreElements());
  const tried =
    retry && (retry.maxRetries ?? 0) > 0
      ? once.pipe(retryWithBackoff({ ...retry, shouldRetry: () => true, scheduler }))
      : once;
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

function processContext(batch: RecordBatch, server: string): ProcessDiagnostic {
  return {
    topicId: batch.topicId,
    startOffset: batch.startOffset,
    endOffset: batch.endOffset,
    records: batch.records.length,
    server,
  };
}

function consumed(batch: RecordBatch, server: string): ConsumeDiagnostic {
  return {
    topicId: batch.topicId,
    startOffset: batch.startOffset,
    endOffset: batch.endOffset,
    records: batch.records.length,
    bytes: Number(batch.endOffset - batch.startOffset),
    lagBytes: batch.lag,
    server,
  };
}

/** `process`, inside a `lnc-client:process` trace when someone listens. */
function traceIf(on: boolean, run: Observable<never>, batch: RecordBatch, server: string): Observable<never> {
  return on ? run.pipe(traced(processChannel, () => processContext(batch, server))) : run;
}

/**
 * With no `process`, user code is the downstream `next`: it runs inside `subscriber.next`, so the
 * trace spans it. (RxJS turns a throw there into an error downstream, not a throw here: the trace
 * cannot tell it from success.)
 */
function tracedDelivery(batch: RecordBatch, server: string): Observable<RecordBatch> {
  return new Observable<RecordBatch>((subscriber) => {
    const context = processContext(batch, server);
    traceSent(processChannel, context);
    subscriber.next(batch);
    traceSettled(processChannel, context);
    subscriber.complete();
  });
}
