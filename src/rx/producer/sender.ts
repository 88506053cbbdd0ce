/**
 * One session's part of the producer: it writes queued batches to the session up to the send
 * window, attributes the session's acks and errors to them (attribution.ts), times out a silent
 * connection and answers Backpressure frames (backpressure.ts). It lives as long as its session;
 * batch ids restart at 1 with each one. When the session ends, on either side, the engine takes
 * back the batches still in flight (`stop`) and resends them on the next session.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { traceBatchSent } from './batch-trace.js';
import { Command, Flags } from '../../wire/constants.js';
import { errorFromServerText } from '../../wire/classify.js';
import { ConnectionError, LanceError, TimeoutError } from '../../wire/errors.js';
import { type Frame, sealFrame } from '../../wire/frame.js';
import type { Session } from '../session.js';
import { type AttributionSink, InFlightWindow } from './attribution.js';
import { Backpressure } from './backpressure.js';
import type { Batch } from './batch.js';
import type { ResolvedProducerOptions } from './options.js';
import type { SendWindow } from './send-window.js';
import type { Counters } from './stats.js';

const textDecoder = new TextDecoder();

/** What a session's sender needs from the producer-lifetime engine. */
export interface SenderHost {
  readonly options: ResolvedProducerOptions;
  readonly scheduler: SchedulerLike;
  /** Survives sessions: slow start after a loss (send-window.ts). */
  readonly window: SendWindow;
  readonly counters: Counters;
  /** Bytes admitted and not yet settled, for the produce trace. */
  readonly bufferedBytes: number;
  /** The oldest queued batch still unsettled, taken off the queue; undefined when none is left. */
  nextBatch(): Batch | undefined;
  acked(batch: Batch): void;
  failed(batch: Batch, error: LanceError): void;
  /** Puts batches whose outcome is unknown back at the queue front (oldest first), or fails them. */
  requeue(batches: Batch[], error: LanceError): void;
  /** The session ended (`sender` is the one it belonged to): the engine calls `stop()` and takes the batches back. */
  ended(sender: SessionSender, error: LanceError): void;
  /** Everything queued has been written: open lanes may send their partial batches now. */
  drained(): void;
}

export class SessionSender implements AttributionSink {
  readonly inflight = new InFlightWindow(this);
  private readonly backpressure: Backpressure;
  private framesSub: Subscription | undefined;
  private drainSub: Subscription | undefined;
  private timeoutCheck: Subscription | undefined;
  private blocked = false;
  private nextBatchId = 1;
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly host: SenderHost,
  ) {
    this.backpressure = new Backpressure(this.inflight, host.scheduler, host.options.retryBackoffMs, (b, err) => {
      host.requeue([b], err);
      this.pump();
    });
  }

  /** Starts reading the session's frames and sends what is queued. */
  start(): void {
    const sub = this.session.frames$.subscribe({
      next: (f) => this.onFrame(f),
      error: (err: unknown) => this.host.ended(this, asLanceError(err, 'connection lost')),
      complete: () => this.host.ended(this, new ConnectionError('connection closed')),
    });
    // The session may have ended during subscribe.
    if (this.stopped) sub.unsubscribe();
    else {
      this.framesSub = sub;
      this.pump();
    }
  }

  /** Lets go of the session (its timers and streams): the batches in flight, oldest first, with their outcome unknown. */
  stop(): Batch[] {
    this.stopped = true;
    this.framesSub?.unsubscribe();
    this.drainSub?.unsubscribe();
    this.timeoutCheck?.unsubscribe();
    this.backpressure.stop();
    return this.inflight.drain();
  }

  /** Writes queued batches while the window and the socket have room. */
  pump(): void {
    if (this.stopped || this.blocked) return;
    const s = this.session;
    const { counters, window } = this.host;
    while (this.inflight.length < window.size) {
      const b = this.host.nextBatch();
      if (b === undefined) break;
      if (b.attempts > 0) {
        // A resend: the dead socket may still reference the old buffer, so rewrite a copy.
        const copy = Buffer.allocUnsafe(b.frame.length);
        copy.set(b.frame);
        b.frame = copy;
        b.pooled = false;
        counters.resent += b.count;
      }
      b.attempts++;
      b.batchId = this.nextBatchId++;
      b.epoch = s.epoch;
      b.sentAt = this.host.scheduler.now();
      sealFrame(b.frame, {
        flags: Flags.BATCH_MODE,
        batchId: BigInt(b.batchId),
        timestampNs: BigInt(Date.now()) * 1_000_000n,
        recordCount: b.count,
        topicId: b.topicId,
      });
      this.inflight.add(b);
      counters.framesSent++;
      this.armTimeout();
      traceBatchSent(b, s.address, this.host.bufferedBytes);
      const ok = s.send(b.frame);
      if (this.stopped) return;
      if (!ok) {
        this.blocked = true;
        this.drainSub = s.drain$.subscribe({
          next: () => {
            this.drainSub?.unsubscribe();
            this.drainSub = undefined;
            this.blocked = false;
            this.pump();
          },
          // The session died: frames$ reports it (and the engine requeues there).
          error: () => undefined,
        });
        return;
      }
    }
    this.host.drained();
  }

  // ---- AttributionSink -----------------------------------------------------------------------

  acked(b: Batch): void {
    this.host.acked(b);
  }

  failed(b: Batch, error: LanceError): void {
    this.host.failed(b, error);
  }

  unexplained(b: Batch): void {
    // Skipped by a later ack with no error frame to explain it: outcome unknown, so resend it.
    // onFrame pumps it out again after the ack is handled.
    this.backpressure.explained(b);
    this.host.requeue([b], new ConnectionError(`batch ${b.batchId} was skipped by a later ack without an error`));
  }

  // ---- receiving -----------------------------------------------------------------------------

  private onFrame(f: Frame): void {
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
      this.host.counters.backpressureFrames++;
      this.host.window.onBackpressure();
      this.backpressure.arrived();
      return;
    } else {
      return;
    }
    this.pump();
  }

  /** Ends the session on our side (timeout, retryable error) and asks the core for a new one. */
  private kill(err: LanceError): void {
    this.host.ended(this, err);
    this.session.kill(err);
  }

  /** One timer per session, checking the oldest in-flight batch's age (no timer per batch). */
  private armTimeout(): void {
    const limit = this.host.options.requestTimeoutMs;
    if (this.timeoutCheck !== undefined || !Number.isFinite(limit)) return;
    const check = (): void => {
      this.timeoutCheck = undefined;
      const oldest = this.inflight.oldest();
      if (this.stopped || oldest === undefined) return;
      const age = this.host.scheduler.now() - oldest.sentAt;
      if (age >= limit) {
        this.kill(new TimeoutError(`no ack for batch ${oldest.batchId} within ${limit} ms`));
      } else {
        this.timeoutCheck = this.host.scheduler.schedule(check, limit - age);
      }
    };
    this.timeoutCheck = this.host.scheduler.schedule(check, limit);
  }
}

/** A session stream's error as a typed error: a `LanceError` as it is, anything else a `ConnectionError`. */
export function asLanceError(err: unknown, what: string): LanceError {
  return err instanceof LanceError ? err : new ConnectionError(`${what}: ${String(err)}`, { cause: err });
}
