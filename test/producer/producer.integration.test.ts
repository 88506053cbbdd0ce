/** The producer (both faces) against the embedded LanceServer: volume, order, attribution, retries, memory, close. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lance } from '../../src/rx/lance';
import { createProducer } from '../../src/rx/producer/create-producer';
import type { ProduceOutcome } from '../../src/rx/producer/batch';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { LanceServer } from '../../src/testing';
import { serverWithAdmin } from '../client/helpers';
import { BackpressureError, TopicNotFoundError } from '../../src/wire/errors';
import { decodeRecords } from '../../src/wire/tlv';
import { decompressRecords } from '../../src/wire/record-envelope';

const fast = { baseMs: 10, maxMs: 50 };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

const start = (o: Parameters<typeof LanceServer.start>[0] = {}) => serverWithAdmin(cleanup, o);

async function promiseProducer(server: LanceServer, config = new ProducerConfig()) {
  const p = await Producer.connect(server.address, config, { lanceOptions: { reconnect: fast } });
  cleanup.push(() => p.close({ timeoutMs: 1000 }));
  return p;
}

function lance(server: LanceServer) {
  const l = new Lance({ servers: [server.address], reconnect: fast });
  cleanup.push(() => l.close());
  return l;
}

/** 8-byte big-endian sequence numbers make order checks cheap. */
const seqRecord = (i: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(4, i);
  return b;
};
const seqOf = (v: Uint8Array): number => new DataView(v.buffer, v.byteOffset, 8).getUint32(4);
const storedSeqs = (server: LanceServer, topicId: number): number[] =>
  decodeRecords(server.topicBytes(topicId)).records.map((r) => seqOf(r.value));
const yieldLoop = () => new Promise((r) => setImmediate(r));

/** Every number 0..n-1 present, and first occurrences in order (duplicates allowed: at-least-once). */
function expectAllInOrder(seqs: number[], n: number) {
  const seen = new Uint8Array(n);
  let next = 0;
  let misplaced: string | undefined;
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i]!;
    if (seen[s]) continue;
    seen[s] = 1;
    if (s !== next && misplaced === undefined) misplaced = `record ${i}: got seq ${s}, expected ${next}`;
    next++;
  }
  expect(misplaced).toBeUndefined(); // one expect: a million of them would dominate the run time
  expect(next).toBe(n);
}

/** Every number 0..n-1 present at least once (order not checked). */
function expectAll(seqs: number[], n: number) {
  const seen = new Uint8Array(n);
  for (const s of seqs) seen[s] = 1;
  expect(seen.indexOf(0)).toBe(-1);
}

