import { ReplaySubject, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { consumeTopic } from '../../src/rx/consumer/consume-topic';
import type { ConsumeOptions } from '../../src/rx/consumer/options';
import type { RecordBatch } from '../../src/rx/consumer/record-batch';
import type { Session } from '../../src/rx/session';
import { ConnectionError, ServerCatchingUpError } from '../../src/wire/errors';
import type { Frame } from '../../src/wire/frame';
import { catchingUpReply, fakeSession, makeLog, serveLog } from '../consumer/fake-session';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const summary = (b: RecordBatch) => `${b.startOffset}-${b.endOffset}/${b.records.length}`;
const base: ConsumeOptions = {
  lagProbeIntervalMs: false,
  catchingUpDelayMs: 10,
  backoff: { baseMs: 10, maxMs: 40, random: () => 1 },
  pollIntervalMs: 1000,
};

describe('consumeTopic recovery', () => {
  it('waits after CatchingUp and surfaces ServerCatchingUpError when the server offset never grows', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const session = fakeSession(
        () => cold('-(a|)', { a: catchingUpReply(30n) }),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...base, from: 50n });
      expectObservable(out).toBe('- 10ms - 10ms -#', undefined, expect.any(ServerCatchingUpError));
      ts.flush();
      expect(session.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 50n],
        [11, 50n],
        [22, 50n],
      ]);
    });
  });

  it('fetches again after the CatchingUp delay and goes on once the server has caught up', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      let log = makeLog(2, 10);
      ts.schedule(() => (log = makeLog(4, 10)), 15);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...base, from: 30n }).pipe(map(summary));
      expectObservable(out, '^ 30ms !').toBe('23ms a', { a: '30-40/1' });
    });
  });

  it('backs off after a retryable error and resumes at the first undelivered record: no gap, no repeat', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(3, 10);
      const serve = serveLog(
        () => log,
        (f) => cold('-(a|)', { a: f }),
      );
      const reset = new ConnectionError('reset');
      const session = fakeSession(
        (req, i) => (i === 1 ? cold<Frame>('-#', undefined, reset) : serve(req, i)),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...base, maxFetchBytes: 15 }).pipe(map(summary));
      // 0..15 → rec 0 + 5 tail bytes; fetch from 15 fails at 2; 10 ms backoff; the retry drops the
      // tail and fetches from 10 (the first undelivered record).
      expectObservable(out, '^ 30ms !').toBe('-a 10ms -bc', { a: '0-10/1', b: '10-20/1', c: '20-30/1' });
      ts.flush();
      expect(session.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [1, 15n],
        [12, 10n],
        [13, 25n],
        [14, 30n],
      ]);
    });
  });

  it('moves to the next session when the socket dies, from the last delivered offset', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const log = makeLog(4, 10);
      const serve = serveLog(
        () => log,
        (f) => cold('--(a|)', { a: f }),
      );
      const dies = hot<Frame>('---#', undefined, new ConnectionError('reset by peer'));
      const s1 = fakeSession(serve, () => ts.now(), { epoch: 1, frames$: dies });
      const s2 = fakeSession(serve, () => ts.now(), { epoch: 2 });
      const sessions = new ReplaySubject<Session>(1);
      sessions.next(s1);
      ts.schedule(() => sessions.next(s2), 8);
      const out = consumeTopic(sessions, 1, { ...base, maxFetchBytes: 20 }).pipe(map(summary));
      // s1: 0..20 → a at 2; the fetch from 20 sent at 2 is cut off by the death at 3; after the
      // 10 ms backoff session$ gives s2, which fetches from 20.
      expectObservable(out, '^ 30ms !').toBe('--a 12ms b', { a: '0-20/2', b: '20-40/2' });
      ts.flush();
      expect(s1.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [2, 20n],
      ]);
      expect(s2.requests.map((r) => [r.at, r.offset])).toEqual([
        [13, 20n],
        [15, 40n],
      ]);
    });
  });

  it('does not retry ServerCatchingUpError once catchingUp gave up, nor non-Lance errors', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const boom = new Error('bug in process()');
      const log = makeLog(1, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...base, process: () => cold('-#', undefined, boom) });
      expectObservable(out).toBe('--#', undefined, expect.objectContaining({ name: 'ProcessError', cause: boom }));
    });
  });
});
