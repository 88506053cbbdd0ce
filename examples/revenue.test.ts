/** A marble test of user logic: virtual time, no server, no waiting. */
import { TestScheduler } from 'rxjs/testing';
import { revenuePerWindow } from './revenue';

it('sums sales per second and skips quiet seconds', () => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run(({ cold, expectObservable }) => {
    const sales = cold('a 499ms b 1500ms c|', { a: { amount: 10 }, b: { amount: 5 }, c: { amount: 7 } });
    // Windows close at 1000, 2000 (empty, skipped) and at completion (2002 ms).
    expectObservable(revenuePerWindow(sales, 1000, scheduler)).toBe('1000ms x 1001ms (y|)', { x: 15, y: 7 });
  });
});
