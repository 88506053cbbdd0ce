import { config, map, of, take } from 'rxjs';
import { type RunHelpers, TestScheduler } from 'rxjs/testing';
import { autoCommit } from '../../src/rx/operators/auto-commit';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Runs one marble scenario and returns the commit log as `frame:value`. */
function commitsOf(body: (helpers: RunHelpers & { commit: (v: string) => void }) => void): string[] {
  const log: string[] = [];
  const scheduler = newScheduler();
  scheduler.run((helpers) => body({ ...helpers, commit: (v: string) => log.push(`${scheduler.now()}:${v}`) }));
  return log;
}

describe('autoCommit', () => {
  it('passes values through and commits the latest one at the end of each interval', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      const records = hot('a-b-c 100ms d 100ms |');
      expectObservable(records.pipe(autoCommit(commit, { intervalMs: 50 }))).toBe('a-b-c 100ms d 100ms |');
    });
    // One commit per window, of its latest value; d was already committed, so completion adds nothing.
    expect(log).toEqual(['50:c', '155:d']);
  });

  it('commits the tail immediately on complete instead of waiting for the window', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      expectObservable(hot('a 60ms b|').pipe(autoCommit(commit, { intervalMs: 50 }))).toBe('a 60ms b|');
    });
    expect(log).toEqual(['50:a', '62:b']);
  });

  it('commits the tail on unsubscribe, which auditTime alone would drop', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      const records = hot('a 60ms b 100ms c');
      expectObservable(records.pipe(autoCommit(commit, { intervalMs: 50 })), '^ 80ms !').toBe('a 60ms b');
    });
    expect(log).toEqual(['50:a', '81:b']);
  });

  it('commits the tail on error and still delivers the error', () => {
    const boom = new Error('fetch failed');
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      expectObservable(hot('a 60ms b#', undefined, boom).pipe(autoCommit(commit, { intervalMs: 50 }))).toBe(
        'a 60ms b#',
        undefined,
        boom,
      );
    });
    expect(log).toEqual(['50:a', '62:b']);
  });

  it('never commits the same value twice in a row', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      // a is committed at 50; the repeat of a and the end of the stream bring nothing new.
      expectObservable(hot('a 60ms a 100ms |').pipe(autoCommit(commit, { intervalMs: 50 }))).toBe('a 60ms a 100ms |');
      // unsubscribing after a periodic commit with nothing newer commits nothing more either.
      expectObservable(hot('x').pipe(autoCommit(commit, { intervalMs: 50 })), '^ 80ms !').toBe('x');
    });
    expect(log).toEqual(['50:a', '50:x']);
  });

  it('commits every window of a steady stream (the window restarts after each commit)', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      const records = hot('a 9ms b 9ms c 9ms d 9ms e 9ms f');
      expectObservable(records.pipe(autoCommit(commit, { intervalMs: 15 })), '^ 55ms !').toBe(
        'a 9ms b 9ms c 9ms d 9ms e 9ms f',
      );
    });
    expect(log).toEqual(['15:b', '35:d', '55:f']);
  });

  it('reports a failing commit to onError and keeps the stream going', () => {
    const errors: unknown[] = [];
    const denied = new Error('store locked');
    commitsOf(({ hot, expectObservable }) => {
      const commit = (v: string) => {
        if (v === 'a') throw denied;
      };
      const records = hot('a 60ms b|');
      expectObservable(records.pipe(autoCommit(commit, { intervalMs: 50, onError: (e) => errors.push(e) }))).toBe(
        'a 60ms b|',
      );
    });
    expect(errors).toEqual([denied]);
  });

  it('without onError, a failing periodic commit errors the stream', () => {
    const denied = new Error('store locked');
    commitsOf(({ hot, expectObservable }) => {
      const commit = () => {
        throw denied;
      };
      expectObservable(hot('a 60ms b|').pipe(autoCommit(commit, { intervalMs: 50 }))).toBe(
        'a 49ms #',
        undefined,
        denied,
      );
    });
  });

  it('without onError, a failing flush after unsubscribe is reported as an unhandled error', () => {
    const denied = new Error('store locked');
    const unhandled: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (e) => unhandled.push(e);
    try {
      commitsOf(({ hot, expectObservable }) => {
        const commit = () => {
          throw denied;
        };
        expectObservable(hot('a').pipe(autoCommit(commit, { intervalMs: 50 })), '^ 10ms !').toBe('a');
      });
    } finally {
      config.onUnhandledError = saved;
    }
    expect(unhandled).toEqual([denied]);
  });

  it('never commits a value whose delivery ended the stream (an operator after it threw)', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      const boom = new Error('handler bug');
      const handled = hot('a 60ms b 10ms c').pipe(
        autoCommit(commit, { intervalMs: 50 }),
        map((v) => {
          if (v === 'c') throw boom;
          return v;
        }),
      );
      expectObservable(handled).toBe('a 60ms b 10ms #', undefined, boom);
    });
    // a's window commits at 50; b is flushed when c's failure tears the stream down; c never.
    expect(log).toEqual(['50:a', '72:b']);
  });

  it('commits the processed part of a value cut short, when processedPart names one', () => {
    const log = commitsOf(({ hot, expectObservable, commit }) => {
      const out = hot('a 10ms b').pipe(
        autoCommit(commit, { intervalMs: 50, processedPart: (v) => (v === 'b' ? 'half-of-b' : undefined) }),
        take(2),
      );
      expectObservable(out).toBe('a 10ms (b|)');
    });
    // take(2) ends the stream while b is being delivered: nothing says b was handled, so only the
    // part processedPart vouches for is committed.
    expect(log).toEqual(['11:half-of-b']);
  });

  it('with no onError and no onUnhandledError, a failing flush after unsubscribe is a warning, never a throw', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const closed = new Error('offset store closed');
      const sub = of(1)
        .pipe(autoCommit(() => Promise.reject(closed), { intervalMs: 50 }))
        .subscribe();
      sub.unsubscribe();
      await new Promise((r) => setTimeout(r, 20));
      expect(warn.mock.calls).toEqual([
        ['a commit failed after the stream ended: Error: offset store closed', { type: 'LanceCommitWarning' }],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('reports a rejected commit Promise to onError', async () => {
    const rejected = new Error('commit rejected');
    const errors: unknown[] = [];
    const committed: number[] = [];
    const commit = (v: number) => {
      committed.push(v);
      return Promise.reject(rejected);
    };
    of(1, 2, 3)
      .pipe(autoCommit(commit, { onError: (e) => errors.push(e) }))
      .subscribe();
    await new Promise((r) => setImmediate(r));
    expect(committed).toEqual([3]); // synchronous source: only the tail, flushed on complete
    expect(errors).toEqual([rejected]);
  });
});
