/**
 * `Producer`: the Promise API of the seed clients (python-client-README `Producer`) as a thin shell
 * over the Rx engine (`src/rx/producer`), which does all batching, pipelining, attribution, retries
 * and memory accounting. One connection (its own `producer:<n>` role) for every topic it sends to.
 *
 * Per record it adds only what a Promise API needs: `send()` returns the promise its batch shares
 * with the batch's other records (no promise per record unless it has to wait for buffer room).
 *
 * Delivery is at-least-once: a batch whose ack was lost with its connection is resent on the next
 * one, and the server does not deduplicate (PROTOCOL.md §3.5, §10.6). Order is kept per topic
 * except across such resends.
 *
 * @example
 * const producer = await Producer.connect('127.0.0.1:1992', new ProducerConfig().withLingerMs(10));
 * await producer.send(1, 'hello');
 * await producer.close();
 */
import type { Observable } from 'rxjs';
import { Lance } from '../rx/lance.js';
import type { LanceOptions } from '../rx/options.js';
import { toPromise } from '../rx/abort.js';
import type { Admission, Receipt } from '../rx/producer/admission.js';
import type { ProducerEngine } from '../rx/producer/engine.js';
import type { ProduceAck, ProduceOutcome } from '../rx/producer/batch.js';
import { type ProducerHost, engineOn } from '../rx/producer/producer-host.js';
import { roleState, roleState$ } from '../rx/role-state.js';
import type { ConnectionState } from '../rx/state.js';
import type { ProducerRecord } from '../rx/producer/records.js';
import type { ProducerStats } from '../rx/producer/stats.js';
import { nextProducerRole } from '../rx/producer/roles.js';
import { ProducerConfig } from './producer-config.js';
import { asyncDispose } from '../rx/dispose.js';

export interface SendOptions {
  /** Aborts the wait for buffer room (AbortedError); a record already taken is not recalled. */
  readonly signal?: AbortSignal;
}

export interface ProducerConnectOptions {
  readonly signal?: AbortSignal;
  /** Test seams and extra core options (connector, scheduler, ...) applied over the config's. */
  readonly lanceOptions?: Partial<LanceOptions>;
}

const RESOLVED = Promise.resolve();
const ticket: Receipt<Promise<ProduceAck>> = (lane, seq) => lane.ticketFor(seq);
const nothing: Receipt<void> = () => undefined;
const seqOf: Receipt<number> = (_lane, seq) => seq;

export class Producer {
  private readonly engine: ProducerEngine;
  private readonly admission: Admission;

  /**
   * Wraps an existing core (shared: `close()` leaves it open, and the core's own close() drains
   * this producer). Prefer `Producer.connect`. `role` names this producer's own socket.
   */
  constructor(
    readonly lance: ProducerHost,
    readonly config: ProducerConfig = new ProducerConfig(),
    readonly role: string = nextProducerRole(),
    private readonly ownsLance = false,
  ) {
    this.engine = engineOn(lance, role, { ...config.toProducerOptions(), logger: lance.options.logger });
    this.admission = this.engine.admission;
  }

  /**
   * Connects to `address` (`host:port`, or several seeds) and resolves once the producer's
   * connection is up; rejects with the connection error otherwise.
   */
  static async connect(
    address: string | readonly string[],
    config: ProducerConfig = new ProducerConfig(),
    options: ProducerConnectOptions = {},
  ): Promise<Producer> {
    const servers = typeof address === 'string' ? [address] : address;
    const merged: LanceOptions = { ...config.toLanceOptions(servers), ...options.lanceOptions };
    // Extra reconnect tuning must not switch reconnecting back on.
    const lance = new Lance(
      config.autoReconnect ? merged : { ...merged, reconnect: { ...merged.reconnect, maxRetries: 0 } },
    );
    const producer = new Producer(lance, config, nextProducerRole(), true);
    try {
      await toPromise(lance.ready$(producer.role), options.signal);
      return producer;
    } catch (err) {
      await producer.close({ timeoutMs: 0 }).catch(() => undefined);
      throw err;
    }
  }

