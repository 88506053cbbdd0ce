import { map, of } from 'rxjs';
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
      const session = fakeSession(serveLog(() => log, (f) => cold('-(a|)', { a: f })), () => ts.now());
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
      const session = fakeSession(serveLog(() => log, (f) => cold('-(a|)', { a: f })), () => ts.now(), { frames$ });
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
      const session = fakeSession(serveLog(() => log, (f) => cold('-(a|)', { a: f })), () => ts.now());
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
      const serve = serveLog(() => log, (f) => cold('-(a|)', { a: f }));
      const session = fakeSession(
        (req, i) => (req.command === Command.COMMIT_OFFSET ? cold<Frame>('-#', undefined, new Error('ignored')) : serve(req, i)),
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
      const session = fakeSession(serveLog(() => log, (f) => cold('-(a|)', { a: f })), () => ts.now());
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
      const session = fakeSession(serveLog(() => log, (f) => cold('-(a|)', { a: f })), () => ts.now());
      const { store, saves } = fakeStore(() => ts.now());
      const sub = consumeTopic(of<Session>(session), 1, opts(store, { maxFetchBytes: 10, process: () => cold('----|') })).subscribe();
      // batch 0-10 processed at 5; batch 10-20 fetched at 6, still processing at 8.
      ts.schedule(() => sub.unsubscribe(), 8);
      ts.flush();
      expect(saves).toEqual([[8, 10n]]);
    });
  });
});
