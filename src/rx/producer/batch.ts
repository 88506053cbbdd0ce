/**
 * One batch: the records of one lane (topic) cut by linger/size, encoded once into a frame buffer,
 * then sent, possibly resent on later sessions under new batch ids, until it settles exactly once
 * (acked, or failed with a typed error). Records are identified by their lane sequence number
 * (0, 1, 2, … per producer lane), so one batch covers `[firstSeq, firstSeq + count)`.
 */
import type { LanceError } from '../../wire/errors.js';
import type { ProduceDiagnostic } from '../diagnostics.js';

/** A batch the server acknowledged: durably written (PROTOCOL.md §2.3.1). */
export interface ProduceAck {
  readonly type: 'acked';
  readonly topicId: number;
  /** Lane sequence number of the batch's first record. */
  readonly firstSeq: number;
  readonly count: number;
  /** Batch id on the session that acked it (ids restart at 1 on every session). */
  readonly batchId: bigint;
  /** `Session.epoch` of that session. */
  readonly epoch: number;
  /** TLV bytes of the records (before compression). */
  readonly bytes: number;
  /** Sends it took (1 = no retry). Above 1 the server may hold duplicates: delivery is at-least-once. */
  readonly attempts: number;
}

/** A batch that will not be delivered: non-retryable server error, retries exhausted, or closed. */
export interface ProduceFailure {
  readonly type: 'failed';
  readonly topicId: number;
  readonly firstSeq: number;
  readonly count: number;
  readonly error: LanceError;
}

/** A single record refused before it joined a batch (invalid, too big, closed, or no room). */
export interface ProduceRejection {
  readonly type: 'rejected' | 'dropped';
  readonly topicId: number;
  readonly seq: number;
  readonly error: LanceError;
}

/** Everything `acks$` reports: every record passed to `next()` is covered by exactly one outcome. */
export type ProduceOutcome = ProduceAck | ProduceFailure | ProduceRejection;

/**
 * What the Promise face attaches to a batch: one promise shared by all `send()`s of its records
 * (no per-record promise), and whether fire-and-forget records (`sendAsync`) are in it, whose
 * failure must then surface through `flush()`/`close()`.
 */
export class Ticket {
  /** Set once the batch settles. */
  outcome: ProduceAck | ProduceFailure | undefined;
  unobserved = false;
  private promise: Promise<ProduceAck> | undefined;
  private resolve: ((ack: ProduceAck) => void) | undefined;
  private reject: ((err: LanceError) => void) | undefined;

  /** The shared promise, created on first use (never for fire-and-forget-only batches). */
  wait(): Promise<ProduceAck> {
    if (this.promise !== undefined) return this.promise;
    const o = this.outcome;
    if (o !== undefined) this.promise = o.type === 'acked' ? Promise.resolve(o) : Promise.reject(o.error);
    else {
      this.promise = new Promise<ProduceAck>((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
    }
    return this.promise;
  }

  settle(o: ProduceAck | ProduceFailure): void {
    if (this.outcome !== undefined) return;
    this.outcome = o;
    if (o.type === 'acked') this.resolve?.(o);
    else this.reject?.(o.error);
    this.resolve = this.reject = undefined;
  }
}

export class Batch {
  /** Id on the session it was last sent on; 0 while unsent. */
  batchId = 0;
  epoch = 0;
  /** `scheduler.now()` of the last send. */
  sentAt = 0;
  /** `scheduler.now()` when it was cut: its delivery deadline counts from here. */
  createdAt = 0;
  attempts = 0;
  lastError: LanceError | undefined;
  outcome: ProduceAck | ProduceFailure | undefined;
  ticket: Ticket | undefined;
  /** The current send attempt's diagnostics context, while someone traces (batch-trace.ts). */
  trace: ProduceDiagnostic | undefined;
  /** `frame` is a pool buffer (see frame-pool.ts). */
  pooled = false;

  constructor(
    readonly topicId: number,
    readonly firstSeq: number,
    readonly count: number,
    /** Header space + payload; the header is (re)written by `sealFrame` at each send. */
    public frame: Uint8Array,
    /** Bytes reserved in the memory budget (TLV size), released when the batch settles. */
    readonly tlvBytes: number,
    /** Creation order across the engine; `flush()` waits for everything below a mark. */
    readonly serial: number,
  ) {}
}
