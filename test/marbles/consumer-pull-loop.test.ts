import { type Observable, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { consumeTopic } from '../../src/rx/consumer/consume-topic';
import type { ConsumeOptions } from '../../src/rx/consumer/options';
import type { RecordBatch } from '../../src/rx/consumer/record-batch';
import { SeekPosition } from '../../src/rx/consumer/seek-position';
import { toRecords } from '../../src/rx/consumer/to-records';
import type { Session } from '../../src/rx/session';
import { U64_MAX } from '../../src/wire/constants';
import { InvalidArgumentError, InvalidRecordError, TopicNotFoundError } from '../../src/wire/errors';
import type { Frame } from '../../src/wire/frame';
import { fakeSession, makeLog, serveLog } from '../consumer/fake-session';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const summary = (b: RecordBatch) => `${b.startOffset}-${b.endOffset}/${b.records.length}`;
// Prefetch off: these pin the pull loop's own request timing; the prefetch has its own tests below.
const quiet: ConsumeOptions = { lagProbeIntervalMs: false, prefetch: 0 };

describe('consumeTopic pull loop', () => {
  it('fetches again at once after data, carries cut records across fetches, and polls after an empty fetch', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(3, 10); // records at 0, 10, 20
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...quiet, maxFetchBytes: 12, pollIntervalMs: 20 }).pipe(
        map(summary),
      );
      // 0..12 → rec 0; 12..24 → rec 10 (stitched); 24..30 → rec 20 (stitched); 30 → empty → poll.
      expectObservable(out, '^ 60ms !').toBe('-abc', { a: '0-10/1', b: '10-20/1', c: '20-30/1' });
      ts.flush();
      expect(session.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [1, 12n],
        [2, 24n],
        [3, 30n],
        [24, 30n],
        [45, 30n],
      ]);
    });
  });

  it('a record larger than maxFetchBytes grows the next Fetch to what completes it, then max_bytes falls back', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      // 10 | 1000 | 10 | 10 bytes: the 1000-byte record is 60 times maxFetchBytes.
      const log = new Uint8Array([...makeLog(1, 10), ...makeLog(1, 1000), ...makeLog(2, 10)]);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...quiet, maxFetchBytes: 16, pollIntervalMs: 20 }).pipe(
        map(summary),
      );
      // 0..16 → rec 0 and 6 bytes of the big record, header included (1000 bytes); 16..1010 completes
      // it in one Fetch of the 994 missing bytes; then 16-byte fetches again (the last record is
      // stitched as usual: 4 missing bytes are below maxFetchBytes).
      expectObservable(out, '^ 10ms !').toBe('-abcd', {
        a: '0-10/1',
        b: '10-1010/1',
        c: '1010-1020/1',
        d: '1020-1030/1',
      });
      ts.flush();
      expect(session.requests.slice(0, 4).map((r) => [r.offset, r.maxBytes])).toEqual([
        [0n, 16],
        [16n, 994],
        [1010n, 16],
        [1026n, 16],
      ]);
    });
  });

  it('a record cut inside its 5-byte header: the next Fetch is the normal size (its length is unknown yet)', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = new Uint8Array([...makeLog(1, 10), ...makeLog(1, 1000)]);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const sub = consumeTopic(of<Session>(session), 1, {
        ...quiet,
        maxFetchBytes: 12 - 2 + 3,
        pollIntervalMs: 20,
      }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 10);
      ts.flush();
      // 0..13 holds 3 header bytes of the big record; 13..26 reveals its length; then 987 at once.
      expect(session.requests.slice(0, 3).map((r) => [r.offset, r.maxBytes])).toEqual([
        [0n, 13],
        [13n, 13],
        [26n, 984],
      ]);
    });
  });

  it('sends the next Fetch only after the subscriber has handled the previous batch', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(50, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const seen: number[] = [];
      const sub = consumeTopic(of<Session>(session), 1, {
        ...quiet,
        maxFetchBytes: 100,
        pollIntervalMs: 1000,
      }).subscribe((b) => {
        // Nothing was prefetched behind this batch's back: only the request that brought it.
        seen.push(session.requests.length);
        expect(b.records).toHaveLength(10);
      });
      ts.schedule(() => sub.unsubscribe(), 100);
      ts.flush();
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    });
  });

  it('with `process`, waits for the async work before fetching again and before emitting', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(3, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, {
        ...quiet,
        maxFetchBytes: 10,
        pollIntervalMs: 1000,
        process: () => cold('---|'),
      }).pipe(map(summary));
      expectObservable(out, '^ 20ms !').toBe('----a---b---c', { a: '0-10/1', b: '10-20/1', c: '20-30/1' });
      ts.flush();
      expect(session.requests.map((r) => r.at)).toEqual([0, 4, 8, 12]);
    });
  });

  it('resolves END with a Fetch at the u64::MAX sentinel, then reads only what comes after', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      let log = makeLog(2, 10);
      ts.schedule(() => (log = makeLog(3, 10)), 5);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...quiet, from: SeekPosition.END, pollIntervalMs: 4 }).pipe(
        map(summary),
      );
      expectObservable(out, '^ 12ms !').toBe('-------a', { a: '20-30/1' });
      ts.flush();
      expect(session.requests.map((r) => r.offset)).toEqual([U64_MAX, 20n, 20n, 30n, 30n]);
    });
  });

  it('starts at a given offset', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(3, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...quiet, from: 10n }).pipe(map(summary));
      expectObservable(out, '^ 5ms !').toBe('-a', { a: '10-30/2' });
    });
  });

  it('reports lag from a tail probe, at most once per lagProbeIntervalMs', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(6, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, {
        maxFetchBytes: 20,
        lagProbeIntervalMs: 3,
        pollIntervalMs: 100,
        prefetch: 0,
      }).pipe(map((b) => `${b.endOffset}:${b.lag}`));
      // fetch 0 (t0) + first probe (t1) → a at 2; then b at 3 and c at 4 with lag from that probe
      // (not due again before t5); the empty fetch at t5 tells the end without a probe.
      expectObservable(out, '^ 8ms !').toBe('--abc', { a: '20:40', b: '40:20', c: '60:0' });
      ts.flush();
      expect(session.requests.map((r) => r.offset)).toEqual([0n, U64_MAX, 20n, 40n, 60n]);
    });
  });

  it('surfaces a misaligned offset as InvalidRecordError without retrying', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(3, 10);
      log.set([1, 0xff, 0xff, 0xff, 0x7f], 10); // a record declaring ~2 GiB
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, { ...quiet, maxFetchBytes: 10 }).pipe(map(summary));
      expectObservable(out).toBe('-a#', { a: '0-10/1' }, expect.any(InvalidRecordError));
    });
  });

  it('surfaces non-retryable server errors at once', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const missing = new TopicNotFoundError('Topic 9 not found');
      const session = fakeSession(
        () => cold('-#', undefined, missing),
        () => ts.now(),
      );
      expectObservable(consumeTopic(of<Session>(session), 9, quiet)).toBe('-#', undefined, missing);
    });
  });

  it('completes when session$ has completed and its session closed (the client closed)', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const log = makeLog(1, 10);
      const frames$ = hot<Frame>('----|');
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
        { frames$ },
      );
      const sessions = hot<Session>('s--|', { s: session });
      expectObservable(consumeTopic(sessions, 1, quiet).pipe(map(summary))).toBe('-a--|', { a: '0-10/1' });
    });
  });

  it('emits nothing and sends nothing before subscription (cold)', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const session = fakeSession(
        () => cold<Frame>('-#'),
        () => ts.now(),
      );
      consumeTopic(of<Session>(session), 1, quiet);
      ts.flush();
      expect(session.requests).toHaveLength(0);
    });
  });

  it('uses a session that arrives later', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const log = makeLog(1, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const sessions: Observable<Session> = hot('---s', { s: session });
      expectObservable(consumeTopic(sessions, 1, quiet).pipe(map(summary)), '^ 8ms !').toBe('----a', { a: '0-10/1' });
    });
  });
});

