/**
 * Producer throughput, one JSON line: records/s and MB/s (of record values) for 100 B and 1 KiB
 * records over ONE connection, through the Rx face (`createProducer`) and the Promise face
 * (`Producer.sendAsync`), beside raw baselines that write pre-encoded ingest frames over a plain
 * socket: `raw` with the producer's framing (same batch size, same window of unacked frames), and
 * `rawBest`, the fastest of a few larger frame sizes (`BEST_FRAMES`). The embedded LanceServer runs
 * in its own child process with its default, real timing (256 KiB reads per cycle, group commit
 * after a 5 ms gap or at 4 MiB dirty, memory storage); each measurement gets a fresh one so the
 * stored bytes of one run do not slow the next. Rounds are interleaved (these machines are noisy).
 * Targets (issue 11): ≥ 90% of the best raw baseline, ≥ 1,000,000 records/s at 100 B.
 *
 *   npx ts-node --transpile-only bench/produce.ts
 * Env: SMALL_RECORDS (default 2,000,000), LARGE_RECORDS (default 200,000), ROUNDS (default 3),
 * BEST_FRAMES (wire bytes per raw frame, comma-separated; default 262144,1048576,4194304).
 */
import * as net from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import { Lance } from '../src/rx/lance';
import { createProducer } from '../src/rx/producer/create-producer';
import { PRODUCER_DEFAULTS } from '../src/rx/producer/options';
import { Producer } from '../src/client/producer';
import { ProducerConfig } from '../src/client/producer-config';
import { Command, encodeControl } from '../src/wire/index';
import { rawProduce } from './lib/raw-produce';
import { spawnServer } from './lib/spawn-server';

const SMALL = Number(process.env['SMALL_RECORDS'] ?? 2_000_000);
const LARGE = Number(process.env['LARGE_RECORDS'] ?? 200_000);
const BEST_FRAMES = (process.env['BEST_FRAMES'] ?? '262144,1048576,4194304').split(',').map(Number);
/** Frames in flight for the larger raw frames (32 MiB of 4 MiB frames). */
const BEST_WINDOW = 8;
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const BATCH = PRODUCER_DEFAULTS.batchSize;
const WINDOW = PRODUCER_DEFAULTS.maxPendingAcks;
const TOPIC = 1;

type Runner = (port: number, recordSize: number, count: number) => Promise<number>;

async function createTopic(port: number): Promise<void> {
  const s = await connect(port);
  s.write(encodeControl(Command.CREATE_TOPIC, Buffer.from('bench')));
  await new Promise((r) => s.once('data', r));
  s.destroy();
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** Baseline: the same frames the producer would build, pre-encoded, written with the same window. */
const raw: Runner = (port, recordSize, count) => rawFramed(BATCH, WINDOW)(port, recordSize, count);

/** Pre-encoded frames of about `frameBytes` on the wire, at most `window` unacked. */
const rawFramed =
  (frameBytes: number, window: number): Runner =>
  async (port, recordSize, count) =>
    (await rawProduce(`127.0.0.1:${port}`, TOPIC, recordSize, count, frameBytes, window)) / 1000;

/** Rx face: `next()` in a loop; when bufferMemory is nearly full, wait for the next ack. */
const rx: Runner = async (port, recordSize, count) => {
  const lance = new Lance({ servers: [`127.0.0.1:${port}`] });
  const producer = createProducer(lance.session$('producer:bench'), TOPIC);
  const records = Array.from({ length: 16 }, (_, i) => new Uint8Array(recordSize).fill(0x61 + i));
  const limit = PRODUCER_DEFAULTS.bufferMemory - (recordSize + 5);
  let failed = 0;
  producer.acks$.subscribe((o) => o.type !== 'acked' && failed++);
  await firstValueFrom(lance.session$('producer:bench'));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (producer.bufferedBytes > limit) await firstValueFrom(producer.acks$.pipe(filter((o) => o.type === 'acked')));
    producer.next(records[i & 15]!);
  }
  await producer.close();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await lance.close();
  if (failed > 0 || producer.stats.records !== count)
    throw new Error(`rx: ${failed} failures, ${producer.stats.records}/${count} acked`);
  return secs;
};

/** Promise face: `await sendAsync()` per record (resolved at once while there is room), then flush. */
const promise: Runner = async (port, recordSize, count) => {
  const producer = await Producer.connect(`127.0.0.1:${port}`, new ProducerConfig());
  const records = Array.from({ length: 16 }, (_, i) => new Uint8Array(recordSize).fill(0x61 + i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await producer.sendAsync(TOPIC, records[i & 15]!);
  await producer.flush();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.close();
  if (producer.stats.records !== count) throw new Error(`promise: ${producer.stats.records}/${count} acked`);
  return secs;
};

async function measure(run: Runner, recordSize: number, count: number): Promise<number> {
  const server = await spawnServer({ port: 0 });
  try {
    await createTopic(server.port);
    await run(server.port, recordSize, Math.min(count, 50_000)); // warm-up (JIT), same server
    return await run(server.port, recordSize, count);
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const out: Record<string, unknown> = {
    bench: 'produce',
    server: 'LanceServer defaults in its own process: 256 KiB reads, group commit 5 ms gap / 4 MiB, memory storage',
    batchSize: BATCH,
    window: WINDOW,
    rounds: ROUNDS,
  };
  const rate = (count: number, size: number, s: number) => ({
    recordsPerSec: Math.round(count / s),
    mbPerSec: Math.round((count * size) / 1e6 / s),
    secs: Number(s.toFixed(3)),
  });
  for (const [label, size, count] of [
    ['100B', 100, SMALL],
    ['1KiB', 1024, LARGE],
  ] as const) {
    const runners: [string, Runner][] = [
      ['raw', raw],
      ...BEST_FRAMES.map((b): [string, Runner] => [`raw${b}`, rawFramed(b, BEST_WINDOW)]),
      ['rx', rx],
      ['promise', promise],
    ];
    const secs: Record<string, number[]> = Object.fromEntries(runners.map(([n]) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, run] of runners) secs[name]!.push(await measure(run, size, count));
    }
    const med = (name: string) => median(secs[name]!);
    const best = BEST_FRAMES.map((b) => ({ b, s: med(`raw${b}`) })).reduce((x, y) => (y.s < x.s ? y : x));
    const rawS = med('raw');
    const result: Record<string, unknown> = {
      records: count,
      raw: rate(count, size, rawS),
      rawBest: { frameBytes: best.b, window: BEST_WINDOW, ...rate(count, size, best.s) },
      rawByFrame: Object.fromEntries(BEST_FRAMES.map((b) => [b, rate(count, size, med(`raw${b}`)).recordsPerSec])),
      rx: rate(count, size, med('rx')),
      promise: rate(count, size, med('promise')),
      // Ratios of throughput (time ratios inverted); ≥ 0.9 × rawBest is the issue-11 target.
      rxVsRaw: Number((rawS / med('rx')).toFixed(2)),
      promiseVsRaw: Number((rawS / med('promise')).toFixed(2)),
      rxVsRawBest: Number((best.s / med('rx')).toFixed(2)),
      promiseVsRawBest: Number((best.s / med('promise')).toFixed(2)),
    };
    out[label] = result;
  }
  console.log(JSON.stringify(out));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
