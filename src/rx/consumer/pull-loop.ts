import { type Observable, type ObservableInput, type SchedulerLike, EMPTY, concat, concatMap, defer, from, ignoreElements, of, repeat, tap, timer } from 'rxjs';
import type { Session } from '../session.js';
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
  process: ((batch: RecordBatch) => ObservableInput<unknown>) | undefined,
  scheduler: SchedulerLike,
): Observable<RecordBatch> {
  return defer(() => {
    let caughtUp = false;
    const deliver = (batch: RecordBatch): Observable<RecordBatch> => {
      const handled = process ? concat(from(process(batch)).pipe(ignoreElements()), of(batch)) : of(batch);
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
