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

  it('many waiters share one timer: each fails at its own deadline, and no timer is left once the line is empty', async () => {
    const s = scheduler();
    const budget = new MemoryBudget(100, s, 1 << 20);
    budget.tryReserve(100);
    const waiters = Array.from({ length: 5 }, (_, i) => budget.reserve(1, 100 + i * 10));
    // One scheduled action for the whole line, not one per waiter.
    expect(s.actions).toHaveLength(1);
    const inLine: number[] = [];
    for (const t of [95, 105, 115, 125, 135, 145]) s.schedule(() => inLine.push(budget.waiting), t);
    s.flush();
    expect(inLine).toEqual([5, 4, 3, 2, 1, 0]);
    for (const w of waiters) await expect(w).rejects.toBeInstanceOf(BackpressureError);
    expect(s.actions).toHaveLength(0);

    const admitted = budget.reserve(1, 1000, undefined, () => 'taken');
    budget.release(100);
    await expect(admitted).resolves.toBe('taken');
    expect(s.actions).toHaveLength(0); // the timer armed for it went away with it
  });

  it('barrier() resolves once the sends in line before it have left, and resolves (never rejects) on close', async () => {
    const s = scheduler();
    const budget = new MemoryBudget(100, s, 10_000);
    await budget.barrier(); // nobody in line
    budget.tryReserve(100);
    const taken: string[] = [];
    const a = budget.reserve(60, 1000, undefined, () => taken.push('a'));
    let atBarrier: string[] = [];
    const barrier = budget.barrier().then(() => (atBarrier = [...taken]));
    const b = budget.reserve(10, 1000, undefined, () => taken.push('b'));
    budget.release(100);
    await Promise.all([a, barrier, b]);
    expect(atBarrier).toContain('a');
    expect(taken).toEqual(['a', 'b']);

    const c = budget.reserve(100, 1000);
    const closing = budget.barrier();
    budget.close();
    await expect(c).rejects.toBeInstanceOf(ClosedError);
    await expect(closing).resolves.toBeUndefined();
  });

  it('a take that throws releases its bytes and rejects that send only', async () => {
    const budget = new MemoryBudget(100, scheduler());
    budget.tryReserve(100);
    const boom = new Error('producer closed meanwhile');
    const failing = budget.reserve(50, 1000, undefined, () => {
      throw boom;
    });
    budget.release(100);
    await expect(failing).rejects.toBe(boom);
    expect(budget.usedBytes).toBe(0);
  });
});
