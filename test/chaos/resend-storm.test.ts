/**
 * Issue 13 bullet 4: no resend storm. Against a connection that dies after its 7th frame (the 7th,
 * and with the server's read cycle every frame of the read that holds it, is stored but never
 * acked), resending the whole window of unacked frames on each new connection turned 20,000
 * records into ~90,000 stored and failed ~18,000. With slow start (src/rx/producer/send-window.ts:
 * after a loss the window is 1 until a connection has had 16 acks in a row, then it grows by one
 * per ack) every record is acked and the duplicates stay at the fault's floor: one frame stored
 * twice per connection, i.e. one in six acked (~16.7%).
 */
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { LanceClient } from '../../src/client/lance-client';
import { ClientConfig } from '../../src/client/config';
import { FaultProxy, LanceServer } from '../../src/testing';
import { decodeRecords } from '../../src/wire/tlv';

const N = 20_000;
const SIZE = 1024;
const fast = { baseMs: 10, maxMs: 50 };

describe('resend storm: a server that aborts each connection after 7 frames', () => {
  jest.setTimeout(30_000);
  let server: LanceServer;
  let admin: LanceClient;
  beforeEach(async () => {
    server = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0 });
    admin = await LanceClient.connect(ClientConfig.fromAddress(server.address).withReconnect(fast));
  });
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await admin.close().catch(() => undefined);
    await proxy?.stop();
    proxy = undefined;
    await server.stop();
  });

  // 'proxy': a FaultProxy forwards 7 whole frames, then resets both legs (acks still on the way are
  // lost). 'server': the server handles 7 frames, then resets (acks of that last read are lost).
  // No connection here reaches 16 acks, so after the first loss the window stays 1: six frames
  // acked and one stored twice per connection. Measured (20,000 x 1 KiB, 2 shared cores): proxy
  // ≈3,500 duplicates (17.5%) in ≈4 s, server ≈3,300 (16.6%) in ≈3 s, 0 failed, ~108 sessions.
  // Before slow start the proxy case ran past 30 s and the server case stored ≈75% duplicates; a
  // first attempt that doubled the window per ack from 1 at once stored ~134% via the proxy.
  it.each(['proxy', 'server'])(
    '%s: 20,000 records, none failed, stored duplicates ≤ 25% of records, counted in stats.resent',
    (where) => run(where),
  );

  async function run(where: string): Promise<void> {
    const topicId = (await admin.createTopic(`storm-${Math.random().toString(36).slice(2, 8)}`)).id;
    let address = server.address;
    if (where === 'proxy') {
      proxy = await FaultProxy.start({ target: server.address });
      proxy.abortAfterFrames(7, { headerBytes: 44, frameBytes: (h) => 44 + h.readUInt32LE(32) });
      address = proxy.address;
    } else {
      server.faults.dropEachConnectionAfterFrames(7, { abrupt: true });
    }
    // Packing off (frames of batchSize, 32 KiB): 20 MB in ~640 frames, so the fault fires ~90 times.
    // With packing the same records take ~6 frames of up to 4 MiB and the fault never fires.
    const config = new ProducerConfig().withMaxRequestBytes(new ProducerConfig().batchSize);
    const producer = await Producer.connect(address, config, { lanceOptions: { reconnect: fast } });
    const sends: Promise<unknown>[] = [];
    let failed = 0;
    const t0 = Date.now();
    try {
      for (let i = 0; i < N; i++) {
        const v = new Uint8Array(SIZE);
        new DataView(v.buffer).setUint32(0, i);
        sends.push(producer.send(topicId, v).catch(() => failed++));
      }
      await Promise.all(sends);
    } finally {
      await producer.close({ timeoutMs: 1000 }).catch(() => undefined);
    }
    server.faults.clear();
    proxy?.clear();

    const stored = decodeRecords(server.topicBytes(topicId)).records;
    const seen = new Uint8Array(N);
    for (const r of stored) seen[new DataView(r.value.buffer, r.value.byteOffset, 4).getUint32(0)] = 1;
    const duplicates = stored.length - N;
    const stats = producer.stats;
    // Printed so a regression shows how far off it is.
    console.log(
      JSON.stringify({
        ms: Date.now() - t0,
        stored: stored.length,
        duplicates,
        failed,
        sessions: stats.sessions,
        framesSent: stats.framesSent,
        resent: stats.resent,
      }),
    );
    expect(failed).toBe(0);
    expect(stats.records).toBe(N);
    expect(seen.indexOf(0)).toBe(-1); // every record is stored
    expect(duplicates).toBeLessThanOrEqual(N * 0.25);
    // Every duplicate comes from a resend, and stats.resent counts the records resent.
    expect(stats.resent).toBeGreaterThanOrEqual(duplicates);
  }
});
