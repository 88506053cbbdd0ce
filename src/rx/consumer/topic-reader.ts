/**
 * The consumer's cursor over one topic, held by the `ConsumerDriver` (behind `lance.topic$()` and
 * `StandaloneConsumer` alike): one `step()` = one Fetch turned into a batch.
 *
 * Two offsets are kept apart on purpose. `position` is where the next undelivered record starts
 * (the committable offset; it moves only when a batch is handed out). `fetchOffset` runs ahead of
 * it by the partial record held in the assembler. After anything goes wrong between the two — an
 * error, a reconnect, a batch produced but never delivered — the next step rewinds to `position`,
 * so a resumed stream has no gap and no repeat.
 */
import { type Observable, type SchedulerLike, ReplaySubject, defer, map, mergeMap, of } from 'rxjs';
import { DEFAULT_MAX_PAYLOAD } from '../../wire/constants.js';
import { InvalidArgumentError } from '../../wire/errors.js';
import { TLV_HEADER_SIZE } from '../../wire/tlv.js';
import type { Session } from '../session.js';
import { type FetchResult, fetchEnd, fetchOnce } from './fetch-once.js';
import { RecordAssembler } from './record-assembler.js';
import type { RecordBatch } from './record-batch.js';
import type { SeekPosition } from './seek-position.js';

export interface TopicReaderOptions {
  readonly maxFetchBytes: number;
  readonly requestTimeoutMs: number | undefined;
  readonly maxRecordLength: number | undefined;
  readonly unwrapCompressed: boolean | undefined;
  readonly lagProbeIntervalMs: number | false;
  /** Fetches kept in flight ahead of the one being handled: 0 or 1. */
  readonly prefetch: number;
}

/** A Fetch sent ahead, at the offset the current one ends at. */
interface Prefetch {
  readonly session: Session;
  readonly from: bigint;
  readonly maxBytes: number;
  /** Holds the reply (or its error) until the next step takes it; dropped with the prefetch. */
  readonly reply: ReplaySubject<FetchResult>;
}

export interface StepResult {
  /** The records completed by this fetch, if any (deliver it, then call `delivered`). */
  readonly batch: RecordBatch | undefined;
  /** The fetch returned no data: we are at the end; poll again later. */
  readonly caughtUp: boolean;
}

export class TopicReader {
  private pos: bigint | undefined;
  private fetchOffset = 0n;
  private readonly assembler: RecordAssembler;
  /** A step mutated the cursor and its result was not delivered (yet). */
  private dirty = false;
  private probedEnd: bigint | undefined;
  private probedAt = -Infinity;
  /** Largest fetch a pending record may grow to: the biggest record the server can have stored. */
  private readonly maxGrownFetch: number;
  private ahead: Prefetch | undefined;

  constructor(
    readonly topicId: number,
    private readonly options: TopicReaderOptions,
    private readonly scheduler: SchedulerLike,
  ) {
    if (!Number.isInteger(options.maxFetchBytes) || options.maxFetchBytes < 1 || options.maxFetchBytes > 0xffff_ffff) {
      throw new InvalidArgumentError(`maxFetchBytes must be an integer in [1, 2^32-1], got ${options.maxFetchBytes}`);
    }
    // A record is one ingest payload at most, and the server's payload limit is 16 MiB; a larger
    // maxRecordLength says the server was configured larger, so a record may be that long.
    this.maxGrownFetch = Math.min(
      0xffff_ffff,
      options.maxRecordLength === undefined
        ? DEFAULT_MAX_PAYLOAD
        : Math.max(DEFAULT_MAX_PAYLOAD, options.maxRecordLength + TLV_HEADER_SIZE),
    );
    this.assembler = new RecordAssembler({
      ...(options.maxRecordLength === undefined ? {} : { maxRecordLength: options.maxRecordLength }),
      ...(options.unwrapCompressed === undefined ? {} : { unwrapCompressed: options.unwrapCompressed }),
    });
  }

  /** Offset of the next record to hand out; `undefined` until the start position is resolved. */
  get position(): bigint | undefined {
    return this.pos;
  }

