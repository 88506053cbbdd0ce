/**
 * Per-record bookkeeping of a chaos run, indexed by the producer's sequence number (the record's
 * seq is both the producer lane's `seq` — 0, 1, 2, … in `next()` order — and the number written in
 * the record's value, so outcomes and consumed copies meet on the same index).
 *
 * Typed arrays that grow by doubling: a few bytes per record, outside the JS heap, so the heap
 * growth the harness measures is the client's, not ours.
 */
import type { ProduceOutcome } from '../../src/index';

export const ACKED = 1;
export const FAILED = 2;
export const REJECTED = 3;

class Bytes {
  a = new Uint8Array(1 << 16);
  ensure(n: number): void {
    if (n <= this.a.length) return;
    let size = this.a.length;
    while (size < n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.a);
    this.a = b;
  }
  /** Saturates at 255. */
  inc(i: number): number {
    this.ensure(i + 1);
    const v = this.a[i]!;
    if (v < 255) this.a[i] = v + 1;
    return v + 1;
  }
  get(i: number): number {
    return i < this.a.length ? this.a[i]! : 0;
  }
  set(i: number, v: number): void {
    this.ensure(i + 1);
    this.a[i] = Math.min(255, v);
  }
}

export interface LedgerTotals {
  /** Records passed to `producer.next()`. */
  readonly produced: number;
  readonly acked: number;
  readonly failed: number;
  readonly rejected: number;
  /** Distinct records consumed. */
  readonly consumed: number;
  /** Every copy consumed (duplicates included). */
  readonly consumedCopies: number;
  /** Acked records never consumed (lost). */
  readonly lost: number;
  /** Acked records absent from the server's stored log at the end (the server lost them: a durability bug). */
  readonly lostFromLog: number;
  /** Holes: records below the highest consumed seq that were never consumed and not failed/rejected. */
  readonly gaps: number;
  /** Copies beyond the first. */
  readonly duplicates: number;
  /** Upper bound on duplicates: Σ over acked batches of count × (attempts − 1). */
  readonly duplicateBound: number;
  /** Records consumed more often than their batch was sent (impossible unless something replays data). */
  readonly excessDuplicates: number;
  /** Records whose first copy arrived after a higher seq's first copy (resends after FORWARD_FAILED etc.). */
  readonly outOfOrder: number;
  /** Consumed records whose batch failed (written, but the producer could not learn it). */
  readonly consumedUnacked: number;
  /** Records with no outcome, or more than one (after the producer closed). */
  readonly outcomeViolations: number;
  /** Acked batches that took more than one send. */
  readonly resentBatches: number;
  /** Most sends any acked batch took. */
  readonly maxAttempts: number;
}

export class Ledger {
  produced = 0;
  private readonly outcome = new Bytes();
  private readonly outcomes = new Bytes();
  private readonly attempts = new Bytes();
  private readonly copies = new Bytes();
  private readonly stored = new Bytes();
  private scanned = false;
  private acked = 0;
  private failed = 0;
  private rejected = 0;
  private consumed = 0;
  private consumedCopies = 0;
  private duplicates = 0;
  private ackedConsumed = 0;
  private outOfOrder = 0;
  private highestFirstSeen = -1;
  private duplicateBound = 0;
  private resentBatches = 0;
  private maxAttempts = 0;

  /** Records one outcome from `acks$`. */
  outcomeOf(o: ProduceOutcome): void {
    if (o.type === 'acked' || o.type === 'failed') {
      const kind = o.type === 'acked' ? ACKED : FAILED;
      for (let s = o.firstSeq; s < o.firstSeq + o.count; s++) {
        this.outcome.set(s, kind);
        this.outcomes.inc(s);
        if (o.type === 'acked') {
          this.attempts.set(s, o.attempts);
          if (this.copies.get(s) > 0) this.ackedConsumed++;
        }
      }
      if (o.type === 'acked') {
        this.acked += o.count;
        this.duplicateBound += o.count * (o.attempts - 1);
        if (o.attempts > 1) this.resentBatches++;
        this.maxAttempts = Math.max(this.maxAttempts, o.attempts);
      } else this.failed += o.count;
    } else {
      this.outcome.set(o.seq, REJECTED);
      this.outcomes.inc(o.seq);
      this.rejected++;
    }
  }

  /** Records one consumed copy of record `seq`. */
  consumedSeq(seq: number): void {
    this.consumedCopies++;
    const n = this.copies.inc(seq);
    if (n === 1) {
      this.consumed++;
      if (this.outcome.get(seq) === ACKED) this.ackedConsumed++;
      if (seq < this.highestFirstSeen) this.outOfOrder++;
      else this.highestFirstSeen = seq;
    } else {
      this.duplicates++;
    }
  }

  /** Records one copy of record `seq` found in the server's stored log. */
  storedSeq(seq: number): void {
    this.scanned = true;
    this.stored.inc(seq);
  }

  /** Acked records not consumed yet (the drain phase waits for 0); O(1). */
  missingAcked(): number {
    return this.acked - this.ackedConsumed;
  }

  /** The lowest acked seq never consumed, for messages. */
  firstMissing(): number | undefined {
    for (let s = 0; s < this.produced; s++) if (this.outcome.get(s) === ACKED && this.copies.get(s) === 0) return s;
    return undefined;
  }

  totals(): LedgerTotals {
    let lost = 0;
    let lostFromLog = 0;
    let gaps = 0;
    let consumedUnacked = 0;
    let outcomeViolations = 0;
    let excess = 0;
    for (let s = 0; s < this.produced; s++) {
      const kind = this.outcome.get(s);
      const copies = this.copies.get(s);
      if (this.outcomes.get(s) !== 1) outcomeViolations++;
      if (kind === ACKED && copies === 0) lost++;
      if (kind === ACKED && this.scanned && this.stored.get(s) === 0) lostFromLog++;
      if (copies === 0 && s < this.highestFirstSeen && kind !== FAILED && kind !== REJECTED) gaps++;
      if (copies > 0 && kind !== ACKED) consumedUnacked++;
      // A batch sent k times can be stored at most k times.
      if (kind === ACKED && copies > this.attempts.get(s)) excess += copies - this.attempts.get(s);
    }
    // Copies of seqs the producer never produced are foreign records (counted by the caller).
    return {
      produced: this.produced,
      acked: this.acked,
      failed: this.failed,
      rejected: this.rejected,
      consumed: this.consumed,
      consumedCopies: this.consumedCopies,
      lost,
      lostFromLog,
      gaps,
      duplicates: this.duplicates,
      duplicateBound: this.duplicateBound,
      excessDuplicates: excess,
      outOfOrder: this.outOfOrder,
      consumedUnacked,
      outcomeViolations,
      resentBatches: this.resentBatches,
      maxAttempts: this.maxAttempts,
    };
  }
}
