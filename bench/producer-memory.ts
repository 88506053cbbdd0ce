/**
 * The Promise producer's memory while the server is stalled, one JSON line. A caller fires
 * `sendAsync` for 1 KiB records without awaiting (the pattern that grew RSS by 1.35 GiB for
 * 390 MiB of records before sends waiting for room had a budget). The "server" accepts the
 * connection and never reads, as a server stuck in fsync does. The figure to meet is
 * RSS growth ≤ 2 × (bufferMemory + maxWaitingBytes) + 64 MiB; `bound` and `ratio` say how close.
 *
 *   npm run bench:memory   (plain `node` with a transpile hook: the `ts-node` binary itself adds ~90 MiB of
 *   heap growth to this run, which is not the library's)
 * Env: RECORDS (default 400,000), RECORD_BYTES (default 1024).
 */
import * as net from 'node:net';
import { Producer } from '../src/client/producer';
import { ProducerConfig } from '../src/client/producer-config';

const RECORDS = Number(process.env['RECORDS'] ?? 400_000);
const RECORD_BYTES = Number(process.env['RECORD_BYTES'] ?? 1024);
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const sockets: net.Socket[] = [];
  const stalled = net.createServer((s) => {
    s.pause();
    sockets.push(s);
  });
  await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
  const port = (stalled.address() as net.AddressInfo).port;

  const config = new ProducerConfig();
  const producer = await Producer.connect(`127.0.0.1:${port}`, config);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  let refused = 0;
  let pending = 0;
  const settle = (): void => void pending--;
  for (let i = 0; i < RECORDS; i++) {
    // A fresh buffer per record, as a caller serialising events would have.
    pending++;
    producer.sendAsync(1, new Uint8Array(RECORD_BYTES).fill(i & 0xff)).then(settle, () => {
      refused++;
      settle();
    });
    if ((i & 0x3fff) === 0) {
      await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  peak = Math.max(peak, process.memoryUsage().rss);
  await producer.close({ timeoutMs: 0 }).catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  if (pending !== 0) throw new Error(`${pending} sends still pending after close`);
  for (const s of sockets) s.destroy();
  stalled.close();

  const bound = 2 * (config.bufferMemory + (config.maxWaitingBytes ?? config.bufferMemory)) + 64 * MiB;
  const growth = peak - before;
  console.log(
    JSON.stringify({
      bench: 'producer-memory',
      records: RECORDS,
      recordBytes: RECORD_BYTES,
      offeredMiB: +((RECORDS * RECORD_BYTES) / MiB).toFixed(1),
      refused,
      rssGrowthMiB: +(growth / MiB).toFixed(1),
      boundMiB: +(bound / MiB).toFixed(1),
      ratio: +(growth / bound).toFixed(2),
      withinBound: growth <= bound,
    }),
  );
}

void main();
