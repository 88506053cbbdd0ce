/**
 * How far user code got into a batch whose delivery was cut short. `toRecords()` notes, per batch,
 * how many records it handed on and saw returned; when an error downstream ends the stream in the
 * middle of a batch, the committer commits that processed prefix (up to its last record's
 * `nextOffset`) instead of the whole batch or nothing.
 *
 * A WeakMap, not a field: batches are plain values handed to user code, and an entry dies with its
 * batch. One entry per batch, one integer write per record.
 */
import type { RecordBatch } from './record-batch.js';

export interface BatchProgress {
  /** Records of the batch handed on whose handling returned without ending the stream. */
  handled: number;
}

const progress = new WeakMap<RecordBatch, BatchProgress>();

/** The progress record of `batch`, created at 0 handled. */
export function trackProgress(batch: RecordBatch): BatchProgress {
  const p: BatchProgress = { handled: 0 };
  progress.set(batch, p);
  return p;
}

/** The records of `batch` known to be processed, as a batch, or `undefined` when none is known. */
export function processedPrefix(batch: RecordBatch): RecordBatch | undefined {
  const n = progress.get(batch)?.handled ?? 0;
  if (n === 0) return undefined;
  if (n >= batch.records.length) return batch;
  const records = batch.records.slice(0, n);
  return { ...batch, records, endOffset: records[n - 1]!.nextOffset };
}
