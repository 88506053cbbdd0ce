import { defer, switchMap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { retryWithBackoff, type RetryInfo } from '../../src/rx/operators/retry-with-backoff';
import { ConnectionError, TopicNotFoundError } from '../../src/wire/errors';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const reset = new ConnectionError('reset');

describe('retryWithBackoff', () => {
  it('resubscribes after retryable errors with capped exponential delays, then surfaces the last error', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', undefined, reset);
      const result = source.pipe(retryWithBackoff({ baseMs: 10, maxMs: 30, maxRetries: 3, random: () => 1 }));
      // waits 10, 20, then 30 (40 capped to maxMs)
      expectObservable(result).toBe('-- 10ms -- 20ms -- 30ms --#', undefined, reset);
      expectSubscriptions(source.subscriptions).toBe([
        '^-!',
        '-- 10ms ^-!',
        '-- 10ms -- 20ms ^-!',
        '-- 10ms -- 20ms -- 30ms ^-!',
      ]);
    });
  });

  it('scales every delay by the injected random (full jitter)', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, reset);
      const result = source.pipe(retryWithBackoff({ baseMs: 20, maxRetries: 2, random: () => 0.5 }));
      expectObservable(result).toBe('- 10ms - 20ms -#', undefined, reset);
      expectSubscriptions(source.subscriptions).toBe(['^!', '- 10ms ^!', '- 10ms - 20ms ^!']);
    });
  });

  it('propagates non-retryable errors at once, without resubscribing', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const missing = new TopicNotFoundError('Topic 7 not found');
      const source = cold('--#', undefined, missing);
      expectObservable(source.pipe(retryWithBackoff({ random: () => 1 }))).toBe('--#', undefined, missing);
      expectSubscriptions(source.subscriptions).toBe('^-!');

      const plain = new TypeError('bug');
      const buggy = cold('-#', undefined, plain);
      expectObservable(buggy.pipe(retryWithBackoff({ random: () => 1 }))).toBe('-#', undefined, plain);
    });
  });

  it('resets the attempt counter when a value arrives (default resetOnSuccess)', () => {
    const attempts: number[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-#', undefined, reset);
      const result = source.pipe(
        retryWithBackoff({ baseMs: 10, maxRetries: 1, random: () => 1, onRetry: (i) => attempts.push(i.attempt) }),
      );
      // Every failure is attempt 1 again: a constant 10 ms wait, and maxRetries: 1 never runs out.
      expectObservable(result, '^ 40ms !').toBe('-a- 10ms -a- 10ms -a- 10ms -a');
    });
    expect(attempts).toEqual([1, 1, 1]);
  });

  it('reports each retry through onRetry and lets reconnectDelay override the delay', () => {
    const infos: RetryInfo[] = [];
    const seen: Array<[number, unknown]> = [];
    newScheduler().run(({ cold, expectObservable, flush }) => {
      const source = cold('-#', undefined, reset);
      const result = source.pipe(
        retryWithBackoff({
          maxRetries: 3,
          reconnectDelay: (attempt, err) => {
            seen.push([attempt, err]);
            return attempt * 7;
          },
          onRetry: (i) => infos.push(i),
        }),
      );
      expectObservable(result).toBe('- 7ms - 14ms - 21ms -#', undefined, reset);
      flush();
    });
    expect(seen).toEqual([
      [1, reset],
      [2, reset],
      [3, reset],
    ]);
    expect(infos).toEqual([
      { attempt: 1, delayMs: 7, error: reset },
      { attempt: 2, delayMs: 14, error: reset },
      { attempt: 3, delayMs: 21, error: reset },
    ]);
  });

  it('retries whatever shouldRetry accepts', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const plain = new Error('flaky');
      const source = cold('-#', undefined, plain);
      const result = source.pipe(
        retryWithBackoff({ baseMs: 4, maxRetries: 1, random: () => 1, shouldRetry: () => true }),
      );
      expectObservable(result).toBe('- 4ms -#', undefined, plain);
    });
  });

  it('with resetAfterMs, resets the counter only after a subscription lived that long, not on values', () => {
    const attempts: number[] = [];
    newScheduler().run(({ expectObservable }) => {
      const lifetimes = [2, 2, 50, 2, 2];
      let i = 0;
      const source = defer(() => timer(lifetimes[i++] ?? 0).pipe(switchMap(() => throwError(() => reset))));
      const result = source.pipe(
        retryWithBackoff({
          baseMs: 10,
          maxRetries: 2,
          resetAfterMs: 30,
          random: () => 1,
          onRetry: (r) => attempts.push(r.attempt),
        }),
      );
      // 0-2 fail, wait 10; 12-14 fail, wait 20; 34-84 healthy 50 ms, so reset: wait 10;
      // 94-96 fail, wait 20; 116-118 fail: third retry in a row exceeds maxRetries.
      expectObservable(result).toBe('118ms #', undefined, reset);
    });
    expect(attempts).toEqual([1, 2, 1, 2]);

    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a#', undefined, reset);
      const result = source.pipe(retryWithBackoff({ baseMs: 10, maxRetries: 2, resetAfterMs: 30, random: () => 1 }));
      // Values do not reset the counter in this mode: waits 10 then 20, then the error surfaces.
      expectObservable(result).toBe('a 10ms a 20ms a#', undefined, reset);
    });
  });
});
