/**
 * The consumer engine of one topic, behind both `lance.topic$()` (`consumeTopic`) and the Promise
 * `StandaloneConsumer`: the cursor (`TopicReader`), where commits go, and the reading itself:
 *
 *   per session of `session$`: resolve start, pull loop, cut when the session ends  →  catchingUp  →  retryWithBackoff
 *
 * `batches$` reads for ever (`topic$`); `next$` reads until the first batch, or `null` once a fetch
 * ends past its deadline (a `poll()`). The cursor survives retries, reconnects and calls, so whatever reads next continues
 * at the first undelivered record: no gap, no repeat.
 */
import {
  type Observable,
  type SchedulerLike,
  EMPTY,
  ReplaySubject,
  catchError,
  concat,
  defer,
  endWith,
  filter,
  ignoreElements,
  of,
  switchMap,
  take,
  takeUntil,
  tap,
  throwError,
  throwIfEmpty,
} from 'rxjs';
import { ClosedError, LanceError, ServerCatchingUpError } from '../../wire/errors.js';
import { catchingUp } from '../operators/catching-up.js';
import { retryWithBackoff } from '../operators/retry-with-backoff.js';
import type { Session } from '../session.js';
import { offsetCommitter } from './offset-committer.js';
import { NO_BATCH, pullLoop } from './pull-loop.js';
import type { RecordBatch } from './record-batch.js';
import type { SeekPosition } from './seek-position.js';
import type { ConsumerSettings } from './settings.js';
import { TopicReader } from './topic-reader.js';

/** Stores an offset (and sends it to the server if configured); see `offsetCommitter`. */
export type Commit = (offset: bigint) => Promise<void> | void;

export class ConsumerDriver {
  /** Where offsets go, or `undefined` when there is nowhere to commit to. */
  readonly commit: Commit | undefined;
  private readonly reader: TopicReader;
  /** The session being read: the server-side commit goes there. */
  private live: Session | undefined;
  /** Replays, so a read that starts after `stop()` ends too. */
  private readonly stopped = new ReplaySubject<void>(1);

  constructor(
    private readonly session$: Observable<Session>,
    private readonly settings: ConsumerSettings,
    private readonly scheduler: SchedulerLike,
  ) {
    this.reader = new TopicReader(settings.topicId, settings.reader, scheduler);
    this.commit = offsetCommitter(settings.commit, () => this.live);
  }

  /** Offset of the next record to hand out; `undefined` until the start position is resolved. */
  get position(): bigint | undefined {
    return this.reader.position;
  }

  /** Moves the cursor to `offset` (a record boundary); a prefetch for elsewhere is dropped. */
  seek(offset: bigint): void {
    this.reader.seek(offset);
  }

  /** Moves the cursor to the stored offset, if the store has one, and emits it (`undefined`: none). */
  restore$(): Observable<bigint | undefined> {
    const { offsetStore: store, consumerId, topicId } = this.settings.commit;
    return defer(() => (store && consumerId !== undefined ? store.load(topicId, consumerId) : of(undefined))).pipe(
      tap((stored) => {
        if (stored !== undefined) this.reader.seek(stored);
      }),
    );
  }

  /** Resolves `position` on the current session (END asks the server) and seeks there; not retried. */
  seekTo$(position: SeekPosition): Observable<bigint> {
    return this.onSessions((s) => this.reader.seekTo(s, position)).pipe(take(1), this.untilStopped());
  }

  /**
   * Every batch from the cursor on: completes when `session$` has completed and its last session
   * closed cleanly; errors with non-retryable errors, with `ServerCatchingUpError` when the server
   * stays behind the requested offset, and with `InvalidRecordError` when the offset is not on a
   * record boundary. The retry and CatchingUp counters restart on a batch.
   */
  batches$(): Observable<RecordBatch> {
    return this.recovered(this.onSessions((s) => this.loop$(s, Infinity).pipe(filter(isBatch))));
  }

  /**
   * The next batch, or `null` when a fetch ends past `deadline` (scheduler time) without one. The
   * role's session stays subscribed until then, so a reply slower than `graceMs` does not find its
   * socket released. Errors like `batches$`, and with `ClosedError` when `stop()` or the core's
   * close ends it first. The retry and CatchingUp counters restart on every fetch that succeeded:
   * a poll recovers each of its fetches on its own.
   */
  next$(deadline: number): Observable<RecordBatch | null> {
    const read = this.onSessions((s) => concat(this.loop$(s, deadline), of(null)));
    return this.recovered(read).pipe(
      filter((v): v is RecordBatch | null => v !== NO_BATCH),
      take(1),
      this.untilStopped(),
    );
  }

  /** Ends every `next$` and `seekTo$` in flight, and any later one, with `ClosedError`. */
  stop(): void {
    this.stopped.next();
    this.stopped.complete();
  }

  /** On `session`: the start position resolved (if it is not yet), then the pull loop. */
  private loop$(session: Session, deadline: number): Observable<RecordBatch | typeof NO_BATCH> {
    const s = this.settings;
    const resolve =
      this.reader.position === undefined ? this.reader.seekTo(session, s.start).pipe(ignoreElements()) : EMPTY;
    const pace = { pollIntervalMs: s.pollIntervalMs, deadline, process: s.process, processRetry: s.processRetry };
    return concat(resolve, pullLoop(this.reader, session, pace, this.scheduler));
  }

  /** CatchingUp waited out (up to its stalls), other retryable errors retried with backoff. */
  private recovered<T>(source: Observable<T>): Observable<T> {
    const { topicId, logger, catchingUpDelayMs, catchingUpMaxStalls, backoff } = this.settings;
    return source.pipe(
      catchingUp<T>({
        delayMs: catchingUpDelayMs,
        maxStalls: catchingUpMaxStalls,
        onCatchingUp: ({ serverOffset, stalls }) =>
          logger.warn('lnc-client: server is behind the requested offset (CatchingUp), waiting', {
            topicId,
            serverOffset: String(serverOffset),
            stalls,
          }),
        scheduler: this.scheduler,
      }),
      retryWithBackoff<T>({ ...backoff, shouldRetry: retryable, scheduler: this.scheduler }),
    );
  }

  /**
   * `work` on each session of `session$` in turn (a newer one replaces it), cut short when its
   * session ends. The end shows on `frames$` at once (not only when the next request fails): an
   * error ends `work` with it, to be retried on the next session; `Lance.close()` (ClosedError)
   * ends it cleanly, and session$ completes then.
   */
  private onSessions<T>(work: (session: Session) => Observable<T>): Observable<T> {
    return this.session$.pipe(
      switchMap((session) => {
        this.live = session;
        const ended = session.frames$.pipe(
          ignoreElements(),
          catchError((err: unknown) => (err instanceof ClosedError ? EMPTY : throwError(() => err))),
          endWith(true),
        );
        return work(session).pipe(takeUntil(ended));
      }),
    );
  }

  private untilStopped<T>(): (source: Observable<T>) => Observable<T> {
    return (source) =>
      source.pipe(
        takeUntil(this.stopped),
        throwIfEmpty(() => new ClosedError('the consumer was closed')),
      );
  }
}

/** Retryable LanceErrors, except CatchingUp: once `catchingUp` gives up, waiting longer won't help. */
function retryable(err: unknown): boolean {
  return err instanceof LanceError && err.isRetryable() && !(err instanceof ServerCatchingUpError);
}

const isBatch = (v: RecordBatch | typeof NO_BATCH): v is RecordBatch => v !== NO_BATCH;
