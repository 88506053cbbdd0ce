/** The producer's memory bound and its waiting budget, in virtual time. */
import { TestScheduler } from 'rxjs/testing';
import { MemoryBudget } from '../../src/rx/producer/memory-budget';
import { BackpressureError, ClosedError } from '../../src/wire/errors';

const scheduler = () => new TestScheduler(() => undefined);

describe('MemoryBudget', () => {
  it('refuses sends past the waiting budget at once, and lets them wait again once a waiter left', async () => {
    const s = scheduler();
    const budget = new MemoryBudget(1000, s, 1500);
    expect(budget.tryReserve(1000)).toBe(true);
    const waiting = [budget.reserve(400, 10_000), budget.reserve(300, 10_000)];
    expect(budget.waitingBytes).toBeLessThanOrEqual(1500);
    const refused = budget.refusal(400, 10_000);
    expect(refused).toBeInstanceOf(BackpressureError);
    // A caller refused many times gets one error: refusals must not allocate per call.
    expect(budget.refusal(400, 10_000)).toBe(refused);
    await expect(budget.reserve(400, 10_000)).rejects.toBe(refused);

    budget.release(1000); // both waiters are admitted
    await Promise.all(waiting);
    expect(budget.waitingBytes).toBe(0);
    expect(budget.refusal(400, 10_000)).toBeUndefined();
    budget.close();
  });

  it('the first waiter may wait even when its record exceeds the waiting budget', () => {
    const budget = new MemoryBudget(1000, scheduler(), 100);
    budget.tryReserve(900);
    expect(budget.refusal(500, 10_000)).toBeUndefined();
    const first = budget.reserve(500, 10_000);
    expect(budget.refusal(10, 10_000)).toBeInstanceOf(BackpressureError);
    budget.close();
    return expect(first).rejects.toBeInstanceOf(ClosedError);
  });

  it('a waiter gives up after its maxBlockMs with BackpressureError; 0 means never wait', async () => {
    const s = scheduler();
    const budget = new MemoryBudget(100, s);
    budget.tryReserve(100);
    expect(budget.refusal(10, 0)).toBeInstanceOf(BackpressureError);
    const w = budget.reserve(10, 500);
    let settled = false;
    void w.catch(() => (settled = true));
    s.flush();
    await expect(w).rejects.toThrow(/maxBlockMs \(500 ms\)/);
    expect(settled).toBe(true);
    expect(budget.waitingBytes).toBe(0);
  });
});
