import { type OperatorFunction, Observable } from 'rxjs';
import { trackProgress } from './batch-progress.js';
import type { ConsumedRecord } from './consumed-record.js';
import type { RecordBatch } from './record-batch.js';

/**
 * Flattens batches into records, for record-level pipelines:
 * `lance.topic$(1).pipe(toRecords(), filter((r) => r.type === RecordType.JSON), map((r) => r.text()))`.
 * Records go out synchronously, so this keeps the pull loop's backpressure: the next Fetch still
 * waits until every record of the batch went through.
 *
 * It also tells `topic$`'s auto-commit how far into a batch the pipeline got: when an operator
 * after it throws on a record (or the stream otherwise ends inside a batch), the records before
 * that one are committed and the failed record and the rest are not, so a restart resumes exactly
 * at the failed record.
 */
export function toRecords(): OperatorFunction<RecordBatch, ConsumedRecord> {
  return (source) =>
    new Observable<ConsumedRecord>((subscriber) =>
      source.subscribe({
        next: (batch) => {
          const progress = trackProgress(batch);
          const records = batch.records;
          for (let i = 0; i < records.length; i++) {
            // Set before handing record i on: if handling it ends the stream, teardown (and the
            // final commit) runs inside this `next` call and must see only records 0..i-1 as done.
            progress.handled = i;
            subscriber.next(records[i]!);
            if (subscriber.closed) return;
          }
          progress.handled = records.length;
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
