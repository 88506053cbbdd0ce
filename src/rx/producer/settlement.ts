/**
 * Where every record's fate is told, exactly once: a batch settles acked or failed, a record
 * refused at the door is `rejected` (or `dropped`). Settling a batch releases its bytes, gives its
 * frame back to the pool once no socket holds it, settles its ticket (the Promise face's shared
 * promise) and reports the outcome on `outcomes`; failures are also kept for the next flush().
 */
import { Subject } from 'rxjs';
import { traceBatchSettled } from './batch-trace.js';
import { ClosedError, type LanceError } from '../../wire/errors.js';
import { errorFields, type Logger } from '../logger.js';
import type { Batch, ProduceAck, ProduceFailure, ProduceOutcome } from './batch.js';
import { FailureLog } from './failure-log.js';
import type { FramePool } from './frame-pool.js';
import type { MemoryBudget } from './memory-budget.js';
import type { Counters } from './stats.js';
import type { Unsettled } from './unsettled.js';

const EMPTY = new Uint8Array(0);

export class Settlement {
  /** Every outcome, hot. */
  readonly outcomes = new Subject<ProduceOutcome>();
  /** Failures of batches holding fire-and-forget records (`sendAsync`): the Promise face's flush()/close() report them. */
  readonly unobservedFailures = new FailureLog();
  /** Every failure and refusal: what an Rx `flush()` reports. */
  readonly failures = new FailureLog();

  constructor(
    private readonly unsettled: Unsettled,
    private readonly counters: Counters,
    private readonly budget: MemoryBudget,
    private readonly framePool: FramePool,
    private readonly logger: Logger,
    /** Runs whenever the last unsettled batch settles. */
    private readonly allSettled: () => void,
  ) {}

  acked(b: Batch): void {
    // Already failed by its delivery deadline while in flight: that outcome stands.
    if (b.outcome !== undefined) return this.recycle(b);
    const ack: ProduceAck = {
      type: 'acked',
      topicId: b.topicId,
      firstSeq: b.firstSeq,
      count: b.count,
      batchId: BigInt(b.batchId),
      epoch: b.epoch,
      bytes: b.tlvBytes,
      attempts: b.attempts,
    };
    this.counters.records += b.count;
    this.counters.bytes += b.tlvBytes;
    this.counters.batches++;
    this.recycle(b);
    this.settle(b, ack);
  }

  /** The server answered `b` with an error, so its bytes have left the socket. */
  answeredWithError(b: Batch, error: LanceError): void {
    this.recycle(b);
    this.fail(b, error);
  }

  fail(b: Batch, error: LanceError): void {
    this.counters.recordsFailed += b.count;
    this.logger.warn('lnc-client: batch failed', {
      topicId: b.topicId,
      records: b.count,
      attempts: b.attempts,
      ...errorFields(error),
    });
    const failure: ProduceFailure = { type: 'failed', topicId: b.topicId, firstSeq: b.firstSeq, count: b.count, error };
    if (b.ticket?.unobserved) this.unobservedFailures.note(error);
    this.failures.note(error);
    this.settle(b, failure);
  }

  /** The producer closed with `b` unsettled: a ClosedError that says whether it may have been written. */
  failClosed(b: Batch): void {
    const fate =
      b.attempts === 0
        ? 'producer closed before this batch could be sent'
        : 'producer closed before this batch was acknowledged: it may or may not have been written';
    this.fail(b, new ClosedError(fate));
  }

  rejected(topicId: number, seq: number, error: LanceError, dropped: boolean): void {
    this.counters.recordsRejected++;
    if (dropped) this.counters.recordsDropped++;
    this.failures.note(error);
    this.outcomes.next({ type: dropped ? 'dropped' : 'rejected', topicId, seq, error });
  }

  private recycle(b: Batch): void {
    if (b.pooled) {
      b.pooled = false;
      this.framePool.give(b.frame);
    }
  }

  private settle(b: Batch, outcome: ProduceAck | ProduceFailure): void {
    if (b.outcome !== undefined) return;
    b.outcome = outcome;
    // Settled while in flight (its deadline passed): the socket may still hold the pool buffer, so
    // it is not given back; the pool allocates another.
    b.pooled = false;
    b.frame = EMPTY;
    // Flush promises resolve in a later microtask, so they see the outcome delivered first.
    this.unsettled.settled(b);
    this.budget.release(b.tlvBytes);
    traceBatchSettled(b, this.budget.usedBytes, outcome.type === 'failed' ? outcome.error : undefined);
    b.ticket?.settle(outcome);
    this.outcomes.next(outcome);
    if (this.unsettled.size === 0) this.allSettled();
  }
}
