import { type OperatorFunction, type SchedulerLike, type Subscription, Observable, asyncScheduler } from 'rxjs';
import { InvalidArgumentError } from '../../wire/errors.js';

export interface BatchRecordsOptions<T> {
  /** A batch is emitted this long after its FIRST record, if nothing else closed it before. */
  readonly lingerMs: number;
  /** A batch is emitted as soon as it holds this many records. Default: no limit. */
  readonly maxCount?: number;
  /**
   * Byte budget of a batch, as measured by `sizeOf` (required with it). A record that would push the
   * batch past it starts a new batch; a batch is emitted as soon as it is exactly full; a record
   * bigger than the budget goes alone. Default: no limit.
   */
  readonly maxBytes?: number;
  readonly sizeOf?: (record: T) => number;
  /** Each emission flushes the partial batch now (an awaited send need not wait out the linger). */
  readonly flushWhen?: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
}

/**
 * Groups a producer's records into batches (arrays, never empty), closed by count, by bytes, or
 * `lingerMs` after the batch's first record. `bufferTime(linger, null, max)` + `filter`
 * (RX-NOTES §1.5) made byte-aware, without idle ticks (the linger timer exists only while a batch is open).
 *
 * On complete the partial batch is emitted, then completion. On error the partial batch is also
 * emitted before the error (where `bufferTime` drops it): the records were accepted from the caller,
 * and emitting them lets the producer send or fail each one explicitly instead of losing them
 * silently.
 *
 * Hot path: per record one `sizeOf` call, a few comparisons and an array push; one timer per batch.
 *
 * @example
 * records$.pipe(batchRecords({ lingerMs: 5, maxBytes: 1 << 20, sizeOf: (r) => r.byteLength }));
 */
export function batchRecords<T>(opts: BatchRecordsOptions<T>): OperatorFunction<T, T[]> {
  const { lingerMs, maxCount = Infinity, maxBytes = Infinity, sizeOf, flushWhen } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  if (!(lingerMs >= 0)) throw new InvalidArgumentError(`batchRecords: lingerMs must be >= 0, got ${lingerMs}`);
  if (!(maxCount >= 1)) throw new InvalidArgumentError(`batchRecords: maxCount must be >= 1, got ${maxCount}`);
  if (!(maxBytes > 0)) throw new InvalidArgumentError(`batchRecords: maxBytes must be > 0, got ${maxBytes}`);
  if (maxBytes !== Infinity && !sizeOf) throw new InvalidArgumentError('batchRecords: maxBytes needs sizeOf');
  const measure = maxBytes === Infinity ? undefined : sizeOf;

  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let bytes = 0;
      let linger: Subscription | undefined;

      const emit = (): void => {
        linger?.unsubscribe();
        linger = undefined;
        const full = batch;
        // Reset before next(): a synchronous re-entrant send from downstream starts a fresh batch.
        batch = [];
        bytes = 0;
        subscriber.next(full);
      };
      const flushPartial = (): void => {
        if (batch.length > 0) emit();
      };
      const fail = (err: unknown): void => {
        flushPartial();
        subscriber.error(err);
      };

      if (flushWhen) subscriber.add(flushWhen.subscribe({ next: flushPartial, error: fail }));
      subscriber.add(
        source.subscribe({
          next: (record) => {
            const size = measure ? measure(record) : 0;
            if (bytes + size > maxBytes && batch.length > 0) emit();
            batch.push(record);
            bytes += size;
            if (batch.length >= maxCount || bytes >= maxBytes) emit();
            else if (batch.length === 1) linger = scheduler.schedule(emit, lingerMs);
          },
          complete: () => {
            flushPartial();
            subscriber.complete();
          },
          error: fail,
        }),
      );
      return () => linger?.unsubscribe();
    });
}
