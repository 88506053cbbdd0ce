import { ProducerEngine } from '../../src/rx/producer/engine';
import { createProducer } from '../../src/rx/producer/create-producer';
import type { ProduceOutcome } from '../../src/rx/producer/batch';
import type { ProducerOptions } from '../../src/rx/producer/options';
import { Flags } from '../../src/wire/constants';
import {
  BackpressureError,
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  TimeoutError,
  TopicNotFoundError,
  AuthenticationError,
  ForwardFailedError,
} from '../../src/wire/errors';
import { RecordType, TlvRecord, decodeRecords } from '../../src/wire/tlv';
import { decompressRecords } from '../../src/wire/record-envelope';
import { Clock, FakeConnection, bytes, text } from './fakes';
import { TRUST_AFTER_ACKS } from '../../src/rx/producer/send-window';

function setup(options: ProducerOptions = {}, topicId = 1) {
  const conn = new FakeConnection();
  const clock = new Clock();
  const producer = createProducer(conn.session$, topicId, options, clock);
  const outcomes: ProduceOutcome[] = [];
  producer.acks$.subscribe({ next: (o) => outcomes.push(o), error: () => undefined });
  return { conn, clock, producer, outcomes };
}

function engineSetup(options: ProducerOptions = {}) {
  const conn = new FakeConnection();
  const clock = new Clock();
  const engine = new ProducerEngine(conn.session$, options, clock);
  const outcomes: ProduceOutcome[] = [];
  engine.outcomes.subscribe((o) => outcomes.push(o));
  return { conn, clock, engine, outcomes };
}

