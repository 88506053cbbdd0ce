import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchRecords } from '../../src/rx/operators/batch-records';
import { InvalidArgumentError } from '../../src/wire/errors';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
/** Records are strings whose length is their byte size. */
const bytes = (r: string) => r.length;

describe('batchRecords', () => {
  it('emits lingerMs after the batch FIRST record, not on fixed ticks', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const records = hot('--a-b 20ms c');
      // a at 2 opens a batch due at 12 (bufferTime(10) would tick at 10); c at 25 opens one due at 35.
      expectObservable(records.pipe(batchRecords({ lingerMs: 10 }))).toBe('12ms x 22ms y', { x: ['a', 'b'], y: ['c'] });
    });
  });

  it('closes a batch when maxCount is reached, and the next batch gets its own linger', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const records = hot('-abcde');
      expectObservable(records.pipe(batchRecords({ lingerMs: 10, maxCount: 2 }))).toBe('--x-y 10ms z', {
        x: ['a', 'b'],
        y: ['c', 'd'],
        z: ['e'],
      });
    });
  });

  it('closes a batch before a record that would exceed maxBytes, at once when exactly full, and sends an oversize record alone', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const v = { a: 'aa', b: 'bbb', c: 'cccc', d: 'dd', e: 'eeeeeeeee', f: 'f' };
      const records = hot('-a-b-c-d-e-f', v);
      // a+b = 5 = full: out at 3. c (4) waits; d would make 6 > 5: c goes at 7, d starts a batch.
      // e (9) is bigger than the budget: d goes, then e alone, both at 9. f lingers until 21.
      expectObservable(records.pipe(batchRecords({ lingerMs: 10, maxBytes: 5, sizeOf: bytes }))).toBe(
        '---p---q-(rs) 8ms t',
        { p: ['aa', 'bbb'], q: ['cccc'], r: ['dd'], s: ['eeeeeeeee'], t: ['f'] },
      );
    });
  });

  it('never emits empty arrays, however long the source is idle', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const records = hot('a 100ms b');
      const flush = hot('-- 50ms f');
      expectObservable(records.pipe(batchRecords({ lingerMs: 5, flushWhen: flush })), '^ 200ms !').toBe(
        '5ms x 100ms y',
        {
          x: ['a'],
          y: ['b'],
        },
      );
    });
  });

  it('flushes the partial batch on complete, then completes', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('-a-b|').pipe(batchRecords({ lingerMs: 10 }))).toBe('----(x|)', { x: ['a', 'b'] });
      expectObservable(hot('-----|').pipe(batchRecords({ lingerMs: 10 }))).toBe('-----|');
    });
  });

  it('emits the partial batch before the error, so no accepted record is lost silently', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const boom = new Error('producer closed');
      expectObservable(hot('-a-b#', undefined, boom).pipe(batchRecords({ lingerMs: 10 }))).toBe(
        '----(x#)',
        { x: ['a', 'b'] },
        boom,
      );
    });
  });

  it('flushWhen emits the partial batch at once, and the next record starts a fresh linger', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const records = hot('-a-b------c');
      const flush = hot('-----f');
      // The cancelled linger of [a, b] (due at 11) must not cut c's batch short: c at 10 → 20.
      expectObservable(records.pipe(batchRecords({ lingerMs: 10, flushWhen: flush }))).toBe('-----x 14ms y', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('stops its linger timer on unsubscribe', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      expectObservable(hot('-a').pipe(batchRecords({ lingerMs: 10 })), '^--!').toBe('');
    });
  });

  it('starts a new batch for a record sent synchronously from the subscriber', () => {
    const input = new Subject<number>();
    const batches: number[][] = [];
    input.pipe(batchRecords({ lingerMs: 1_000, maxCount: 2 })).subscribe((b) => {
      batches.push(b);
      if (b[0] === 1) input.next(3); // re-entrant send while the first batch is being delivered
    });
    input.next(1);
    input.next(2);
    input.next(4);
    input.complete();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects options that cannot work', () => {
    expect(() => batchRecords({ lingerMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => batchRecords({ lingerMs: 5, maxCount: 0 })).toThrow(InvalidArgumentError);
    expect(() => batchRecords<string>({ lingerMs: 5, maxBytes: 10 })).toThrow(InvalidArgumentError);
  });
});
