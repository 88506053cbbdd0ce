/**
 * The Promise consumer's commit bookkeeping: what counts as processed (auto-commit), what an
 * explicit `commit()` covered, the saves still pending, and the failures `close()` must report.
 * Offsets go wherever the consumer driver's `commit` sends them.
 */
import { type SchedulerLike, Subject } from 'rxjs';
import type { Commit } from '../rx/consumer/consumer-driver.js';
import type { RecordBatch } from '../rx/consumer/record-batch.js';
import { autoCommit } from '../rx/operators/auto-commit.js';
import { TimeoutError } from '../wire/errors.js';

export class CommitBook {
  private readonly processed = new Subject<bigint>();
  /** The offset stored by the last explicit `commit()`: a batch it covers was processed. */
  private committedThrough: bigint | undefined;
  /** An auto-commit failure, thrown by the consumer's next call. */
  private commitError: unknown;
  private readonly pending = new Set<Promise<void>>();
  /** The latest failure of a save or of the store's close: the `cause` of close's TimeoutError. */
  private lastError: unknown;

  constructor(
    private readonly commit: Commit | undefined,
    private readonly autoCommitIntervalMs: number | false,
    private readonly scheduler: SchedulerLike,
  ) {
    if (autoCommitIntervalMs !== false) {
      this.processed
        .pipe(
          autoCommit((o: bigint) => this.save(o), {
            intervalMs: autoCommitIntervalMs,
            scheduler,
            onError: (err) => (this.commitError ??= err),
          }),
        )
        .subscribe();
    }
  }

  /** Every batch handed out before `offset` was processed: auto-commit it (unless commits are manual). */
  processedUpTo(offset: bigint | undefined): void {
    if (this.autoCommitIntervalMs !== false && offset !== undefined) this.processed.next(offset);
  }

  /** An explicit commit of `offset`: it says every batch up to there was processed. */
  async commitThrough(offset: bigint): Promise<void> {
    this.committedThrough = offset;
    await this.save(offset);
  }

  /** Whether an explicit commit covered `batch`. */
  covers(batch: RecordBatch): boolean {
    return this.committedThrough !== undefined && this.committedThrough >= batch.endOffset;
  }

  /** Throws (once) the auto-commit failure not reported yet, if any. */
  throwIfFailed(): void {
    const err = this.commitError;
    if (err !== undefined) {
      this.commitError = undefined;
      throw err;
    }
  }

  /** Notes a failure `close()` reports as the cause of its TimeoutError. */
  noteFailure(err: unknown): void {
    this.lastError = err;
  }

  /**
   * Commits `position` as the final offset (auto-commit flushes now), then waits up to `ms` for
   * every save. Resolves with what did not finish, or `undefined` when all did.
   */
  async finish(position: bigint | undefined, ms: number): Promise<string | undefined> {
    const earlier = new Set(this.pending);
    this.processedUpTo(position);
    this.processed.complete();
    const final = [...this.pending].filter((p) => !earlier.has(p));
    if (await this.within(Promise.allSettled([...this.pending]), ms)) return undefined;
    if (final.some((p) => this.pending.has(p))) return 'the final offset commit';
    const n = [...this.pending].filter((p) => !final.includes(p)).length;
    return `${n} pending offset ${n === 1 ? 'save' : 'saves'}`;
  }

  /** close's error when `unfinished` did not finish within `timeoutMs`, caused by the last failure. */
  timedOut(unfinished: string, timeoutMs: number): TimeoutError {
    const cause = this.commitError ?? this.lastError;
    this.commitError = undefined;
    const detail = cause instanceof Error ? `; last error: ${cause.message}` : '';
    return new TimeoutError(
      `StandaloneConsumer.close: ${unfinished} did not finish within ${timeoutMs} ms${detail}`,
      cause === undefined ? {} : { cause },
    );
  }

  /** Whether `p` settles within `ms` (on the consumer's scheduler; the timer goes either way). */
  within(p: Promise<unknown>, ms: number): Promise<boolean> {
    const settled = p.then(
      () => true,
      () => true,
    );
    if (ms === Infinity) return settled;
    return new Promise<boolean>((resolve) => {
      const timer = this.scheduler.schedule(() => resolve(false), ms);
      void settled.then(() => {
        timer.unsubscribe();
        resolve(true);
      });
    });
  }

  private save(offset: bigint): Promise<void> {
    const p = Promise.resolve(this.commit?.(offset));
    this.pending.add(p);
    const done = (): void => void this.pending.delete(p);
    p.then(done, (err: unknown) => {
      this.noteFailure(err);
      done();
    });
    return p;
  }
}
