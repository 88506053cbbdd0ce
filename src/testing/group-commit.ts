/**
 * Group commit, as the server's ingestion actor does it (PROTOCOL.md §2.3.1 step 6, §6.3): appends
 * are made durable (storage `sync` = fdatasync) in batches, flushed after an idle gap with no new
 * request (`FLUSH_TIMEOUT`, 5 ms) or as soon as 4 MiB are dirty (`FLUSH_THRESHOLD`). Every ack waits
 * for the flush that covers it. Under a steady stream with gaps shorter than the idle gap, acks wait
 * for the byte threshold, as on the server. One committer serves all topics (the server has one per
 * actor; a test server needs no more).
 *
 * `gapMs = 0` flushes at the end of each read's batch (synchronously): an explicit option for fast
 * unit tests only. The server's default, and what benchmarks must run against, is the real 5 ms.
 */
export const FLUSH_TIMEOUT_MS = 5;
export const FLUSH_THRESHOLD = 4 * 1024 * 1024;

export type DurableCallback = (err?: Error) => void;

export class GroupCommitter {
  private waiters: DurableCallback[] = [];
  private dirty = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushes = 0;

  constructor(
    private readonly sync: () => void,
    private readonly gapMs: number,
    private readonly threshold = FLUSH_THRESHOLD,
  ) {}

  /** One read's accepted ingests (`bytes` in total); `done` runs once they are durable. */
  submit(bytes: number, done: DurableCallback): void {
    this.dirty += bytes;
    this.waiters.push(done);
    if (this.gapMs <= 0 || this.dirty >= this.threshold) {
      this.flush();
      return;
    }
    // Every new request restarts the idle-gap timer.
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.gapMs);
  }

  get pending(): number {
    return this.waiters.length;
  }

  /** Flushes that made at least one read's ingests durable. */
  get commits(): number {
    return this.flushes;
  }

  /** Makes everything durable now and signals every waiter. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    this.dirty = 0;
    if (waiters.length > 0) this.flushes++;
    let error: Error | undefined;
    try {
      this.sync();
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    for (const w of waiters) w(error);
  }

  /** Forgets every waiter without flushing (crash). */
  abandon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiters = [];
    this.dirty = 0;
  }
}