describe('producer against LanceServer', () => {
  jest.setTimeout(30_000);

  it('Rx face: 1,000,000 records arrive once each, in order', async () => {
    const { server, topic } = await start();
    const t = await topic('rx-million');
    const producer = createProducer(lance(server).session$('producer:rx-million'), t);
    const failures: ProduceOutcome[] = [];
    producer.acks$.subscribe((o) => o.type !== 'acked' && failures.push(o));
    const N = 1_000_000;
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      producer.next(seqRecord(i));
      if (i % 50_000 === 49_999) await yieldLoop(); // let acks in
    }
    await producer.close();
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(failures).toEqual([]);
    expect(producer.stats).toMatchObject({ records: N, recordsAccepted: N, bufferedBytes: 0, retries: 0 });
    const seqs = storedSeqs(server, t);
    expect(seqs.length).toBe(N);
    expectAllInOrder(seqs, N);
  });

  it('Promise face: 1,000,000 records via sendAsync + flush, in order, within bufferMemory', async () => {
    const { server, topic } = await start();
    const t = await topic('promise-million');
    const producer = await promiseProducer(server, new ProducerConfig().withBufferMemory(1 << 20));
    const N = 1_000_000;
    let maxBuffered = 0;
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      await producer.sendAsync(t, seqRecord(i));
      if ((i & 0xfff) === 0) maxBuffered = Math.max(maxBuffered, producer.stats.bufferedBytes);
    }
    await producer.flush();
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(maxBuffered).toBeLessThanOrEqual(1 << 20);
    const seqs = storedSeqs(server, t);
    expect(seqs.length).toBe(N);
    expectAllInOrder(seqs, N);
  });

  it('compression: records are stored in 0xFD envelopes that unwrap to the originals', async () => {
    const { server, topic } = await start();
    const t = await topic('compressed');
    const producer = await promiseProducer(server, new ProducerConfig().withCompression(true));
    await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send(t, `compressible record number ${i % 10}`)));
    const outer = decodeRecords(server.topicBytes(t)).records;
    const inner = outer.flatMap((r) => (r.type === 0xfd ? decodeRecords(decompressRecords(r.value)).records : [r]));
    expect(inner.map((r) => Buffer.from(r.value).toString())).toEqual(
      Array.from({ length: 500 }, (_, i) => `compressible record number ${i % 10}`),
    );
    expect(server.topicBytes(t).length).toBeLessThan(500 * 30);
  });

  it('error attribution with a real unknown topic: exactly those records fail, the rest is stored in order', async () => {
    const { server, topic } = await start();
    const good = await topic('good');
    const producer = await promiseProducer(server, new ProducerConfig().withLingerMs(1));
    const results = await Promise.allSettled(
      Array.from({ length: 2000 }, (_, i) => producer.send(i % 7 === 3 ? 999_999 : good, seqRecord(i))),
    );
    results.forEach((r, i) => {
      if (i % 7 === 3) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TopicNotFoundError);
      } else {
        expect(r.status).toBe('fulfilled');
      }
    });
    const expected = Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 7 !== 3);
    expect(storedSeqs(server, good)).toEqual(expected);
  });

  it('retries across a dropped connection: nothing lost (at-least-once), resent on the next session', async () => {
    const { server, topic } = await start();
    const t = await topic('dropped');
    const producer = await promiseProducer(server, new ProducerConfig().withBatchSize(1024).withMaxRequestBytes(1024));
    const N = 20_000;
    server.faults.dropAfterFrames(40);
    const sends = Array.from({ length: N }, (_, i) => producer.send(t, seqRecord(i)));
    const acks = await Promise.all(sends);
    expect(acks.some((a) => a.attempts > 1 || a.epoch > 1)).toBe(true);
    expect(producer.stats.retries).toBeGreaterThan(0);
    expectAllInOrder(storedSeqs(server, t), N);
  });

  it('retries across a server restart (crash) with a data dir: resent on the next session, none lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lnc-producer-'));
    cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const { server, topic } = await start({ dataDir });
    const t = await topic('restart');
    const producer = await promiseProducer(server, new ProducerConfig().withBatchSize(1024).withMaxRequestBytes(1024));
    const N = 50_000;
    const sends = Array.from({ length: N }, (_, i) => producer.send(t, seqRecord(i)));
    await sends[2000]; // some acked, many still in flight or queued
    await server.restart({ crash: true, downMs: 100 });
    const acks = await Promise.all(sends);
    expect(producer.stats.sessions).toBeGreaterThanOrEqual(2);
    expect(acks[N - 1]!.epoch).toBeGreaterThanOrEqual(2);
    expectAllInOrder(storedSeqs(server, t), N);
  });

  it('FORWARD_FAILED on ingest: the connection is replaced and the batches resent; Backpressure halves the window', async () => {
    const { server, topic } = await start();
    const t = await topic('forward');
    const producer = await promiseProducer(server, new ProducerConfig().withBatchSize(256));
    await producer.send(t, seqRecord(0));
    expect(server.faults.sendBackpressure()).toBeGreaterThan(0);
    server.faults.forwardFailed({ writes: 2 });
    const acks = await Promise.all(Array.from({ length: 499 }, (_, i) => producer.send(t, seqRecord(i + 1))));
    expect(acks.some((a) => a.attempts > 1)).toBe(true);
    expect(producer.stats.backpressureFrames).toBe(1);
    expect(producer.stats.sessions).toBeGreaterThan(1);
    // A rejected batch is resent after later batches of the same read were stored: order is not
    // kept across retries (at-least-once), only completeness.
    expectAll(storedSeqs(server, t), 500);
  });

  it('an ack later than requestTimeoutMs kills the connection; the batch is resent and acked after', async () => {
    const { server, topic } = await start();
    const t = await topic('late-ack');
    // The send's own deadline is longer than one ack timeout, so there is time to resend.
    const producer = await promiseProducer(
      server,
      new ProducerConfig().withRequestTimeout(200).withDeliveryTimeoutMs(5000),
    );
    server.faults.withholdAcks();
    const sent = producer.send(t, 'slow');
    await new Promise((r) => setTimeout(r, 350));
    server.faults.releaseAcks();
    await expect(sent).resolves.toMatchObject({ count: 1 });
    expect(producer.stats.retries).toBeGreaterThan(0);
    expect(decodeRecords(server.topicBytes(t)).records.length).toBeGreaterThanOrEqual(2); // at-least-once
  });

  it('memory bound holds while the server withholds acks; everything flows once they are released', async () => {
    const { server, topic } = await start();
    const t = await topic('withheld');
    const budget = 64 * 1024;
    const producer = createProducer(lance(server).session$('producer:withheld'), t, {
      bufferMemory: budget,
      batchSize: 4096,
    });
    const outcomes: ProduceOutcome[] = [];
    producer.acks$.subscribe((o) => outcomes.push(o));
    server.faults.withholdAcks();
    for (let i = 0; i < 200; i++) {
      producer.next(new Uint8Array(1019).fill(i)); // 1 KiB each in TLV
      await yieldLoop();
    }
    expect(producer.stats.bufferedBytes).toBeLessThanOrEqual(budget);
    expect(producer.stats.bufferedBytes).toBeGreaterThan(budget - 1024);
    const rejected = outcomes.filter((o) => o.type === 'rejected');
    expect(rejected).toHaveLength(200 - 64);
    expect((rejected[0] as { error: unknown }).error).toBeInstanceOf(BackpressureError);
    expect(outcomes.filter((o) => o.type === 'acked')).toHaveLength(0);
    server.faults.releaseAcks();
    await producer.close();
    expect(outcomes.filter((o) => o.type === 'acked').reduce((n, o) => n + (o as { count: number }).count, 0)).toBe(64);
    expect(decodeRecords(server.topicBytes(t)).records).toHaveLength(64);
  });

  it('send() waits for room while acks are withheld and goes through when they are released', async () => {
    const { server, topic } = await start();
    const t = await topic('waiting');
    // 20 sends wait with 20 KiB: within a waiting budget of 32 KiB.
    const producer = await promiseProducer(
      server,
      new ProducerConfig().withBufferMemory(10 * 1024).withMaxWaitingBytes(32 * 1024),
    );
    server.faults.withholdAcks();
    const sends = Array.from({ length: 30 }, () => producer.send(t, new Uint8Array(1019)));
    await new Promise((r) => setTimeout(r, 50));
    expect(producer.stats.bufferedBytes).toBeLessThanOrEqual(10 * 1024);
    expect(producer.stats.recordsAccepted).toBe(10);
    server.faults.releaseAcks();
    await Promise.all(sends);
    expect(decodeRecords(server.topicBytes(t)).records).toHaveLength(30);
  });

  it('connect() rejects when the server is down; without auto-reconnect a lost connection fails what is pending', async () => {
    const { server, topic } = await start();
    const t = await topic('no-reconnect');
    const down = await LanceServer.start({ host: '127.0.0.1', port: 0 });
    const address = down.address;
    await down.stop();
    await expect(Producer.connect(address, new ProducerConfig().withConnectTimeout(1000))).rejects.toMatchObject({
      code: 'CONNECTION',
    });

    const producer = await promiseProducer(
      server,
      new ProducerConfig().withAutoReconnect(false).withFlushWhenIdle(false),
    );
    await producer.send(t, 'one');
    server.faults.withholdAcks();
    const pending = producer.send(t, 'two');
    await new Promise((r) => setTimeout(r, 20));
    server.faults.dropAfterFrames(1);
    void producer.send(t, 'three').catch(() => undefined);
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION' });
    await expect(producer.send(t, 'four')).rejects.toMatchObject({ code: 'CONNECTION' });
  });

  it('close() with 10,000 pending sends settles every one (all acked here)', async () => {
    const { server, topic } = await start();
    const t = await topic('close');
    const producer = await promiseProducer(server);
    const sends = Array.from({ length: 10_000 }, (_, i) => producer.send(t, seqRecord(i)));
    await producer.close();
    const results = await Promise.allSettled(sends);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(storedSeqs(server, t)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });
});
