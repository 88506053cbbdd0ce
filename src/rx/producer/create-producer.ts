/**
 * The Rx face: a producer you `next()` records into. It is an `Observer` (so `records$.subscribe(producer)`
 * works) with an `acks$` Observable of outcomes, and the two Promises no Subject can offer:
 * `flush()` and `close()` (RxJS teardown is synchronous, RX-NOTES §1.2, so draining needs them).
 */
import type { Observable, Observer, SchedulerLike } from 'rxjs';
import { type StateSource, roleState, roleState$ } from '../role-state.js';
import type { Session } from '../session.js';
import type { ConnectionState } from '../state.js';
import { type Admission, assertTopicId } from './admission.js';
import type { ProduceOutcome } from './batch.js';
import { ProducerEngine } from './engine.js';
import type { Lane } from './lane.js';
import type { ProducerOptions } from './options.js';
import { type ProducerHost, engineOn } from './producer-host.js';
import type { ProducerRecord } from './records.js';
import { nextProducerRole } from './roles.js';
import type { ProducerStats } from './stats.js';

export interface RxProducer extends Observer<ProducerRecord> {
  readonly topicId: number;
  /**
   * Hot: one outcome per batch (`acked` or `failed`, with the sequence range of its records) and
   * one per record refused at `next()` (`rejected`/`dropped`). Every record passed to `next()` —
   * numbered 0, 1, 2, … in call order — is covered by exactly one outcome. Completes after close
   * (errors with the upstream error after `error()`). Subscribe before producing.
   */
  readonly acks$: Observable<ProduceOutcome>;
  /** Takes a record: TLV type 0x01 for bytes and strings (UTF-8), a TlvRecord keeps its type. Never blocks. */
  next(record: ProducerRecord): void;
  /** Graceful close (like `close()`), then `acks$` errors with `err` once every record has settled. */
  error(err: unknown): void;
  /** Graceful close, as `close()` with the default deadline. */
  complete(): void;
  /**
   * Resolves when every record passed to `next()` before the call has settled, all acked. Rejects
   * with the first failure (a failed batch or a refused record) since the previous `flush()`; each
   * failure is also an outcome on `acks$`.
   */
  flush(): Promise<void>;
  /**
   * Stops taking records, sends the partial batch, waits up to `timeoutMs` (default
   * `closeTimeoutMs`) for acks, fails what is left with `ClosedError`, lets go of the connection.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
  /** A snapshot of the counters (allocates: poll it, do not read it per record). */
  readonly stats: ProducerStats;
  /**
   * This producer's own connection state, the current one first, then each change (`closed` once
   * close() let go of the socket). Watching it does not keep the socket open.
   */
  readonly state$: Observable<ConnectionState>;
  /** The current connection state (allocates: poll it). */
  readonly state: ConnectionState;
  /** Bytes accepted and not yet settled, cheap to read: lets a loop wait before `bufferMemory` is full. */
  readonly bufferedBytes: number;
  readonly closed: boolean;
}

/**
 * Creates a producer for `topicId` over the sessions of one connection role (e.g. `producer:<n>`).
 * It subscribes to `session$` at once and holds it until closed; each new session emitted (after a
 * reconnect) gets the batches the previous one did not ack, under new batch ids (at-least-once).
 */
export function createProducer(
  session$: Observable<Session>,
  topicId: number,
  options: ProducerOptions = {},
  scheduler?: SchedulerLike,
): RxProducer {
  assertTopicId(topicId);
  return new LaneProducer(new ProducerEngine(session$, options, scheduler), topicId, {}, 'producer');
}

/** `createProducer` on a new `producer:<n>` connection of `host`, drained by the host's close(). */
export function hostedProducer(host: ProducerHost, topicId: number, options: ProducerOptions): RxProducer {
  assertTopicId(topicId);
  const role = nextProducerRole();
  return new LaneProducer(engineOn(host, role, options), topicId, host, role);
}

class LaneProducer implements RxProducer {
  readonly acks$: Observable<ProduceOutcome>;
  readonly state$: Observable<ConnectionState>;
  private readonly lane: Lane;
  private readonly admission: Admission;

  constructor(
    private readonly engine: ProducerEngine,
    readonly topicId: number,
    private readonly host: Partial<StateSource>,
    private readonly role: string,
  ) {
    this.acks$ = engine.outcomes.asObservable();
    this.state$ = roleState$(host, role);
    this.lane = engine.lane(topicId);
    this.admission = engine.admission;
  }

  get stats(): ProducerStats {
    return this.engine.stats;
  }

  get bufferedBytes(): number {
    return this.engine.budget.usedBytes;
  }

  get state(): ConnectionState {
    return roleState(this.host, this.role);
  }

  get closed(): boolean {
    return this.engine.isClosed;
  }

  next(record: ProducerRecord): void {
    const seq = this.admission.admit(this.lane, record);
    if (typeof seq !== 'number') this.admission.refuse(this.lane, seq);
  }

  error(err: unknown): void {
    void this.engine.close({}, { error: err });
  }

  complete(): void {
    void this.engine.close();
  }

  async flush(): Promise<void> {
    await this.engine.flush();
    // The first failure, typed, so `catch (e) { if (e instanceof TopicNotFoundError) … }` works;
    // every one of them is on acks$.
    const errors = this.engine.failures.take();
    if (errors.length > 0) throw errors[0];
  }

  close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    return this.engine.close(options);
  }
}
