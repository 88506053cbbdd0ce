/** consumeTopic and StandaloneConsumer against the embedded LanceServer, over real sockets. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, takeWhile } from 'rxjs';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { consumerIdFromName } from '../../src/offsets/consumer-id';
import { consumeTopic } from '../../src/rx/consumer/consume-topic';
import type { ConsumeOptions } from '../../src/rx/consumer/options';
import type { RecordBatch } from '../../src/rx/consumer/record-batch';
import { SeekPosition } from '../../src/rx/consumer/seek-position';
import { Lance } from '../../src/rx/lance';
import { LanceServer } from '../../src/testing';
import { InvalidRecordError, ServerCatchingUpError } from '../../src/wire/errors';
import { TlvRecord, encodeRecords } from '../../src/wire/tlv';
import { compressRecords } from '../../src/wire/record-envelope';
import { RawConnection, seqOf, seqPayloads } from './raw-ingest';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

let names = 0;
async function setup(records: number) {
  const server = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0 });
  cleanup.push(() => server.stop());
  const raw = await RawConnection.open(server.address);
  cleanup.push(() => raw.close());
  const topicId = await raw.createTopic(`consume-${process.pid}-${++names}`);
  if (records > 0) await raw.ingest(topicId, seqPayloads(0, records, 5_000));
  const lance = new Lance({ servers: [server.address], reconnect: { baseMs: 5, maxMs: 20 } });
  cleanup.push(() => lance.close());
  return { server, raw, topicId, lance };
}

/** Checks that the batches hold seq first..first+n-1 exactly once, in order, at chained offsets. */
function expectSequence(batches: readonly RecordBatch[], first: number, n: number): void {
  let next = first;
  let at: bigint | undefined;
  for (const b of batches) {
    if (at !== undefined) expect(b.startOffset).toBe(at);
    at = b.endOffset;
    for (const r of b.records) {
      const seq = seqOf(r.value);
      if (seq !== next) throw new Error(`expected seq ${next}, got ${seq} at offset ${r.offset}`);
      next++;
    }
  }
  expect(next).toBe(first + n);
}

const collectUntil = (lance: Lance, topicId: number, lastSeq: number, o: ConsumeOptions) => {
  const batches: RecordBatch[] = [];
  return lastValueFrom(
    consumeTopic(lance.session$('consumer:t'), topicId, { pollIntervalMs: 5, ...o }).pipe(
      takeWhile((b) => {
        batches.push(b);
        return seqOf(b.records[b.records.length - 1]!.value) < lastSeq;
      }, true),
    ),
  ).then(() => batches);
};

