/**
 * `StandaloneConsumer`: the seed README's Promise API over the same engine as `lance.topic$()`
 * (`TopicReader` for fetch/assemble/lag, `catchingUp` + `retryWithBackoff` for recovery,
 * `autoCommit` for commits). One Fetch per `poll()` step, plus one sent ahead when a reply was
 * full, so the next batch is on the wire while the application handles this one: the
 * application's pace is still the fetch pace, and at most two fetches' bytes are held.
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
import { type Observable, type SchedulerLike, Subject, asyncScheduler, catchError, EMPTY, endWith, ignoreElements, switchMap, take, takeUntil, throwError, throwIfEmpty } from 'rxjs';
import { FileOffsetStore } from '../offsets/file-offset-store.js';
import { MemoryOffsetStore } from '../offsets/memory-offset-store.js';
import type { OffsetStore } from '../offsets/offset-store.js';
import { toPromise } from '../rx/abort.js';
import { retryable } from '../rx/consumer/consume-topic.js';
import { offsetCommitter, resolveConsumerId } from '../rx/consumer/offset-committer.js';
import type { RecordBatch } from '../rx/consumer/record-batch.js';
import { nextConsumerRole } from '../rx/consumer/role.js';
import { SeekPosition } from '../rx/consumer/seek-position.js';
import { DEFAULT_PREFETCH } from '../rx/consumer/options.js';
import { type StepResult, TopicReader } from '../rx/consumer/topic-reader.js';
import { type CloseOptions, Lance, holding } from '../rx/lance.js';
import type { LanceOptions } from '../rx/options.js';
import { autoCommit } from '../rx/operators/auto-commit.js';
import { catchingUp } from '../rx/operators/catching-up.js';
import { retryWithBackoff } from '../rx/operators/retry-with-backoff.js';
import type { Session } from '../rx/session.js';
import { defaultCloseTimeoutMs } from '../rx/producer/options.js';
import { ClosedError, InvalidArgumentError, TimeoutError } from '../wire/errors.js';
import { StandaloneConfig } from './standalone-config.js';
import { asyncDispose } from '../rx/dispose.js';

/** What the consumer needs from the core: `Lance` satisfies it. */
export interface ConsumerHost {
  session$(role: string): Observable<Session>;
  readonly options: { readonly scheduler: SchedulerLike };
}

export interface StandaloneConnectOptions {
  /** Use this store instead of the config's (`offsetDir` → FileOffsetStore, else memory). Not closed by `close()`. */
  readonly offsetStore?: OffsetStore;
  readonly signal?: AbortSignal;
  /** Test seams and extra core options applied over the config's. */
  readonly lanceOptions?: Partial<LanceOptions>;
}

export interface StandaloneOpenOptions {
  readonly offsetStore?: OffsetStore;
  /** This consumer's socket role. Default `consumer:<n>`. */
  readonly role?: string;
  readonly signal?: AbortSignal;
}


export class StandaloneConsumer implements AsyncIterable<RecordBatch> {
  private readonly reader: TopicReader;
  private readonly scheduler: SchedulerLike;
  private readonly consumerId: bigint;
  private readonly commitFn: ((offset: bigint) => Promise<void> | void) | undefined;
  private readonly processed = new Subject<bigint>();
  /** Emits once, when `close()` starts: cuts short the fetch of a poll in flight. */
  private readonly closing = new Subject<void>();
  private live: Session | undefined;
  private closed = false;
  private busy = false;
  /** The offset stored by the last explicit `commit()`: a batch it covers was processed. */
  private committedThrough: bigint | undefined;
  private commitError: unknown;
  private readonly pendingSaves = new Set<Promise<void>>();
  /** The latest failure of a save or of the store's close: the `cause` of close's TimeoutError. */
  private lastError: unknown;
  private wake: (() => void) | undefined;

