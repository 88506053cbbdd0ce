import { backoffDelay } from '../../src/rx/operators/backoff-delay';

describe('backoffDelay', () => {
  it('doubles the ceiling from baseMs per attempt and caps it at maxMs', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('applies full jitter: random() scales the whole ceiling, so 0 means retry at once', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 30_000, random: () => 0.25 })).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 30_000, random: () => 0 })).toBe(0);
  });

  it('defaults to 100 ms base and 30 s cap, and stays finite for huge attempts', () => {
    expect(backoffDelay(1, { random: () => 1 })).toBe(100);
    expect(backoffDelay(5_000, { random: () => 1 })).toBe(30_000);
    expect(backoffDelay(0, { random: () => 1 })).toBe(100); // attempts below 1 count as the first
  });

  it('uses Math.random by default, within [0, ceiling)', () => {
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(200);
    }
  });
});