  /**
   * `max_bytes` of the next Fetch: `maxFetchBytes`, or more when the record being assembled needs
   * more than that to complete (bounded by the server's payload limit), so a record larger than
   * `maxFetchBytes` is completed by one more fetch.
   */
  get nextFetchBytes(): number {
    const base = this.options.maxFetchBytes;
    const missing = this.assembler.missingBytes;
    return missing > base ? Math.max(base, Math.min(missing, this.maxGrownFetch)) : base;
  }

  seek(offset: bigint): void {
    this.ahead = undefined; // its reply, if it comes, is for an offset we no longer read
    this.pos = offset;
    this.fetchOffset = offset;
    this.assembler.reset();
    this.dirty = false;
  }

  /** Resolves a start position into an offset (END needs a round trip) and seeks there. */
  seekTo(session: Session, position: SeekPosition): Observable<bigint> {
    const done = (offset: bigint): bigint => {
      this.seek(offset);
      return offset;
    };
    switch (position.kind) {
      case 'beginning':
        return of(done(0n));
      case 'offset':
        return of(done(position.offset));
      case 'end':
        return fetchEnd(session, this.topicId, this.options.requestTimeoutMs).pipe(map(done));
    }
  }

  /** One Fetch from where the last one ended. The position does not move until `delivered`. */
  step(session: Session): Observable<StepResult> {
    return defer(() => this.fetchStep(session));
  }

  private fetchStep(session: Session): Observable<StepResult> {
    if (this.pos === undefined) throw new InvalidArgumentError('the start position is not resolved yet');
    if (this.dirty) this.seek(this.pos);
    // Until this step's result is delivered, any end (error, reconnect, unsubscribe) rewinds.
    this.dirty = true;
    const from = this.fetchOffset;
    const maxBytes = this.nextFetchBytes;
    const ahead = this.ahead;
    this.ahead = undefined;
    // The prefetch is used only if it asked exactly what this step would ask, on this session.
    const reply =
      ahead !== undefined && ahead.session === session && ahead.from === from && ahead.maxBytes === maxBytes
        ? ahead.reply
        : fetchOnce(session, this.topicId, from, maxBytes, this.options.requestTimeoutMs);
    return reply.pipe(
      mergeMap((r) => {
        const caughtUp = r.data.length === 0;
        const a = this.assembler.push(r.data, from);
        this.fetchOffset = r.nextOffset;
        // A full reply says more is there (the server returns exactly max_bytes when it has them,
        // PROTOCOL.md §2.3.11): ask for the next bytes now, while this batch is being handled.
        if (this.options.prefetch > 0 && r.data.length >= maxBytes) this.sendAhead(session);
        if (caughtUp) this.noteEnd(r.nextOffset);
        if (a.records.length === 0) {
          this.dirty = false; // only the tail moved, consistently with fetchOffset
          return of<StepResult>({ batch: undefined, caughtUp });
        }
        const batch = (lag: bigint | undefined): StepResult => ({
          caughtUp,
          batch: { topicId: this.topicId, records: a.records, startOffset: a.startOffset, endOffset: a.endOffset, lag },
        });
        if (!this.probeDue()) return of(batch(this.lagAt(a.endOffset)));
        return fetchEnd(session, this.topicId, this.options.requestTimeoutMs).pipe(
          map((end) => {
            this.noteEnd(end);
            return batch(this.lagAt(a.endOffset));
          }),
        );
      }),
    );
  }

  private sendAhead(session: Session): void {
    const from = this.fetchOffset;
    const maxBytes = this.nextFetchBytes;
    const reply = new ReplaySubject<FetchResult>(1);
    fetchOnce(session, this.topicId, from, maxBytes, this.options.requestTimeoutMs).subscribe(reply);
    this.ahead = { session, from, maxBytes, reply };
  }

  /** The batch reached its consumer: the next record to hand out is the one after it. */
  delivered(batch: RecordBatch): void {
    this.pos = batch.endOffset;
    this.dirty = false;
  }

  private probeDue(): boolean {
    const every = this.options.lagProbeIntervalMs;
    return every !== false && this.scheduler.now() - this.probedAt >= every;
  }

  private noteEnd(end: bigint): void {
    this.probedEnd = end;
    this.probedAt = this.scheduler.now();
  }

  private lagAt(offset: bigint): bigint | undefined {
    if (this.options.lagProbeIntervalMs === false || this.probedEnd === undefined) return undefined;
    return this.probedEnd > offset ? this.probedEnd - offset : 0n;
  }
}
