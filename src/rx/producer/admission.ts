/**
 * How a record enters the producer, for both faces: `admit(lane, record)` checks it (in one order:
 * the producer takes records, the record can be sent, it can ever fit in `bufferMemory`), reserves
 * its bytes and writes it into its lane, and returns its sequence number — or why it was not taken.
 * The faces differ only in what they do with a record that was not taken: the Rx face reports it
 * as an outcome on `acks$` (`refuse`), the Promise face rejects, or waits in line for room
 * (`awaitRoom`).
 *
 * A send loop's hot path (a byte record of a valid size, the same topic as the call before) costs a
 * state check, one comparison, a budget reservation and the TLV write: no lookup, no allocation.
 */
import { isU32 } from '../../wire/bytes.js';
import { BackpressureError, InvalidArgumentError, type LanceError } from '../../wire/errors.js';
import { TLV_HEADER_SIZE } from '../../wire/tlv.js';
import type { Lane } from './lane.js';
import type { MemoryBudget } from './memory-budget.js';
import type { ResolvedProducerOptions } from './options.js';
import { type ProducerRecord, checkedSize } from './records.js';

/** What admission needs from its engine. */
export interface AdmissionHost {
  readonly options: ResolvedProducerOptions;
  readonly budget: MemoryBudget;
  /** Undefined while records are taken; otherwise why not (closing, closed, failed). */
  refusal(): LanceError | undefined;
  lane(topicId: number): Lane;
}

/** A valid record that did not fit in `bufferMemory` now: the Promise face may wait for its `size`. */
export class NoRoom {
  constructor(readonly size: number) {}
}

/** What a Promise send hands back once its record is in its lane (module constants: no closure per send). */
export type Receipt<T> = (lane: Lane, seq: number) => T;

export function assertTopicId(topicId: number): void {
  if (!isU32(topicId) || topicId === 0) {
    throw new InvalidArgumentError(`topicId must be a u32 above 0 (topic 0 cannot be read back), got ${topicId}`);
  }
}

export class Admission {
  /** The largest byte record that needs no check beyond its length (payload limit and bufferMemory). */
  private readonly maxValueBytes: number;
  private lastTopicId = -1;
  private lastLane: Lane | undefined;

  constructor(private readonly host: AdmissionHost) {
    this.maxValueBytes = Math.min(host.options.maxPayloadBytes, host.options.bufferMemory) - TLV_HEADER_SIZE;
  }

  /** The lane of `topicId` (lanes live as long as the engine, so the last one is kept: no lookup per record). */
  lane(topicId: number): Lane {
    if (topicId === this.lastTopicId) return this.lastLane!;
    assertTopicId(topicId);
    const lane = this.host.lane(topicId);
    this.lastTopicId = topicId;
    this.lastLane = lane;
    return lane;
  }

  /** `r`'s TLV size when the producer may take it, or why it may not. */
  check(r: ProducerRecord): number | LanceError {
    const refusal = this.host.refusal();
    if (refusal !== undefined) return refusal;
    if (r instanceof Uint8Array && r.length <= this.maxValueBytes) return TLV_HEADER_SIZE + r.length;
    const size = checkedSize(r, this.host.options.maxPayloadBytes);
    if (typeof size !== 'number') return size;
    return this.host.budget.oversize(size) ?? size;
  }

  /** Takes a checked record of `size` bytes if there is room now (nobody waiting ahead): its sequence number. */
  take(lane: Lane, r: ProducerRecord, size: number, unobserved = false): number | NoRoom {
    return this.host.budget.tryReserve(size) ? lane.accept(r, size, unobserved) : new NoRoom(size);
  }

  /**
   * The one way in: `r`'s sequence number in `lane`, or why it was not taken. `unobserved`
   * (fire-and-forget) records report a failure of their batch on the next flush()/close().
   */
  admit(lane: Lane, r: ProducerRecord, unobserved = false): number | LanceError | NoRoom {
    const size = this.check(r);
    return typeof size === 'number' ? this.take(lane, r, size, unobserved) : size;
  }

  /**
   * The Rx face's answer to a record `admit` did not take: a `rejected` outcome (`dropped` for no
   * room under `onFull: 'drop-newest'`) that uses up the record's sequence number. Never throws.
   */
  refuse(lane: Lane, why: LanceError | NoRoom): void {
    if (!(why instanceof NoRoom)) {
      lane.reject(why, false);
      return;
    }
    const { bufferMemory, onFull } = this.host.options;
    const dropped = onFull === 'drop-newest';
    lane.reject(
      new BackpressureError(`bufferMemory full (${bufferMemory} bytes): record ${dropped ? 'dropped' : 'rejected'}`),
      dropped,
    );
  }

  /**
   * The Promise face's answer to a record `admit` did not take: rejects with the refusal, or waits
   * in line for room (up to `maxBlockMs`, or until `signal` aborts), then takes `r` — unless the
   * producer stopped taking records meanwhile — and resolves with `receipt`.
   */
  awaitRoom<T>(
    lane: Lane,
    r: ProducerRecord,
    why: LanceError | NoRoom,
    signal: AbortSignal | undefined,
    unobserved: boolean,
    receipt: Receipt<T | PromiseLike<T>>,
  ): Promise<T> {
    if (!(why instanceof NoRoom)) return Promise.reject(why);
    const size = why.size;
    return this.host.budget.reserve(size, this.host.options.maxBlockMs, signal, () => {
      const refusal = this.host.refusal();
      if (refusal !== undefined) throw refusal;
      return receipt(lane, lane.accept(r, size, unobserved));
    });
  }
}
