/**
 * One topic's entrance to the engine: records in, batches out.
 *
 * Per record (the hot path, after admission.ts has checked it and reserved its bytes): one TLV
 * write straight into the open batch's frame buffer. That write is the only copy of the caller's
 * bytes, and it happens before `next()`/`accept()` returns: the caller may then reuse or
 * overwrite its buffer (a common Node pattern), and the stored record is what was passed. Batching follows
 * `batchRecords` (operators/batch-records.ts), inlined over the frame: a record that would push
 * the batch past its capacity closes it first, a full batch leaves at once, a record bigger than
 * the capacity goes alone. With `flushWhenIdle` (the default) a record that finds the engine idle
 * leaves at once, and a frame started while others are in flight is packed up to `maxRequestBytes`
 * and leaves when full or when the engine has drained (it flushes open lanes then); without it, a
 * partial batch of at most `batchSize` leaves `lingerMs` after its first record. Always on flush. Records get
 * sequence numbers in arrival order (rejected ones too), and a batch covers a contiguous range of
 * them: before a rejection the open batch is flushed, so no batch straddles a rejected record.
 *
 * The Promise face asks which batch a record landed in (`ticketFor`) to hand out that batch's
 * shared promise; a record is either in the batch formed last, or in the open one. Once the
 * producer stops taking records (admission refuses them), close() flushes the open batch.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { HEADER_SIZE } from '../../wire/constants.js';
import type { LanceError } from '../../wire/errors.js';
import { Batch, type ProduceAck, Ticket } from './batch.js';
import { type ProducerRecord, finishBatch, writeTlv } from './records.js';
import type { ResolvedProducerOptions } from './options.js';
import type { FramePool } from './frame-pool.js';

/** What a lane needs from its engine. */
export interface LaneHost {
  readonly options: ResolvedProducerOptions;
  readonly scheduler: SchedulerLike;
  readonly framePool: FramePool;
  /** True when nothing is queued or in flight (Nagle: send the open batch at once). */
  isIdle(): boolean;
  nextSerial(): number;
  enqueue(batch: Batch): void;
  rejected(topicId: number, seq: number, error: LanceError, dropped: boolean): void;
  accepted(): void;
  /** A batch holding fire-and-forget records failed: the next flush()/close() must report it. */
  unobservedFailure(err: LanceError): void;
}

export class Lane {
  /** Sequence number of the next record offered. */
  private seq = 0;
  /** Sequence number of the first record of the open batch. */
  private batchStart = 0;
  /** Records in the open batch. */
  private open = 0;
  /** The open batch's frame (undefined while it holds no record) and its TLV bytes so far. */
  private frame: Buffer | undefined;
  private pooled = false;
  private bytes = 0;
  /** TLV bytes the open frame may hold: `batchSize`, or `maxRequestBytes` when it is packed. */
  private capacity = 0;
  private linger: Subscription | undefined;
  private openTicket: Ticket | undefined;
  /** The open batch holds a fire-and-forget record: its ticket is marked unobserved when it forms. */
  private openUnobserved = false;
  private last: Batch | undefined;

  constructor(
    readonly topicId: number,
    private readonly host: LaneHost,
  ) {}

  /** Records accepted and not yet in a formed batch. */
  get openRecords(): number {
    return this.open;
  }

