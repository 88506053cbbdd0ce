/**
 * `consumeTopic` — the Rx face of the consumer driver, behind `lance.topic$()`: a cold Observable
 * of record batches for one topic, read with Fetch (the server never pushes, PROTOCOL.md §2.3.13).
 *
 *   stored offset / `from`  →  the driver's batches (pull loop, catchingUp, retryWithBackoff)  →  autoCommit
 *
 * State lives per subscription (`defer`), in a `ConsumerDriver` whose cursor survives retries and
 * reconnects, so a resumed stream continues at the first undelivered record: no gap, no repeat.
 */
import { type Observable, type SchedulerLike, asyncScheduler, defer, mergeMap } from 'rxjs';
import { autoCommit } from '../operators/auto-commit.js';
import type { Session } from '../session.js';
import { processedPrefix } from './batch-progress.js';
import { ConsumerDriver } from './consumer-driver.js';
import type { ConsumeOptions } from './options.js';
import type { RecordBatch } from './record-batch.js';
import { consumerSettings } from './settings.js';

/**
 * Consume `topicId` over the sessions of `session$` (one consumer role: big fetches never delay
 * admin requests). Emits non-empty `RecordBatch`es; completes when `session$` has completed and its
 * last session closed cleanly; errors with non-retryable errors, with `ServerCatchingUpError` when
 * the server stays behind the requested offset, and with `InvalidRecordError` when the offset is
 * not on a record boundary.
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
  const settings = consumerSettings(topicId, options);
  const { autoCommitIntervalMs, logger, onCommitError } = settings;
  return defer(() => {
    const driver = new ConsumerDriver(session$, settings, scheduler);
    const batches = driver.restore$().pipe(mergeMap(() => driver.batches$()));
    const commit = driver.commit;
    if (!commit || autoCommitIntervalMs === false) return batches;
    return batches.pipe(
      autoCommit(
        (b: RecordBatch) => {
          logger.debug('lnc-client: committing offset', { topicId, offset: String(b.endOffset) });
          return commit(b.endOffset);
        },
        {
          intervalMs: autoCommitIntervalMs,
          scheduler,
          // A batch during whose delivery the stream ended was not (fully) processed: commit only the
          // records `toRecords()` saw handled, if any.
          processedPart: processedPrefix,
          ...(onCommitError ? { onError: onCommitError } : {}),
        },
      ),
    );
  });
}