describe('producer engine: frames and acks', () => {
  it('sends the first record at once when idle, batches the rest behind it, matches acks by batch id', () => {
    const { conn, clock, producer, outcomes } = setup({ lingerMs: 5 });
    const s = conn.connect();
    producer.next('a');
    expect(s.sent).toHaveLength(1); // Nagle: nothing in flight, no linger
    producer.next(bytes(3));
    producer.next(new TlvRecord(RecordType.JSON, Buffer.from('{}')));
    expect(s.sent).toHaveLength(1); // packed behind batch 1: no linger while it is in flight
    clock.advance(50);
    expect(s.sent).toHaveLength(1);
    s.ack(1); // the pipe drained: the packed frame leaves
    expect(s.sent).toHaveLength(2);
    const [b1, b2] = s.sent;
    expect(b1).toMatchObject({ flags: Flags.BATCH_MODE, batchId: 1, topicId: 1, recordCount: 1 });
    expect(b1!.records.map(text)).toEqual(['a']);
    expect(b1!.records[0]!.type).toBe(RecordType.RAW);
    expect(b2).toMatchObject({ flags: Flags.BATCH_MODE, batchId: 2, topicId: 1, recordCount: 2 });
    expect(b2!.records.map((r) => r.type)).toEqual([RecordType.RAW, RecordType.JSON]);
    expect(Number(b2!.timestampNs / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);

    s.ack(2);
    expect(outcomes).toEqual([
      expect.objectContaining({ type: 'acked', firstSeq: 0, count: 1, batchId: 1n, epoch: 1, attempts: 1 }),
      expect.objectContaining({ type: 'acked', firstSeq: 1, count: 2, batchId: 2n, bytes: 8 + 7 }),
    ]);
    expect(producer.stats).toMatchObject({ records: 3, batches: 2, inFlight: 0, bufferedBytes: 0, framesSent: 2 });
  });

  it('an ack resumes sending: the lingering partial batch goes out as soon as nothing is in flight', () => {
    const { conn, producer } = setup({ lingerMs: 1000 });
    const s = conn.connect();
    producer.next('a');
    producer.next('b');
    producer.next('c');
    expect(s.sent).toHaveLength(1);
    s.ack(1);
    expect(s.sent.map((f) => f.recordCount)).toEqual([1, 2]);
  });

  it('cuts batches at batchSize bytes of TLV and sends a record bigger than that alone', () => {
    const { conn, clock, producer } = setup({ batchSize: 100, lingerMs: 5, flushWhenIdle: false });
    const s = conn.connect();
    for (let i = 0; i < 5; i++) producer.next(bytes(35)); // 40 B each in TLV: 2 per batch
    producer.next(bytes(300));
    producer.next(bytes(1));
    clock.advance(5);
    expect(s.sent.map((f) => f.recordCount)).toEqual([2, 2, 1, 1, 1]);
    expect(s.sent.map((f) => f.payload.length)).toEqual([80, 80, 40, 305, 6]);
  });

  it('rejects a record bigger than the server payload limit before sending, and 0xFF records', () => {
    const { conn, producer, outcomes } = setup({ maxPayloadBytes: 1000, batchSize: 500 });
    const s = conn.connect();
    producer.next(bytes(996));
    producer.next(new TlvRecord(0xff, new Uint8Array(0)));
    producer.next(bytes(995)); // exactly 1000 bytes of TLV: allowed
    expect(outcomes.map((o) => o.type)).toEqual(['rejected', 'rejected']);
    expect(outcomes[0]).toMatchObject({ seq: 0 });
    expect((outcomes[0] as { error: unknown }).error).toBeInstanceOf(InvalidArgumentError);
    expect(s.sent).toHaveLength(1);
    s.ack(1);
    expect(outcomes[2]).toMatchObject({ type: 'acked', firstSeq: 2, count: 1 });
  });

  it('keeps up to maxPendingAcks frames in flight and ignores keepalives and stray acks', () => {
    const { conn, producer } = setup({ maxPendingAcks: 3, batchSize: 10, flushWhenIdle: false });
    const s = conn.connect();
    for (let i = 0; i < 10; i++) producer.next(bytes(5));
    expect(s.ids).toEqual([1, 2, 3]);
    s.keepalive();
    s.ack(7);
    expect(s.ids).toEqual([1, 2, 3]);
    s.ack(1, 2);
    expect(s.ids).toEqual([1, 2, 3, 4, 5]);
    expect(producer.stats.inFlight).toBe(3);
    expect(producer.stats.queued).toBe(5);
  });

  it('halves the window on a Backpressure frame until acks resume', () => {
    const { conn, producer } = setup({ maxPendingAcks: 4, batchSize: 10, flushWhenIdle: false });
    const s = conn.connect();
    s.backpressure();
    expect(producer.stats.window).toBe(2);
    for (let i = 0; i < 10; i++) producer.next(bytes(5));
    expect(s.ids).toEqual([1, 2]);
    s.ack(1); // acks resume: full window again
    expect(s.ids).toEqual([1, 2, 3, 4, 5]);
    expect(producer.stats.backpressureFrames).toBe(1);
  });

  it('a Backpressure frame answering a send resends that batch after retryBackoffMs, not after requestTimeoutMs, with one outcome', () => {
    const { conn, clock, producer, outcomes } = setup({ requestTimeoutMs: 30_000, retryBackoffMs: 100 });
    const s = conn.connect();
    producer.next('a');
    expect(s.ids).toEqual([1]);
    s.backpressure(); // refuses batch 1: no ack for it will come
    clock.advance(99);
    expect(s.ids).toEqual([1]);
    clock.advance(1);
    expect(s.ids).toEqual([1, 2]); // resent on the same session, 100 ms in (not 30 s)
    expect(s.sent[1]!.records.map(text)).toEqual(['a']);
    expect(s.killed).toHaveLength(0);
    s.ack(2);
    s.ack(1); // had it been written after all, its late ack is a stray: no second outcome
    clock.advance(60_000);
    expect(outcomes).toEqual([
      expect.objectContaining({ type: 'acked', firstSeq: 0, count: 1, batchId: 2n, attempts: 2 }),
    ]);
    expect(s.ids).toEqual([1, 2]);
    expect(s.killed).toHaveLength(0);
    expect(producer.stats).toMatchObject({ backpressureFrames: 1, retries: 1, records: 1 });
  });

  it('a Backpressure frame followed by the acks of every batch in flight resends nothing (advisory)', () => {
    const { conn, clock, producer, outcomes } = setup({ batchSize: 10, flushWhenIdle: false, retryBackoffMs: 100 });
    const s = conn.connect();
    producer.next('a');
    producer.next('b');
    void producer.flush();
    expect(s.ids).toEqual([1, 2]);
    s.backpressure();
    s.ack(1, 2);
    clock.advance(1_000);
    expect(s.ids).toEqual([1, 2]);
    expect(outcomes.map((o) => o.type)).toEqual(['acked', 'acked']);
  });

  it('one Backpressure frame resends at most one batch: a refusal already exposed by a later ack is not resent twice', () => {
    const { conn, clock, producer, outcomes } = setup({ batchSize: 10, flushWhenIdle: false, retryBackoffMs: 100 });
    const s = conn.connect();
    for (const r of ['a', 'b', 'c']) producer.next(r);
    void producer.flush();
    expect(s.ids).toEqual([1, 2, 3]);
    s.backpressure(); // about batch 1
    s.ack(2); // skips 1: resent at once as 4
    expect(s.ids).toEqual([1, 2, 3, 4]);
    clock.advance(100); // batch 3 is merely slow: the frame is explained, nothing more is resent
    expect(s.ids).toEqual([1, 2, 3, 4]);
    s.ack(3, 4);
    expect(outcomes.map((o) => (o.type === 'acked' ? `${o.firstSeq}#${o.batchId}` : o.type))).toEqual([
      '1#2',
      '2#3',
      '0#4',
    ]);
  });

  it('waits for drain$ when the socket reports a full buffer', () => {
    const { conn, producer } = setup({ batchSize: 10, flushWhenIdle: false });
    const s = conn.connect();
    s.writable = false;
    for (let i = 0; i < 3; i++) producer.next(bytes(5));
    expect(s.ids).toEqual([1]);
    s.writable = true;
    s.drains.next();
    expect(s.ids).toEqual([1, 2, 3]);
  });

  it('compresses a batch into one envelope record without setting the Compressed flag', () => {
    const { conn, producer } = setup({ compression: true, lingerMs: 5, flushWhenIdle: false });
    const s = conn.connect();
    for (let i = 0; i < 50; i++) producer.next(`hello hello hello ${i % 3}`);
    void producer.flush();
    const [f] = s.sent;
    expect(f!.flags).toBe(Flags.BATCH_MODE);
    expect(f!.recordCount).toBe(50);
    expect(f!.records).toHaveLength(1);
    expect(f!.records[0]!.type).toBe(RecordType.LNC_COMPRESSED);
    const inner = decodeRecords(decompressRecords(f!.records[0]!.value)).records.map(text);
    expect(inner).toHaveLength(50);
    expect(inner[4]).toBe('hello hello hello 1');
    producer.next(bytes(3)); // incompressible: sent plain
    void producer.flush();
    expect(s.sent[1]!.records[0]!.type).toBe(RecordType.RAW);
  });
});

describe('producer engine: error attribution (errors carry no batch id)', () => {
  // Two topics on one connection: 1 exists, 2 does not. One batch per record (flush per send).
  function mixed() {
    const env = engineSetup({ lingerMs: 1000, flushWhenIdle: false });
    const s = env.conn.connect();
    const send = (topic: number, value: string) => {
      const lane = env.engine.lane(topic);
      env.engine.admission.admit(lane, value);
      lane.flush();
    };
    const failed = () => env.outcomes.filter((o) => o.type === 'failed').map((o) => (o as { topicId: number }).topicId);
    const acked = () => env.outcomes.filter((o) => o.type === 'acked').map((o) => (o as { topicId: number }).topicId);
    return { ...env, s, send, failed, acked };
  }

  it('bad then good, error first: the ack of 2 skips 1, so 1 failed', () => {
    const m = mixed();
    m.send(2, 'x');
    m.send(1, 'y');
    m.s.error('Unknown topic');
    expect(m.outcomes).toHaveLength(0); // 1 error, 2 unacked: not attributable yet
    m.s.ack(2);
    expect(m.failed()).toEqual([2]);
    expect(m.acked()).toEqual([1]);
    const failure = m.outcomes.find((o) => o.type === 'failed') as { error: unknown; firstSeq: number };
    expect(failure.error).toBeInstanceOf(TopicNotFoundError);
  });

  it('good then bad, error overtaking the earlier ack (same read): counting settles it after the ack', () => {
    const m = mixed();
    m.send(1, 'y');
    m.send(2, 'x');
    m.s.error('Unknown topic');
    expect(m.outcomes).toHaveLength(0);
    m.s.ack(1);
    expect(m.acked()).toEqual([1]);
    expect(m.failed()).toEqual([2]);
  });

  it('good then bad, ack first (separate reads): the error settles the only unacked batch', () => {
    const m = mixed();
    m.send(1, 'y');
    m.send(2, 'x');
    m.s.ack(1);
    m.s.error('Unknown topic');
    expect(m.acked()).toEqual([1]);
    expect(m.failed()).toEqual([2]);
  });

  it('good, bad, good in one read: the error waits for the third ack', () => {
    const m = mixed();
    m.send(1, 'a');
    m.send(2, 'b');
    m.send(1, 'c');
    m.s.error('Unknown topic');
    m.s.ack(1);
    expect(m.failed()).toEqual([]);
    m.s.ack(3);
    expect(m.failed()).toEqual([2]);
    expect(m.acked()).toEqual([1, 1]);
  });

  it('several failures are attributed in order, with their own errors; later batches carry on', () => {
    const m = mixed();
    m.send(2, 'a');
    m.send(1, 'b');
    m.send(2, 'c');
    m.send(1, 'd');
    m.s.error('Unknown topic');
    m.s.error('Authentication required');
    m.s.ack(2);
    m.s.ack(4);
    const failures = m.outcomes.filter((o) => o.type === 'failed') as Array<{
      firstSeq: number;
      error: unknown;
      topicId: number;
    }>;
    expect(failures.map((f) => [f.topicId, f.firstSeq])).toEqual([
      [2, 0],
      [2, 1],
    ]);
    expect(failures[0]!.error).toBeInstanceOf(TopicNotFoundError);
    expect(failures[1]!.error).toBeInstanceOf(AuthenticationError);
    m.send(1, 'e');
    m.s.ack(5);
    expect(m.acked()).toEqual([1, 1, 1]);
  });

  it('a retryable error (FORWARD_FAILED) ends the session and resends every unacked batch on the next', () => {
    const m = mixed();
    m.send(1, 'a');
    m.send(1, 'b');
    m.s.error('FORWARD_FAILED: Leader address unknown');
    expect(m.s.killed[0]).toBeInstanceOf(ForwardFailedError);
    expect(m.outcomes).toHaveLength(0);
    const s2 = m.conn.connect();
    expect(s2.ids).toEqual([1]); // slow start: one at a time after a loss
    s2.ack(1);
    expect(s2.ids).toEqual([1, 2]);
    expect(s2.sent.map((f) => text(f.records[0]!))).toEqual(['a', 'b']);
    s2.ack(2);
    expect(m.outcomes.map((o) => o.type)).toEqual(['acked', 'acked']);
    expect(m.outcomes[0]).toMatchObject({ attempts: 2, epoch: 2 });
  });
});

describe('producer engine: retries across sessions', () => {
  it('resends unacked batches on the next session, in order, one at a time, with new batch ids from 1', () => {
    const { conn, producer, outcomes } = setup({ batchSize: 10, flushWhenIdle: false });
    const s1 = conn.connect();
    for (let i = 0; i < 4; i++) producer.next(`r${i}`);
    void producer.flush();
    expect(s1.ids).toEqual([1, 2, 3, 4]);
    s1.ack(1);
    s1.die();
    for (let i = 4; i < 6; i++) producer.next(`r${i}`); // queued while disconnected
    void producer.flush();
    expect(producer.stats.retries).toBe(3);
    const s2 = conn.connect();
    expect(s2.ids).toEqual([1]); // slow start: window 1 after a loss
    for (let id = 1; id <= 4; id++) {
      s2.ack(id);
      expect(s2.ids).toHaveLength(id + 1);
    }
    expect(s2.sent.map((f) => text(f.records[0]!))).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    s2.ack(5);
    expect(outcomes.map((o) => (o.type === 'acked' ? `${o.firstSeq}@${o.epoch}` : o.type))).toEqual([
      '0@1',
      '1@2',
      '2@2',
      '3@2',
      '4@2',
      '5@2',
    ]);
  });

  it('an ack missing for requestTimeoutMs kills the session; the batch is resent on the next', () => {
    const { conn, clock, producer, outcomes } = setup({ requestTimeoutMs: 1000, deliveryTimeoutMs: 10_000 });
    const s1 = conn.connect();
    producer.next('a');
    clock.advance(999);
    expect(s1.killed).toHaveLength(0);
    clock.advance(1);
    expect(s1.killed[0]).toBeInstanceOf(TimeoutError);
    s1.ack(1); // too late: that session is gone
    expect(outcomes).toHaveLength(0);
    const s2 = conn.connect();
    s2.ack(1);
    expect(outcomes[0]).toMatchObject({ type: 'acked', attempts: 2, epoch: 2 });
  });

  it('a batch that finds no connection fails at its deliveryTimeoutMs with TimeoutError and the last cause', () => {
    const { conn, clock, producer, outcomes } = setup({ deliveryTimeoutMs: 2000 });
    conn.connect().die(); // the only session dies before anything was sent
    producer.next('a');
    clock.advance(1999);
    expect(outcomes).toHaveLength(0);
    clock.advance(1);
    expect(outcomes[0]).toMatchObject({ type: 'failed', count: 1 });
    const err = (outcomes[0] as { error: Error }).error;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/never sent/);
    // A session that comes later does not resend what already failed.
    const s2 = conn.connect();
    expect(s2.sent).toHaveLength(0);
  });

  it('an in-flight batch past its deadline fails once; the late ack changes nothing and later batches are still attributed', () => {
    const { conn, clock, producer, outcomes } = setup({
      deliveryTimeoutMs: 1000,
      requestTimeoutMs: 60_000,
      lingerMs: 0,
    });
    const s = conn.connect();
    producer.next('a');
    clock.advance(600);
    producer.next('b');
    clock.advance(400); // 'a' reaches its deadline, 'b' does not
    expect(outcomes).toEqual([expect.objectContaining({ type: 'failed', firstSeq: 0 })]);
    expect((outcomes[0] as { error: Error }).error.message).toMatch(/may or may not have been written/);
    s.ack(1, 2);
    expect(outcomes.map((o) => `${o.type}:${'firstSeq' in o ? o.firstSeq : ''}`)).toEqual(['failed:0', 'acked:1']);
    expect(s.killed).toHaveLength(0);
  });

  it('fails a batch once maxRetries resends are used up', () => {
    const { conn, producer, outcomes } = setup({ maxRetries: 1 });
    producer.next('a');
    conn.connect().die();
    conn.connect().die();
    expect(outcomes[0]).toMatchObject({ type: 'failed' });
    expect((outcomes[0] as { error: unknown }).error).toBeInstanceOf(ConnectionError);
  });

  it('when session$ ends for good, every pending record fails and new ones are refused', () => {
    const { conn, producer, outcomes } = setup();
    const s = conn.connect();
    producer.next('a');
    s.die();
    conn.session$.error(new ConnectionError('auto-reconnect disabled'));
    expect(outcomes[0]).toMatchObject({ type: 'failed', count: 1 });
    producer.next('b');
    expect(outcomes[1]).toMatchObject({ type: 'rejected', seq: 1 });
  });
});