  /**
   * Takes a valid record whose `size` is already reserved in the budget; returns its sequence
   * number. An `unobserved` (fire-and-forget) record's failure must surface on flush/close: it
   * costs one flag per record, since one that stays in the open batch marks the batch once, when
   * it forms.
   */
  accept(r: ProducerRecord, size: number, unobserved = false): number {
    const seq = this.seq++;
    this.host.accepted();
    const o = this.host.options;
    if (this.open > 0 && this.bytes + size > this.capacity) this.form();
    let frame = this.frame;
    if (frame === undefined) {
      // Packing: a frame started while others are in flight (or queued) waits for them anyway, so
      // it may grow to maxRequestBytes and fill the server's read-flush-ack cycle; one started
      // while idle leaves at once (flushWhenIdle) and needs no big buffer.
      const packed = o.flushWhenIdle && o.maxRequestBytes > o.batchSize && !this.host.isIdle();
      this.capacity = packed ? o.maxRequestBytes : o.batchSize;
      // A bigger record gets a frame of its own (and goes alone).
      const taken = this.host.framePool.take(HEADER_SIZE + Math.max(size, this.capacity));
      frame = this.frame = taken.frame;
      this.pooled = taken.pooled;
      // Without flushWhenIdle, batches are cut by age; with it, by the pipe draining (the engine
      // flushes open lanes once nothing is in flight), so a packed frame is never cut early.
      if (!o.flushWhenIdle) this.linger = this.host.scheduler.schedule(() => this.form(), o.lingerMs);
    }
    writeTlv(frame, HEADER_SIZE + this.bytes, r);
    this.bytes += size;
    this.open++;
    if (this.bytes >= this.capacity || (o.flushWhenIdle && this.host.isIdle())) this.form();
    // Still open (and not formed by a re-entrant send meanwhile): the batch is marked when it forms.
    if (unobserved) {
      if (this.open > 0 && seq >= this.batchStart) this.openUnobserved = true;
      else this.markUnobserved(seq);
    }
    return seq;
  }

  /** Reports a record that was not taken, keeping sequence numbers aligned with `next()` calls. */
  reject(error: LanceError, dropped: boolean): number {
    if (this.open > 0) this.form();
    const seq = this.seq++;
    this.batchStart = this.seq;
    this.host.rejected(this.topicId, seq, error, dropped);
    return seq;
  }

  /** Sends the open batch now. */
  flush(): void {
    if (this.open > 0) this.form();
  }

  /** The promise shared by the records of the batch that holds `seq` (an accepted record). */
  ticketFor(seq: number): Promise<ProduceAck> {
    return this.ticketOf(seq).wait();
  }

  private markUnobserved(seq: number): void {
    const t = this.ticketOf(seq);
    if (t.outcome?.type === 'failed') this.host.unobservedFailure(t.outcome.error);
    else t.unobserved = true;
  }

  private ticketOf(seq: number): Ticket {
    const last = this.last;
    if (last !== undefined && seq >= last.firstSeq && seq < last.firstSeq + last.count) {
      if (last.ticket === undefined) {
        last.ticket = new Ticket();
        // The batch may already be settled (e.g. failed at once because the connection is gone).
        if (last.outcome !== undefined) last.ticket.settle(last.outcome);
      }
      return last.ticket;
    }
    return (this.openTicket ??= new Ticket());
  }

  /** Closes the open batch (never empty) and hands it to the engine. */
  private form(): void {
    this.linger?.unsubscribe();
    this.linger = undefined;
    const count = this.open;
    const firstSeq = this.batchStart;
    const tlvBytes = this.bytes;
    const { frame, pooled } = finishBatch(
      this.frame!.subarray(0, HEADER_SIZE + tlvBytes),
      this.pooled,
      this.host.options.compression,
      this.host.framePool,
    );
    // Reset before enqueue(): a re-entrant accept (from an outcome handler) starts a fresh batch.
    this.batchStart += count;
    this.open = 0;
    this.bytes = 0;
    this.frame = undefined;
    this.pooled = false;
    const batch = new Batch(this.topicId, firstSeq, count, frame, tlvBytes, this.host.nextSerial());
    batch.pooled = pooled;
    if (this.openUnobserved) {
      (this.openTicket ??= new Ticket()).unobserved = true;
      this.openUnobserved = false;
    }
    batch.ticket = this.openTicket;
    this.openTicket = undefined;
    this.last = batch;
    this.host.enqueue(batch);
  }
}
