/**
 * Stop-and-wait produce latency, one JSON line: `await producer.send()` one 100-byte record at a
 * time with the default `ProducerConfig`, beside a raw socket doing the same (one pre-encoded
 * frame, wait for its ack, repeat) and a raw keepalive round trip, against a LanceServer in its own
 * process with its real timing (group commit after a 5 ms gap). The raw stop-and-wait figure is
 * "the server's own flush gap plus one raw round trip"; the target (issue 11) is the client's p50
 * within 1.2× of it, measured in the same run. Rounds alternate between the three so drift on a
 * noisy machine hits them alike.
 *
 *   npx ts-node --transpile-only bench/send-latency.ts
 *   BENCH_SENDS=1000 npx ts-node --transpile-only bench/send-latency.ts
 */
import { Producer } from '../src/client/producer';
import { ProducerConfig } from '../src/client/producer-config';
import { Flags } from '../src/wire/constants';
import { encodeKeepalive, frameKind } from '../src/wire/control';
import { encodeFrame } from '../src/wire/frame';
import { RawConnection, fixedPayloads } from '../test/consumer/raw-ingest';
import { spawnServer } from './lib/spawn-server';

const SENDS = Number(process.env['BENCH_SENDS'] ?? 400);
const ROUNDS = 8;
const RECORD_SIZE = 100;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const summary = (xs: number[]) => ({
  p50Ms: +percentile(xs, 50).toFixed(3),
  p90Ms: +percentile(xs, 90).toFixed(3),
  p99Ms: +percentile(xs, 99).toFixed(3),
  samples: xs.length,
});

async function main(): Promise<void> {
  const server = await spawnServer({ host: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${server.port}`;
  const raw = await RawConnection.open(address);
  const producer = await Producer.connect(address, new ProducerConfig());
  try {
    const topicId = await raw.createTopic(`bench-latency-${process.pid}`);
    const payload = fixedPayloads(1, RECORD_SIZE, 1).next().value as Uint8Array;
    const value = payload.subarray(5); // the record's value: the client adds the same TLV header
    let batchId = 0n;
    const rawSend: number[] = [];
    const rawPing: number[] = [];
    const client: number[] = [];
    const perRound = Math.ceil(SENDS / ROUNDS);
    // Warm-up: connections, JIT, the server's first segment.
    for (let i = 0; i < 20; i++) await producer.send(topicId, value);

    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        raw.write(encodeFrame({ flags: Flags.BATCH_MODE, batchId: ++batchId, topicId, recordCount: 1, payload }));
        const ack = await raw.next();
        rawSend.push(performance.now() - t0);
        if (frameKind(ack) !== 'ack') throw new Error('raw: expected an ack');
      }
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        raw.write(encodeKeepalive());
        await raw.next();
        rawPing.push(performance.now() - t0);
      }
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now();
        await producer.send(topicId, value);
        client.push(performance.now() - t0);
      }
    }
    const rawP50 = percentile(rawSend, 50);
    const clientP50 = percentile(client, 50);
    console.log(
      JSON.stringify({
        bench: 'send-latency',
        recordBytes: RECORD_SIZE,
        server: 'LanceServer defaults in its own process (256 KiB reads, group commit 5 ms / 4 MiB, memory storage)',
        rawRoundTrip: summary(rawPing),
        rawStopAndWait: summary(rawSend),
        producerSend: summary(client),
        flushGapMs: +(percentile(rawSend, 50) - percentile(rawPing, 50)).toFixed(3),
        p50VsRaw: +(clientP50 / rawP50).toFixed(3),
        target:
          'producer.send() p50 ≤ 1.2 × (server flush gap + one raw round trip) = 1.2 × raw stop-and-wait p50 (issue 11)',
        pass: clientP50 <= 1.2 * rawP50,
      }),
    );
  } finally {
    await producer.close();
    raw.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
