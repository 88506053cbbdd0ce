/**
 * The two workloads of a chaos run. The producer writes records whose value carries their sequence
 * number (= the producer lane's seq, so `acks$` outcomes and consumed copies meet on one index), at
 * a steady pace, paced with `whenRoom` so it never overruns `bufferMemory`. The consumer reads them
 * back with `topic$` and, should its stream error, resubscribes from the last delivered offset.
 */
import { type Subscription, exhaustMap, interval } from 'rxjs';
import { type ConsumeOptions, Lance, type ProducerOptions, type RxProducer, whenRoom } from '../../src/index';
import type { Ledger } from './chaos-ledger';
import { errorText } from './chaos-roles';

const SEQ_DIGITS = 10;
/** The smallest record that holds a sequence number and its separator. */
export const MIN_RECORD_BYTES = SEQ_DIGITS + 2;

/** Reads the seq written in a record value: -1 when the value is not one of ours. */
export function seqReader(recordBytes: number, ledger: Ledger): (v: Uint8Array) => number {
  const decoder = new TextDecoder();
  return (v) => {
    if (v.length !== recordBytes || v[SEQ_DIGITS] !== 0x7c /* | */) return -1;
    const seq = Number(decoder.decode(v.subarray(0, SEQ_DIGITS)));
    return Number.isInteger(seq) && seq >= 0 && seq < ledger.produced ? seq : -1;
  };
}

export interface ProducerDriver {
  readonly producer: RxProducer;
  /** Records not produced on time because the buffer was full (pacing deficit, skipped, not lost). */
  readonly paceSkipped: number;
  readonly acksCompleted: boolean;
  /** Starts the clock the pace is measured from. */
  start(): void;
  /** Stops producing (the producer itself stays open: closing it is the run's end phase). */
  stop(): void;
  /** Ends the acks$ subscription. */
  dispose(): void;
}

export function driveProducer(
  lance: Lance,
  topicId: number,
  o: { readonly recordBytes: number; readonly bufferMemory: number; readonly recordsPerSecond: number },
  ledger: Ledger,
  report: { readonly failure: (message: string) => void; readonly harness: (message: string) => void },
): ProducerDriver {
  const options: ProducerOptions = {
    lingerMs: 5,
    batchSize: 16 * 1024,
    bufferMemory: o.bufferMemory,
    // Long on purpose: a dead peer must be found by the keepalive, not by an ack timeout.
    requestTimeoutMs: 30_000,
    closeTimeoutMs: 30_000,
  };
  const producer = lance.producer(topicId, options);
  let acksCompleted = false;
  const acks = producer.acks$.subscribe({
    next: (outcome) => {
      ledger.outcomeOf(outcome);
      if (outcome.type !== 'acked') report.failure(`${outcome.type}: ${outcome.error.name}: ${outcome.error.message}`);
    },
    complete: () => (acksCompleted = true),
    error: (err: unknown) => report.harness(`acks$ errored: ${String(err)}`),
  });

  const pad = 'x'.repeat(o.recordBytes - SEQ_DIGITS - 1);
  const highWater = Math.floor(o.bufferMemory * 0.75);
  let startedAt = performance.now();
  let paceSkipped = 0;
  let pace: Subscription | undefined;
  const tick = (): void => {
    const due = Math.floor(((performance.now() - startedAt) * o.recordsPerSecond) / 1000) - paceSkipped;
    // After an outage, catch up at most one second's worth; the rest is skipped (counted).
    if (due - ledger.produced > o.recordsPerSecond) paceSkipped += due - ledger.produced - o.recordsPerSecond;
    const target = Math.min(due, ledger.produced + o.recordsPerSecond);
    while (ledger.produced < target && producer.bufferedBytes < highWater) {
      producer.next(String(ledger.produced).padStart(SEQ_DIGITS, '0') + '|' + pad);
      ledger.produced++;
    }
  };
  return {
    producer,
    get paceSkipped() {
      return paceSkipped;
    },
    get acksCompleted() {
      return acksCompleted;
    },
    start() {
      startedAt = performance.now();
      pace = interval(10)
        .pipe(exhaustMap(() => whenRoom(producer, highWater)))
        .subscribe(tick);
    },
    stop: () => pace?.unsubscribe(),
    dispose: () => acks.unsubscribe(),
  };
}

export interface ConsumerDriver {
  /** Consumed values that are not ours (wrong size or shape). */
  readonly foreign: number;
  stop(): void;
}

export function driveConsumer(
  lance: Lance,
  topicId: number,
  seqOf: (v: Uint8Array) => number,
  ledger: Ledger,
  hooks: {
    /** Called before each (re)subscription: a new topic$ takes a new role. */
    readonly subscribing: () => void;
    readonly errored: (text: string) => void;
  },
): ConsumerDriver {
  const options: ConsumeOptions = {
    pollIntervalMs: 20,
    maxFetchBytes: 256 * 1024,
    catchingUpDelayMs: 200,
    catchingUpMaxStalls: 20,
    backoff: { baseMs: 50, maxMs: 1_000 },
    lagProbeIntervalMs: false,
    autoCommitIntervalMs: false,
    // Long on purpose, as for the producer: the keepalive must find dead peers.
    requestTimeoutMs: 30_000,
  };
  let position = 0n;
  let foreign = 0;
  let stopping = false;
  let sub: Subscription | undefined;
  let retry: NodeJS.Timeout | undefined;
  const subscribe = (): void => {
    hooks.subscribing();
    sub = lance.topic$(topicId, position, options).subscribe({
      next: (batch) => {
        for (const r of batch.records) {
          const seq = seqOf(r.value);
          if (seq < 0) foreign++;
          else ledger.consumedSeq(seq);
        }
        position = batch.endOffset;
      },
      error: (err: unknown) => {
        hooks.errored(errorText(err));
        // Keep reading (from the last delivered offset) so the rest of the run still says something.
        if (!stopping) retry = setTimeout(() => !stopping && subscribe(), 200);
      },
    });
  };
  subscribe();
  return {
    get foreign() {
      return foreign;
    },
    stop() {
      stopping = true;
      clearTimeout(retry);
      sub?.unsubscribe();
    },
  };
}
