/**
 * The in-flight window of one session and the attribution of its acks and errors to batches.
 *
 * Facts (PROTOCOL.md §2.3.1, §6.2): acks carry the batch id and come in submission order; an error
 * frame carries no batch id. The server handles one socket read at a time: inline rejections
 * ("Unknown topic", "Authentication required") of a read are written during its pass, before the
 * acks of that read; all acks of a read precede any reply to a later read. So an error can overtake
 * acks of *earlier* batches of the same read, but never follows an ack of a *later* batch. Hence:
 *
 * 1. An ack for batch k that skips unacked batches j < k proves each j failed, and each j's error
 *    has already arrived. Errors are FIFO among themselves, like the skipped batches, so the i-th
 *    pending error belongs to the i-th skipped batch.
 * 2. Every pending error belongs to a distinct unacked batch. When there are as many pending
 *    errors as unacked batches, all of them failed (pigeonhole), in order.
 *
 * Nothing else is guessed: an error that cannot yet be attributed waits for the next ack or error.
 * Batch ids on a session are consecutive from 1 and only prefixes (rule 1) or everything (rule 2)
 * leave the window, so the window is always a contiguous run of ids and an ack is found by index.
 */
import type { LanceError } from '../../wire/errors.js';
import type { Batch } from './batch.js';
import { Deque } from './deque.js';

export interface AttributionSink {
  acked(batch: Batch): void;
  failed(batch: Batch, error: LanceError): void;
  /** Skipped by a later ack with no error to explain it (not expected from a Lance server). */
  unexplained(batch: Batch): void;
}

export class InFlightWindow {
  private readonly batches = new Deque<Batch>();
  private readonly errors = new Deque<LanceError>();
  /** Acks for ids not in the window (stale, or from a misbehaving peer). */
  strayAcks = 0;
  /** Errors that arrived with nothing left to attribute them to. */
  strayErrors = 0;

  constructor(private readonly sink: AttributionSink) {}

  get length(): number {
    return this.batches.length;
  }

  oldest(): Batch | undefined {
    return this.batches.peek();
  }

  newest(): Batch | undefined {
    return this.batches.get(this.batches.length - 1);
  }

  /**
   * Takes the oldest batch out of the window without an outcome (to be resent), or undefined when
   * errors are waiting for attribution (one of them may be that batch's). The window stays a
   * contiguous run of ids; a late ack for the taken id is then a stray ack.
   */
  takeOldest(): Batch | undefined {
    if (this.errors.length > 0) return undefined;
    return this.batches.shift();
  }

  /** `batch.batchId` must be one above the previous one's. */
  add(batch: Batch): void {
    this.batches.push(batch);
  }

  ack(batchId: number): void {
    const first = this.batches.peek();
    if (first === undefined) {
      this.strayAcks++;
      return;
    }
    const idx = batchId - first.batchId;
    if (idx < 0 || idx >= this.batches.length) {
      this.strayAcks++;
      return;
    }
    for (let i = 0; i < idx; i++) {
      const skipped = this.batches.shift()!;
      const err = this.errors.shift();
      if (err === undefined) this.sink.unexplained(skipped);
      else this.sink.failed(skipped, err);
    }
    this.sink.acked(this.batches.shift()!);
    this.settleByCount();
  }

  error(err: LanceError): void {
    this.errors.push(err);
    this.settleByCount();
  }

  /** Empties the window (the session ended): the batches, oldest first; pending errors are forgotten. */
  drain(): Batch[] {
    this.errors.drain();
    return this.batches.drain();
  }

  private settleByCount(): void {
    const n = this.errors.length;
    if (n === 0) return;
    if (this.batches.length === 0) {
      this.strayErrors += n;
      this.errors.drain();
      return;
    }
    if (n < this.batches.length) return;
    while (this.batches.length > 0) this.sink.failed(this.batches.shift()!, this.errors.shift()!);
    this.strayErrors += this.errors.length;
    this.errors.drain();
  }
}
