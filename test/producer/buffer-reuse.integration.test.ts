/**
 * Issue 13 bullet 2: bytes are captured when the call returns. A caller that reuses ONE Uint8Array
 * and overwrites it after `next()` returned (Rx face) or after `sendAsync` resolved (Promise face)
 * must find every stored record holding the bytes it had at the call, not the last ones written.
 */
import { Lance } from '../../src/rx/lance';
import { createProducer } from '../../src/rx/producer/create-producer';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import type { LanceServer } from '../../src/testing';
import { fastReconnect as fast, serverWithAdmin } from '../client/helpers';
import { decodeRecords } from '../../src/wire/tlv';

const N = 5_000;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

const start = () => serverWithAdmin(cleanup);

/** Record i: its index (u32 BE) then `size - 4` bytes of (i + k) & 0xff, so any mix-up shows. */
function fill(buf: Uint8Array, i: number): void {
  new DataView(buf.buffer, buf.byteOffset, 4).setUint32(0, i);
  for (let k = 4; k < buf.length; k++) buf[k] = (i + k) & 0xff;
}

/** Every stored record is one of 0..n-1 with exactly the bytes `fill` gave it, and all are there. */
function expectOriginals(server: LanceServer, topicId: number, size: number, n = N): void {
  const records = decodeRecords(server.topicBytes(topicId)).records;
  const expected = new Uint8Array(size);
  const seen = new Uint8Array(n);
  let wrong = 0;
  for (const r of records) {
    const i = new DataView(r.value.buffer, r.value.byteOffset, 4).getUint32(0);
    fill(expected, i);
    if (i >= n || r.value.length !== size || Buffer.compare(r.value, expected) !== 0) wrong++;
    else seen[i] = 1;
  }
  expect(wrong).toBe(0); // one expect: thousands of them would dominate the run time
  expect(records.length).toBe(n); // no fault: each once
  expect(seen.indexOf(0)).toBe(-1);
}

describe('the producer captures record bytes when the call returns', () => {
  jest.setTimeout(30_000);

  // Small records share a batch (linger), big ones (over batchSize) get frames of their own.
  it.each([
    ['small (100 B)', 100, N],
    ['large (40 KiB, above batchSize)', 40 * 1024, 500],
  ])('Rx face, %s: one buffer overwritten after every next()', async (_label, size, n) => {
    const { server, topic } = await start();
    const topicId = await topic('reuse-rx');
    const lance = new Lance({ servers: [server.address], reconnect: fast });
    cleanup.push(() => lance.close());
    const producer = createProducer(lance.session$('producer:reuse'), topicId, {
      lingerMs: 20,
      bufferMemory: 512 * 1024 * 1024,
    });
    const buf = new Uint8Array(size);
    for (let i = 0; i < n; i++) {
      fill(buf, i);
      producer.next(buf);
      buf.fill(0xee); // the caller reuses its buffer at once
    }
    await producer.close();
    expect(producer.stats.records).toBe(n);
    expectOriginals(server, topicId, size, n);
  });

  it('Promise face: one buffer overwritten after every sendAsync() resolves', async () => {
    const { server, topic } = await start();
    const topicId = await topic('reuse-promise');
    const producer = await Producer.connect(server.address, new ProducerConfig().withLingerMs(20), {
      lanceOptions: { reconnect: fast },
    });
    cleanup.push(() => producer.close({ timeoutMs: 1000 }));
    const buf = new Uint8Array(100);
    for (let i = 0; i < N; i++) {
      fill(buf, i);
      await producer.sendAsync(topicId, buf);
      buf.fill(0xee);
    }
    await producer.flush();
    expect(producer.stats.records).toBe(N);
    expectOriginals(server, topicId, 100);
  });

  it('Promise face: send() and sendBatch() hold the bytes they were called with', async () => {
    const { server, topic } = await start();
    const topicId = await topic('reuse-send');
    const producer = await Producer.connect(server.address, new ProducerConfig().withLingerMs(20), {
      lanceOptions: { reconnect: fast },
    });
    cleanup.push(() => producer.close({ timeoutMs: 1000 }));
    const buf = new Uint8Array(100);
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < N / 2; i++) {
      fill(buf, i);
      acks.push(producer.send(topicId, buf)); // not awaited: the bytes are taken by the call itself
      buf.fill(0xee);
    }
    const batch = Array.from({ length: N / 2 }, () => new Uint8Array(100));
    batch.forEach((b, k) => fill(b, N / 2 + k));
    const sent = producer.sendBatch(topicId, batch); // with room in bufferMemory it takes them all before returning
    for (const b of batch) b.fill(0xee);
    await Promise.all([...acks, sent]);
    expectOriginals(server, topicId, 100);
  });
});
