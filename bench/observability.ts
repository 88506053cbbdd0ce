/**
 * The cost of observability (issue 16), one JSON line: produce and consume throughput through
 * `Lance` (`lance.producer()` with 100-byte records; `lance.topic$()` with 1 MiB fetches) in three
 * modes, rounds interleaved:
 * - `before`: the client as it was before diagnostics channels existed (git `BEFORE_REF`, checked
 *   out into a temporary worktree and loaded beside today's sources);
 * - `off`: today's client, nobody subscribed to its channels (targets: within 3% of `before`);
 * - `otel`: today's client under `instrumentLance()` with the OpenTelemetry SDK (a batch span
 *   processor and a periodic metric reader whose exporters discard): within 15% of `off`;
 * beside raw baselines from the same run (pre-encoded 1 MiB ingest frames, 8 in flight; the raw
 * Fetch loop with the consumer's prefetch). The server is LanceServer in its
 * own process with its real timing (256 KiB reads, group commit 5 ms / 4 MiB).
 *
 *   npx ts-node --transpile-only bench/observability.ts
 * Env: PRODUCE_RECORDS (default 1,000,000), CONSUME_RECORDS (default 2,000,000), ROUNDS (default 5),
 * BEFORE_REF (default: the commit before the one that added the channels).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, takeWhile } from 'rxjs';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Lance as TodayLance } from '../src/rx/lance';
import { PRODUCER_DEFAULTS } from '../src/rx/producer/options';
import { instrumentLance } from '../src/otel/index';
import { rawFetchLoop } from './lib/raw-fetch-loop';
import { rawProduce } from './lib/raw-produce';
import { spawnServer } from './lib/spawn-server';
import { RawConnection, fixedPayloads } from '../test/consumer/raw-ingest';

const PRODUCE = Number(process.env['PRODUCE_RECORDS'] ?? 1_000_000);
const CONSUME = Number(process.env['CONSUME_RECORDS'] ?? 2_000_000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const BEFORE_REF = process.env['BEFORE_REF'] ?? 'ea79c48^';
const SIZE = 100;
const FETCH = 1024 * 1024;
/** The raw produce baseline's frames: the best of bench/produce.ts's sizes on this server (1 MiB, 8 in flight). */
const RAW_FRAME_BYTES = 1024 * 1024;
const RAW_WINDOW = 8;

/** The slice of `Lance` both versions share. */
type LanceLike = Pick<TodayLance, 'producer' | 'topic$' | 'close'>;
type LanceCtor = new (options: { servers: string[] }) => LanceLike;

/** Today's sources' repository, checked out at `ref` in a temporary worktree sharing node_modules. */
function loadBefore(ref: string): LanceCtor {
  const root = join(__dirname, '..');
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root }).toString().trim();
  const dir = join(tmpdir(), `lnc-client-${commit}`);
  if (!existsSync(dir)) {
    execFileSync('git', ['worktree', 'add', '--detach', '-f', dir, commit], { cwd: root, stdio: 'ignore' });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(dir, 'src/rx/lance')) as { Lance: LanceCtor }).Lance;
}

