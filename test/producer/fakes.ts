/**
 * Test doubles for the producer engine: a fake `Session` (records what is sent, lets the test
 * play the server's acks, errors and disconnects), a fake connection emitting sessions, and a
 * virtual clock to advance linger and timeouts by hand.
 */
import { type Observable, Subject, VirtualTimeScheduler, throwError } from 'rxjs';
import { Flags } from '../../src/wire/constants';
import { ConnectionError } from '../../src/wire/errors';
import { FrameDecoder } from '../../src/wire/decoder';
import { utf8 } from '../../src/wire/bytes';
import type { Frame } from '../../src/wire/frame';
import { decodeRecords, type TlvRecord } from '../../src/wire/tlv';
import type { Session } from '../../src/rx/session';

export interface SentIngest {
  readonly flags: number;
  readonly batchId: number;
  readonly topicId: number;
  readonly recordCount: number;
  readonly timestampNs: bigint;
  readonly payload: Uint8Array;
  readonly records: TlvRecord[];
}

const frame = (flags: number, batchId: bigint, payload: Uint8Array = new Uint8Array(0)): Frame => ({
  flags,
  batchId,
  timestampNs: 0n,
  recordCount: 0,
  topicId: 0,
  payload,
});

export class FakeSession implements Session {
  readonly address = '127.0.0.1:1992';
  readonly sent: SentIngest[] = [];
  /** Each sent ingest as it is written (for marble tests). */
  readonly sent$ = new Subject<SentIngest>();
  readonly killed: unknown[] = [];
  readonly drains = new Subject<void>();
  readonly drain$ = this.drains.asObservable();
  /** What `send()` returns (false = the socket buffer is full). */
  writable = true;
  private readonly frames = new Subject<Frame>();
  readonly frames$ = this.frames.asObservable();

  constructor(readonly epoch: number) {}

  send(bytes: Uint8Array): boolean {
    // Decode a copy, with the real decoder (CRCs checked), as a server would see it.
    const [f] = new FrameDecoder().push(Uint8Array.from(bytes));
    if (f === undefined) throw new Error('send() got an incomplete frame');
    const ingest: SentIngest = {
      flags: f.flags,
      batchId: Number(f.batchId),
      topicId: f.topicId,
      recordCount: f.recordCount,
      timestampNs: f.timestampNs,
      payload: f.payload,
      records: decodeRecords(f.payload).records,
    };
    this.sent.push(ingest);
    this.sent$.next(ingest);
    return this.writable;
  }

  request$(): Observable<Frame> {
    return throwError(() => new Error('a producer must never send control requests'));
  }

  kill(reason?: unknown): void {
    this.killed.push(reason);
    this.die(new ConnectionError('killed'));
  }

  ack(...batchIds: number[]): void {
    for (const id of batchIds) this.frames.next(frame(Flags.ACK, BigInt(id)));
  }

  error(text: string): void {
    this.frames.next(frame(Flags.CONTROL, 0xffn, utf8(text)));
  }

  backpressure(): void {
    this.frames.next(frame(Flags.BACKPRESSURE, 0n));
  }

  keepalive(): void {
    this.frames.next(frame(Flags.KEEPALIVE, 0n));
  }

  die(err: unknown = new ConnectionError('connection reset')): void {
    this.frames.error(err);
  }

  /** Batch ids sent on this session, in order. */
  get ids(): number[] {
    return this.sent.map((s) => s.batchId);
  }
}

export class FakeConnection {
  readonly sessions: FakeSession[] = [];
  readonly session$ = new Subject<Session>();

  connect(): FakeSession {
    const s = new FakeSession(this.sessions.length + 1);
    this.sessions.push(s);
    this.session$.next(s);
    return s;
  }

  get current(): FakeSession {
    const s = this.sessions[this.sessions.length - 1];
    if (s === undefined) throw new Error('no session yet');
    return s;
  }
}

/** A virtual clock: `advance(ms)` runs everything due by then. */
export class Clock extends VirtualTimeScheduler {
  constructor() {
    super();
  }

  advance(ms: number): void {
    const target = this.frame + ms;
    this.maxFrames = target;
    this.flush();
    this.frame = target;
  }
}

export const bytes = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill);
export const text = (r: TlvRecord): string => Buffer.from(r.value).toString('utf8');
/** Lets pending promise callbacks run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