describe('consumeTopic against LanceServer', () => {
  it('reads 1,000,000 sequenced records with odd fetch sizes: none lost, none repeated', async () => {
    const { topicId, lance } = await setup(1_000_000);
    const batches = await collectUntil(lance, topicId, 999_999, { maxFetchBytes: 65_537 });
    expectSequence(batches, 0, 1_000_000);
    expect(batches.some((b) => b.lag !== undefined && b.lag > 0n)).toBe(true);
  }, 60_000);

  it('resumes with no gap after the connection is dropped mid-stream, several times', async () => {
    const { server, topicId, lance } = await setup(100_000);
    let drops = 0;
    const batches = await collectUntil(lance, topicId, 99_999, {
      maxFetchBytes: 10_007,
      process: () => {
        if (drops < 3 && Math.random() < 0.1) {
          drops++;
          server.faults.dropAfterFrames(1, { abrupt: drops % 2 === 0 });
        }
        return [];
      },
    });
    expect(drops).toBe(3);
    expectSequence(batches, 0, 100_000);
  });

  it('waits through injected CatchingUp replies and goes on once they clear', async () => {
    const { server, topicId, lance } = await setup(1_000);
    server.faults.catchingUp(2);
    const t0 = Date.now();
    const batches = await collectUntil(lance, topicId, 999, { catchingUpDelayMs: 50 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expectSequence(batches, 0, 1_000);
  });

  it('surfaces ServerCatchingUpError for an offset past the end that never becomes valid', async () => {
    const { topicId, lance } = await setup(10);
    const out = firstValueFrom(
      consumeTopic(lance.session$('consumer:t'), topicId, {
        from: 1_000_000n,
        catchingUpDelayMs: 10,
        catchingUpMaxStalls: 2,
      }),
    );
    await expect(out).rejects.toBeInstanceOf(ServerCatchingUpError);
  });

  it('surfaces InvalidRecordError for an offset in the middle of a record', async () => {
    const { raw, topicId, lance } = await setup(0);
    await raw.ingest(topicId, [encodeRecords([TlvRecord.raw(new Uint8Array(64).fill(0xff))])]);
    const out = firstValueFrom(consumeTopic(lance.session$('consumer:t'), topicId, { from: 8n }));
    await expect(out).rejects.toBeInstanceOf(InvalidRecordError);
  });

  it('starts at END: only records written after the start', async () => {
    const { raw, topicId, lance } = await setup(500);
    const first = firstValueFrom(
      consumeTopic(lance.session$('consumer:t'), topicId, { from: SeekPosition.END, pollIntervalMs: 5 }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await raw.ingest(topicId, seqPayloads(500, 10, 10));
    expectSequence([await first], 500, 10);
  });

  it('unwraps compressed envelopes from the producer', async () => {
    const { raw, topicId, lance } = await setup(0);
    const inner = [...seqPayloads(0, 300, 300)][0]!;
    await raw.ingest(topicId, [compressRecords(inner)!, [...seqPayloads(300, 5, 5)][0]!]);
    const batches = await collectUntil(lance, topicId, 304, {});
    expectSequence(batches, 0, 305);
  });
});

describe('StandaloneConsumer against LanceServer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lnc-consumer-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  });

  it('restarted on a FileOffsetStore, resumes at the exact next record (Rust file layout)', async () => {
    const { server, topicId } = await setup(20_000);
    const config = new StandaloneConfig('resume-test', topicId)
      .withOffsetDir(dir)
      .withManualCommit()
      .withMaxFetchBytes(4_099);
    const a = await StandaloneConsumer.connect(server.address, config);
    const seen: RecordBatch[] = [];
    for (let i = 0; i < 7; i++) seen.push((await a.poll())!);
    await a.commit();
    const committed = a.currentOffset;
    await a.close();
    expect(
      readFileSync(
        join(dir, 'resume-test', `topic-${topicId}-consumer-${consumerIdFromName('resume-test')}.offset`),
        'utf8',
      ),
    ).toBe(`${committed}\n`);
    const lastSeq = seqOf(seen[6]!.records[seen[6]!.records.length - 1]!.value);

    const b = await StandaloneConsumer.connect(server.address, config);
    cleanup.push(() => b.close());
    expect(b.currentOffset).toBe(committed);
    const next = (await b.poll())!;
    expect(next.startOffset).toBe(committed);
    expect(seqOf(next.records[0]!.value)).toBe(lastSeq + 1);
  });

  it('for await: reads everything, seeks, and auto-commits what was processed on close', async () => {
    const { server, topicId } = await setup(3_000);
    const config = new StandaloneConfig('iter', topicId)
      .withOffsetDir(dir)
      .withMaxFetchBytes(1_000)
      .withAutoCommitInterval(20);
    const c = await StandaloneConsumer.connect(server.address, config);
    const batches: RecordBatch[] = [];
    for await (const batch of c) {
      batches.push(batch);
      if (seqOf(batch.records[batch.records.length - 1]!.value) === 2_999) break;
    }
    expectSequence(batches, 0, 3_000);
    // break stepped back to the start of the batch in hand (it may not have been processed)
    expect(c.currentOffset).toBe(batches[batches.length - 1]!.startOffset);
    c.rewind();
    expect(seqOf((await c.poll())!.records[0]!.value)).toBe(0);
    expect(await c.seekToEnd()).toBe(batches[batches.length - 1]!.endOffset);
    expect(await c.poll()).toBeNull();
    await c.close();
    const file = join(dir, 'iter', `topic-${topicId}-consumer-${consumerIdFromName('iter')}.offset`);
    expect(readFileSync(file, 'utf8')).toBe(`${batches[batches.length - 1]!.endOffset}\n`);
  });

  it('auto-commits only batches handed out before the latest poll (at-least-once), close() commits the rest', async () => {
    const { server, topicId } = await setup(5_000);
    const config = new StandaloneConfig('auto', topicId)
      .withOffsetDir(dir)
      .withMaxFetchBytes(2_000)
      .withAutoCommitInterval(20);
    const c = await StandaloneConsumer.connect(server.address, config);
    const file = join(dir, 'auto', `topic-${topicId}-consumer-${consumerIdFromName('auto')}.offset`);
    const b1 = (await c.poll())!;
    const b2 = (await c.poll())!; // b1 counts as processed now
    await new Promise((r) => setTimeout(r, 80));
    expect(readFileSync(file, 'utf8')).toBe(`${b1.endOffset}\n`);
    await c.close();
    expect(readFileSync(file, 'utf8')).toBe(`${b2.endOffset}\n`);
    // Reopened on the same store, it resumes after the last batch polled before close.
    const again = await StandaloneConsumer.connect(server.address, config);
    cleanup.push(() => again.close());
    expect(again.currentOffset).toBe(b2.endOffset);
  });

  it('a corrupt offset file is an OffsetStoreError, never a silent restart from 0', async () => {
    const { server, topicId } = await setup(10);
    const config = new StandaloneConfig('corrupt', topicId).withOffsetDir(dir);
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'corrupt'), { recursive: true });
    writeFileSync(
      join(dir, 'corrupt', `topic-${topicId}-consumer-${consumerIdFromName('corrupt')}.offset`),
      'garbage\n',
    );
    await expect(StandaloneConsumer.connect(server.address, config)).rejects.toMatchObject({ code: 'OFFSET_STORE' });
  });
});
