/**
 * `deliveryTimeoutMs`: one timer per producer on the oldest unsettled batch (creation order is
 * deadline order). Past its deadline a batch fails wherever it is: a queued one is then skipped by
 * the sender; an in-flight one keeps its place in the window, so later acks are still attributed
 * by order.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { TimeoutError } from '../../wire/errors.js';
import type { Batch } from './batch.js';
import type { Unsettled } from './unsettled.js';

export class DeliveryDeadline {
  private timer: Subscription | undefined;

  constructor(
    private readonly limit: number,
    private readonly scheduler: SchedulerLike,
    private readonly unsettled: Unsettled,
    /** Fails `batch` (and so takes it out of `unsettled`). */
    private readonly expired: (batch: Batch, error: TimeoutError) => void,
  ) {}

  /** A batch became unsettled: makes sure the timer runs. */
  arm(): void {
    if (this.timer !== undefined || !Number.isFinite(this.limit)) return;
    const oldest = this.unsettled.oldest();
    if (oldest !== undefined)
      this.timer = this.scheduler.schedule(
        () => this.check(),
        Math.max(0, this.limit - (this.scheduler.now() - oldest.createdAt)),
      );
  }

  stop(): void {
    this.timer?.unsubscribe();
  }

  private check(): void {
    this.timer = undefined;
    for (let b = this.unsettled.oldest(); b !== undefined; b = this.unsettled.oldest()) {
      const age = this.scheduler.now() - b.createdAt;
      if (age < this.limit) {
        this.timer = this.scheduler.schedule(() => this.check(), this.limit - age);
        return;
      }
      this.expired(b, deliveryTimedOut(b, this.limit));
    }
  }
}

function deliveryTimedOut(b: Batch, limit: number): TimeoutError {
  const fate =
    b.attempts === 0
      ? 'it was never sent'
      : `sent ${b.attempts} time${b.attempts === 1 ? '' : 's'}, it may or may not have been written`;
  return new TimeoutError(
    `batch of ${b.count} records to topic ${b.topicId} not acked within deliveryTimeoutMs (${limit} ms): ${fate}`,
    {
      ...(b.lastError !== undefined ? { cause: b.lastError } : {}),
    },
  );
}
