/**
 * `ConsumerDriver.next$(deadline)`: the read behind `StandaloneConsumer.poll()`, in virtual time.
 * The deadline is checked between fetches, never by cutting one; each fetch of a poll is
 * recovered on its own; `stop()` ends a read at once.
 */
import { type Observable, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConsumerDriver } from '../../src/rx/consumer/consumer-driver';
import type { ConsumeOptions } from '../../src/rx/consumer/options';
import type { RecordBatch } from '../../src/rx/consumer/record-batch';
import { consumerSettings } from '../../src/rx/consumer/settings';
import type { Session } from '../../src/rx/session';
import { ClosedError, ConnectionError } from '../../src/wire/errors';
import type { Frame } from '../../src/wire/frame';
import { type Responder, fakeSession, makeLog, serveLog } from '../consumer/fake-session';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const summary = (b: RecordBatch | null) =>
  b === null ? 'null' : `${b.startOffset}-${b.endOffset}/${b.records.length}`;
const quiet: ConsumeOptions = { lagProbeIntervalMs: false, prefetch: 0, pollIntervalMs: 20 };

function driverOn(ts: TestScheduler, respond: Responder, options: ConsumeOptions = {}) {
  const session = fakeSession(respond, () => ts.now());
  const driver = new ConsumerDriver(of<Session>(session), consumerSettings(1, { ...quiet, ...options }), ts);
  driver.seek(0n);
  return { session, driver, poll: (deadline: number): Observable<string> => driver.next$(deadline).pipe(map(summary)) };
}

describe('ConsumerDriver.next$ (a poll)', () => {
  it('on an empty topic polls every pollIntervalMs, the last wait cut to the deadline, and ends with null after the fetch at the deadline', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { session, poll } = driverOn(
        ts,
        serveLog(
          () => makeLog(0, 10),
          (f) => cold('-(a|)', { a: f }),
        ),
      );
      expectObservable(poll(50)).toBe('51ms (a|)', { a: 'null' });
      ts.flush();
      expect(session.requests.map((r) => r.at)).toEqual([0, 21, 42, 50]);
    });
  });

  it('a fetch in flight at the deadline is not cut: its batch is the answer', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { session, poll } = driverOn(
        ts,
        serveLog(
          () => makeLog(2, 10),
          (f) => cold('30ms (a|)', { a: f }),
        ),
      );
      expectObservable(poll(10)).toBe('30ms (a|)', { a: '0-20/2' });
      ts.flush();
      expect(session.requests).toHaveLength(1);
    });
  });

  it('the next poll continues after the batch handed out', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { session, driver, poll } = driverOn(
        ts,
        serveLog(
          () => makeLog(3, 10),
          (f) => cold('-(a|)', { a: f }),
        ),
        { maxFetchBytes: 20 },
      );
      expectObservable(poll(Infinity)).toBe('-(a|)', { a: '0-20/2' });
      expectObservable(poll(Infinity), '5ms ^').toBe('6ms (a|)', { a: '20-30/1' });
      ts.flush();
      expect(session.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [5, 20n],
      ]);
      expect(driver.position).toBe(30n);
    });
  });

  it('restarts the backoff after every fetch that succeeded, as each step of a poll did', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const serve = serveLog(
        () => makeLog(0, 10),
        (f) => cold('-(a|)', { a: f }),
      );
      const reset = (): Observable<Frame> => cold<Frame>('-#', undefined, new ConnectionError('reset'));
      // fail, empty, fail, empty: both failures are a first attempt (10 ms), not 10 then 20.
      const { session, poll } = driverOn(ts, (req, i) => (i === 0 || i === 2 ? reset() : serve(req, i)), {
        backoff: { baseMs: 10, maxMs: 1000, random: () => 1 },
      });
      expectObservable(poll(40)).toBe('44ms (a|)', { a: 'null' });
      ts.flush();
      expect(session.requests.map((r) => r.at)).toEqual([0, 11, 32, 43]);
    });
  });

  it('stop() ends a poll in flight and any later one with ClosedError', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { driver, poll } = driverOn(
        ts,
        serveLog(
          () => makeLog(0, 10),
          (f) => cold('-(a|)', { a: f }),
        ),
      );
      ts.schedule(() => driver.stop(), 5);
      expectObservable(poll(Infinity)).toBe('5ms #', undefined, expect.any(ClosedError));
      expectObservable(poll(Infinity), '10ms ^').toBe('10ms #', undefined, expect.any(ClosedError));
    });
  });
});
