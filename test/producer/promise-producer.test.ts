import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import {
  AbortedError,
  BackpressureError,
  ClosedError,
  InvalidArgumentError,
  TopicNotFoundError,
} from '../../src/wire/errors';
import { TlvRecord } from '../../src/wire/tlv';
import { Clock, FakeConnection, bytes, text, tick } from './fakes';

function setup(config = new ProducerConfig()) {
  const conn = new FakeConnection();
  const clock = new Clock();
  const roles: string[] = [];
  const host = {
    session$: (role: string) => {
      roles.push(role);
      return conn.session$;
    },
    options: { scheduler: clock },
  };
  const producer = new Producer(host, config);
  return { conn, clock, producer, roles };
}

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await tick();
  return state;
};

describe('Producer (Promise shell) over a fake session', () => {
  it('uses its own producer:<n> role; send() resolves on the ack, records of one batch share one promise', async () => {
    const { conn, producer, roles } = setup(new ProducerConfig().withLingerMs(50));
    expect(roles[0]).toMatch(/^producer:\d+$/);
    const s = conn.connect();
    const p1 = producer.send(1, 'first'); // nothing in flight: goes at once
    const p2 = producer.send(1, 'second');
    const p3 = producer.send(1, Buffer.from('third'));
    expect(p2).toBe(p3);
    expect(s.sent).toHaveLength(1);
    s.ack(1);
    await expect(p1).resolves.toMatchObject({ type: 'acked', batchId: 1n, count: 1, topicId: 1 });
    expect(s.sent).toHaveLength(2); // nothing in flight any more: the partial batch went at once
    s.ack(2);
    await expect(p2).resolves.toMatchObject({ batchId: 2n, count: 2, firstSeq: 1 });
  });

  it('rejects exactly the unknown-topic records; other topics on the same connection carry on', async () => {
    const { conn, producer } = setup(new ProducerConfig().withLingerMs(50));
    const s = conn.connect();
    const good1 = producer.send(1, 'a');
    const bad = producer.send(99, 'b');
    const good2 = producer.send(1, 'c');
    void producer.flush();
    // batch 1 = topic 1 'a' (sent at once), then flush() sends each lane's partial batch
    // (order is kept per topic, not across topics)
    expect(s.sent.map((f) => [f.batchId, f.topicId])).toEqual([
      [1, 1],
      [2, 1],
      [3, 99],
    ]);
    s.error('Unknown topic'); // overtakes the acks of batches 1 and 2 (same read)
    s.ack(1, 2);
    await expect(good1).resolves.toMatchObject({ batchId: 1n });
    await expect(bad).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(good2).resolves.toMatchObject({ batchId: 2n });
  });

  it("registers its engine with a host that drains: the host's close() drains it, and a closed one is forgotten", async () => {
    const conn = new FakeConnection();
    const drainables = new Set<{ close(options?: { timeoutMs?: number }): Promise<void> }>();
    const host = {
      session$: () => conn.session$,
      options: { scheduler: new Clock() },
      adopt: (d: { close(options?: { timeoutMs?: number }): Promise<void> }) => {
        drainables.add(d);
        return () => void drainables.delete(d);
      },
    };
    const producer = new Producer(host, new ProducerConfig());
    const s = conn.connect();
    const sent = producer.send(1, 'a');
    expect(drainables.size).toBe(1);
    const drained = Promise.all([...drainables].map((d) => d.close()));
    expect(await settled(drained)).toBe('pending'); // waits for the ack of what it holds
    s.ack(1);
    await drained;
    await expect(sent).resolves.toMatchObject({ type: 'acked', batchId: 1n });
    expect(drainables.size).toBe(0);
    await expect(producer.close()).resolves.toBeUndefined();
  });

  it('validates before sending: topic 0, oversize and 0xFF records', async () => {
    const { producer } = setup();
    expect(() => producer.send(0, 'x')).toThrow(InvalidArgumentError);
    await expect(producer.send(1, new Uint8Array(16 * 1024 * 1024))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(producer.send(1, new TlvRecord(0xff, new Uint8Array(0)))).rejects.toThrow(/0xFF/);
    await expect(producer.sendBatch(1, ['ok', 42 as unknown as string])).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(producer.stats.recordsAccepted).toBe(0);
  });

  it('send() waits for buffer room in call order; an abort leaves the line', async () => {
    const { conn, producer } = setup(
      new ProducerConfig().withBufferMemory(300).withMaxWaitingBytes(4096).withBatchSize(100),
    );
    const s = conn.connect();
    const a = producer.send(1, bytes(95)); // 100 B: sent at once
    void producer.send(1, bytes(195)); // 200 B (bigger than a batch: goes alone), fills the budget
    const c = producer.send(1, bytes(95)); // waits
    const ctl = new AbortController();
    const d = producer.send(1, bytes(45), { signal: ctl.signal }); // waits behind c although it would fit
    const e = producer.send(1, bytes(45));
    expect(await settled(c)).toBe('pending');
    ctl.abort();
    await expect(d).rejects.toBeInstanceOf(AbortedError);
    s.ack(1);
    await expect(a).resolves.toMatchObject({ count: 1 });
    expect(await settled(e)).toBe('pending'); // c took a's room; e does not fit behind it
    expect(producer.stats.bufferedBytes).toBe(300);
    s.ack(2);
    await tick();
    expect(producer.stats.bufferedBytes).toBe(150); // c and e
    void producer.flush();
    expect(s.sent.map((f) => f.payload.length)).toEqual([100, 200, 100, 50]);
  });

  it('a send() that finds no room within maxBlockMs (default requestTimeoutMs) fails with BackpressureError', async () => {
    const { conn, clock, producer } = setup(
      new ProducerConfig().withBufferMemory(100).withRequestTimeout(1000).withDeliveryTimeoutMs(60_000),
    );
    conn.connect();
    void producer.send(1, bytes(95)).catch(() => undefined); // never acked
    const waiting = producer.send(1, bytes(10));
    let settled = false;
    waiting.catch(() => undefined).finally(() => (settled = true));
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(waiting).rejects.toBeInstanceOf(BackpressureError);
  });

  it('sendAsync() resolves when buffered; a failure of its batch surfaces on the next flush()', async () => {
    const { conn, producer } = setup();
    const s = conn.connect();
    await producer.sendAsync(7, 'x');
    const flushed = producer.flush();
    s.error('Unknown topic');
    await expect(flushed).rejects.toBeInstanceOf(TopicNotFoundError);
    await producer.sendAsync(7, 'y');
    const again = producer.flush();
    s.ack(2);
    await expect(again).resolves.toBeUndefined();
  });

  it('sendAsync() byte records packed behind a batch in flight (across topics) report their batch failure on flush()', async () => {
    const { conn, producer } = setup();
    const s = conn.connect();
    await producer.sendAsync(7, Buffer.from('a')); // nothing in flight: goes at once
    await producer.sendAsync(7, Buffer.from('b')); // packed behind it
    await producer.sendAsync(8, Buffer.from('c')); // another topic's lane (cache miss), packed too
    const observed = producer.send(7, Buffer.from('d')); // shares the packed batch of topic 7
    await producer.sendAsync(7, Buffer.from('e'));
    expect(() => producer.sendAsync(0, Buffer.from('x'))).toThrow(InvalidArgumentError);
    await expect(producer.sendAsync(7, 42 as unknown as Uint8Array)).rejects.toBeInstanceOf(InvalidArgumentError);
    s.ack(1); // the pipe drains: the open batches leave
    await tick();
    expect(s.sent.slice(1).map((f) => f.records.map(text))).toEqual([['b', 'd', 'e'], ['c']]);
    const flushed = producer.flush();
    s.error('Unknown topic'); // batch 2 (topic 7), attributed by the next ack
    s.ack(3);
    await expect(observed).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(flushed).rejects.toBeInstanceOf(TopicNotFoundError);
    await producer.sendAsync(7, Buffer.from('f'));
    const again = producer.flush();
    s.ack(4);
    await expect(again).resolves.toBeUndefined();
  });

  it('sendBatch() sends the records together at once and resolves with the batch acks', async () => {
    const { conn, producer } = setup(new ProducerConfig().withLingerMs(1000).withMaxPendingAcks(8));
    const s = conn.connect();
    void producer.send(1, 'warm-up'); // in flight: later records would linger
    const p = producer.sendBatch(1, [TlvRecord.json({ a: 1 }), TlvRecord.json({ b: 2 })]);
    await tick();
    expect(s.sent[1]!.records.map(text)).toEqual(['{"a":1}', '{"b":2}']);
    s.ack(1, 2);
    await expect(p).resolves.toEqual([expect.objectContaining({ count: 2, batchId: 2n })]);
  });

  it('close() with 10,000 pending sends settles every one: acked, or ClosedError at the deadline', async () => {
    const { conn, clock, producer } = setup(
      new ProducerConfig().withMaxPendingAcks(4).withBatchSize(1000).withMaxRequestBytes(1000),
    );
    const s = conn.connect();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) sends.push(producer.send(1, `record-${i}`));
    const closed = producer.close({ timeoutMs: 500 });
    expect(s.ids).toEqual([1, 2, 3, 4]);
    s.ack(1, 2, 3);
    await tick();
    clock.advance(500);
    await closed;
    const results = await Promise.allSettled(sends);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const closedErrors = results.filter((r) => r.status === 'rejected' && r.reason instanceof ClosedError).length;
    expect(ok + closedErrors).toBe(10_000);
    expect(ok).toBeGreaterThan(0);
    expect(producer.stats.bufferedBytes).toBe(0);
    await expect(producer.send(1, 'late')).rejects.toBeInstanceOf(ClosedError);
  });

  it('close() resolves after every pending send is acked', async () => {
    const { conn, producer } = setup(new ProducerConfig().withMaxPendingAcks(64));
    const s = conn.connect();
    const sends = Array.from({ length: 10_000 }, (_, i) => producer.send(1, `r${i}`));
    const closed = producer.close();
    s.ack(...s.ids);
    await closed;
    const results = await Promise.all(sends);
    expect(results.reduce((n, r, i) => (i === 0 || r !== results[i - 1] ? n + r.count : n), 0)).toBe(10_000);
  });
});
