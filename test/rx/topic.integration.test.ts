import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { Lance, RecordType, SeekPosition, toRecords } from '../../src/index';
import { FaultProxy, LanceServer } from '../../src/testing';
import { RawConnection, seqOf, seqPayloads } from '../consumer/raw-ingest';

describe('lance.topic$(id, from) — the user-facing Rx consumer', () => {
  let server: LanceServer;
  let lance: Lance;
  let topicId: number;

  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
    const raw = await RawConnection.open(server.address);
    topicId = await raw.createTopic('rx-topic');
    await raw.ingest(topicId, seqPayloads(0, 1000, 100));
    raw.close();
    lance = new Lance({ servers: [server.address] });
  });

  afterEach(async () => {
    await lance.close();
    await server.stop();
  });

  it('composes with ordinary RxJS operators, as in lance.topic$(1).pipe(filter(...), map(...))', async () => {
    const evens = await firstValueFrom(
      lance.topic$(topicId).pipe(
        toRecords(),
        filter((r) => r.type === RecordType.RAW && seqOf(r.value) % 2 === 0),
        map((r) => seqOf(r.value)),
        take(500),
        toArray(),
      ),
    );
    expect(evens).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
  });

  it('starts at an explicit offset, and unsubscribing closes its socket', async () => {
    const first = await firstValueFrom(lance.topic$(topicId, SeekPosition.BEGINNING).pipe(take(1)));
    const second = first.records[1]!;
    const from = await firstValueFrom(lance.topic$(topicId, second.offset).pipe(toRecords(), take(1)));
    expect(seqOf(from.value)).toBe(1);
    await new Promise((r) => setTimeout(r, 1200)); // past the 1 s grace period of idle sockets
    expect(server.connections).toBe(0);
  });
});

describe('a long-lived Lance', () => {
  it('does not accumulate a connection role per topic$ subscription', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const lance = new Lance({ servers: [server.address], graceMs: 0 });
    try {
      const raw = await RawConnection.open(server.address);
      const id = await raw.createTopic('churn');
      await raw.ingest(id, seqPayloads(0, 10, 10));
      raw.close();
      for (let i = 0; i < 30; i++) await firstValueFrom(lance.topic$(id).pipe(take(1)));
      await new Promise((r) => setTimeout(r, 50));
      expect(lance.activeRoles).toBeLessThanOrEqual(1);
      expect(server.connections).toBe(0);
    } finally {
      await lance.close();
      await server.stop();
    }
  });
});

describe('topic$ takes its Fetch deadline from the core', () => {
  it('new Lance({ requestTimeoutMs }) bounds each Fetch: a fetch lost in a black hole is replaced after that long', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const proxy = await FaultProxy.start({ target: server.address });
    const lance = new Lance({ servers: [proxy.address], requestTimeoutMs: 500, reconnect: { baseMs: 10, maxMs: 50 } });
    try {
      const raw = await RawConnection.open(server.address);
      const id = await raw.createTopic('deadline');
      await raw.ingest(id, seqPayloads(0, 10, 10));
      raw.close();
      proxy.blackhole(true); // the consumer's connection is accepted, its Fetch is never answered
      const first = firstValueFrom(lance.topic$(id).pipe(toRecords(), take(1)));
      await new Promise((r) => setTimeout(r, 200));
      proxy.blackhole(false);
      const t0 = Date.now();
      // Only the Fetch's own deadline can notice (keepalive is 10 s away): with the 30 s default
      // this would wait out the test's timeout.
      expect(seqOf((await first).value)).toBe(0);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await lance.close();
      await proxy.stop();
      await server.stop();
    }
  });
});