describe('consumeTopic prefetch', () => {
  it('a full reply sends the next Fetch at once, so it is on the wire while the batch is processed; never more than one ahead', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(6, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const out = consumeTopic(of<Session>(session), 1, {
        lagProbeIntervalMs: false,
        maxFetchBytes: 20,
        pollIntervalMs: 100,
        process: () => cold('----|'),
      }).pipe(map(summary));
      // 0-20 arrives at 1 and the Fetch from 20 leaves then; process ends at 5, and the next step
      // takes the reply that came at 2 (no round trip), sending the Fetch from 40 at 5, and so on.
      expectObservable(out, '^ 20ms !').toBe('----- a 3ms b 3ms c', { a: '0-20/2', b: '20-40/2', c: '40-60/2' });
      ts.flush();
      expect(session.requests.map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [1, 20n],
        [5, 40n],
        [9, 60n], // full reply for 40-60: one more ahead, which finds the end
      ]);
    });
  });

  it('prefetch: 0 sends the next Fetch only once the batch was processed', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(4, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const sub = consumeTopic(of<Session>(session), 1, {
        lagProbeIntervalMs: false,
        maxFetchBytes: 20,
        pollIntervalMs: 100,
        prefetch: 0,
        process: () => cold('----|'),
      }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 12);
      ts.flush();
      expect(session.requests.slice(0, 3).map((r) => [r.at, r.offset])).toEqual([
        [0, 0n],
        [5, 20n],
        [10, 40n],
      ]);
    });
  });

  it('refuses a prefetch other than 0 or 1', () => {
    expect(() => consumeTopic(of<Session>(), 1, { prefetch: 2 as 1 }).subscribe()).toThrow(InvalidArgumentError);
  });
});

describe('toRecords', () => {
  it('flattens batches without breaking the pull loop backpressure', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(3, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const seen: string[] = [];
      const sub = consumeTopic(of<Session>(session), 1, { ...quiet, maxFetchBytes: 20 })
        .pipe(toRecords())
        .subscribe((r) => seen.push(`${ts.now()}:${r.offset}:${r.text().slice(0, 1)}:${session.requests.length}`));
      ts.schedule(() => sub.unsubscribe(), 4);
      ts.flush();
      // time:offset:value:requests sent so far — records 0 and 10 came in one fetch, no prefetch.
      expect(seen).toEqual(['1:0:0:1', '1:10:1:1', '2:20:2:2']);
    });
  });
});
