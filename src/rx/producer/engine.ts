/**
 * The producer engine of one connection: records come in through admission (admission.ts) into
 * lanes (one per topic), which feed encoded batches into a FIFO
 * queue; the pump writes them to the current session up to the in-flight window; acks and errors
 * are attributed (attribution.ts); a dead session's unacked batches go back to the queue front
 * and are resent, under new batch ids, on the next session (at-least-once: the server does not
 * deduplicate, so a batch written before the connection died is written again). After such a
 * loss the window is 1 until a connection earns trust (slow start, send-window.ts).
 *
 * It works against `Observable<Session>` only: the core decides when sessions come and go.
 * Everything time-related goes through the injected scheduler, so tests run in virtual time.
 */
import { type Observable, type SchedulerLike, Subject, Subscription, asyncScheduler } from 'rxjs';
import { Command, Flags } from '../../wire/constants.js';
import { errorFromServerText } from '../../wire/classify.js';
import { BackpressureError, ClosedError, ConnectionError, LanceError, TimeoutError } from '../../wire/errors.js';
import { sealFrame } from '../../wire/frame.js';
import type { Frame } from '../../wire/frame.js';
import type { Session } from '../session.js';
import { Admission } from './admission.js';
import { InFlightWindow, type AttributionSink } from './attribution.js';
import { type Batch, type ProduceAck, type ProduceFailure, type ProduceOutcome } from './batch.js';
import { Deque } from './deque.js';
import { Unsettled } from './unsettled.js';
import { FailureLog } from './failure-log.js';
import { Lane, type LaneHost } from './lane.js';
import { MemoryBudget } from './memory-budget.js';
import { FramePool } from './frame-pool.js';
import { HEADER_SIZE } from '../../wire/constants.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { Counters, type ProducerStats } from './stats.js';
import { errorFields } from '../logger.js';
import { SendWindow } from './send-window.js';

const EMPTY = new Uint8Array(0);
const textDecoder = new TextDecoder();

type State = 'open' | 'closing' | 'closed';

export class ProducerEngine implements LaneHost, AttributionSink {
  readonly options: ResolvedProducerOptions;
  readonly budget: MemoryBudget;
  readonly framePool: FramePool;
  /** The way records come in, for every face. */
  readonly admission: Admission;
  /** Every outcome, hot. Completes (or errors with the upstream error) once closed. */
  readonly outcomes = new Subject<ProduceOutcome>();

