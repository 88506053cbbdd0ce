/**
 * Pacing for firehose pipelines. RxJS has no backpressure and a producer's `next()` never blocks, so
 * a synchronous source (`range(0, 1e6)`) would overrun `bufferMemory` and get records rejected.
 * `whenRoom` completes at once while the producer holds less than `maxBufferedBytes`, else on the
 * first outcome that brings it back under half of that — use it between chunks of a pull source.
 *
 * @example
 * range(0, 1000).pipe(
 *   concatMap((chunk) => whenRoom(producer, 8 << 20).pipe(tap(() => sendChunk(chunk)))),
 * ).subscribe();
 */
import { type Observable, defer, filter, map, of, take } from 'rxjs';
import type { RxProducer } from './create-producer.js';

export function whenRoom(
  producer: Pick<RxProducer, 'acks$' | 'bufferedBytes'>,
  maxBufferedBytes: number,
): Observable<void> {
  return defer(() =>
    producer.bufferedBytes < maxBufferedBytes
      ? of(undefined)
      : producer.acks$.pipe(
          filter(() => producer.bufferedBytes < maxBufferedBytes / 2),
          take(1),
          map(() => undefined),
        ),
  );
}
