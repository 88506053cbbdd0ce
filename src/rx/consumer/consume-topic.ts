/**
 * `consumeTopic` — the consumer engine behind `lance.topic$()`: a cold Observable of record batches
 * for one topic, read with Fetch (the server never pushes, PROTOCOL.md §2.3.13).
 *
 *   stored offset / `from`  →  per session: resolve start, pull loop  →  catchingUp  →  retryWithBackoff  →  autoCommit
 *
 * State lives per subscription (`defer`), in a `TopicReader` that survives retries and reconnects,
 * so a resumed stream continues at the first undelivered record: no gap, no repeat.
 */
import {
  type Observable,
  type SchedulerLike,
  EMPTY,
  asyncScheduler,
  catchError,
  concat,
  defer,
  ignoreElements,
  endWith,
  mergeMap,
  of,
  switchMap,
  takeUntil,
  throwError,
} from 'rxjs';
import { autoCommit } from '../operators/auto-commit.js';
import { catchingUp } from '../operators/catching-up.js';
import { retryWithBackoff } from '../operators/retry-with-backoff.js';
import type { Session } from '../session.js';
import { ClosedError, InvalidArgumentError, LanceError, ServerCatchingUpError } from '../../wire/errors.js';
import { offsetCommitter, resolveConsumerId } from './offset-committer.js';
import {
  type ConsumeOptions,
  DEFAULT_AUTO_COMMIT_INTERVAL_MS,
  DEFAULT_LAG_PROBE_INTERVAL_MS,
  DEFAULT_MAX_FETCH_BYTES,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PREFETCH,
} from './options.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../options.js';
import { processedPrefix } from './batch-progress.js';
import { SILENT_LOGGER } from '../logger.js';
import { pullLoop } from './pull-loop.js';
import type { RecordBatch } from './record-batch.js';
import { SeekPosition, toSeekPosition } from './seek-position.js';
import { TopicReader } from './topic-reader.js';

/**
 * Consume `topicId` over the sessions of `session$` (one consumer role: big fetches never delay
 * admin requests). Emits non-empty `RecordBatch`es; completes when `session$` has completed and its last session
 * closed cleanly; errors
 * with non-retryable errors, with `ServerCatchingUpError` when the server stays behind the
 * requested offset, and with `InvalidRecordError` when the offset is not on a record boundary.
 *
 * @example
 * consumeTopic(lance.session$('consumer:1'), 1, { offsetStore, consumerName: 'billing' })
 *   .pipe(mergeMap((b) => b.records), filter((r) => r.type === RecordType.JSON))
 *   .subscribe((r) => handle(r.text()));
 */
export function consumeTopic(
  session$: Observable<Session>,
  topicId: number,
  options: ConsumeOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<RecordBatch> {
  const start = toSeekPosition(options.from, SeekPosition.BEGINNING);
  const consumerId = resolveConsumerId(options.consumerId, options.consumerName);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const autoCommitMs = options.autoCommitIntervalMs ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS;
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  if (prefetch !== 0 && prefetch !== 1) throw new InvalidArgumentError(`prefetch must be 0 or 1, got ${String(prefetch)}`);
  const logger = options.logger ?? SILENT_LOGGER;
  const store = options.offsetStore;
  if (store && consumerId === undefined) {
    throw new InvalidArgumentError('an offsetStore needs a consumerId or a consumerName');
  }

  return defer(() => {
    let live: Session | undefined;
    const reader = new TopicReader(
      topicId,
      {
        maxFetchBytes: options.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES,
        requestTimeoutMs,
        maxRecordLength: options.maxRecordLength,
        unwrapCompressed: options.unwrapCompressed,
        lagProbeIntervalMs: options.lagProbeIntervalMs ?? DEFAULT_LAG_PROBE_INTERVAL_MS,
        prefetch,
      },
      scheduler,
    );
    const commit = offsetCommitter(
      { topicId, consumerId, offsetStore: store, serverCommit: options.serverCommit ?? false, requestTimeoutMs },
      () => live,
    );

    const onSession = (session: Session): Observable<RecordBatch> => {
      live = session;
      const resolve = reader.position === undefined ? reader.seekTo(session, start).pipe(ignoreElements()) : EMPTY;
      const loop = pullLoop(reader, session, pollIntervalMs, options.process, scheduler, options.processRetry);
      // The session's end shows on frames$ at once (not only when the next request fails): an
      // error is retried on the next session; `Lance.close()` (ClosedError) ends the loop cleanly,
      // and session$ completes then, so the stream completes and auto-commit flushes.
      const ended = session.frames$.pipe(
        ignoreElements(),
        catchError((err: unknown) => (err instanceof ClosedError ? EMPTY : throwError(() => err))),
        endWith(true),
      );
      return concat(resolve, loop).pipe(takeUntil(ended));
    };

    const batches = defer(() => (store && consumerId !== undefined ? store.load(topicId, consumerId) : of(undefined))).pipe(
      mergeMap((stored) => {
        if (stored !== undefined) reader.seek(stored);
        return session$.pipe(
          // A newer session replaces the current one. Completes once session$ has completed and the
          // last session has closed.
          switchMap(onSession),
          catchingUp<RecordBatch>({
            delayMs: options.catchingUpDelayMs ?? 5_000,
            maxStalls: options.catchingUpMaxStalls ?? 3,
            onCatchingUp: ({ serverOffset, stalls }) =>
              logger.warn('lnc-client: server is behind the requested offset (CatchingUp), waiting', { topicId, serverOffset: String(serverOffset), stalls }),
            scheduler,
          }),
          retryWithBackoff<RecordBatch>({ ...options.backoff, shouldRetry: retryable, scheduler }),
        );
      }),
    );
    if (!commit || autoCommitMs === false) return batches;
    return batches.pipe(
      autoCommit((b: RecordBatch) => {
        logger.debug('lnc-client: committing offset', { topicId, offset: String(b.endOffset) });
        return commit(b.endOffset);
      }, {
        intervalMs: autoCommitMs,
        scheduler,
        // A batch during whose delivery the stream ended was not (fully) processed: commit only the
        // records `toRecords()` saw handled, if any.
        processedPart: processedPrefix,
        ...(options.onCommitError ? { onError: options.onCommitError } : {}),
      }),
    );
  });
}

/** Retryable LanceErrors, except CatchingUp: once `catchingUp` gives up, waiting longer won't help. */
export function retryable(err: unknown): boolean {
  return err instanceof LanceError && err.isRetryable() && !(err instanceof ServerCatchingUpError);
}
