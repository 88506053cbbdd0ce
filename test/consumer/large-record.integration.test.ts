/**
 * Whatever the server accepted, a consumer can read (issue 13, bullet 3): a record just under the
 * server's 16 MiB payload limit is ingested (acked), then read back whole through `topic$`
 * (consumeTopic), StandaloneConsumer and LanceClient.fetch, with fetch sizes below, at and above it.
 */
import { firstValueFrom, map, mergeMap, take, toArray } from 'rxjs';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { consumeTopic } from '../../src/rx/consumer/consume-topic';
import type { ConsumedRecord } from '../../src/rx/consumer/consumed-record';
import { Lance } from '../../src/rx/lance';
import { LanceServer } from '../../src/testing';
import type { Session } from '../../src/rx/session';
import { Command, DEFAULT_MAX_PAYLOAD, U64_MAX } from '../../src/wire/constants';
import { decodeFetch } from '../../src/wire/payloads/fetch';
import { TLV_HEADER_SIZE, TlvRecord, encodeRecords } from '../../src/wire/tlv';
import { RawConnection } from './raw-ingest';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
/** The ingest payload: one TLV record of 16 MiB − 64 bytes in all, accepted by the server (limit 16 MiB). */
const BIG_TOTAL = DEFAULT_MAX_PAYLOAD - 64;
const BIG_VALUE = BIG_TOTAL - TLV_HEADER_SIZE;

let server: LanceServer;
let topicId: number;
let big: Uint8Array;
const cleanup: (() => Promise<unknown> | void)[] = [];

/** A value whose every byte depends on its position, so a misplaced or stale byte shows. */
function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >>> 11)) & 0xff;
  return b;
}

beforeAll(async () => {
  server = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0 });
  const raw = await RawConnection.open(server.address);
  try {
    topicId = await raw.createTopic(`large-${process.pid}`);
    big = pattern(BIG_VALUE);
    // small | big | small | 1 MiB more: the big record starts and ends mid-fetch, and enough data
    // follows it that a fetch of 16 MiB (or more) comes back full, its reply above 16 MiB.
    await raw.ingest(topicId, [
      encodeRecords([TlvRecord.raw('before')]),
      encodeRecords([TlvRecord.raw(big)]),
      encodeRecords([TlvRecord.raw('after')]),
      encodeRecords(Array.from({ length: 256 }, () => TlvRecord.raw(new Uint8Array(4096)))),
    ]);
  } finally {
    raw.close();
  }
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(() => server.stop());

/** The session, with the max_bytes of each Fetch logged. */
function logFetches(s: Session, asked: number[]): Session {
  return {
    epoch: s.epoch,
    address: s.address,
    frames$: s.frames$,
    drain$: s.drain$,
    send: (f) => s.send(f),
    kill: (r) => s.kill(r),
    request$: (command, payload, timeoutMs) => {
      if (command === Command.FETCH && payload && decodeFetch(payload).offset !== U64_MAX)
        asked.push(decodeFetch(payload).maxBytes);
      return s.request$(command, payload, timeoutMs);
    },
  };
}

/** Compares without jest's diff of 16 MiB arrays. */
function expectRecords(all: readonly ConsumedRecord[]): void {
  const records = all.slice(0, 3);
  expect(records.map((r) => r.length)).toEqual([6, BIG_VALUE, 5]);
  expect(records[0]!.text()).toBe('before');
  expect(Buffer.compare(records[1]!.value, big)).toBe(0);
  expect(records[2]!.text()).toBe('after');
  expect(records.map((r) => r.offset)).toEqual([0n, 11n, 11n + BigInt(BIG_TOTAL)]);
}

describe.each([
  ['64 KiB (the record grows the fetch)', 64 * 1024],
  ['1 MiB (default)', MiB],
  ['16 MiB', 16 * MiB],
  ['32 MiB', 32 * MiB],
])('a 16 MiB − 64 B record round-trips with maxFetchBytes %s', (_label, maxFetchBytes) => {
  it('via topic$ (consumeTopic)', async () => {
    const lance = new Lance({ servers: [server.address], reconnect: { baseMs: 5, maxMs: 20 } });
    cleanup.push(() => lance.close());
    const asked: number[] = [];
    const sessions = lance.session$('consumer:large').pipe(map((s) => logFetches(s, asked)));
    const records = await firstValueFrom(
      consumeTopic(sessions, topicId, { maxFetchBytes, pollIntervalMs: 5, lagProbeIntervalMs: false }).pipe(
        mergeMap((b) => b.records),
        take(3),
        toArray(),
      ),
    );
    expectRecords(records);
    // The big record is completed by one more Fetch, grown to what it lacks: never one per
    // maxFetchBytes (plus, for topic$, the one prefetch sent after a full reply).
    expect(asked.length).toBeLessThanOrEqual(4);
    if (maxFetchBytes < BIG_TOTAL) expect(asked[1]).toBe(11 + BIG_TOTAL - maxFetchBytes);
  });

  it('via StandaloneConsumer', async () => {
    const config = new StandaloneConfig(`large-${maxFetchBytes}`, topicId)
      .withMaxFetchBytes(maxFetchBytes)
      .withManualCommit()
      .withPollTimeout(10_000);
    const c = await StandaloneConsumer.connect(server.address, config);
    cleanup.push(() => c.close());
    const records: ConsumedRecord[] = [];
    while (records.length < 3) {
      const batch = await c.poll();
      if (batch) records.push(...batch.records);
    }
    expectRecords(records);
  });
});

it('LanceClient.fetch with max_bytes 16 MiB returns 16 MiB of data (a reply payload of 16 MiB + 16)', async () => {
  const client = await LanceClient.connect(ClientConfig.fromAddress(server.address));
  cleanup.push(() => client.close());
  const r = await client.fetch(topicId, 11n, 16 * MiB);
  expect(r.data.length).toBe(16 * MiB); // the big record and what follows it
  expect(Buffer.compare(r.data.subarray(TLV_HEADER_SIZE, BIG_TOTAL), big)).toBe(0);
});
