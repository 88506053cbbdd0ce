import { type Observable, defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { catchingUp } from '../../src/rx/operators/catching-up';
import { ConnectionError, ServerCatchingUpError } from '../../src/wire/errors';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const behind = (serverOffset: bigint) => new ServerCatchingUpError('catching up', serverOffset);

/** Subscription n gets sources[n]: one fetch attempt each. */
const attempts = <T>(sources: Observable<T>[]): Observable<T> => {
  let i = 0;
  return defer(() => sources[i++] ?? sources[sources.length - 1]!);
};

describe('catchingUp', () => {
  it('waits delayMs and refetches, and surfaces the error when the server offset is stuck for maxStalls errors', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const stuck = behind(100n);
      const fetch = cold('-#', undefined, stuck);
      expectObservable(fetch.pipe(catchingUp({ delayMs: 10 }))).toBe('- 10ms - 10ms -#', undefined, stuck);
      expectSubscriptions(fetch.subscriptions).toBe(['^!', '- 10ms ^!', '- 10ms - 10ms ^!']);
    });
  });

  it('waits 5000 ms by default', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const fetch = cold('-#', undefined, behind(1n));
      expectObservable(fetch.pipe(catchingUp()), '^ 6000ms !').toBe('');
      expectSubscriptions(fetch.subscriptions).toBe(['^!', '- 5000ms ^!']);
    });
  });

  it('keeps waiting while the server offset grows, and counts stalls again from the last growth', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const last = behind(150n);
      const fetch = attempts(
        [behind(100n), behind(100n), behind(150n), behind(150n), last].map((e) => cold('-#', undefined, e)),
      );
      // Without the growth at the third error it would have surfaced there (frame 23).
      expectObservable(fetch.pipe(catchingUp({ delayMs: 10 }))).toBe('- 10ms - 10ms - 10ms - 10ms -#', undefined, last);
    });
  });

  it('treats a shrinking server offset (retention) as a stall', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const last = behind(50n);
      const fetch = attempts([behind(100n), behind(50n), last].map((e) => cold('-#', undefined, e)));
      expectObservable(fetch.pipe(catchingUp({ delayMs: 10 }))).toBe('- 10ms - 10ms -#', undefined, last);
    });
  });

  it('restarts the count when the source emits a value', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const e = behind(100n);
      const fetch = attempts([
        cold('-#', undefined, e),
        cold('-#', undefined, e),
        cold('-a-#', undefined, e),
        cold('-#', undefined, e),
      ]);
      // stalls 1, 2, value (back to 0), then 1, 2, 3.
      expectObservable(fetch.pipe(catchingUp({ delayMs: 10 }))).toBe('- 10ms - 10ms -a- 10ms - 10ms -#', undefined, e);
    });
  });

  it('passes other errors through untouched, without waiting or resubscribing', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const reset = new ConnectionError('reset');
      const fetch = cold('-a-#', undefined, reset);
      expectObservable(fetch.pipe(catchingUp({ delayMs: 10 }))).toBe('-a-#', undefined, reset);
      expectSubscriptions(fetch.subscriptions).toBe('^--!');
    });
  });

  it('with maxStalls: 1, surfaces the first CatchingUp error; onCatchingUp sees each wait', () => {
    const waits: Array<{ serverOffset: bigint; stalls: number }> = [];
    newScheduler().run(({ cold, expectObservable }) => {
      const e = behind(9n);
      expectObservable(cold('-#', undefined, e).pipe(catchingUp({ maxStalls: 1 }))).toBe('-#', undefined, e);
      const fetch = attempts([behind(5n), behind(7n), behind(7n), behind(7n)].map((x) => cold('-#', undefined, x)));
      expectObservable(fetch.pipe(catchingUp({ delayMs: 1, onCatchingUp: (w) => waits.push(w) })), '^ 20ms !').toBe(
        '- 1ms - 1ms - 1ms -#',
        undefined,
        behind(7n),
      );
    });
    expect(waits).toEqual([
      { serverOffset: 5n, stalls: 1 },
      { serverOffset: 7n, stalls: 1 },
      { serverOffset: 7n, stalls: 2 },
    ]);
  });
});