async function produce(Lance: LanceCtor, address: string, topicId: number, count: number): Promise<number> {
  const lance = new Lance({ servers: [address] });
  const producer = lance.producer(topicId);
  const records = Array.from({ length: 16 }, (_, i) => new Uint8Array(SIZE).fill(0x61 + i));
  const limit = PRODUCER_DEFAULTS.bufferMemory - (SIZE + 5);
  let acked = 0;
  let waiting: (() => void) | undefined;
  producer.acks$.subscribe((o) => {
    if (o.type !== 'acked') throw new Error(`produce: ${o.type}`);
    acked += o.count;
    waiting?.();
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    while (producer.bufferedBytes > limit) await new Promise<void>((r) => (waiting = r));
    producer.next(records[i & 15]!);
  }
  await producer.close();
  const ms = performance.now() - t0;
  await lance.close();
  if (acked !== count) throw new Error(`produce: ${acked}/${count} acked`);
  return ms;
}

async function consume(Lance: LanceCtor, address: string, topicId: number, count: number): Promise<number> {
  const lance = new Lance({ servers: [address] });
  let records = 0;
  let checksum = 0;
  const t0 = performance.now();
  await lastValueFrom(
    lance.topic$(topicId, 0n, { maxFetchBytes: FETCH, pollIntervalMs: 10, lagProbeIntervalMs: false }).pipe(
      takeWhile((b) => {
        for (const r of b.records) checksum += r.type + r.value.length;
        records += b.records.length;
        return records < count;
      }, true),
    ),
  );
  const ms = performance.now() - t0;
  await lance.close();
  if (checksum !== count * (1 + SIZE - 5)) throw new Error(`consume: checksum ${checksum}`);
  return ms;
}

/** OpenTelemetry SDK providers that do all their work (spans ended, batched, metrics collected) but export nowhere. */
function otelOn(): () => Promise<void> {
  const spanExporter: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const metricExporter: PushMetricExporter = {
    export: (_metrics, done) => done({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spanExporter)] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 1_000 })],
  });
  const handle = instrumentLance({ tracerProvider, meterProvider });
  return async () => {
    handle.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

type Mode = 'before' | 'off' | 'otel';
const MODES: readonly Mode[] = ['before', 'off', 'otel'];

async function inMode<T>(mode: Mode, before: LanceCtor, run: (Lance: LanceCtor) => Promise<T>): Promise<T> {
  if (mode === 'before') return run(before);
  if (mode === 'off') return run(TodayLance);
  const off = otelOn();
  try {
    return await run(TodayLance);
  } finally {
    await off();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perSec = (count: number, ms: number): number => Math.round((count / ms) * 1000);

async function main(): Promise<void> {
  const before = loadBefore(BEFORE_REF);
  const produceMs: Record<Mode | 'raw', number[]> = { before: [], off: [], otel: [], raw: [] };
  const consumeMs: Record<Mode | 'raw', number[]> = { before: [], off: [], otel: [], raw: [] };

  // Consume: one filled server for every round (reads do not change it).
  const reader = await spawnServer({ host: '127.0.0.1', port: 0 });
  try {
    const address = `127.0.0.1:${reader.port}`;
    const raw = await RawConnection.open(address);
    const topicId = await raw.createTopic('bench-observability-consume');
    await raw.ingest(topicId, fixedPayloads(CONSUME, SIZE, 10_000), 8);
    raw.close();
    for (const mode of MODES) await inMode(mode, before, (L) => consume(L, address, topicId, CONSUME)); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order: whatever runs first in a round must not always be the same mode.
      for (const mode of [...MODES.slice(r % 3), ...MODES.slice(0, r % 3)])
        consumeMs[mode].push(await inMode(mode, before, (L) => consume(L, address, topicId, CONSUME)));
      const conn = await RawConnection.open(address);
      const t0 = performance.now();
      await rawFetchLoop(conn, topicId, BigInt(CONSUME * SIZE), { maxBytes: FETCH, prefetch: 1 });
      consumeMs.raw.push(performance.now() - t0);
      conn.close();
    }
  } finally {
    await reader.stop();
  }

  // Produce: a fresh server per measurement, so stored bytes of one run do not slow the next.
  const onFreshServer = async (run: (address: string, topicId: number) => Promise<number>): Promise<number> => {
    const server = await spawnServer({ host: '127.0.0.1', port: 0 });
    try {
      const address = `127.0.0.1:${server.port}`;
      const conn = await RawConnection.open(address);
      const topicId = await conn.createTopic('bench-observability-produce');
      conn.close();
      return await run(address, topicId);
    } finally {
      await server.stop();
    }
  };
  for (const mode of MODES)
    await onFreshServer((a, t) => inMode(mode, before, (L) => produce(L, a, t, Math.min(PRODUCE, 100_000))));
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of [...MODES.slice(r % 3), ...MODES.slice(0, r % 3)])
      produceMs[mode].push(await onFreshServer((a, t) => inMode(mode, before, (L) => produce(L, a, t, PRODUCE))));
    produceMs.raw.push(await onFreshServer((a, t) => rawProduce(a, t, SIZE, PRODUCE, RAW_FRAME_BYTES, RAW_WINDOW)));
  }

  const summary = (ms: Record<Mode | 'raw', number[]>, count: number) => {
    const rate = (k: Mode | 'raw') => perSec(count, median(ms[k]));
    return {
      recordsPerSec: { raw: rate('raw'), before: rate('before'), off: rate('off'), otel: rate('otel') },
      offVsBefore: +(rate('off') / rate('before')).toFixed(3),
      otelVsOff: +(rate('otel') / rate('off')).toFixed(3),
      offVsRaw: +(rate('off') / rate('raw')).toFixed(3),
      runsMs: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v.map(Math.round)])),
    };
  };
  const p = summary(produceMs, PRODUCE);
  const c = summary(consumeMs, CONSUME);
  console.log(
    JSON.stringify({
      bench: 'observability',
      server: 'LanceServer defaults in its own process (256 KiB reads, group commit 5 ms / 4 MiB, memory storage)',
      before: BEFORE_REF,
      rounds: ROUNDS,
      recordBytes: SIZE,
      produce: { records: PRODUCE, ...p },
      consume: { records: CONSUME, fetchBytes: FETCH, ...c },
      targets: 'off ≥ 0.97 × before; otel ≥ 0.85 × off (issue 16)',
      pass: [p, c].every((x) => x.offVsBefore >= 0.97 && x.otelVsOff >= 0.85),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
