import { map, of, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { consumeTopic } from '../../src/rx/consumer/consume-topic';
import type { ConsumeOptions } from '../../src/rx/consumer/options';
import type { RecordBatch } from '../../src/rx/consumer/record-batch';
import type { OffsetStore } from '../../src/offsets/offset-store';
import { consumerIdFromName } from '../../src/offsets/consumer-id';
import type { Session } from '../../src/rx/session';
import { Command } from '../../src/wire/constants';
import type { Frame } from '../../src/wire/frame';
import { decodeCommitOffset } from '../../src/wire/payloads/subscription';
import { toRecords } from '../../src/rx/consumer/to-records';
import { ConnectionError, ProcessError } from '../../src/wire/errors';
import { fakeSession, makeLog, serveLog, thenable } from '../consumer/fake-session';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const summary = (b: RecordBatch) => `${b.startOffset}-${b.endOffset}/${b.records.length}`;

/** A store whose calls happen in virtual time; `saves` logs [time, offset]. */
function fakeStore(now: () => number, stored?: bigint) {
  const saves: [number, bigint][] = [];
  const loads: [number, bigint][] = [];
  const store: OffsetStore = {
    load: (topicId, consumerId) => {
      loads.push([topicId, consumerId]);
      return thenable(of(stored));
    },
    save: (_t, _c, offset) => {
      saves.push([now(), offset]);
      return thenable(of(undefined));
    },
    close: () => thenable(of(undefined)),
  };
  return { store, saves, loads };
}

const opts = (store: OffsetStore, extra: ConsumeOptions = {}): ConsumeOptions => ({
  lagProbeIntervalMs: false,
  prefetch: 0,
  offsetStore: store,
  consumerName: 'billing',
  autoCommitIntervalMs: 50,
  pollIntervalMs: 30,
  ...extra,
});

describe('consumeTopic commits', () => {
  it('commits the delivered end offset at most once per interval and flushes the last one on unsubscribe', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      let log = makeLog(3, 10);
      ts.schedule(() => (log = makeLog(4, 10)), 70);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const out = consumeTopic(of<Session>(session), 1, opts(store, { maxFetchBytes: 10 })).pipe(map(summary));
      // batches at 1, 2, 3; empty fetches at 4, 35, 66; the poll at 96 finds record 30-40 at 97.
      expectObservable(out, '^ 120ms !').toBe('-abc 93ms d', { a: '0-10/1', b: '10-20/1', c: '20-30/1', d: '30-40/1' });
      ts.flush();
      // auditTime window opened at 1 → commit at 51; the window opened at 97 is cut by the
      // unsubscribe at 121, which flushes 40 (plain auditTime would drop it).
      expect(saves).toEqual([
        [51, 30n],
        [121, 40n],
      ]);
    });
  });

  it('flushes at once when the stream completes', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot }) => {
      const log = makeLog(2, 10);
      const frames$ = hot<Frame>('-----|');
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
        { frames$ },
      );
      const { store, saves } = fakeStore(() => ts.now());
      consumeTopic(hot<Session>('s-|', { s: session }), 1, opts(store)).subscribe();
      ts.flush();
      expect(saves).toEqual([[5, 20n]]);
    });
  });

  it('starts at the stored offset, which wins over `from`', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(4, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, loads } = fakeStore(() => ts.now(), 20n);
      const out = consumeTopic(of<Session>(session), 7, opts(store, { from: 0n })).pipe(map(summary));
      expectObservable(out, '^ 5ms !').toBe('-a', { a: '20-40/2' });
      ts.flush();
      expect(loads).toEqual([[7, consumerIdFromName('billing')]]);
    });
  });

  it('with serverCommit, also sends CommitOffset (reply errors ignored)', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(2, 10);
      const serve = serveLog(
        () => log,
        (f) => cold('-(a|)', { a: f }),
      );
      const session = fakeSession(
        (req, i) =>
          req.command === Command.COMMIT_OFFSET ? cold<Frame>('-#', undefined, new Error('ignored')) : serve(req, i),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const sub = consumeTopic(of<Session>(session), 3, opts(store, { serverCommit: true })).subscribe();
      ts.schedule(() => sub.unsubscribe(), 60);
      ts.flush();
      const commits = session.requests.filter((r) => r.command === Command.COMMIT_OFFSET);
      expect(commits.map((r) => [r.at, decodeCommitOffset(r.payload)])).toEqual([
        [51, { topicId: 3, consumerId: consumerIdFromName('billing'), offset: 20n }],
      ]);
      expect(saves).toEqual([[51, 20n]]);
    });
  });

  it('commits nothing automatically with autoCommitIntervalMs: false', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(2, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const sub = consumeTopic(of<Session>(session), 1, opts(store, { autoCommitIntervalMs: false })).subscribe();
      ts.schedule(() => sub.unsubscribe(), 200);
      ts.flush();
      expect(saves).toEqual([]);
    });
  });

  it('commits only batches whose `process` completed', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(2, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const sub = consumeTopic(
        of<Session>(session),
        1,
        opts(store, { maxFetchBytes: 10, process: () => cold('----|') }),
      ).subscribe();
      // batch 0-10 processed at 5; batch 10-20 fetched at 6, still processing at 8.
      ts.schedule(() => sub.unsubscribe(), 8);
      ts.flush();
      expect(saves).toEqual([[8, 10n]]);
    });
  });

  it('never commits a batch on which an operator after topic$ threw; teardown flushes the batch before it', () => {
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
      const { store, saves } = fakeStore(() => ts.now());
      const errors: unknown[] = [];
      consumeTopic(of<Session>(session), 1, opts(store, { maxFetchBytes: 10 }))
        .pipe(
          tap((b) => {
            if (b.startOffset === 10n) throw new Error('bad batch');
          }),
        )
        .subscribe({ error: (e) => errors.push(e) });
      ts.flush();
      expect(errors).toHaveLength(1);
      expect(saves).toEqual([[2, 10n]]); // batch 0-10 handled; 10-20 threw at 2 and is not covered
    });
  });

  it('with toRecords(), a throw on one record commits exactly the records before it', () => {
    const ts = newScheduler();
    ts.run(({ cold }) => {
      const log = makeLog(6, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const seen: bigint[] = [];
      consumeTopic(of<Session>(session), 1, opts(store, { maxFetchBytes: 30 }))
        .pipe(
          toRecords(),
          tap((r) => {
            if (r.offset === 40n) throw new Error('bad record');
            seen.push(r.offset);
          }),
        )
        .subscribe({ error: () => undefined });
      ts.flush();
      // Batch 0-30 whole, then records 30 of batch 30-60; record 40 threw, 50 was never handed out.
      expect(seen).toEqual([0n, 10n, 20n, 30n]);
      expect(saves).toEqual([[2, 40n]]);
    });
  });

  it("a retryable LanceError from process is the user's, not the connection's: no retry, ProcessError, nothing committed", () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(2, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store, saves } = fakeStore(() => ts.now());
      const downstream = new ConnectionError('my own service is down');
      const out = consumeTopic(
        of<Session>(session),
        1,
        opts(store, { maxFetchBytes: 20, process: () => cold('-#', undefined, downstream) }),
      );
      expectObservable(out).toBe(
        '--#',
        undefined,
        expect.objectContaining({ name: 'ProcessError', cause: downstream }),
      );
      ts.flush();
      expect(session.requests).toHaveLength(1);
      expect(saves).toEqual([]);
      expect(new ProcessError('x').isRetryable()).toBe(false);
    });
  });

  it('processRetry retries process in place on the same batch, without fetching it again', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const log = makeLog(2, 10);
      const session = fakeSession(
        serveLog(
          () => log,
          (f) => cold('-(a|)', { a: f }),
        ),
        () => ts.now(),
      );
      const { store } = fakeStore(() => ts.now());
      let calls = 0;
      const process = () => (++calls < 3 ? cold('#', undefined, new Error('flaky')) : cold('|'));
      const out = consumeTopic(
        of<Session>(session),
        1,
        opts(store, { maxFetchBytes: 20, process, processRetry: { maxRetries: 2, baseMs: 10, random: () => 1 } }),
      ).pipe(map(summary));
      // fetched at 1; fails at 1, retry after 10 ms fails at 11, retry after 20 ms succeeds at 31.
      expectObservable(out, '^ 40ms !').toBe('- 30ms a', { a: '0-20/2' });
      ts.flush();
      expect(calls).toBe(3);
      expect(session.requests[0]!.offset).toBe(0n);
      expect(session.requests.filter((r) => r.offset === 0n)).toHaveLength(1);
    });
  });
});
