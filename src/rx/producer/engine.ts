/**
 * The producer engine of one connection, for the producer's whole life: records come in through
 * admission (admission.ts) into lanes (one per topic), which feed encoded batches into a FIFO
 * queue; each session's sender (sender.ts) writes them to that session and attributes its acks and
 * errors; every batch settles here exactly once, acked or failed. A dead session's unacked batches
 * go back to the queue front and are resent, under new batch ids, on the next session
 * (at-least-once: the server does not deduplicate, so a batch written before the connection died
 * is written again). After such a loss the window is 1 until a connection earns trust (slow start,
 * send-window.ts).
 *
 * It works against `Observable<Session>` only: the core decides when sessions come and go.
 * Everything time-related goes through the injected scheduler, so tests run in virtual time.
 */
import { type Observable, type SchedulerLike, type Subject, type Subscription, asyncScheduler } from 'rxjs';
import { traceBatchSettled } from './batch-trace.js';
import { ClosedError, ConnectionError, type LanceError } from '../../wire/errors.js';
import type { Session } from '../session.js';
import { Admission } from './admission.js';
import type { Batch, ProduceOutcome } from './batch.js';
import { DeliveryDeadline } from './delivery-deadline.js';
import { Deque } from './deque.js';
import type { FailureLog } from './failure-log.js';
import { type FramePool, producerFramePool } from './frame-pool.js';
import { Lane, type LaneHost } from './lane.js';
import { MemoryBudget } from './memory-budget.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { SendWindow } from './send-window.js';
import { SessionSender, type SenderHost, asLanceError } from './sender.js';
import { Settlement } from './settlement.js';
import { Counters, type ProducerStats } from './stats.js';
import { Unsettled } from './unsettled.js';

type State = 'open' | 'closing' | 'closed';

export class ProducerEngine implements LaneHost, SenderHost {
  readonly options: ResolvedProducerOptions;
  readonly budget: MemoryBudget;
  readonly framePool: FramePool;
  /** The way records come in, for every face. */
  readonly admission: Admission;
  /** Every outcome, hot. Completes (or errors with the upstream error) once closed. */
  readonly outcomes: Subject<ProduceOutcome>;
  /** The in-flight window: slow start after a connection loss (send-window.ts). */
  readonly window: SendWindow;
  readonly counters = new Counters();
  /** Failures of batches holding fire-and-forget records (`sendAsync`): the Promise face's flush()/close() report them. */
  readonly unobservedFailures: FailureLog;
  /** Every failure and refusal: what an Rx `flush()` reports. */
  readonly failures: FailureLog;

  private readonly lanes = new Map<number, Lane>();
  private readonly queue = new Deque<Batch>();
  private readonly unsettled = new Unsettled();
  private readonly settlement: Settlement;
  private readonly deliveryDeadline: DeliveryDeadline;
  private readonly sessionsSub: Subscription;
  /** The sender of the current session; undefined between sessions. */
  private sender: SessionSender | undefined;
  private serial = 0;
  private state: State = 'open';
  private fatal: LanceError | undefined;
  private closing: Promise<void> | undefined;
  private finishClose: (() => void) | undefined;
  private upstreamError: { error: unknown } | undefined;

  constructor(
    session$: Observable<Session>,
    options: ProducerOptions = {},
    readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    const o = (this.options = resolveProducerOptions(options));
    this.budget = new MemoryBudget(o.bufferMemory, scheduler, o.maxWaitingBytes);
    this.framePool = producerFramePool(o);
    this.window = new SendWindow(o.maxPendingAcks);
    this.admission = new Admission(this);
    const settlement = (this.settlement = new Settlement(
      this.unsettled,
      this.counters,
      this.budget,
      this.framePool,
      o.logger,
      () => this.finishClose?.(),
    ));
    this.outcomes = settlement.outcomes;
    this.failures = settlement.failures;
    this.unobservedFailures = settlement.unobservedFailures;
    this.deliveryDeadline = new DeliveryDeadline(o.deliveryTimeoutMs, scheduler, this.unsettled, (b, err) =>
      settlement.fail(b, err),
    );
    this.sessionsSub = session$.subscribe({
      next: (s) => this.attach(s),
      error: (err: unknown) => this.failAll(asLanceError(err, 'connection failed')),
      complete: () => this.failAll(new ClosedError('the connection was closed')),
    });
  }

  /** The lane of `topicId`, created on first use. */
  lane(topicId: number): Lane {
    let lane = this.lanes.get(topicId);
    if (lane === undefined) {
      lane = new Lane(topicId, this);
      this.lanes.set(topicId, lane);
    }
    return lane;
  }

  get stats(): ProducerStats {
    return {
      ...this.counters,
      inFlight: this.sender?.inflight.length ?? 0,
      queued: this.queue.length,
      bufferedBytes: this.budget.usedBytes,
      window: this.window.size,
    };
  }

