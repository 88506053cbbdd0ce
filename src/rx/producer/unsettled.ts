/**
 * The batches whose outcome is not known yet, in creation order, and the `flush()` calls waiting
 * for every batch older than their mark to settle.
 */
import type { Batch } from './batch.js';

interface FlushWaiter {
  readonly mark: number;
  readonly resolve: () => void;
}

export class Unsettled {
  // A Set keeps insertion order: the first entry is the oldest batch.
  private readonly batches = new Set<Batch>();
  private waiters: FlushWaiter[] = [];

  get size(): number {
    return this.batches.size;
  }

  add(b: Batch): void {
    this.batches.add(b);
  }

  /** Forgets a settled batch and resolves the waiters it was holding back. */
  settled(b: Batch): void {
    this.batches.delete(b);
    if (this.waiters.length > 0) this.wake();
  }

  /** Resolves once every batch with a serial below `mark` has settled. */
  waitFor(mark: number): Promise<void> {
    const oldest = this.oldest();
    if (oldest === undefined || oldest.serial >= mark) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ mark, resolve }));
  }

  snapshot(): Batch[] {
    return [...this.batches];
  }

  /** Shutdown: every waiter resolves (its batches were failed just before). */
  releaseAll(): void {
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** The oldest batch not settled yet. */
  oldest(): Batch | undefined {
    for (const b of this.batches) return b;
    return undefined;
  }

  private wake(): void {
    const oldest = this.oldest();
    const done = oldest === undefined ? Infinity : oldest.serial;
    const keep: FlushWaiter[] = [];
    for (const w of this.waiters) {
      if (w.mark <= done) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }
}
