/**
 * Issue 13 bullet 1: a consumer restarted on the same offset store after its pipeline threw skips
 * nothing. Both cases failed before: the teardown commit covered the batch that threw (624 records
 * skipped), and with toRecords() the failed record and every later record of its batch.
 */
import { firstValueFrom, lastValueFrom, map, take, tap, toArray } from 'rxjs';
import { Lance, MemoryOffsetStore, toRecords } from '../../src/index';
import { LanceServer } from '../../src/testing';
import { RawConnection, seqOf, seqPayloads } from './raw-ingest';

const N = 3000;

describe('restart after a throw resumes at what was not processed', () => {
  let server: LanceServer;
  let lance: Lance;
  let topicId: number;
  let store: MemoryOffsetStore;

  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
    const raw = await RawConnection.open(server.address);
    topicId = await raw.createTopic('commit-processed');
    await raw.ingest(topicId, seqPayloads(0, N, 100));
    raw.close();
    lance = new Lance({ servers: [server.address] });
    store = new MemoryOffsetStore();
  });
  afterEach(async () => {
    await lance.close();
    await server.stop();
  });

  // Small fetches: ~36 batches of ~85 records.
  const options = () => ({ offsetStore: store, consumerName: 'billing', maxFetchBytes: 1024, autoCommitIntervalMs: 5 });

  it('a batch on which an operator after topic$ threw is delivered again', async () => {
    const handled: number[] = [];
    let batches = 0;
    let failedFirst = -1;
    const run = lance.topic$(topicId, undefined, options()).pipe(
      tap((b) => {
        // Fail the 20th batch, after enough time for the periodic commit to have run.
        if (++batches === 20) {
          failedFirst = seqOf(b.records[0]!.value);
          throw new Error('handler bug');
        }
        for (const r of b.records) handled.push(seqOf(r.value));
      }),
    );
    await expect(lastValueFrom(run)).rejects.toThrow('handler bug');
    expect(failedFirst).toBeGreaterThan(0);

    const again = await firstValueFrom(
      lance.topic$(topicId, undefined, options()).pipe(
        toRecords(),
        map((r) => seqOf(r.value)),
        take(N - failedFirst),
        toArray(),
      ),
    );
    // Resumes exactly at the failed batch: nothing skipped, and nothing that was handled is repeated.
    expect(again[0]).toBe(failedFirst);
    expect([...handled, ...again]).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('with toRecords(), a throw on one record mid-batch resumes at that record', async () => {
    const FAIL = 1234;
    const handled: number[] = [];
    const run = lance.topic$(topicId, undefined, options()).pipe(
      toRecords(),
      map((r) => seqOf(r.value)),
      tap((seq) => {
        if (seq === FAIL) throw new Error('bad record');
        handled.push(seq);
      }),
    );
    await expect(lastValueFrom(run)).rejects.toThrow('bad record');
    const again = await firstValueFrom(
      lance.topic$(topicId, undefined, options()).pipe(
        toRecords(),
        map((r) => seqOf(r.value)),
        take(N - FAIL),
        toArray(),
      ),
    );
    expect(again[0]).toBe(FAIL);
    expect([...handled, ...again]).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('records expose nextOffset: the offset of the record after them', async () => {
    const recs = await firstValueFrom(lance.topic$(topicId).pipe(toRecords(), take(3), toArray()));
    expect(recs[0]!.nextOffset).toBe(recs[1]!.offset);
    expect(recs[1]!.nextOffset).toBe(recs[2]!.offset);
  });
});
