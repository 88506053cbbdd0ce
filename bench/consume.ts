/**
 * Consumer throughput, one JSON line: `consumeTopic` (via `Lance`) and `StandaloneConsumer.poll()`
 * reading 100-byte records (TLV header included) with 1 MiB fetches from a LanceServer running in
 * its own child process with its default, real timing, filled first with raw ingest frames; beside
 * a raw baseline: a Fetch loop over a plain socket with the same fetch size and the same prefetch
 * (two Fetches in flight), and the ratios. Target (issue 11): ≥ 3,000,000 records/s and ≥ 0.9 of raw.
 *
 *   npx ts-node --transpile-only bench/consume.ts
 *   BENCH_RECORDS=4000000 BENCH_RUNS=5 npx ts-node --transpile-only bench/consume.ts
 */
import { rawFetchLoop } from './lib/raw-fetch-loop';
import { spawnServer } from './lib/spawn-server';
import { lastValueFrom, takeWhile } from 'rxjs';
import { StandaloneConfig } from '../src/client/standalone-config';
import { StandaloneConsumer } from '../src/client/standalone-consumer';
import { consumeTopic } from '../src/rx/consumer/consume-topic';
import { Lance } from '../src/rx/lance';
import { RawConnection, fixedPayloads } from '../test/consumer/raw-ingest';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 2_000_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const RECORD_SIZE = 100;
const FETCH = 1024 * 1024;
/** Fetches in flight beyond the one being handled: the clients' default (`prefetch: 1`). */
const PREFETCH = 1;

interface Run {
  readonly records: number;
  readonly bytes: number;
  readonly ms: number;
}

/** Reads the topic from 0 to its end, touching every record's type, length and value view. */
async function rxRun(address: string, topicId: number): Promise<Run> {
  const lance = new Lance({ servers: [address] });
  let records = 0;
  let bytes = 0;
  let checksum = 0;
  const t0 = performance.now();
  await lastValueFrom(
    consumeTopic(lance.session$('consumer:bench'), topicId, { maxFetchBytes: FETCH, pollIntervalMs: 10 }).pipe(
      takeWhile((b) => {
        for (const r of b.records) {
          checksum += r.type + r.value.length;
        }
        records += b.records.length;
        bytes += Number(b.endOffset - b.startOffset);
        return records < RECORDS;
      }, true),
    ),
  );
  const ms = performance.now() - t0;
  await lance.close();
  if (checksum !== RECORDS * (1 + RECORD_SIZE - 5)) throw new Error(`checksum ${checksum}`);
  return { records, bytes, ms };
}

/**
 * Baseline: a Fetch loop over a plain socket with the clients' prefetch: 1 + PREFETCH Fetches in
 * flight at predicted offsets (the server answers exactly max_bytes when it has them), until the
 * end; records counted from the bytes, not parsed.
 */
async function rawRun(address: string, topicId: number, endOffset: bigint): Promise<Run> {
  const raw = await RawConnection.open(address);
  const step = BigInt(FETCH);
  const t0 = performance.now();
  await rawFetchLoop(raw, topicId, endOffset, {
    maxBytes: FETCH,
    prefetch: PREFETCH,
    onReply: (offset, next) => {
      if (next !== offset + step && next !== endOffset) throw new Error(`raw fetch: short reply at ${offset}`);
    },
  });
  const ms = performance.now() - t0;
  raw.close();
  const bytes = Number(endOffset);
  return { records: bytes / RECORD_SIZE, bytes, ms };
}

async function pollRun(address: string, topicId: number): Promise<Run> {
  const consumer = await StandaloneConsumer.connect(
    address,
    new StandaloneConfig('bench', topicId).withMaxFetchBytes(FETCH).withManualCommit().withServerCommit(false),
  );
  let records = 0;
  let bytes = 0;
  const t0 = performance.now();
  while (records < RECORDS) {
    const b = await consumer.poll();
    if (!b) continue;
    for (const r of b.records) if (r.value.length !== RECORD_SIZE - 5) throw new Error('bad record');
    records += b.records.length;
    bytes += Number(b.endOffset - b.startOffset);
  }
  const ms = performance.now() - t0;
  await consumer.close();
  return { records, bytes, ms };
}

const rate = (r: Run) => ({
  recordsPerSec: Math.round((r.records / r.ms) * 1000),
  mbPerSec: +(((r.bytes / r.ms) * 1000) / 1e6).toFixed(1),
  ms: Math.round(r.ms),
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = await spawnServer({ host: '127.0.0.1', port: 0 });
  try {
    const address = `127.0.0.1:${server.port}`;
    const raw = await RawConnection.open(address);
    const topicId = await raw.createTopic(`bench-consume-${process.pid}`);
    const tFill = performance.now();
    await raw.ingest(topicId, fixedPayloads(RECORDS, RECORD_SIZE, 10_000), 8);
    const fillMs = performance.now() - tFill;
    raw.close();

    await rxRun(address, topicId); // warm-up (JIT, server page-in)
    const end = BigInt(RECORDS * RECORD_SIZE);
    const rx: Run[] = [];
    const poll: Run[] = [];
    const rawRuns: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      rawRuns.push(await rawRun(address, topicId, end));
      rx.push(await rxRun(address, topicId));
      poll.push(await pollRun(address, topicId));
    }
    const rxRates = rx.map(rate);
    const pollRates = poll.map(rate);
    const rawRates = rawRuns.map(rate);
    const rawMedian = median(rawRates.map((r) => r.recordsPerSec));
    console.log(
      JSON.stringify({
        bench: 'consume',
        records: RECORDS,
        recordBytes: RECORD_SIZE,
        fetchBytes: FETCH,
        server: 'LanceServer defaults in its own process (256 KiB reads, group commit 5 ms / 4 MiB, memory storage)',
        fillMs: Math.round(fillMs),
        raw: {
          prefetch: PREFETCH,
          medianRecordsPerSec: rawMedian,
          medianMBPerSec: median(rawRates.map((r) => r.mbPerSec)),
          runs: rawRates,
        },
        rx: {
          medianRecordsPerSec: median(rxRates.map((r) => r.recordsPerSec)),
          medianMBPerSec: median(rxRates.map((r) => r.mbPerSec)),
          runs: rxRates,
        },
        poll: {
          medianRecordsPerSec: median(pollRates.map((r) => r.recordsPerSec)),
          medianMBPerSec: median(pollRates.map((r) => r.mbPerSec)),
          runs: pollRates,
        },
        rxVsRaw: Number((median(rxRates.map((r) => r.recordsPerSec)) / rawMedian).toFixed(2)),
        pollVsRaw: Number((median(pollRates.map((r) => r.recordsPerSec)) / rawMedian).toFixed(2)),
        target: '≥ 3,000,000 records/s and ≥ 0.9 of raw (issue 11)',
        pass:
          median(rxRates.map((r) => r.recordsPerSec)) >= 3_000_000 &&
          median(rxRates.map((r) => r.recordsPerSec)) >= 0.9 * rawMedian,
      }),
    );
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