  private constructor(
    readonly lance: ConsumerHost,
    readonly config: StandaloneConfig,
    readonly role: string,
    private readonly store: OffsetStore,
    private readonly ownsStore: boolean,
    private readonly ownsLance: boolean,
  ) {
    this.scheduler = lance.options.scheduler ?? asyncScheduler;
    this.consumerId = resolveConsumerId(undefined, config.consumerName)!;
    this.reader = new TopicReader(
      config.topicId,
      {
        maxFetchBytes: config.maxFetchBytes,
        requestTimeoutMs: config.requestTimeoutMs,
        maxRecordLength: undefined,
        unwrapCompressed: undefined,
        lagProbeIntervalMs: config.lagProbeIntervalMs,
        prefetch: DEFAULT_PREFETCH,
      },
      this.scheduler,
    );
    this.commitFn = offsetCommitter(
      {
        topicId: config.topicId,
        consumerId: this.consumerId,
        offsetStore: store,
        serverCommit: config.serverCommit,
        requestTimeoutMs: config.requestTimeoutMs,
      },
      () => this.live,
    );
    if (config.autoCommitIntervalMs !== false) {
      this.processed
        .pipe(
          autoCommit((o: bigint) => this.save(o), {
            intervalMs: config.autoCommitIntervalMs,
            scheduler: this.scheduler,
            onError: (err) => (this.commitError ??= err),
          }),
        )
        .subscribe();
    }
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
  static open(lance: ConsumerHost, config: StandaloneConfig, options: StandaloneOpenOptions = {}): Promise<StandaloneConsumer> {
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
      (config.offsetDir !== undefined ? await FileOffsetStore.open(config.offsetDir, config.consumerName) : new MemoryOffsetStore());
    const consumer = new StandaloneConsumer(lance, config, options.role ?? nextConsumerRole(), store, ownsStore, ownsLance);
    try {
      const stored = await store.load(config.topicId, consumer.consumerId);
      if (stored !== undefined) consumer.reader.seek(stored);
      else await consumer.seekTo(config.startPosition, options.signal);
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
    return this.reader.position ?? 0n;
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
    this.throwIfFailed();
    const offset = this.reader.position;
    if (offset === undefined) return;
    this.committedThrough = offset;
    await this.save(offset);
  }

  /** Moves to an absolute byte offset (a record boundary). Takes effect at the next poll. */
  seek(offset: bigint | number): void {
    this.checkIdle();
    const p = SeekPosition.offset(offset);
    if (p.kind === 'offset') this.reader.seek(p.offset);
  }

  /** Moves to a position; END asks the server for its current end. Resolves with the new offset. */
  async seekTo(position: SeekPosition, signal?: AbortSignal): Promise<bigint> {
    this.checkIdle();
    this.busy = true;
    try {
      return await toPromise(this.onSession((s) => this.reader.seekTo(s, position)), signal);
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
      const committed = current !== undefined && this.committedThrough !== undefined && this.committedThrough >= current.endOffset;
      if (current !== undefined && !committed && !this.closed && !this.busy) this.reader.seek(current.startOffset);
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
    const timeoutMs = options.timeoutMs ?? this.config.closeTimeoutMs ?? defaultCloseTimeoutMs(this.config.requestTimeoutMs);
    if (!(timeoutMs >= 0)) throw new InvalidArgumentError(`close timeout must be a number of ms >= 0, got ${timeoutMs}`);
    this.closed = true;
    const deadline = this.scheduler.now() + timeoutMs;
    const left = (): number => Math.max(0, deadline - this.scheduler.now());
    this.closing.next();
    this.closing.complete();
    this.wake?.();
    const earlier = new Set(this.pendingSaves);
    if (this.config.autoCommitIntervalMs !== false && this.reader.position !== undefined) this.processed.next(this.reader.position);
    this.processed.complete(); // autoCommit flushes the last offset now
    const final = [...this.pendingSaves].filter((p) => !earlier.has(p));

    let unfinished: string | undefined;
    if (!(await this.within(Promise.allSettled([...this.pendingSaves]), left()))) {
      const n = [...this.pendingSaves].filter((p) => !final.includes(p)).length;
      unfinished = final.some((p) => this.pendingSaves.has(p))
        ? 'the final offset commit'
        : `${n} pending offset ${n === 1 ? 'save' : 'saves'}`;
    }
    if (this.ownsStore) {
      // Closed even past the deadline (it stops taking calls), but then not waited for.
      const closed = this.store.close().catch((err: unknown) => void (this.lastError = err));
      if (!(await this.within(closed, unfinished === undefined ? left() : 0)) && unfinished === undefined) unfinished = 'closing the offset store';
    }
    // Always: its sockets and timers go even when the deadline has passed.
    if (this.ownsLance && this.lance instanceof Lance) await this.lance.close({ timeoutMs: left() });
    if (unfinished !== undefined) {
      const cause = this.commitError ?? this.lastError;
      this.commitError = undefined;
      const detail = cause instanceof Error ? `; last error: ${cause.message}` : '';
      throw new TimeoutError(
        `StandaloneConsumer.close: ${unfinished} did not finish within ${timeoutMs} ms${detail}`,
        cause === undefined ? {} : { cause },
      );
    }
    this.throwIfFailed();
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  private async next(timeoutMs: number): Promise<RecordBatch | null> {
    this.checkIdle();
    this.throwIfFailed();
    if (this.config.autoCommitIntervalMs !== false && this.reader.position !== undefined) this.processed.next(this.reader.position);
    this.busy = true;
    try {
      const start = this.scheduler.now();
      for (;;) {
        const r = await toPromise(this.onSession((s) => this.reader.step(s)).pipe(this.recover()));
        if (r.batch) {
          this.reader.delivered(r.batch);
          return r.batch;
        }
        const left = timeoutMs - (this.scheduler.now() - start);
        // A record longer than one fetch: keep fetching at once, but within the poll's deadline (the
        // reader keeps the partial record, so the next poll carries on where this one stopped).
        if (!r.caughtUp) {
          if (left <= 0 || this.closed) return null;
          continue;
        }
        if (left <= 0 || this.closed) return null;
        await this.sleep(Math.min(this.config.pollIntervalMs, left));
        if (this.closed) return null;
      }
    } catch (err) {
      if (this.closed && err instanceof ClosedError) return null;
      throw err;
    } finally {
      this.busy = false;
    }
  }

  /**
   * `work` on the current session, cut short (and retried) if the socket dies meanwhile. The role's
   * session$ stays subscribed while `work` runs, so a reply slower than `graceMs` does not find the
   * socket released (take(1) alone would drop the last user as soon as the session arrived).
   */
  private onSession<T>(work: (s: Session) => Observable<T>): Observable<T> {
    const session$ = this.lance.session$(this.role);
    return session$.pipe(
      take(1),
      switchMap((s) => {
        this.live = s;
        const died = s.frames$.pipe(
          ignoreElements(),
          catchError((err: unknown) => (err instanceof ClosedError ? EMPTY : throwError(() => err))),
          endWith(true),
        );
        return holding(session$, work(s).pipe(takeUntil(died)));
      }),
      takeUntil(this.closing),
      throwIfEmpty(() => new ClosedError('the consumer was closed')),
    );
  }

  private recover(): (source: Observable<StepResult>) => Observable<StepResult> {
    const c = this.config;
    return (source) =>
      source.pipe(
        catchingUp<StepResult>({ delayMs: c.catchingUpDelayMs, maxStalls: c.catchingUpMaxStalls, scheduler: this.scheduler }),
        retryWithBackoff<StepResult>({ shouldRetry: (e) => retryable(e) && !this.closed, scheduler: this.scheduler }),
      );
  }

  private save(offset: bigint): Promise<void> {
    const p = Promise.resolve(this.commitFn?.(offset));
    this.pendingSaves.add(p);
    const done = (): void => void this.pendingSaves.delete(p);
    p.then(done, (err: unknown) => {
      this.lastError = err;
      done();
    });
    return p;
  }

  /** Whether `p` settles within `ms` (on the consumer's scheduler; the timer goes either way). */
  private within(p: Promise<unknown>, ms: number): Promise<boolean> {
    if (ms === Infinity) return p.then(() => true);
    return new Promise<boolean>((resolve) => {
      const timer = this.scheduler.schedule(() => resolve(false), ms);
      p.then(() => {
        timer.unsubscribe();
        resolve(true);
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const action = this.scheduler.schedule(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        action.unsubscribe();
        this.wake = undefined;
        resolve();
      };
    });
  }

  private checkIdle(): void {
    if (this.closed) throw new ClosedError('the consumer is closed');
    if (this.busy) throw new InvalidArgumentError('another poll() or seek is in progress on this consumer');
  }

  private throwIfFailed(): void {
    const err = this.commitError;
    if (err !== undefined) {
      this.commitError = undefined;
      throw err;
    }
  }
}