  private readonly lanes = new Map<number, Lane>();
  private readonly queue = new Deque<Batch>();
  private readonly unsettled = new Unsettled();
  private readonly counters = new Counters();
  private readonly sessionsSub: Subscription;
  private session: Session | undefined;
  private inflight: InFlightWindow = new InFlightWindow(this);
  private framesSub: Subscription | undefined;
  private drainSub: Subscription | undefined;
  private timeoutCheck: Subscription | undefined;
  /** Backpressure frames of the current session not yet explained (see `backpressured`), with their timers. */
  private backpressures: { readonly mark: number }[] = [];
  private backpressureTimers = new Subscription();
  private deliveryCheck: Subscription | undefined;
  private blocked = false;
  private nextBatchId = 1;
  /** The in-flight window: slow start after a connection loss (send-window.ts). */
  private readonly window: SendWindow;
  private serial = 0;
  /** Failures of batches holding fire-and-forget records (`sendAsync`): the Promise face's flush()/close() report them. */
  readonly unobservedFailures = new FailureLog();
  /** Every failure and refusal: what an Rx `flush()` reports. */
  readonly failures = new FailureLog();
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
    this.options = resolveProducerOptions(options);
    this.budget = new MemoryBudget(this.options.bufferMemory, scheduler, this.options.maxWaitingBytes);
    const o = this.options;
    // Large buffers: as many as bufferMemory lets be in flight at once, plus the one being packed.
    this.framePool = new FramePool(HEADER_SIZE + o.batchSize, o.maxPendingAcks, HEADER_SIZE + o.maxRequestBytes, Math.ceil(o.bufferMemory / o.maxRequestBytes) + 1);
    this.window = new SendWindow(this.options.maxPendingAcks);
    this.admission = new Admission(this);
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
      inFlight: this.inflight.length,
      queued: this.queue.length,
      bufferedBytes: this.budget.usedBytes,
      window: this.window.size,
    };
  }

  get isClosed(): boolean {
    return this.state === 'closed';
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
  close(timeoutMs: number = this.options.closeTimeoutMs, upstreamError?: { error: unknown }): Promise<void> {
    if (upstreamError !== undefined && this.upstreamError === undefined) this.upstreamError = upstreamError;
    if (this.closing !== undefined) return this.closing;
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

  /** Undefined while records are taken; otherwise why not (closing, closed, failed). */
  refusal(): LanceError | undefined {
    if (this.fatal !== undefined) return this.fatal;
    return this.state === 'open' ? undefined : new ClosedError('producer is closed');
  }

  // ---- LaneHost ------------------------------------------------------------------------------

  isIdle(): boolean {
    return this.inflight.length === 0 && this.queue.length === 0;
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
    this.armDeliveryDeadline();
    if (this.fatal !== undefined) {
      this.fail(batch, this.fatal);
      return;
    }
    this.queue.push(batch);
    this.pump();
  }

  rejected(topicId: number, seq: number, error: LanceError, dropped: boolean): void {
    this.counters.recordsRejected++;
    if (dropped) this.counters.recordsDropped++;
    this.failures.note(error);
    this.outcomes.next({ type: dropped ? 'dropped' : 'rejected', topicId, seq, error });
  }

  unobservedFailure(err: LanceError): void {
    this.unobservedFailures.note(err);
  }

  // ---- AttributionSink -----------------------------------------------------------------------

  acked(b: Batch): void {
    this.window.onAck();
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

  failed(b: Batch, error: LanceError): void {
    // The server answered for it, so its bytes have left the socket.
    this.recycle(b);
    this.fail(b, error);
  }

  private recycle(b: Batch): void {
    if (b.pooled) {
      b.pooled = false;
      this.framePool.give(b.frame);
    }
  }

  unexplained(b: Batch): void {
    // Skipped by a later ack with no error frame to explain it: outcome unknown, so resend it.
    // onFrame pumps it out again after the ack is handled. A pending Backpressure frame that may
    // have been about it is explained by this (its timer must not resend another batch).
    const i = this.backpressures.findIndex((e) => e.mark >= b.batchId);
    if (i >= 0) this.backpressures.splice(i, 1);
    this.requeue([b], new ConnectionError(`batch ${b.batchId} was skipped by a later ack without an error`));
  }

  // ---- sessions ------------------------------------------------------------------------------

  private attach(s: Session): void {
    if (this.state === 'closed') return;
    if (this.session !== undefined) this.detach(new ConnectionError('the connection was replaced'));
    this.counters.sessions++;
    this.session = s;
    this.nextBatchId = 1;
    this.inflight = new InFlightWindow(this);
    this.blocked = false;
    const sub = s.frames$.subscribe({
      next: (f) => this.onFrame(s, f),
      error: (err: unknown) => this.sessionEnded(s, asLanceError(err, 'connection lost')),
      complete: () => this.sessionEnded(s, new ConnectionError('connection closed')),
    });
    if (this.session === s) {
      this.framesSub = sub;
      this.pump();
    } else {
      sub.unsubscribe();
    }
  }

  private sessionEnded(s: Session, err: LanceError): void {
    if (this.session === s) this.detach(err);
  }

  /** Forgets the current session; its unacked batches go back to the queue front. */
  private detach(err: LanceError): void {
    const s = this.session;
    if (s === undefined) return;
    this.session = undefined;
    this.framesSub?.unsubscribe();
    this.framesSub = undefined;
    this.drainSub?.unsubscribe();
    this.drainSub = undefined;
    this.timeoutCheck?.unsubscribe();
    this.timeoutCheck = undefined;
    this.backpressureTimers.unsubscribe();
    this.backpressureTimers = new Subscription();
    this.backpressures = [];
    const unknown = this.inflight.drain();
    // Their outcome is unknown: they are resent one at a time until a connection earns trust, so a
    // connection that dies again does not store the whole window twice (no resend storm).
    if (unknown.length > 0) this.window.onLoss();
    this.requeue(unknown, err);
  }

  /** Ends the session on our side (timeout, retryable error) and asks the core for a new one. */
  private kill(err: LanceError): void {
    const s = this.session;
    if (s === undefined) return;
    this.detach(err);
    s.kill(err);
  }

  /** Puts `batches` (oldest first) back at the queue front, or fails those out of retries. */
  private requeue(batches: Batch[], err: LanceError): void {
    for (let i = batches.length - 1; i >= 0; i--) {
      const b = batches[i]!;
      if (b.outcome !== undefined) continue; // past its deadline while in flight
      b.lastError = err;
      if (b.attempts > this.options.maxRetries || this.fatal !== undefined) {
        this.fail(b, this.fatal ?? err);
      } else {
        this.counters.retries++;
        this.queue.unshift(b);
      }
    }
  }

  private onFrame(s: Session, f: Frame): void {
    const flags = f.flags;
    if (flags & Flags.CONTROL) {
      // A producer connection carries no control requests: the only control frame is an ingest error.
      if (Number(f.batchId & 0xffn) !== Command.ERROR_RESPONSE) return;
      const err = errorFromServerText(textDecoder.decode(f.payload));
      if (err.isRetryable()) {
        // FORWARD_FAILED / NOT_LEADER: the cluster is moving. Resend everything unacked on a fresh
        // session rather than wait to learn which batch it was.
        this.kill(err);
        return;
      }
      this.inflight.error(err);
    } else if (flags & Flags.KEEPALIVE) {
      return;
    } else if (flags & Flags.ACK) {
      this.inflight.ack(Number(f.batchId));
    } else if (flags & Flags.BACKPRESSURE) {
      this.counters.backpressureFrames++;
      this.window.onBackpressure();
      this.backpressured(s);
      return;
    } else {
      return;
    }
    if (this.session !== s) return;
    this.pump();
  }

  /**
   * A Backpressure frame arrived: resend the batch it refused after `retryBackoffMs` rather than
   * wait out `requestTimeoutMs` for an ack that will not come.
   *
   * What the wire says (PROTOCOL.md §6.4, §1.6, §3.5, §7.1): the Lance server never sends one; the
   * Rust client, with one request outstanding, takes one received while waiting for an ack as that
   * request's answer (a retryable `ServerBackpressure`). Nothing documents its batch id, and
   * nothing says whether the refused batch was written. So, conservatively:
   * - We never read its batch id. It answers one of the batches in flight when it arrived (ids up
   *   to `mark`); acks are FIFO, so the one it replaced is the oldest of them still unanswered.
   * - One frame resends at most one batch (no storm), and only if, `retryBackoffMs` later, a batch
   *   with id ≤ `mark` still has no answer. If all of them were acked meanwhile, the frame was
   *   advisory and nothing is resent. If a later ack skipped one of them, `unexplained` already
   *   resent it and the frame counts as explained.
   * - The batch is resent on the same session under a new id; if it was written after all, the
   *   late ack of its old id is a stray ack and the server holds a duplicate (at-least-once, as for
   *   every resend). Its outcome is still settled once, by the ack of the new id.
   */
  private backpressured(s: Session): void {
    const newest = this.inflight.newest();
    if (newest === undefined) return; // nothing it could be about
    const entry = { mark: newest.batchId };
    this.backpressures.push(entry);
    // Unexplained while it is in the list; `unexplained()` takes it out when a skipped ack explains it.
    const finish = (): void => {
      const i = this.backpressures.indexOf(entry);
      if (i >= 0) this.backpressures.splice(i, 1);
    };
    const check = (): void => {
      if (this.session !== s) return;
      const oldest = this.inflight.oldest();
      // Explained meanwhile, or every batch it could be about got an answer.
      if (!this.backpressures.includes(entry) || oldest === undefined || oldest.batchId > entry.mark) return finish();
      const b = this.inflight.takeOldest();
      if (b === undefined) {
        // Error frames are waiting for attribution, maybe this batch's: decide after another delay.
        later();
        return;
      }
      finish();
      this.requeue([b], new BackpressureError(`batch ${b.batchId} was answered with a Backpressure frame`));
      this.pump();
    };
    const later = (): void => {
      const timer: Subscription = this.scheduler.schedule(() => {
        this.backpressureTimers.remove(timer);
        check();
      }, this.options.retryBackoffMs);
      this.backpressureTimers.add(timer);
    };
    later();
  }

  // ---- sending -------------------------------------------------------------------------------

  private pump(): void {
    const s = this.session;
    if (s === undefined || this.blocked) return;
    while (this.queue.length > 0 && this.inflight.length < this.window.size) {
      const b = this.queue.shift()!;
      if (b.outcome !== undefined) continue; // failed by its delivery deadline while queued
      if (b.attempts > 0) {
        // A resend: the dead socket may still reference the old buffer, so rewrite a copy.
        const copy = Buffer.allocUnsafe(b.frame.length);
        copy.set(b.frame);
        b.frame = copy;
        b.pooled = false;
        this.counters.resent += b.count;
      }
      b.attempts++;
      b.batchId = this.nextBatchId++;
      b.epoch = s.epoch;
      b.sentAt = this.scheduler.now();
      sealFrame(b.frame, {
        flags: Flags.BATCH_MODE,
        batchId: BigInt(b.batchId),
        timestampNs: BigInt(Date.now()) * 1_000_000n,
        recordCount: b.count,
        topicId: b.topicId,
      });
      this.inflight.add(b);
      this.counters.framesSent++;
      this.armTimeout();
      const ok = s.send(b.frame);
      if (this.session !== s) return;
      if (!ok) {
        this.blocked = true;
        this.drainSub = s.drain$.subscribe({
          next: () => {
            this.drainSub?.unsubscribe();
            this.drainSub = undefined;
            this.blocked = false;
            this.pump();
          },
          // The session died: frames$ reports it (and we requeue there).
          error: () => undefined,
        });
        return;
      }
    }
    // The pipe has drained: the frames packed behind it leave now (Nagle's rule; lane.ts).
    if (this.options.flushWhenIdle && this.isIdle()) {
      for (const lane of this.lanes.values()) if (lane.openRecords > 0) lane.flush();
    }
  }

  /**
   * One timer per producer on the oldest unsettled batch (creation order is deadline order): past
   * `deliveryTimeoutMs` it fails, wherever it is. A queued one is skipped by pump(); an in-flight
   * one keeps its place in the window, so later acks are still attributed by order.
   */
  private armDeliveryDeadline(): void {
    if (this.deliveryCheck !== undefined) return;
    const limit = this.options.deliveryTimeoutMs;
    if (!Number.isFinite(limit)) return;
    const check = (): void => {
      this.deliveryCheck = undefined;
      for (let b = this.unsettled.oldest(); b !== undefined; b = this.unsettled.oldest()) {
        const age = this.scheduler.now() - b.createdAt;
        if (age < limit) {
          this.deliveryCheck = this.scheduler.schedule(check, limit - age);
          return;
        }
        this.fail(b, deliveryTimedOut(b, limit));
      }
    };
    const oldest = this.unsettled.oldest();
    if (oldest !== undefined) this.deliveryCheck = this.scheduler.schedule(check, Math.max(0, limit - (this.scheduler.now() - oldest.createdAt)));
  }

  /** One timer per session, checking the oldest in-flight batch's age (no timer per batch). */
  private armTimeout(): void {
    const limit = this.options.requestTimeoutMs;
    if (this.timeoutCheck !== undefined || !Number.isFinite(limit)) return;
    const check = (): void => {
      this.timeoutCheck = undefined;
      const oldest = this.inflight.oldest();
      if (this.session === undefined || oldest === undefined) return;
      const age = this.scheduler.now() - oldest.sentAt;
      if (age >= limit) {
        this.kill(new TimeoutError(`no ack for batch ${oldest.batchId} within ${limit} ms`));
      } else {
        this.timeoutCheck = this.scheduler.schedule(check, limit - age);
      }
    };
    this.timeoutCheck = this.scheduler.schedule(check, limit);
  }

  // ---- settling ------------------------------------------------------------------------------

  private fail(b: Batch, error: LanceError): void {
    this.counters.recordsFailed += b.count;
    this.options.logger.warn('lnc-client: batch failed', { topicId: b.topicId, records: b.count, attempts: b.attempts, ...errorFields(error) });
    const failure: ProduceFailure = { type: 'failed', topicId: b.topicId, firstSeq: b.firstSeq, count: b.count, error };
    if (b.ticket?.unobserved) this.unobservedFailures.note(error);
    this.failures.note(error);
    this.settle(b, failure);
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
    b.ticket?.settle(outcome);
    this.outcomes.next(outcome);
    if (this.unsettled.size === 0) this.finishClose?.();
  }

  /** The connection is gone for good (session$ ended): fail everything, refuse what comes next. */
  private failAll(err: LanceError): void {
    if (this.fatal !== undefined || this.state === 'closed') return;
    this.fatal = err;
    const s = this.session;
    if (s !== undefined) this.detach(err); // requeue() fails them, since fatal is set
    for (const b of this.queue.drain()) this.fail(b, err);
    for (const lane of this.lanes.values()) lane.flush(); // open batches fail through enqueue()
    this.budget.close(err);
  }

  private shutdown(): void {
    this.state = 'closed';
    for (const b of this.unsettled.snapshot()) {
      this.fail(
        b,
        new ClosedError(
          b.attempts === 0
            ? 'producer closed before this batch could be sent'
            : 'producer closed before this batch was acknowledged: it may or may not have been written',
        ),
      );
    }
    this.queue.drain();
    this.session = undefined;
    this.framesSub?.unsubscribe();
    this.drainSub?.unsubscribe();
    this.timeoutCheck?.unsubscribe();
    this.backpressureTimers.unsubscribe();
    this.deliveryCheck?.unsubscribe();
    this.sessionsSub.unsubscribe();
    this.unsettled.releaseAll();
    if (this.upstreamError !== undefined) this.outcomes.error(this.upstreamError.error);
    else this.outcomes.complete();
  }
}

function deliveryTimedOut(b: Batch, limit: number): TimeoutError {
  const fate =
    b.attempts === 0
      ? 'it was never sent'
      : `sent ${b.attempts} time${b.attempts === 1 ? '' : 's'}, it may or may not have been written`;
  return new TimeoutError(`batch of ${b.count} records to topic ${b.topicId} not acked within deliveryTimeoutMs (${limit} ms): ${fate}`, {
    ...(b.lastError !== undefined ? { cause: b.lastError } : {}),
  });
}

function asLanceError(err: unknown, what: string): LanceError {
  return err instanceof LanceError ? err : new ConnectionError(`${what}: ${String(err)}`, { cause: err });
}
