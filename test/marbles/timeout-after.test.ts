import { TestScheduler } from 'rxjs/testing';
import { timeoutAfter } from '../../src/rx/operators/timeout-after';
import { ConnectionError, TimeoutError } from '../../src/wire/errors';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('timeoutAfter', () => {
  it('turns silence before the first notification into the supplied error, and unsubscribes the source', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('-----a|');
      const err = new ConnectionError('no reply');
      expectObservable(reply.pipe(timeoutAfter(3, () => err))).toBe('---#', undefined, err);
      expectSubscriptions(reply.subscriptions).toBe('^--!');
    });
  });

  it('also times out a gap between two values', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const err = new TimeoutError('gap');
      expectObservable(cold('-a-----b|').pipe(timeoutAfter(3, () => err))).toBe('-a--#', undefined, err);
    });
  });

  it('lets a source that keeps talking pass unchanged', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--b--|').pipe(timeoutAfter(3))).toBe('--a--b--|');
    });
  });

  it('defaults to a retryable TimeoutError', () => {
    let caught: unknown;
    newScheduler().run(({ cold, expectObservable, flush }) => {
      const result = cold('-----a').pipe(timeoutAfter(2));
      expectObservable(result).toBe('--#', undefined, new TimeoutError('no response within 2 ms'));
      result.subscribe({ error: (e: unknown) => (caught = e) });
      flush();
    });
    expect(caught).toBeInstanceOf(TimeoutError);
    expect((caught as TimeoutError).isRetryable()).toBe(true);
  });

  it('builds the error only when the time is up', () => {
    const make = jest.fn(() => new TimeoutError('late'));
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(timeoutAfter(3, make))).toBe('-a|');
    });
    expect(make).not.toHaveBeenCalled();
  });
});
