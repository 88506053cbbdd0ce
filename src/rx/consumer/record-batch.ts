import type { ConsumedRecord } from './consumed-record.js';

/** The complete records of one fetch (plus the record completed from the previous fetch's tail). */
export interface RecordBatch {
  readonly topicId: number;
  /** Never empty: fetches that complete no record are not emitted. */
  readonly records: readonly ConsumedRecord[];
  /** Offset of the first record's header. */
  readonly startOffset: bigint;
  /**
   * Offset just past the last complete record: where the next record starts, and the value to
   * commit once this batch is processed (never mid-record, PROTOCOL.md §4.6 step 3).
   */
  readonly endOffset: bigint;
  /**
   * Bytes between `endOffset` and the topic's end as last probed (Fetch at `u64::MAX`, at most once
   * per `lagProbeIntervalMs`), or `undefined` when no probe has run yet or probing is off.
   */
  readonly lag: bigint | undefined;
}
