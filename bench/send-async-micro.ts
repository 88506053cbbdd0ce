/**
 * Micro-bench of the Promise producer's fire-and-forget path: `await sendAsync()` N times on 100-byte
 * records (as bench/produce.ts's `promise` runner does), against a LanceServer in its own process.
 * Prints records/s for the Promise face and, with FACE=both, the Rx face too. For profiling:
 *   node --cpu-prof -r ts-node/register/transpile-only bench/send-async-micro.ts
 * Env: N (default 2,000,000), SIZE (default 100), FACE (promise | rx | both; default promise).
 */
import { firstValueFrom, filter } from 'rxjs';
import * as net from 'node:net';
import { Lance } from '../src/rx/lance';
import { createProducer } from '../src/rx/producer/create-producer';
import { PRODUCER_DEFAULTS } from '../src/rx/producer/options';
import { Producer } from '../src/client/producer';
import { Command, encodeControl } from '../src/wire/index';
import { spawnServer } from './lib/spawn-server';

const N = Number(process.env['N'] ?? 2_000_000);
const SIZE = Number(process.env['SIZE'] ?? 100);
const FACE = process.env['FACE'] ?? 'promise';

async function createTopic(port: number): Promise<void> {
  const s = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => s.once('connect', r));
  s.write(encodeControl(Command.CREATE_TOPIC, Buffer.from('bench')));
  await new Promise((r) => s.once('data', r));
  s.destroy();
}

async function promiseFace(port: number, n: number): Promise<number> {
  const producer = await Producer.connect(`127.0.0.1:${port}`);
  const records = Array.from({ length: 16 }, (_, i) => new Uint8Array(SIZE).fill(0x61 + i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await producer.sendAsync(1, records[i & 15]!);
  await producer.flush();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.close();
  if (producer.stats.records !== n) throw new Error(`promise: ${producer.stats.records}/${n} acked`);
  return secs;
}

async function rxFace(port: number, n: number): Promise<number> {
  const lance = new Lance({ servers: [`127.0.0.1:${port}`] });
  const producer = createProducer(lance.session$('producer:bench'), 1);
  const records = Array.from({ length: 16 }, (_, i) => new Uint8Array(SIZE).fill(0x61 + i));
  const limit = PRODUCER_DEFAULTS.bufferMemory - (SIZE + 5);
  await firstValueFrom(lance.session$('producer:bench'));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (producer.bufferedBytes > limit) await firstValueFrom(producer.acks$.pipe(filter((o) => o.type === 'acked')));
    producer.next(records[i & 15]!);
  }
  await producer.close();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await lance.close();
  return secs;
}

async function run(name: string, face: (port: number, n: number) => Promise<number>): Promise<void> {
  const server = await spawnServer({ port: 0 });
  try {
    await createTopic(server.port);
    await face(server.port, 50_000);
    const s = await face(server.port, N);
    console.log(`${name}: ${Math.round(N / s).toLocaleString('en')} records/s (${s.toFixed(3)} s)`);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (FACE === 'rx' || FACE === 'both') await run('rx', rxFace);
  if (FACE === 'promise' || FACE === 'both') await run('promise', promiseFace);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
