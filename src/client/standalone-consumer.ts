/**
 * `StandaloneConsumer`: the seed README's Promise API over the consumer driver behind
 * `lance.topic$()` (`ConsumerDriver`: fetch/assemble/lag, recovery, where commits go). A `poll()` is
 * one read of the driver, up to the first batch or the poll deadline, with one Fetch sent ahead
 * when a reply was full, so the next batch is on the wire while the application handles this one:
 * the application's pace is still the fetch pace, and at most two fetches' bytes are held.
 *
 * Commits are at-least-once: `poll()` (and each turn of `for await`) treats every batch handed out
 * before it as processed, and only those offsets are auto-committed; `commit()` and `close()` store
 * the offset after the last batch handed out.
 *
 * @example
 * const consumer = await StandaloneConsumer.connect('127.0.0.1:1992',
 *   new StandaloneConfig('my-consumer', 1).withOffsetDir('/var/lib/lance/offsets'));
 * for await (const batch of consumer) for (const r of batch.records) handle(r.value);
 */
import { type Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { FileOffsetStore } from '../offsets/file-offset-store.js';
import { MemoryOffsetStore } from '../offsets/memory-offset-store.js';
import type { OffsetStore } from '../offsets/offset-store.js';
import { toPromise } from '../rx/abort.js';
import { ConsumerDriver } from '../rx/consumer/consumer-driver.js';
import type { ConsumeOptions } from '../rx/consumer/options.js';
import type { RecordBatch } from '../rx/consumer/record-batch.js';
import { nextConsumerRole } from '../rx/consumer/role.js';
import { roleState, roleState$ } from '../rx/role-state.js';
import type { ConnectionState } from '../rx/state.js';
import { SeekPosition } from '../rx/consumer/seek-position.js';
import { consumerSettings } from '../rx/consumer/settings.js';
import { type CloseOptions, Lance } from '../rx/lance.js';
import { defaultCloseTimeoutMs } from '../rx/producer/options.js';
import { ClosedError, InvalidArgumentError } from '../wire/errors.js';
import { CommitBook } from './commit-book.js';
import { StandaloneConfig } from './standalone-config.js';
import type { ConsumerHost, StandaloneConnectOptions, StandaloneOpenOptions } from './standalone-options.js';
import { asyncDispose } from '../rx/dispose.js';

export class StandaloneConsumer implements AsyncIterable<RecordBatch> {
  private readonly driver: ConsumerDriver;
  private readonly book: CommitBook;
  private readonly scheduler: SchedulerLike;
  private closed = false;
  private busy = false;

  private constructor(
    readonly lance: ConsumerHost,
    readonly config: StandaloneConfig,
    readonly role: string,
    private readonly store: OffsetStore,
    private readonly ownsStore: boolean,
    private readonly ownsLance: boolean,
  ) {
    this.scheduler = lance.options.scheduler ?? asyncScheduler;
    const settings = consumerSettings(config.topicId, consumeOptions(config, store));
    this.driver = new ConsumerDriver(lance.session$(role), settings, this.scheduler);
    this.book = new CommitBook(this.driver.commit, config.autoCommitIntervalMs, this.scheduler);
  }

  /**
   * Connects to `address` (`host:port`, or several seeds), positions the consumer at its stored
   * offset (else the config's start position) and resolves; rejects with the connection error,
   * `OffsetStoreError` for an unreadable offset file, or `TopicNotFoundError` (on the first poll).
   */
  static async connect(
    address: string | readonly string[],
    config: StandaloneConfig,
    options: StandaloneConnectOptions = {},
  ): Promise<StandaloneConsumer> {
    const servers = typeof address === 'string' ? [address] : address;
    const lance = new Lance({ ...config.toLanceOptions(servers), ...options.lanceOptions });
    const role = nextConsumerRole();
    try {
      // Fail fast like the official clients when the server cannot be reached.
      await toPromise(lance.ready$(role), options.signal);
      return await StandaloneConsumer.create(lance, config, { ...options, role }, true);
    } catch (err) {
      await lance.close().catch(() => undefined);
      throw err;
    }
  }

  /** Over an existing core (shared: `close()` leaves it open). */
  static open(
    lance: ConsumerHost,
    config: StandaloneConfig,
    options: StandaloneOpenOptions = {},
  ): Promise<StandaloneConsumer> {
    return StandaloneConsumer.create(lance, config, options, false);
  }

  private static async create(
    lance: ConsumerHost,
    config: StandaloneConfig,
    options: StandaloneOpenOptions,
    ownsLance: boolean,
  ): Promise<StandaloneConsumer> {
    const ownsStore = options.offsetStore === undefined;
    const store =
      options.offsetStore ??
      (config.offsetDir !== undefined
        ? await FileOffsetStore.open(config.offsetDir, config.consumerName)
        : new MemoryOffsetStore());
    const consumer = new StandaloneConsumer(
      lance,
      config,
      options.role ?? nextConsumerRole(),
      store,
      ownsStore,
      ownsLance,
    );
    try {
      const stored = await toPromise(consumer.driver.restore$());
      if (stored === undefined) await consumer.seekTo(config.startPosition, options.signal);
      return consumer;
    } catch (err) {
      await consumer.close().catch(() => undefined);
      throw err;
    }
  }

  get topicId(): number {
    return this.config.topicId;
  }

  /** Offset of the next record `poll()` hands out (a record boundary; what `commit()` stores). */
  get currentOffset(): bigint {
    return this.driver.position ?? 0n;
  }

  /** This consumer's connection state, current first, then each change (not keeping it open). */
  get state$(): Observable<ConnectionState> {
    return roleState$(this.lance, this.role);
  }

  /** The current connection state, e.g. for a health endpoint. */
  get state(): ConnectionState {
    return roleState(this.lance, this.role);
  }

  /**
   * The next batch, or `null` when the topic had nothing new within `pollTimeoutMs`. Every batch
   * handed out before this call counts as processed (auto-commit). Rejects with
   * `ServerCatchingUpError` (the offset is past a server end that does not grow: re-seek),
   * `InvalidRecordError` (the offset is not on a record boundary), or another non-retryable error.
   */
  poll(): Promise<RecordBatch | null> {
    return this.next(this.config.pollTimeoutMs);
  }

  /** Stores the offset after the last batch handed out (and sends it to the server if configured). */
  async commit(): Promise<void> {
    this.book.throwIfFailed();
    const offset = this.driver.position;
    if (offset === undefined) return;
    await this.book.commitThrough(offset);
  }

  /** Moves to an absolute byte offset (a record boundary). Takes effect at the next poll. */
  seek(offset: bigint | number): void {
    this.checkIdle();
    const p = SeekPosition.offset(offset);
    if (p.kind === 'offset') this.driver.seek(p.offset);
  }

  /** Moves to a position; END asks the server for its current end. Resolves with the new offset. */
  async seekTo(position: SeekPosition, signal?: AbortSignal): Promise<bigint> {
    this.checkIdle();
    this.busy = true;
    try {
      return await toPromise(this.driver.seekTo$(position), signal);
    } finally {
      this.busy = false;
    }
  }

  /** `seek(0)`. */
  rewind(): void {
    this.seek(0n);
  }

  seekToEnd(signal?: AbortSignal): Promise<bigint> {
    return this.seekTo(SeekPosition.END, signal);
  }

  /**
   * `for await (const batch of consumer)`: waits for data as long as needed, fetching the next batch
   * only when the loop asks for it. Ends when the consumer is closed. Leaving the loop early (break,
   * throw) steps back to the start of the batch being processed, so it is neither skipped nor committed
   * — unless the loop called `commit()` for it, which says it was processed.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    let current: RecordBatch | undefined;
    try {
      for (;;) {
        const batch = await this.next(Infinity);
        if (batch === null) return;
        current = batch;
        yield batch;
        current = undefined;
      }
    } finally {
      if (current !== undefined && !this.book.covers(current) && !this.closed && !this.busy)
        this.driver.seek(current.startOffset);
    }
  }

  /**
   * Ends a poll in flight (it resolves `null`; `for await` ends), commits the offset after the last
   * batch handed out (unless commits are manual), waits for pending commits, then closes what
   * `connect` opened (its offset store, then its `Lance` with the time left). All within
   * `timeoutMs` (default the config's `closeTimeoutMs`: min(10 s, `requestTimeoutMs`)).
   *
   * Past the deadline it stops waiting, still closes the connection and the store, and rejects
   * with a `TimeoutError` naming what did not finish (its `cause` the last failure of a save or of
   * the store's close, if any); an unfinished save may still land later. Rejects with the error of
   * a failing final commit. Idempotent: a second call resolves at once.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closed) return;
    const timeoutMs =
      options.timeoutMs ?? this.config.closeTimeoutMs ?? defaultCloseTimeoutMs(this.config.requestTimeoutMs);
    if (!(timeoutMs >= 0))
      throw new InvalidArgumentError(`close timeout must be a number of ms >= 0, got ${timeoutMs}`);
    this.closed = true;
    const deadline = this.scheduler.now() + timeoutMs;
    const left = (): number => Math.max(0, deadline - this.scheduler.now());
    this.driver.stop();
    let unfinished = await this.book.finish(this.driver.position, left());
    if (this.ownsStore) {
      // Closed even past the deadline (it stops taking calls), but then not waited for.
      const closed = this.store.close().catch((err: unknown) => this.book.noteFailure(err));
      if (!(await this.book.within(closed, unfinished === undefined ? left() : 0)) && unfinished === undefined)
        unfinished = 'closing the offset store';
    }
    // Always: its sockets and timers go even when the deadline has passed.
    if (this.ownsLance && this.lance instanceof Lance) await this.lance.close({ timeoutMs: left() });
    if (unfinished !== undefined) throw this.book.timedOut(unfinished, timeoutMs);
    this.book.throwIfFailed();
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The next batch, or `null` when a fetch ends `timeoutMs` after the call without one, or at close. */
  private async next(timeoutMs: number): Promise<RecordBatch | null> {
    this.checkIdle();
    this.book.throwIfFailed();
    this.book.processedUpTo(this.driver.position);
    this.busy = true;
    try {
      return await toPromise(this.driver.next$(this.scheduler.now() + timeoutMs));
    } catch (err) {
      if (this.closed && err instanceof ClosedError) return null;
      throw err;
    } finally {
      this.busy = false;
    }
  }

  private checkIdle(): void {
    if (this.closed) throw new ClosedError('the consumer is closed');
    if (this.busy) throw new InvalidArgumentError('another poll() or seek is in progress on this consumer');
  }
}

/** The driver's options for `config`: the standalone consumer keeps its own auto-commit (`CommitBook`). */
function consumeOptions(config: StandaloneConfig, offsetStore: OffsetStore): ConsumeOptions {
  return {
    from: config.startPosition,
    consumerName: config.consumerName,
    offsetStore,
    serverCommit: config.serverCommit,
    requestTimeoutMs: config.requestTimeoutMs,
    maxFetchBytes: config.maxFetchBytes,
    lagProbeIntervalMs: config.lagProbeIntervalMs,
    pollIntervalMs: config.pollIntervalMs,
    catchingUpDelayMs: config.catchingUpDelayMs,
    catchingUpMaxStalls: config.catchingUpMaxStalls,
  };
}