  get bufferedBytes(): number {
    return this.budget.usedBytes;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Undefined while records are taken; otherwise why not (closing, closed, failed). */
  refusal(): LanceError | undefined {
    if (this.fatal !== undefined) return this.fatal;
    return this.state === 'open' ? undefined : new ClosedError('producer is closed');
  }

  /** Resolves once every batch holding a record accepted before the call has settled. */
  flush(): Promise<void> {
    for (const lane of this.lanes.values()) lane.flush();
    return this.unsettled.waitFor(this.serial);
  }

  /**
   * Stops taking records, sends the partial batches, waits for every unsettled batch up to
   * `timeoutMs`, then fails what is left with `ClosedError` and lets go of the session.
   * Always resolves; every record's outcome is settled by then.
   */
  close(options: { readonly timeoutMs?: number } = {}, upstreamError?: { error: unknown }): Promise<void> {
    if (upstreamError !== undefined && this.upstreamError === undefined) this.upstreamError = upstreamError;
    if (this.closing !== undefined) return this.closing;
    const timeoutMs = options.timeoutMs ?? this.options.closeTimeoutMs;
    this.state = 'closing';
    this.budget.close();
    // Partial batches go out first; with a dead connection they may settle right here.
    for (const lane of this.lanes.values()) lane.flush();
    this.closing = new Promise<void>((resolve) => {
      let deadline: Subscription | undefined;
      this.finishClose = () => {
        this.finishClose = undefined;
        deadline?.unsubscribe();
        this.shutdown();
        resolve();
      };
      if (this.unsettled.size === 0) this.finishClose();
      else if (Number.isFinite(timeoutMs)) deadline = this.scheduler.schedule(() => this.finishClose?.(), timeoutMs);
    });
    return this.closing;
  }

  // ---- LaneHost ------------------------------------------------------------------------------

  isIdle(): boolean {
    const sender = this.sender;
    return (sender === undefined || sender.inflight.length === 0) && this.queue.length === 0;
  }

  nextSerial(): number {
    return this.serial++;
  }

  accepted(): void {
    this.counters.recordsAccepted++;
  }

  enqueue(batch: Batch): void {
    batch.createdAt = this.scheduler.now();
    this.unsettled.add(batch);
    this.deliveryDeadline.arm();
    if (this.fatal !== undefined) {
      this.settlement.fail(batch, this.fatal);
      return;
    }
    this.queue.push(batch);
    this.sender?.pump();
  }

  rejected(topicId: number, seq: number, error: LanceError, dropped: boolean): void {
    this.settlement.rejected(topicId, seq, error, dropped);
  }

  unobservedFailure(err: LanceError): void {
    this.unobservedFailures.note(err);
  }

  // ---- SenderHost ----------------------------------------------------------------------------

  nextBatch(): Batch | undefined {
    for (;;) {
      const b = this.queue.shift();
      // Failed by its delivery deadline while queued: skipped.
      if (b === undefined || b.outcome === undefined) return b;
    }
  }

  acked(b: Batch): void {
    this.window.onAck();
    this.settlement.acked(b);
  }

  failed(b: Batch, error: LanceError): void {
    this.settlement.answeredWithError(b, error);
  }

  requeue(batches: Batch[], err: LanceError): void {
    for (let i = batches.length - 1; i >= 0; i--) {
      const b = batches[i]!;
      traceBatchSettled(b, this.budget.usedBytes, err);
      if (b.outcome !== undefined) continue; // past its deadline while in flight
      b.lastError = err;
      if (b.attempts > this.options.maxRetries || this.fatal !== undefined) {
        this.settlement.fail(b, this.fatal ?? err);
      } else {
        this.counters.retries++;
        this.queue.unshift(b);
      }
    }
  }

  ended(sender: SessionSender, err: LanceError): void {
    if (this.sender === sender) this.detach(err);
  }

  drained(): void {
    // The pipe has drained: the frames packed behind it leave now (Nagle's rule; lane.ts).
    if (this.options.flushWhenIdle && this.isIdle()) {
      for (const lane of this.lanes.values()) if (lane.openRecords > 0) lane.flush();
    }
  }

  // ---- sessions ------------------------------------------------------------------------------

  private attach(s: Session): void {
    if (this.state === 'closed') return;
    if (this.sender !== undefined) this.detach(new ConnectionError('the connection was replaced'));
    this.counters.sessions++;
    const sender = (this.sender = new SessionSender(s, this));
    sender.start();
  }

  /** Forgets the current session; its unacked batches go back to the queue front. */
  private detach(err: LanceError): void {
    const sender = this.sender;
    if (sender === undefined) return;
    this.sender = undefined;
    const unknown = sender.stop();
    // Their outcome is unknown: they are resent one at a time until a connection earns trust, so a
    // connection that dies again does not store the whole window twice (no resend storm).
    if (unknown.length > 0) this.window.onLoss();
    this.requeue(unknown, err);
  }

  // ---- the end -------------------------------------------------------------------------------

  /** The connection is gone for good (session$ ended): fail everything, refuse what comes next. */
  private failAll(err: LanceError): void {
    if (this.fatal !== undefined || this.state === 'closed') return;
    this.fatal = err;
    this.detach(err); // requeue() fails them, since fatal is set
    for (const b of this.queue.drain()) this.settlement.fail(b, err);
    for (const lane of this.lanes.values()) lane.flush(); // open batches fail through enqueue()
    this.budget.close(err);
  }

  private shutdown(): void {
    this.state = 'closed';
    for (const b of this.unsettled.snapshot()) this.settlement.failClosed(b);
    this.queue.drain();
    this.sender?.stop();
    this.sender = undefined;
    this.deliveryDeadline.stop();
    this.sessionsSub.unsubscribe();
    this.unsettled.releaseAll();
    if (this.upstreamError !== undefined) this.outcomes.error(this.upstreamError.error);
    else this.outcomes.complete();
  }
}