  /** Every batch outcome and refusal, hot (see `RxProducer.acks$`). */
  get acks$(): Observable<ProduceOutcome> {
    return this.engine.outcomes.asObservable();
  }

  get stats(): ProducerStats {
    return this.engine.stats;
  }

  /** This producer's connection state, current first, then each change (see `RxProducer.state$`). */
  get state$(): Observable<ConnectionState> {
    return roleState$(this.lance, this.role);
  }

  /** The current connection state, e.g. for a health endpoint. */
  get state(): ConnectionState {
    return roleState(this.lance, this.role);
  }

  /**
   * Sends one record (bytes and strings as TLV type 0x01; a TlvRecord keeps its type) and resolves
   * when the server has acked its batch (durably written). Waits for buffer room when `bufferMemory`
   * is full, up to `maxBlockMs` or while the waiting sends hold less than `maxWaitingBytes`
   * (else BackpressureError), or until `signal` aborts (AbortedError).
   * Rejects with the batch's typed error (e.g. TopicNotFoundError) or ClosedError.
   */
  send(topicId: number, data: ProducerRecord, options: SendOptions = {}): Promise<ProduceAck> {
    const lane = this.admission.lane(topicId);
    const seq = this.admission.admit(lane, data);
    return typeof seq === 'number'
      ? lane.ticketFor(seq)
      : this.admission.awaitRoom(lane, data, seq, options.signal, false, ticket);
  }

  /**
   * Takes one record without waiting for its ack: resolves once it is buffered (at once when there
   * is room). A later failure of its batch is not lost: the next `flush()` or `close()` rejects with it.
   */
  sendAsync(topicId: number, data: ProducerRecord, options?: SendOptions): Promise<void> {
    // The hot path of a send loop: no allocation when the record is taken at once.
    const lane = this.admission.lane(topicId);
    const seq = this.admission.admit(lane, data, true);
    return typeof seq === 'number'
      ? RESOLVED
      : this.admission.awaitRoom(lane, data, seq, options?.signal, true, nothing);
  }

  /**
   * Sends `records` in order, flushes them at once (no linger) and resolves with the ack of each
   * batch they took (one unless they exceed `batchSize`). All are validated before any is taken.
   */
  async sendBatch(
    topicId: number,
    records: readonly ProducerRecord[],
    options: SendOptions = {},
  ): Promise<ProduceAck[]> {
    const lane = this.admission.lane(topicId);
    const sizes: number[] = [];
    for (const r of records) {
      const size = this.admission.check(r);
      if (typeof size !== 'number') throw size;
      sizes.push(size);
    }
    const acks: Promise<ProduceAck>[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const taken = this.admission.take(lane, r, sizes[i]!);
      const seq =
        typeof taken === 'number'
          ? taken
          : await this.admission.awaitRoom(lane, r, taken, options.signal, false, seqOf);
      const p = lane.ticketFor(seq);
      if (acks[acks.length - 1] !== p) acks.push(p);
    }
    lane.flush();
    return Promise.all(acks);
  }

  /**
   * Sends partial batches now and resolves when every record sent before the call has been acked
   * or has failed. Rejects with the first failure of a `sendAsync` record since the last flush.
   */
  async flush(): Promise<void> {
    // Partial batches leave now, unless sends are still waiting for room (then after them).
    if (this.engine.budget.waiting > 0) await this.engine.budget.barrier();
    await this.engine.flush();
    this.throwUnobserved();
  }

  /**
   * Sends partial batches, waits up to `timeoutMs` (default `closeTimeoutMs`: min(10 s,
   * `requestTimeoutMs`)) for acks, fails the rest with ClosedError, then closes the connection.
   * Every `send()` promise is settled when it resolves. Rejects with the first failure of a
   * `sendAsync` record not reported by `flush()`. A shared `Lance`'s `close()` drains this
   * producer too, and leaves its failures for this call to report.
   */
  async close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    await this.engine.close(options);
    if (this.ownsLance && this.lance instanceof Lance) await this.lance.close();
    this.throwUnobserved();
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  // ----- internals -----

  private throwUnobserved(): void {
    const failures = this.engine.unobservedFailures.take();
    if (failures.length > 0) throw failures[0];
  }
}
