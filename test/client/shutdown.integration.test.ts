/**
 * Bounded shutdown, a truthful flush() and bounded waiting, against the embedded LanceServer:
 * every call ends by its deadline and every record's fate reaches its caller.
 */
import { Lance } from '../../src/rx/lance';
import type { ProduceOutcome } from '../../src/rx/producer/batch';
import { resolveProducerOptions } from '../../src/rx/producer/options';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { fastReconnect, serverWithAdmin } from './helpers';
import { BackpressureError, ClosedError, TopicNotFoundError } from '../../src/wire/errors';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

async function start() {
  const { server, admin, topic } = await serverWithAdmin(cleanup);
  const topicId = await topic('shutdown');
  const lance = new Lance({ servers: [server.address], reconnect: fastReconnect });
  cleanup.push(() => lance.close({ timeoutMs: 0 }));
  return { server, admin, topicId, lance };
}

const elapsed = async (p: Promise<unknown>): Promise<number> => {
  const t0 = Date.now();
  await p;
  return Date.now() - t0;
};

describe('Lance.close({ timeoutMs })', () => {
  it('with acks stalled, settles within its deadline and reports every record of both faces', async () => {
    const { server, topicId, lance } = await start();
    const rx = lance.producer(topicId);
    const outcomes: ProduceOutcome[] = [];
    rx.acks$.subscribe((o) => outcomes.push(o));
    const shared = new Producer(lance, new ProducerConfig());
    rx.next('warm-up');
    await rx.flush(); // the producer's socket is up and acks flow

    server.faults.stallAcks();
    for (let i = 0; i < 50; i++) rx.next(`rx-${i}`);
    const sends = Promise.allSettled(Array.from({ length: 20 }, (_, i) => shared.send(topicId, `promise-${i}`)));

    const took = await elapsed(lance.close({ timeoutMs: 1000 }));
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(2000);

    const failed = outcomes.filter((o) => o.type === 'failed');
    expect(failed.reduce((n, o) => n + (o.type === 'failed' ? o.count : 0), 0)).toBe(50);
    for (const o of failed) expect(o.type === 'failed' && o.error).toBeInstanceOf(ClosedError);
    const settled = await sends;
    expect(settled).toHaveLength(20);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect(s.status === 'rejected' && s.reason).toBeInstanceOf(ClosedError);
    }
    server.faults.clear();
  });

  it('drains a Promise Producer built on a shared Lance: what it holds is acked before the sockets close', async () => {
    const { server, topicId, lance } = await start();
    const producer = new Producer(lance, new ProducerConfig().withLingerMs(60_000).withBatchSize(1 << 20));
    const sends = Array.from({ length: 100 }, (_, i) => producer.send(topicId, `drained-${i}`));
    await lance.close();
    const results = await Promise.allSettled(sends);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(new TextDecoder().decode(server.topicBytes(topicId))).toContain('drained-99');
  });

  it("drains a Promise Producer's engine without taking its failures: the producer's own close() still reports them", async () => {
    const { topicId, lance } = await start();
    const producer = new Producer(lance, new ProducerConfig());
    await producer.send(topicId, 'warm-up');
    await producer.sendAsync(topicId + 1000, 'to a topic that does not exist');
    await lance.close();
    expect(producer.stats.recordsFailed).toBe(1);
    await expect(producer.close()).rejects.toBeInstanceOf(TopicNotFoundError);
  });

  it('defaults to at most 10 s, whatever requestTimeoutMs is', () => {
    expect(resolveProducerOptions({}).closeTimeoutMs).toBe(10_000);
    expect(resolveProducerOptions({ requestTimeoutMs: 2000 }).closeTimeoutMs).toBe(2000);
    expect(resolveProducerOptions({ requestTimeoutMs: 60_000, closeTimeoutMs: 30_000 }).closeTimeoutMs).toBe(30_000);
  });
});

describe('RxProducer.flush() tells the truth', () => {
  it('rejects with the typed error when a batch settled failed since the last flush, then resolves again', async () => {
    const { admin, topicId, lance } = await start();
    const producer = lance.producer(topicId);
    producer.next('kept');
    await producer.flush();

    await admin.deleteTopic(topicId);
    producer.next('lost');
    await expect(producer.flush()).rejects.toBeInstanceOf(TopicNotFoundError);
    // Reported once: a flush with nothing new failing resolves.
    await expect(producer.flush()).resolves.toBeUndefined();
  });

  it('rejects when a record was refused by next() (too big for the server)', async () => {
    const { topicId, lance } = await start();
    const producer = lance.producer(topicId, { maxPayloadBytes: 1024, batchSize: 1024 });
    producer.next(new Uint8Array(4096));
    await expect(producer.flush()).rejects.toThrow(/bytes/);
  });
});

describe('bounded waiting for buffer room', () => {
  it('sends past the waiting budget reject at once with BackpressureError; the rest settle by close', async () => {
    const { server, topicId, lance } = await start();
    const kib = 1024;
    const producer = new Producer(
      lance,
      new ProducerConfig()
        .withBufferMemory(64 * kib)
        .withMaxWaitingBytes(32 * kib)
        .withMaxBlockMs(60_000),
    );
    await producer.send(topicId, 'warm-up');
    server.faults.stallAcks();

    const record = new Uint8Array(kib - 8); // 1 KiB with its TLV header
    const calls = Array.from({ length: 1000 }, () => producer.sendAsync(topicId, record));
    const all = Promise.allSettled(calls);
    // Let the immediate refusals settle: they must not wait for anything.
    const early = await Promise.race([
      Promise.allSettled(calls.slice(200)),
      new Promise((r) => setTimeout(() => r('pending'), 200)),
    ]);
    expect(early).not.toBe('pending');
    const refused = (early as PromiseSettledResult<void>[]).filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(800 - 96);
    for (const r of refused) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(BackpressureError);

    const took = await elapsed(producer.close({ timeoutMs: 300 }).catch(() => undefined));
    expect(took).toBeLessThan(1500);
    const accepted = (await all).filter((r) => r.status === 'fulfilled').length;
    // Room (64 KiB) plus the waiting budget (32 KiB) is all that was ever held.
    expect(accepted).toBeLessThanOrEqual(96);
    expect(accepted).toBeGreaterThanOrEqual(32);
    server.faults.clear();
  });

  it('a send that finds no room waits at most maxBlockMs, then rejects with BackpressureError', async () => {
    const { server, topicId, lance } = await start();
    const producer = new Producer(lance, new ProducerConfig().withBufferMemory(4096).withMaxBlockMs(300));
    await producer.send(topicId, 'warm-up');
    server.faults.stallAcks();
    producer.sendAsync(topicId, new Uint8Array(4000)).catch(() => undefined);
    const t0 = Date.now();
    await expect(producer.sendAsync(topicId, new Uint8Array(4000))).rejects.toBeInstanceOf(BackpressureError);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    await producer.close({ timeoutMs: 0 }).catch(() => undefined);
    server.faults.clear();
  });
});
