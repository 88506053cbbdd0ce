/**
 * Producer throughput, one JSON line: records/s and MB/s (of record values) for 100 B and 1 KiB
 * records over ONE connection, through the Rx face (`createProducer`) and the Promise face
 * (`Producer.sendAsync`), beside a raw baseline that writes pre-encoded ingest frames (same 32 KiB
 * batches, same window of 64 unacked frames) over a plain socket. The embedded LanceServer runs in
 * its own child process (memory storage, groupCommitMs 0); each measurement gets a fresh one so the
 * stored bytes of one run do not slow the next. Rounds are interleaved (these machines are noisy).
 * Targets: ≥ 1,000,000 records/s at 100 B; ≥ 70% of the raw MB/s at 1 KiB.
 *
 *   npx ts-node --transpile-only bench/produce.ts
 * Env: SMALL_RECORDS (default 2,000,000), LARGE_RECORDS (default 300,000), ROUNDS (default 3).
 */
import * as net from 'node:net';
import { firstValueFrom, filter } from 'rxjs';
import { Lance } from '../src/rx/lance';
import { createProducer } from '../src/rx/producer/create-producer';
import { PRODUCER_DEFAULTS } from '../src/rx/producer/options';
import { Producer } from '../src/client/producer';
import { ProducerConfig } from '../src/client/producer-config';
import { Command, encodeControl, encodeFrame, Flags, writeRecord } from '../src/wire/index';
import { spawnServer } from './lib/spawn-server';

const SMALL = Number(process.env['SMALL_RECORDS'] ?? 2_000_000);
const LARGE = Number(process.env['LARGE_RECORDS'] ?? 300_000);
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
const raw: Runner = async (port, recordSize, count) => {
  const tlv = 5 + recordSize;
  const perFrame = Math.max(1, Math.floor(BATCH / tlv));
  const payload = new Uint8Array(perFrame * tlv);
  const value = new Uint8Array(recordSize).fill(0x61);
  for (let i = 0; i < perFrame; i++) writeRecord(payload, i * tlv, 0x01, value);
  const frame = encodeFrame({ flags: Flags.BATCH_MODE, batchId: 1n, topicId: TOPIC, recordCount: perFrame, payload });
  const frames = Math.ceil(count / perFrame);
  const socket = await connect(port);
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let ackBytes = 0;
    let blocked = false;
    const fill = (): void => {
      while (!blocked && sent < frames && sent - Math.floor(ackBytes / 44) < WINDOW) {
        sent++;
        if (!socket.write(frame)) {
          blocked = true;
          socket.once('drain', () => {
            blocked = false;
            fill();
          });
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      ackBytes += chunk.length;
      if (ackBytes / 44 >= frames) resolve();
      else fill();
    });
    fill();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  socket.destroy();
  // The last frame may carry a few extra records: report the time for exactly `count`.
  return secs * (count / (frames * perFrame));
};

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
  if (failed > 0 || producer.stats.records !== count) throw new Error(`rx: ${failed} failures, ${producer.stats.records}/${count} acked`);
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
  const server = await spawnServer({ port: 0, groupCommitMs: 0 });
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
  const out: Record<string, unknown> = { batchSize: BATCH, window: WINDOW, rounds: ROUNDS };
  for (const [label, size, count] of [
    ['100B', 100, SMALL],
    ['1KiB', 1024, LARGE],
  ] as const) {
    const secs: Record<string, number[]> = { raw: [], rx: [], promise: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, run] of [
        ['raw', raw],
        ['rx', rx],
        ['promise', promise],
      ] as const) {
        secs[name]!.push(await measure(run, size, count));
      }
    }
    const result: Record<string, unknown> = { records: count };
    for (const name of ['raw', 'rx', 'promise']) {
      const s = median(secs[name]!);
      result[name] = { recordsPerSec: Math.round(count / s), mbPerSec: Math.round((count * size) / 1e6 / s), secs: Number(s.toFixed(3)) };
    }
    const rawMb = (result['raw'] as { mbPerSec: number }).mbPerSec;
    result['rxVsRaw'] = Number(((result['rx'] as { mbPerSec: number }).mbPerSec / rawMb).toFixed(2));
    result['promiseVsRaw'] = Number(((result['promise'] as { mbPerSec: number }).mbPerSec / rawMb).toFixed(2));
    out[label] = result;
  }
  console.log(JSON.stringify(out));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