describe('producer engine: slow start after a connection loss (no resend storm)', () => {
  /** One 5-byte record per batch (10 B of TLV), never flushed early: `n` batches queue up at once. */
  function loaded(n: number, maxPendingAcks = 8) {
    const m = setup({ maxPendingAcks, batchSize: 10, flushWhenIdle: false });
    for (let i = 0; i < n; i++) m.producer.next(bytes(5));
    void m.producer.flush();
    return m;
  }

  it('a first session uses the full window at once', () => {
    const { conn, producer } = loaded(20);
    expect(conn.connect().ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(producer.stats.window).toBe(8);
  });

  it(`after a loss the window is 1 until ${TRUST_AFTER_ACKS} acks in a row, then grows by one per ack back to maxPendingAcks`, () => {
    const { conn, producer, outcomes } = loaded(200);
    const s1 = conn.connect();
    s1.ack(1, 2); // batches 9 and 10 go out
    s1.die(); // 8 batches in flight: outcome unknown
    expect(producer.stats.window).toBe(1);
    const s2 = conn.connect();
    expect(s2.ids).toEqual([1]);
    const windows: number[] = [];
    const inFlight: number[] = [];
    for (let id = 1; id <= TRUST_AFTER_ACKS + 10; id++) {
      s2.ack(id);
      windows.push(producer.stats.window);
      inFlight.push(producer.stats.inFlight);
    }
    expect(windows).toEqual([...Array<number>(TRUST_AFTER_ACKS - 1).fill(1), 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]);
    expect(inFlight).toEqual(windows); // the queue is never empty: the pump always fills the window
    expect(outcomes.every((o) => o.type === 'acked')).toBe(true);
    expect(producer.stats.resent).toBe(8); // the 8 batches of s1 sent again, 1 record each
  });

  it('a connection that dies before earning trust leaves the next one at 1 again: at most one frame unknown per connection', () => {
    const { conn, producer } = loaded(200);
    conn.connect().die(); // all 8 in flight
    for (let i = 0; i < 5; i++) {
      const s = conn.connect();
      for (let id = 1; id < TRUST_AFTER_ACKS; id++) s.ack(id); // just short of trust
      expect(producer.stats.inFlight).toBe(1);
      s.die();
    }
    const s = conn.connect();
    expect(s.ids).toEqual([1]);
    expect(producer.stats.resent).toBe(8 + 5); // the first window once, then one per lost connection
  });

  it('a session that ends with nothing in flight is no loss: the next one gets the full window', () => {
    const { conn, producer } = setup({ maxPendingAcks: 4, batchSize: 10, flushWhenIdle: false });
    const s1 = conn.connect();
    producer.next(bytes(5));
    void producer.flush();
    s1.ack(1);
    s1.die();
    for (let i = 0; i < 10; i++) producer.next(bytes(5));
    void producer.flush();
    expect(conn.connect().ids).toEqual([1, 2, 3, 4]);
  });
});

describe('producer engine: memory bound', () => {
  it('rejects with BackpressureError when bufferMemory is full of unacked records, and takes records again after acks', () => {
    const { conn, producer, outcomes } = setup({
      bufferMemory: 1000,
      batchSize: 200,
      flushWhenIdle: false,
      lingerMs: 1,
    });
    const s = conn.connect();
    for (let i = 0; i < 20; i++) producer.next(bytes(95)); // 100 B each: 10 fit
    expect(producer.stats.bufferedBytes).toBe(1000);
    const rejected = outcomes.filter((o) => o.type === 'rejected');
    expect(rejected).toHaveLength(10);
    expect((rejected[0] as { error: unknown }).error).toBeInstanceOf(BackpressureError);
    expect(rejected.map((o) => (o as { seq: number }).seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(s.sent.map((f) => f.recordCount)).toEqual([2, 2, 2, 2, 2]);
    s.ack(1, 2);
    producer.next(bytes(95));
    expect(producer.stats.bufferedBytes).toBe(700);
    expect(producer.stats.recordsRejected).toBe(10);
  });

  it("'drop-newest' drops and reports instead", () => {
    const { conn, producer, outcomes } = setup({ bufferMemory: 100, onFull: 'drop-newest' });
    conn.connect();
    producer.next(bytes(95));
    producer.next(bytes(95));
    expect(outcomes).toEqual([expect.objectContaining({ type: 'dropped', seq: 1 })]);
    expect(producer.stats.recordsDropped).toBe(1);
  });

  it('counts bytes queued while disconnected against the bound too', () => {
    const { producer, outcomes } = setup({ bufferMemory: 500 });
    for (let i = 0; i < 10; i++) producer.next(bytes(95));
    expect(producer.stats.bufferedBytes).toBe(500);
    expect(outcomes.filter((o) => o.type === 'rejected')).toHaveLength(5);
  });
});

describe('producer engine: close and flush', () => {
  it('flush() resolves once everything before it has settled', async () => {
    const { conn, producer } = setup({ lingerMs: 1000 });
    const s = conn.connect();
    producer.next('a');
    producer.next('b');
    let flushed = false;
    const p = producer.flush().then(() => (flushed = true));
    expect(s.ids).toEqual([1, 2]); // flush sends the partial batch now
    s.ack(1);
    await Promise.resolve();
    expect(flushed).toBe(false);
    s.ack(2);
    await p;
    expect(flushed).toBe(true);
  });

  it('complete() sends the partial batch, waits for its ack, then completes acks$', async () => {
    const { conn, producer, outcomes } = setup({ lingerMs: 1000 });
    const s = conn.connect();
    producer.next('a');
    producer.next('b');
    let completed = false;
    producer.acks$.subscribe({ complete: () => (completed = true) });
    producer.complete();
    expect(s.ids).toEqual([1, 2]);
    producer.next('late');
    expect(outcomes[0]).toMatchObject({ type: 'rejected', seq: 2 });
    expect((outcomes[0] as { error: unknown }).error).toBeInstanceOf(ClosedError);
    s.ack(1, 2);
    expect(completed).toBe(true);
    expect(producer.closed).toBe(true);
  });

  it('close() fails what is not acked at the deadline with ClosedError', async () => {
    const { conn, clock, producer, outcomes } = setup({
      maxPendingAcks: 1,
      batchSize: 10,
      flushWhenIdle: false,
      requestTimeoutMs: 10_000,
    });
    const s = conn.connect();
    for (let i = 0; i < 3; i++) producer.next(bytes(5));
    const closed = producer.close({ timeoutMs: 100 });
    s.ack(1);
    clock.advance(100);
    await closed;
    expect(outcomes.map((o) => o.type)).toEqual(['acked', 'failed', 'failed']);
    const [, sent, unsent] = outcomes as Array<{ error: Error }>;
    expect(sent!.error).toBeInstanceOf(ClosedError);
    expect(sent!.error.message).toMatch(/may or may not/);
    expect(unsent!.error.message).toMatch(/could be sent/);
    expect(producer.stats.bufferedBytes).toBe(0);
  });

  it('error() closes gracefully and then errors acks$ with the upstream error', () => {
    const { conn, producer } = setup();
    const s = conn.connect();
    producer.next('a');
    const seen: unknown[] = [];
    producer.acks$.subscribe({ next: (o) => seen.push(o.type), error: (e) => seen.push(e) });
    const boom = new Error('upstream');
    producer.error(boom);
    s.ack(1);
    expect(seen).toEqual(['acked', boom]);
  });
});
