import { type OperatorFunction, concatMap } from 'rxjs';
import type { ConsumedRecord } from './consumed-record.js';
import type { RecordBatch } from './record-batch.js';

/**
 * Flattens batches into records, for record-level pipelines:
 * `lance.topic$(1).pipe(toRecords(), filter((r) => r.type === RecordType.JSON), map((r) => r.text()))`.
 * An array inner completes synchronously, so this keeps the pull loop's backpressure: the next
 * Fetch still waits until every record of the batch went through.
 */
export function toRecords(): OperatorFunction<RecordBatch, ConsumedRecord> {
  return concatMap((batch) => batch.records);
}
