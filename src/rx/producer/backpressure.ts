/**
 * The Backpressure frames of one session: each resends the batch it refused after `retryBackoffMs`
 * rather than wait out `requestTimeoutMs` for an ack that will not come.
 *
 * What the wire says (PROTOCOL.md §6.4, §1.6, §3.5, §7.1): the Lance server never sends one; the
 * Rust client, with one request outstanding, takes one received while waiting for an ack as that
 * request's answer (a retryable `ServerBackpressure`). Nothing documents its batch id, and
 * nothing says whether the refused batch was written. So, conservatively:
 * - We never read its batch id. It answers one of the batches in flight when it arrived (ids up
 *   to `mark`); acks are FIFO, so the one it replaced is the oldest of them still unanswered.
 * - One frame resends at most one batch (no storm), and only if, `retryBackoffMs` later, a batch
 *   with id ≤ `mark` still has no answer. If all of them were acked meanwhile, the frame was
 *   advisory and nothing is resent. If a later ack skipped one of them, the sender already
 *   resent it (`explained`) and the frame counts as explained.
 * - The batch is resent on the same session under a new id; if it was written after all, the
 *   late ack of its old id is a stray ack and the server holds a duplicate (at-least-once, as for
 *   every resend). Its outcome is still settled once, by the ack of the new id.
 */
import { type SchedulerLike, Subscription } from 'rxjs';
import { BackpressureError } from '../../wire/errors.js';
import type { InFlightWindow } from './attribution.js';
import type { Batch } from './batch.js';

export class Backpressure {
  /** Frames not yet explained, each with the newest batch id in flight when it came. */
  private unexplained: { readonly mark: number }[] = [];
  private readonly timers = new Subscription();

  constructor(
    private readonly inflight: InFlightWindow,
    private readonly scheduler: SchedulerLike,
    private readonly backoffMs: number,
    /** Takes `batch` (already out of the window) back to the queue and sends again. */
    private readonly resend: (batch: Batch, error: BackpressureError) => void,
  ) {}

  /** A Backpressure frame came. */
  arrived(): void {
    const newest = this.inflight.newest();
    if (newest === undefined) return; // nothing it could be about
    const entry = { mark: newest.batchId };
    this.unexplained.push(entry);
    const finish = (): void => {
      const i = this.unexplained.indexOf(entry);
      if (i >= 0) this.unexplained.splice(i, 1);
    };
    const check = (): void => {
      const oldest = this.inflight.oldest();
      // Explained meanwhile, or every batch it could be about got an answer.
      if (!this.unexplained.includes(entry) || oldest === undefined || oldest.batchId > entry.mark) return finish();
      const b = this.inflight.takeOldest();
      if (b === undefined) {
        // Error frames are waiting for attribution, maybe this batch's: decide after another delay.
        later();
        return;
      }
      finish();
      this.resend(b, new BackpressureError(`batch ${b.batchId} was answered with a Backpressure frame`));
    };
    const later = (): void => {
      const timer: Subscription = this.scheduler.schedule(() => {
        this.timers.remove(timer);
        check();
      }, this.backoffMs);
      this.timers.add(timer);
    };
    later();
  }

  /** `batch` was skipped by a later ack and is being resent: a pending frame that may have been about it is explained by that. */
  explained(batch: Batch): void {
    const i = this.unexplained.findIndex((e) => e.mark >= batch.batchId);
    if (i >= 0) this.unexplained.splice(i, 1);
  }

  /** The session ended: no frame of it resends anything any more. */
  stop(): void {
    this.timers.unsubscribe();
    this.unexplained = [];
  }
}
